"""Checkpoints of partitioned variables: the bytes TensorFlow writes, slices read out of whole tensors and
whole tensors assembled from slices, and TensorFlow's errors for slice specs that do not fit
(tests/data/serialization/record_partitioned.py recorded the files and the errors)."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.serialization import Saver, bundle
from tagraph.serialization.bundle_slices import TensorSlice, encode_tensor_name_slice, parse_shape_and_slice
from tagraph.serialization.checkpoint_utils import NewCheckpointReader
from tagraph.engine.variables.partitioned_variables import SaveSliceInfo

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "serialization"
_spec = importlib.util.spec_from_file_location("record_partitioned", DATA / "record_partitioned.py")
rp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rp)
RECORD = json.loads((DATA / "partitioned" / "partitioned.json").read_text())
SLICED = DATA / "partitioned" / "sliced" / "model"
HOLES = DATA / "partitioned" / "holes" / "model"
_SUFFIXES = (".index", ".data-00000-of-00001")


@pytest.mark.parametrize("use_resource", [True, False])
def test_saver_writes_tensorflows_bytes_for_partitioned_variables(tmp_path, use_resource):
    with tg.Graph().as_default() as g:
        rp.sliced_variables(tg, use_resource=use_resource)
        n0 = len(g.get_operations())
        saver = Saver()
        if use_resource:   # TensorFlow's save and restore subgraph, node for node
            assert [[op.name, op.type] for op in g.get_operations()[n0:]] == RECORD["sliced_saver_nodes"]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "model"), write_meta_graph=False, write_state=False)
    for suffix in _SUFFIXES:
        assert pathlib.Path(prefix + suffix).read_bytes() == pathlib.Path(str(SLICED) + suffix).read_bytes(), suffix


def test_bundle_writer_add_slice_writes_tensorflows_bytes(tmp_path):
    prefix = str(tmp_path / "model")
    with bundle.BundleWriter(prefix) as writer:
        writer.add("b", rp.VALUES["b"])
        for name, (_, parts) in (("n", (0, [(0, 3), (3, 2), (5, 2)])), ("v", (1, [(0, 3), (3, 2)])),
                                 ("w", (0, [(0, 4), (4, 3), (7, 3)]))):
            value = rp.VALUES[name]
            axis = 1 if name == "v" else 0
            for start, length in parts:
                extents = [(0, d) for d in value.shape]
                extents[axis] = (start, length)
                piece = TensorSlice(extents)
                index = tuple(slice(s, s + n) for s, n in extents)
                writer.add_slice(name, value.shape, piece, value[index])
    for suffix in _SUFFIXES:
        assert pathlib.Path(prefix + suffix).read_bytes() == pathlib.Path(str(SLICED) + suffix).read_bytes(), suffix


def test_a_slice_that_is_the_whole_tensor_is_written_whole(tmp_path):
    prefix = str(tmp_path / "model")
    with bundle.BundleWriter(prefix) as writer:
        writer.add_slice("w", (10, 3), TensorSlice.parse("0,10:-"), rp.VALUES["w"])
    reader = bundle.BundleReader(prefix)
    assert reader.keys() == ["w"] and not reader.entry("w").slices


def test_whole_tensors_are_assembled_from_slices():
    reader = bundle.BundleReader(str(SLICED))
    for name, value in rp.VALUES.items():
        np.testing.assert_array_equal(reader.read(name), value)
    np.testing.assert_array_equal(reader.read_many(["w", "b", "v"])[2], rp.VALUES["v"])
    # As TensorFlow's CheckpointReader: the partitioned tensors by their full names, not their slices' keys.
    assert reader.get_variable_to_shape_map() == {"b": [3], "n": [7, 2], "v": [4, 5], "w": [10, 3]}
    assert len(reader.keys()) == 4 + 8
    ckpt = NewCheckpointReader(str(SLICED))
    np.testing.assert_array_equal(ckpt.get_tensor("w"), rp.VALUES["w"])
    assert sorted(ckpt.get_variable_to_dtype_map()) == ["b", "n", "v", "w"]


@pytest.mark.parametrize("name,spec,index", [
    ("w", "10 3 2,5:1,2", np.s_[2:7, 1:3]),      # across two stored slices
    ("w", "10 3 4,3:0,3", np.s_[4:7, :]),        # exactly one stored slice
    ("w", "10 3 0,4:-", np.s_[0:4, :]),          # the same slice, written with a whole dimension
    ("w", "10 3 -:-", np.s_[:, :]),
    ("v", "4 5 1,2:1,3", np.s_[1:3, 1:4]),
    ("n", "7 2 2,4:1,1", np.s_[2:6, 1:2]),
    ("b", "3 1,2", np.s_[1:3]),                  # a slice of a tensor stored whole
    ("b", "3 -", np.s_[:]),
])
def test_restore_v2_reads_any_slice(name, spec, index):
    with tg.Graph().as_default() as g:
        out = g.create_op("RestoreV2", [str(SLICED), [name], [spec]],
                          {"dtypes": [tg.as_dtype(rp.VALUES[name].dtype)]}, name="restore").outputs[0]
        assert out.shape.as_list() == list(parse_shape_and_slice(spec)[2])   # a constant spec gives the shape
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(out), rp.VALUES[name][index])


def _run_restore(spec, prefix=SLICED, name="w"):
    with tg.Graph().as_default() as g:
        fed = tg.placeholder(tg.string, [1])
        out = g.create_op("RestoreV2", [str(prefix), [name], fed], {"dtypes": [tg.float32]}, name="restore")
        with tg.Session() as sess:
            return sess.run(out.outputs[0], {fed: [spec]})


@pytest.mark.parametrize("case,spec,prefix", [
    ("restore_out_of_bounds", "10 3 0,20:0,3", SLICED),
    ("restore_wrong_full_shape", "11 3 0,4:0,3", SLICED),
    ("restore_bad_syntax", "10 3 0,4:x", SLICED),
    ("restore_negative_start", "10 3 -1,4:0,3", SLICED),
    ("restore_one_element", "0,4:0,3", SLICED),
    ("restore_wrong_rank", "10 3 0,4", SLICED),
    ("restore_missing_slices", "10 3 0,10:0,3", HOLES),
])
def test_restore_v2_refuses_slices_that_do_not_fit_as_tensorflow_does(case, spec, prefix):
    error_class, message = RECORD["errors"][case]
    with pytest.raises(getattr(errors, error_class)) as info:
        _run_restore(spec, prefix)
    assert message in info.value.message


def test_a_constant_slice_spec_that_does_not_fit_fails_while_building():
    error_class, message = RECORD["errors"]["restore_out_of_bounds_const"]
    with tg.Graph().as_default() as g:
        with pytest.raises(getattr(errors, error_class), match=message.replace("[", "\\[").replace("]", "\\]")):
            g.create_op("RestoreV2", [str(SLICED), ["w"], ["10 3 0,20:0,3"]], {"dtypes": [tg.float32]})
        with pytest.raises(ValueError, match="Expected a pair of numbers"):
            g.create_op("RestoreV2", [str(SLICED), ["w"], ["10 3 0,4:x"]], {"dtypes": [tg.float32]})


@pytest.mark.parametrize("case,spec", [("save_slice_shape_mismatch", "10 3 0,4:0,3"),
                                       ("save_out_of_bounds", "10 3 8,3:0,3")])
def test_save_v2_refuses_slices_that_do_not_fit_as_tensorflow_does(tmp_path, case, spec):
    error_class, message = RECORD["errors"][case]
    with tg.Graph().as_default() as g:
        fed = tg.placeholder(tg.string, [1])
        save = g.create_op("SaveV2", [str(tmp_path / "model"), ["w"], fed, [tg.zeros([3, 3])]], {})
        with tg.Session() as sess:
            with pytest.raises(getattr(errors, error_class)) as info:
                sess.run(save, {fed: [spec]})
    assert message in info.value.message
    assert not list(tmp_path.iterdir())     # nothing half-written is left behind


@pytest.mark.parametrize("spec,shape", [("10 3 0,4:-", (4, 3)), ("10 3 +1,4:0,3", (4, 3)), ("10 3 ::0,4:0,3", (4, 3)),
                                        ("10 3 \t1,4:0,3", (4, 3)), ("10 3 -:-", (10, 3))])
def test_slice_specs_parse_as_tensorflows(spec, shape):
    # Forms TensorFlow 2.21 accepts (checked against it when this was written).
    assert parse_shape_and_slice(spec)[2] == shape


@pytest.mark.parametrize("spec,error,message", [
    ("10  3 0,4:0,3", errors.InvalidArgumentError, "Non numerical dimension in shape_and_slice"),
    ("10 3 0,4,5:0,3", errors.InvalidArgumentError, "Expected a pair of numbers or '-' but got '0,4,5'"),
    ("10 3 0,0:0,3", errors.InvalidArgumentError, "positive length but got start = 0, length = 0"),
    ("10 3 ", errors.InternalError, "Mismatching ranks: shape = [10,3], slice = "),
    ("-1 3 0,4:0,3", errors.InvalidArgumentError, "Negative dimension -1"),   # TensorFlow aborts its process
])
def test_bad_slice_specs_raise_tensorflows_errors(spec, error, message):
    with pytest.raises(error) as info:
        parse_shape_and_slice(spec)
    assert message in info.value.message


def test_slice_keys_are_tensorflows_ordered_codes():
    assert encode_tensor_name_slice(b"w", TensorSlice.parse("0,4:0,3")) == b"\x00w\x00\x01\x01\x02\x80\x84\x80\x83"
    # 0x00 and 0xff in a name are escaped; a whole dimension is start 0 (80), length -1 (7f).
    assert encode_tensor_name_slice(b"a\x00\xffb", TensorSlice.parse("-")) == \
        b"\x00a\x00\xff\xff\x00b\x00\x01\x01\x01\x80\x7f"
    # OrderedCode's own examples: 0x424242 -> f0 42 42 42, -0x800 -> 38 00 (as start; length 1 -> 81).
    assert encode_tensor_name_slice(b"", TensorSlice([(0x424242, 1)]))[5:] == b"\xf0\x42\x42\x42\x81"
    assert encode_tensor_name_slice(b"", TensorSlice([(-0x800, 1)]))[5:] == b"\x38\x00\x81"
    reader = bundle.BundleReader(str(SLICED))
    assert encode_tensor_name_slice(b"w", TensorSlice.parse("7,3:0,3")).decode("utf-8", "surrogateescape") \
        in reader.keys()


def test_slices_of_strings_and_a_sharded_save(tmp_path):
    words = np.array([[b"a", b"bc"], [b"", b"\xc3\xa9"], [b"x" * 300, b"y"]], dtype=object)
    prefix = str(tmp_path / "words")
    with bundle.BundleWriter(prefix) as writer:
        writer.add_slice("s", (3, 2), TensorSlice.parse("1,2:-"), words[1:])
        writer.add_slice("s", (3, 2), TensorSlice.parse("0,1:-"), words[:1])
    reader = bundle.BundleReader(prefix)
    assert reader.read("s").tolist() == words.tolist()
    assert reader.read_slice("s", TensorSlice.parse("0,2:1,1")).tolist() == words[:2, 1:].tolist()
    with tg.Graph().as_default():
        with tg.device("/cpu:0"):
            w = tg.get_variable("w", [10, 3], initializer=rp.VALUES["w"], partitioner=tg.fixed_size_partitioner(3))
        saver = Saver(sharded=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            path = saver.save(sess, str(tmp_path / "sharded"), write_meta_graph=False)
        np.testing.assert_array_equal(bundle.BundleReader(path).read("w"), rp.VALUES["w"])
        with tg.Session() as sess:
            saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run(w.as_tensor()), rp.VALUES["w"])


def test_overlapping_or_misrecorded_slices_are_refused(tmp_path):
    prefix = str(tmp_path / "overlap")
    with bundle.BundleWriter(prefix) as writer:      # TensorFlow's writer does not check overlaps either
        writer.add_slice("w", (10, 3), TensorSlice.parse("0,4:-"), rp.VALUES["w"][:4])
        writer.add_slice("w", (10, 3), TensorSlice.parse("2,8:-"), rp.VALUES["w"][2:])
        with pytest.raises(errors.InvalidArgumentError, match="Adding duplicate key: slice 0,4:-"):
            writer.add_slice("w", (10, 3), TensorSlice.parse("0,4:-"), rp.VALUES["w"][:4])
        with pytest.raises(errors.InvalidArgumentError, match="disagree on dtype or full shape"):
            writer.add_slice("w", (11, 3), TensorSlice.parse("10,1:-"), rp.VALUES["w"][:1])
        writer.add("whole", rp.VALUES["b"])
        with pytest.raises(errors.InvalidArgumentError, match="was added whole"):
            writer.add_slice("whole", (6,), TensorSlice.parse("3,3"), rp.VALUES["b"])
    with pytest.raises(errors.InternalError, match="Overlapping slices: existing slice = 0,4:-, new slice = 2,8:-"):
        bundle.BundleReader(prefix).read("w")


def test_tensorflows_partitioned_checkpoint_restores_into_other_partitionings():
    for partitioner in (None, tg.fixed_size_partitioner(4), tg.fixed_size_partitioner(2, axis=1),
                        tg.min_max_variable_partitioner(10, min_slice_size=4)):
        with tg.Graph().as_default():
            w = tg.get_variable("w", [10, 3], partitioner=partitioner)
            v = tg.get_variable("v", [4, 5], tg.float64, partitioner=partitioner)
            saver = Saver([w, v])
            with tg.Session() as sess:
                saver.restore(sess, str(SLICED))
                np.testing.assert_array_equal(sess.run(tg.convert_to_tensor(w)), rp.VALUES["w"])
                np.testing.assert_array_equal(sess.run(tg.convert_to_tensor(v)), rp.VALUES["v"])


def test_slices_of_different_tensors_cannot_be_saved_as_one():
    with tg.Graph().as_default():
        w = tg.get_variable("w", [4], partitioner=tg.fixed_size_partitioner(2))
        v = tg.get_variable("v", [4], partitioner=tg.fixed_size_partitioner(2))
        with pytest.raises(ValueError, match="Slices must all be from the same tensor: w != v"):
            Saver({"w": [list(w)[0], list(v)[1]]})
        a = tg.get_variable("a", [4])
        part = list(w)[0]
        part._set_save_slice_info(SaveSliceInfo("a", [4], [0], [2]))
        with pytest.raises(ValueError, match="Mixing slices and non-slices with the same name: a"):
            Saver([a, part])


def test_mutated_slice_entries_give_tensorflows_error_classes_or_the_true_values(tmp_path):
    # The full entry of "w" with its slices and shape changed at random: a read either fails with an OpError
    # or gives exactly the saved values (the parts are checksummed; the slices must cover what is asked).
    header, raw = bundle._read_index(str(SLICED) + ".index")
    entries = {k: bundle._parse_entry(v, k, "sliced") for k, v in raw}
    data = pathlib.Path(str(SLICED) + ".data-00000-of-00001").read_bytes()
    rng = np.random.default_rng(17)
    outcomes = set()
    for case in range(300):
        mutated = {k: type(e).FromString(e.SerializeToString()) for k, e in entries.items()}
        w = mutated[b"w"]
        for _ in range(rng.integers(1, 4)):
            choice = rng.integers(5)
            extents = w.slices[rng.integers(len(w.slices))].extent if w.slices else []
            extent = extents[rng.integers(len(extents))] if len(extents) else None
            if choice == 0 and extent is not None:
                extent.start = int(rng.integers(-3, 12))
            elif choice == 1 and extent is not None:
                if rng.integers(3):
                    extent.length = int(rng.integers(-2, 1 << 40 if rng.integers(4) == 0 else 12))
                else:
                    extent.ClearField("length")
            elif choice == 2:
                w.shape.dim[rng.integers(2)].size = int(rng.integers(0, 1 << 45 if rng.integers(4) == 0 else 12))
            elif choice == 3 and w.slices:
                del w.slices[rng.integers(len(w.slices))]
            else:
                w.slices.add().extent.add(start=int(rng.integers(0, 10)), length=int(rng.integers(1, 5)))
        prefix = str(tmp_path / ("case%d" % case))
        bundle._write_index(prefix + ".index", header, mutated)
        pathlib.Path(prefix + ".data-00000-of-00001").write_bytes(data)
        reader = bundle.BundleReader(prefix)
        try:
            value = reader.read("w")
        except errors.OpError as e:
            outcomes.add(type(e).__name__)
        else:
            outcomes.add("same")
            np.testing.assert_array_equal(value, rp.VALUES["w"])
        finally:
            reader.close()
    assert {"same", "InvalidArgumentError", "InternalError", "NotFoundError"} <= outcomes


def test_partitioned_variables_on_each_device_save_tensorflows_bytes_and_restore(tmp_path, device):
    with tg.Graph().as_default():
        with tg.device(device):
            vs = rp.sliced_variables(tg)
            loss = tg.reduce_sum(tg.matmul(tg.ones([1, 10]), vs["w"]))
            train = tg.train.GradientDescentOptimizer(0.5).minimize(loss)
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "model"), write_meta_graph=False, write_state=False)
            sess.run(train)
            np.testing.assert_allclose(sess.run(vs["w"].as_tensor()), rp.VALUES["w"] - 0.5)
            saver.restore(sess, str(SLICED))
            np.testing.assert_array_equal(sess.run(vs["w"].as_tensor()), rp.VALUES["w"])
    for suffix in _SUFFIXES:
        assert pathlib.Path(prefix + suffix).read_bytes() == pathlib.Path(str(SLICED) + suffix).read_bytes(), suffix


def test_a_partitioned_variable_saves_under_the_name_given_to_the_saver(tmp_path):
    with tg.Graph().as_default():
        w = tg.get_variable("w", [10, 3], initializer=rp.VALUES["w"], partitioner=tg.fixed_size_partitioner(3))
        saver = Saver({"weights": w}, reshape=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "model"), write_meta_graph=False, write_state=False)
    reader = bundle.BundleReader(prefix)
    assert reader.get_variable_to_shape_map() == {"weights": [10, 3]} and len(reader.entry("weights").slices) == 3
    with tg.Graph().as_default():
        whole = tg.get_variable("whole", [10, 3])
        with tg.Session() as sess:
            Saver({"weights": whole}).restore(sess, prefix)
            np.testing.assert_array_equal(sess.run(whole), rp.VALUES["w"])
