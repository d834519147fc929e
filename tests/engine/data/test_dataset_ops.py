"""tg.data's datasets against TensorFlow's: the same elements in the same order (shuffles: the same elements),
the same element types and static shapes, the same dataset ops in the graph, the same errors; and what the
kernels promise beside that (prefetching's depth and threads, reshuffling, placement beside a GPU)."""
import os
import threading
import time

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.data import buffered_kernels, dataset_kernels, structure
from dataset_reference import ABOUT, RECORD, assert_like_tensorflow, run_case

FILE_CASES = ("tfrecord_", "text_", "fixed_")
CASES = [name for name in RECORD.CASES if not name.startswith(FILE_CASES)]


@pytest.mark.parametrize("name", CASES)
def test_pipeline_gives_tensorflows_elements(name):
    steps, _ = run_case(name)
    assert_like_tensorflow(name, steps)


@pytest.mark.parametrize("name", CASES)
def test_dataset_has_tensorflows_types_shapes_and_ops(name):
    _, about = run_case(name)
    assert about == ABOUT[name]


# --- structure --------------------------------------------------------------------------------------------

def test_structures_flatten_as_tf_nest():
    import collections
    Point = collections.namedtuple("Point", ["y", "x"])
    element = ({"b": 1, "a": (2, 3)}, Point(4, [5, 6]))
    assert structure.flatten(element) == [2, 3, 1, 4, [5, 6]]
    packed = structure.pack_as(element, list("abcde"))
    assert packed == ({"b": "c", "a": ("a", "b")}, Point("d", "e"))
    assert list(packed[0]) == ["b", "a"]          # the caller's key order comes back
    with pytest.raises(ValueError, match="5 components, got 2"):
        structure.pack_as(element, [1, 2])


def test_dataset_element_structure_and_legacy_properties():
    with tg.Graph().as_default():
        ds = tg.data.Dataset.from_tensor_slices(({"w": ["a", "b"]}, [[1.0, 2.0], [3.0, 4.0]]))
        assert ds.output_types == ({"w": tg.string}, tg.float32)
        assert ds.output_shapes[1].as_list() == [2] and ds.output_shapes[0]["w"].as_list() == []
        assert ds.output_classes == ({"w": tg.Tensor}, tg.Tensor)
        assert tg.data.get_output_types(ds) == ds.output_types
        batched = ds.batch(5, drop_remainder=True)
        assert batched.output_shapes[1].as_list() == [5, 2]
        assert ds.batch(5).output_shapes[1].as_list() == [None, 2]


# --- functions in the library ------------------------------------------------------------------------------

def test_map_function_lives_in_the_graph_library_with_its_captures():
    with tg.Graph().as_default() as g:
        scale = tg.placeholder(tg.int64, [], name="scale")
        ds = tg.data.Dataset.range(3).map(lambda x: x * scale)
        op = ds._variant_tensor.op
        assert op.type == "MapDataset" and [t.name for t in op.inputs] == ["RangeDataset:0", "scale:0"]
        assert op.get_attr("Targuments") == [tg.int64]
        fdef = {f.signature.name: f for f in g.as_graph_def().library.function}[op.get_attr("f").name]
        assert [a.type for a in fdef.signature.input_arg] == [tg.int64.as_datatype_enum] * 2
        assert fdef.attr["_tf_data_function"].b
        it = tg.data.make_initializable_iterator(ds)
        x = it.get_next()
        with tg.Session() as sess:
            sess.run(it.initializer, {scale: 7})
            assert [sess.run(x) for _ in range(3)] == [0, 7, 14]


def test_a_function_returning_an_outer_tensor_captures_it():
    with tg.Graph().as_default():
        c = tg.constant([1.5, 2.5])
        x = tg.data.make_one_shot_iterator(tg.data.Dataset.range(2).map(lambda i: (i, c))).get_next()
        with tg.Session() as sess:
            assert np.array_equal(sess.run(x)[1], [1.5, 2.5])


def test_a_captured_resource_variable_is_read_for_each_element():
    with tg.Graph().as_default():
        v = tg.get_variable("v", [], tg.int64, initializer=tg.constant_initializer(3))
        it = tg.data.make_initializable_iterator(tg.data.Dataset.range(3).map(lambda x: x * v))
        x = it.get_next()
        with tg.Session() as sess:
            sess.run([tg.global_variables_initializer(), it.initializer])
            assert sess.run(x) == 0
            sess.run(v.assign(10))
            assert [sess.run(x), sess.run(x)] == [10, 20]


def test_build_errors_are_tensorflows():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="must return a `tf.bool` scalar"):
            tg.data.Dataset.range(3).filter(lambda x: x)
        with pytest.raises(TypeError, match="must return a `tf.data.Dataset`"):
            tg.data.Dataset.range(3).flat_map(lambda x: x)
        with pytest.raises(ValueError, match="rank >= 1"):
            tg.data.Dataset.from_tensor_slices(3.0)
        with pytest.raises(ValueError, match="Dimensions 2 and 3 are not compatible"):
            tg.data.Dataset.from_tensor_slices(([1, 2], [1, 2, 3]))
        with pytest.raises(TypeError, match="Incompatible dataset elements"):
            tg.data.Dataset.range(3).concatenate(tg.data.Dataset.from_tensor_slices([1.0]))
        with pytest.raises(ValueError, match="not compatible with the shape"):
            tg.data.Dataset.from_tensor_slices([[1, 2]]).padded_batch(2, padded_shapes=[3, 3])
        with pytest.raises(RuntimeError, match="eager mode"):
            iter(tg.data.Dataset.range(3))


# --- shuffling ------------------------------------------------------------------------------------------------

def _epochs(reshuffle, seed=5, epochs=3, n=20):
    with tg.Graph().as_default():
        ds = tg.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=reshuffle).repeat(epochs)
        x = tg.data.make_one_shot_iterator(ds.batch(n)).get_next()
        with tg.Session() as sess:
            return [sess.run(x).tolist() for _ in range(epochs)]


def test_reshuffle_each_iteration_gives_each_pass_an_order_of_its_own():
    epochs = _epochs(True)
    assert all(sorted(e) == list(range(20)) for e in epochs)
    assert epochs[0] != epochs[1] != epochs[2]
    assert _epochs(True) == epochs                 # seeded: the same orders in a new session


def test_without_reshuffling_every_pass_repeats_the_first_order():
    epochs = _epochs(False)
    assert epochs[0] == epochs[1] == epochs[2] and epochs[0] != list(range(20))


def test_shuffle_without_a_seed_is_not_fixed():
    orders = {tuple(_epochs(True, seed=None, epochs=1, n=30)[0]) for _ in range(3)}
    assert len(orders) > 1


# --- prefetching --------------------------------------------------------------------------------------------

class _Counting(dataset_kernels.ElementIterator):
    """An input that counts the elements asked of it; element 3 fails."""

    def __init__(self, n):
        self.n, self.made, self.closed = n, 0, False

    def get_next(self):
        if self.made >= self.n:
            return None
        self.made += 1
        if self.made == 4:
            raise tg.errors.InvalidArgumentError(None, None, "element 3 is bad")
        return [np.array(self.made - 1)]

    def close(self):
        self.closed = True


def _wait_for(condition):
    deadline = time.time() + 5
    while not condition() and time.time() < deadline:
        time.sleep(0.01)


def test_prefetch_makes_no_more_than_its_depth_ahead():
    source = _Counting(100)
    it = buffered_kernels.PrefetchIterator(source, 3)
    time.sleep(0.05)
    assert source.made == 0                           # the thread starts with the first request
    assert it.get_next()[0] == 0
    _wait_for(lambda: source.made == 4)
    time.sleep(0.1)
    assert source.made == 4 and it.buffered == 3      # one taken, three waiting, none more
    assert it.get_next()[0] == 1
    _wait_for(lambda: source.made == 5)
    time.sleep(0.1)
    assert source.made == 5
    it.close()
    assert source.closed and not any(t.name == "tg.data prefetch" for t in threading.enumerate())


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no per-thread priorities on this OS")
def test_prefetch_produces_at_a_lower_priority_than_the_consumer():
    seen = []

    class Probe(_Counting):
        def get_next(self):
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return super().get_next()
    it = buffered_kernels.PrefetchIterator(Probe(3), 2)
    it.get_next()
    it.close()
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen and seen[0] == min(19, mine + buffered_kernels.PRODUCER_NICE)


def test_prefetch_hands_a_failure_over_in_its_place_and_goes_on():
    it = buffered_kernels.PrefetchIterator(_Counting(6), 2)
    got = []
    for _ in range(7):
        try:
            x = it.get_next()
            got.append(None if x is None else int(x[0]))
        except tg.errors.InvalidArgumentError as e:
            got.append(e.message)
    assert got == [0, 1, 2, "element 3 is bad", 4, 5, None]
    it.close()


def _prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "tg.data prefetch"]


def test_prefetch_threads_end_when_restarted_and_when_the_session_closes():
    before = len(_prefetch_threads())
    with tg.Graph().as_default():
        it = tg.data.make_initializable_iterator(tg.data.Dataset.range(1000).map(lambda x: x + 1).prefetch(4))
        x = it.get_next()
        sess = tg.Session()
        sess.run(it.initializer)
        assert sess.run(x) == 1
        assert len(_prefetch_threads()) == before + 1
        sess.run(it.initializer)                     # started over: the old thread is joined
        assert sess.run(x) == 1 and len(_prefetch_threads()) == before + 1
        sess.close()
    assert len(_prefetch_threads()) == before


def test_prefetch_rejects_a_negative_depth():
    with tg.Graph().as_default():
        x = tg.data.make_one_shot_iterator(tg.data.Dataset.range(3).prefetch(-5)).get_next()
        with tg.Session() as sess, pytest.raises(tg.errors.InvalidArgumentError, match="buffer_size must be >= 0"):
            sess.run(x)


# --- beside a GPU -------------------------------------------------------------------------------------------

def test_pipeline_feeds_a_gpu_model_and_its_functions_run_on_the_cpu(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        ds = tg.data.Dataset.from_tensor_slices(np.arange(12, dtype=np.float32).reshape(6, 2)).map(
            lambda r: r * 2.0).batch(3)
        x = tg.data.make_one_shot_iterator(ds).get_next()
        with tg.device("/device:GPU:0"):
            y = tg.reduce_sum(x * x, axis=1)
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y), [4.0, 52.0, 164.0])
            assert "GPU" in " ".join(sess.last_run_stats.devices)
            bodies = [v for k, v in sess._state.op_state.items() if isinstance(k, tuple) and k[0] == "dataset_function"]
            assert bodies and all(d.device_type == "CPU" for fn in bodies
                                  for op, d in fn._plan.placement.items() if op.graph is fn.body.graph)


def test_a_dataset_copies_a_fed_array_and_not_a_constant(monkeypatch):
    kept = []
    real = dataset_kernels._TensorSlices.__init__

    def spy(self, ctx, components):
        real(self, ctx, components)
        kept.append(all(mine is given for mine, given in zip(self.components, components)))

    monkeypatch.setattr(dataset_kernels._TensorSlices, "__init__", spy)
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [3])
        fed, constant = [tg.data.make_initializable_iterator(tg.data.Dataset.from_tensor_slices(t))
                         for t in (p, tg.constant(np.arange(1000, dtype=np.float32)))]
        with tg.Session() as sess:
            sess.run(fed.initializer, {p: np.ones(3, np.float32)})
            sess.run(constant.initializer)
    assert kept == [False, True]


def test_a_dataset_of_a_fed_array_keeps_the_values_fed():
    # The iterator outlives the run that initialized it; the caller may change its array meanwhile.
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [3])
        it = tg.data.make_initializable_iterator(tg.data.Dataset.from_tensor_slices(p))
        nxt = it.get_next()
        with tg.Session() as sess:
            fed = np.array([1.0, 2.0, 3.0], np.float32)
            sess.run(it.initializer, {p: fed})
            fed[:] = 9.0
            assert [float(sess.run(nxt)) for _ in range(3)] == [1.0, 2.0, 3.0]
