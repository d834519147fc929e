"""interleave, TFRecordDataset(num_parallel_reads=N), list_files, window and from_generator beyond the recorded
TensorFlow cases (test_dataset_ops, test_tfrecord_dataset replay those): the parallel forms read ahead on
bounded threads that end with the iterator, failures name the file or the function, nothing hangs, and the
graphs carry TensorFlow's ops and attributes."""
import threading
import time

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.data import interleave_kernels
from dataset_reference import FILES

DEADLINE_S = 20


def _steps(make, limit=50):
    out, done = [], threading.Event()
    with tg.Graph().as_default():
        x = tg.data.make_one_shot_iterator(make()).get_next()
        sess = tg.Session()

        def read():
            for _ in range(limit):
                try:
                    v = sess.run(x)
                    out.append(v.tolist() if isinstance(v, np.ndarray) else v)
                except tg.errors.OutOfRangeError:
                    break
                except tg.errors.OpError as e:
                    out.append(e)
            done.set()
        threading.Thread(target=read, daemon=True).start()
        assert done.wait(DEADLINE_S), "reading the pipeline hung"
        sess.close()
    return out


def _threads():
    return [t for t in threading.enumerate() if t.name == "tg.data prefetch"]


def test_parallel_interleave_gives_the_sequential_order_on_bounded_threads():
    def make(parallel):
        return lambda: tg.data.Dataset.range(1, 8).interleave(
            lambda x: tg.data.Dataset.range(x).map(lambda y: y * 10 + x), cycle_length=3, block_length=2,
            num_parallel_calls=parallel)
    assert _steps(make(3)) == _steps(make(None))
    before = len(_threads())
    with tg.Graph().as_default():
        endless = tg.data.Dataset.range(1, 8).interleave(lambda x: tg.data.Dataset.from_tensors(x).repeat(),
                                                         cycle_length=3, num_parallel_calls=3)
        x = tg.data.make_one_shot_iterator(endless).get_next()
        with tg.Session() as sess:
            sess.run(x)
            assert 1 <= len(_threads()) - before <= 3           # at most cycle_length readers
    time.sleep(0.05)
    assert len(_threads()) == before                          # they end with the session


def test_tfrecord_num_parallel_reads_builds_tensorflows_legacy_parallel_interleave():
    with tg.Graph().as_default() as g:
        tg.data.TFRecordDataset([str(FILES / "a.tfrecord"), str(FILES / "b.tfrecord")], num_parallel_reads=2)
        op = next(o for o in g.get_operations() if o.type == "LegacyParallelInterleaveDatasetV2")
        consts = {i.op.name: int(np.asarray(i.op.get_attr("value"))) for i in op.inputs[1:]}
        assert consts == {"cycle_length": 2, "block_length": 1, "buffer_output_elements": 2,
                          "prefetch_input_elements": 4}
        assert op.get_attr("deterministic") in (b"true", "true")


def test_a_file_that_cannot_be_read_is_named_and_the_others_are_read():
    got = _steps(lambda: tg.data.TFRecordDataset([str(FILES / "c.tfrecord"), str(FILES / "truncated.tfrecord")],
                                                 num_parallel_reads=2), limit=8)
    errors = [e for e in got if isinstance(e, tg.errors.OpError)]
    assert [v for v in got if not isinstance(v, tg.errors.OpError)][:2] == [b"c-0", b"b-0"]
    assert errors and isinstance(errors[0], tg.errors.DataLossError) and "truncated.tfrecord" in errors[0].message


def test_a_function_failing_in_an_open_dataset_names_the_op_and_its_iterator():
    got = _steps(lambda: tg.data.Dataset.range(2).interleave(
        lambda x: tg.data.Dataset.range(2).map(lambda y: 10 // (y - x)), cycle_length=2, num_parallel_calls=2))
    failed = [e for e in got if isinstance(e, tg.errors.OpError)]
    assert failed and "Error in user-defined function passed to MapDataset" in failed[0].message
    assert "ParallelInterleaveV4" in failed[0].message


@pytest.mark.parametrize("cycle_length,block_length,message", [(0, 1, "cycle_length must be greater than zero"),
                                                               (2, 0, "block_length must be greater than zero")])
def test_bad_cycle_and_block_lengths_are_invalid_arguments(cycle_length, block_length, message):
    got = _steps(lambda: tg.data.Dataset.range(3).interleave(lambda x: tg.data.Dataset.range(x), cycle_length,
                                                             block_length), limit=1)
    assert isinstance(got[0], tg.errors.InvalidArgumentError) and message in got[0].message


def test_list_files_with_no_match_fails_its_assertion_in_an_initializable_iterator():
    with tg.Graph().as_default():
        it = tg.data.make_initializable_iterator(tg.data.Dataset.list_files(str(FILES / "nothing-*"), shuffle=False))
        with tg.Session() as sess, pytest.raises(tg.errors.InvalidArgumentError, match="No files matched pattern"):
            sess.run(it.initializer)


def test_list_files_builds_matching_files_and_a_shuffle_sized_by_the_matches():
    with tg.Graph().as_default() as g:
        tg.data.Dataset.list_files(str(FILES / "*.tfrecord"), seed=3)
        types = [o.type for o in g.get_operations()]
        assert "MatchingFiles" in types and "ShuffleDataset" in types
        assert g.get_operation_by_name("list_files/Maximum").type == "Maximum"


def test_window_rejects_a_zero_size():
    got = _steps(lambda: tg.data.Dataset.range(3).window(0).flat_map(lambda w: w.batch(2)), limit=1)
    assert isinstance(got[0], tg.errors.InvalidArgumentError) and "Window size must be greater than zero" in \
        got[0].message


def test_from_generator_runs_each_pass_anew_and_finalizes_it():
    passes = []

    def gen():
        passes.append("start")
        yield from range(3)
        passes.append("end")
    assert _steps(lambda: tg.data.Dataset.from_generator(gen, tg.int64, []).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert passes == ["start", "end", "start", "end"]


def test_from_generator_types_are_checked_when_built():
    with tg.Graph().as_default(), pytest.raises(TypeError, match="callable"):
        tg.data.Dataset.from_generator([1, 2], tg.int64)
    with tg.Graph().as_default(), pytest.raises(TypeError, match="output_signature"):
        tg.data.Dataset.from_generator(lambda: iter([1]), None)


def test_autotune_cycle_length_is_the_usable_cpus():
    assert interleave_kernels._cycle_length(-1) >= 1
