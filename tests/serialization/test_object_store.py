"""Checkpoints, meta graphs, SavedModels, TFRecord files and the tools on an object store: a real S3-protocol
server (moto's, on loopback), written and read through s3:// URLs, and memory:// for fsspec's other stores."""
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from object_store_server import new_bucket, s3_server  # noqa: F401 - the fixture

import tagraph.engine as tg
from tagraph.engine.framework import errors, file_io
from tagraph.engine.framework.tfrecord import TFRecordOptions, TFRecordWriter, tf_record_iterator
from tagraph.serialization import (Saver, checkpoint_exists, get_checkpoint_state, import_meta_graph,
                                   inspect_checkpoint, latest_checkpoint, load_checkpoint, saved_model)
from tagraph.serialization import saved_model_cli
from tagraph.serialization.path_safety import safe_join
from tagraph.serialization.saved_model import loader, signature_def_utils, tag_constants

TF_DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf"


def _graph():
    """v (2x3 float32), w (strings), step; returns (graph, v, w, assign ops that set v to k * ones)."""
    graph = tg.Graph()
    with graph.as_default():
        v = tg.get_variable("v", initializer=np.arange(6, dtype=np.float32).reshape(2, 3))
        w = tg.Variable(np.array([b"a", b"bc"], dtype=object), name="w")
        k = tg.placeholder(tg.float32, [], name="k")
        set_v = tg.assign(v, k * tg.ones([2, 3]))
    return graph, v, w, k, set_v


def _run_saves(root, steps, **saver_kwargs):
    graph, v, w, k, set_v = _graph()
    with graph.as_default():
        saver = Saver(**saver_kwargs)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            paths = []
            for step in steps:
                sess.run(set_v, {k: float(step)})
                paths.append(saver.save(sess, root + "/run/model.ckpt", global_step=step))
    return paths


def _restored_v(prefix):
    graph, v, w, _, _ = _graph()
    with graph.as_default(), tg.Session() as sess:
        Saver().restore(sess, prefix)
        return sess.run([v, w])


@pytest.fixture(params=["s3", "memory"])
def store(request):
    if request.param == "memory":
        return "memory://tagraph-test-serialization"
    request.getfixturevalue("s3_server")
    return new_bucket()


def test_saver_save_restore_max_to_keep_and_latest_checkpoint(store):
    paths = _run_saves(store, [1, 2, 3, 4], max_to_keep=2)
    run = store + "/run"
    assert paths == [run + "/model.ckpt-%d" % s for s in (1, 2, 3, 4)]
    assert latest_checkpoint(run) == run + "/model.ckpt-4"
    state = get_checkpoint_state(run)
    assert state.model_checkpoint_path == run + "/model.ckpt-4"
    assert list(state.all_model_checkpoint_paths) == [run + "/model.ckpt-3", run + "/model.ckpt-4"]
    # Deleted past max_to_keep, every file of them; the state file holds relative names, as TensorFlow's.
    assert sorted(file_io.listdir(run)) == ["checkpoint"] + [
        "model.ckpt-%d.%s" % (s, ext) for s in (3, 4) for ext in ("data-00000-of-00001", "index", "meta")]
    assert b'model_checkpoint_path: "model.ckpt-4"' in file_io.read_file(run + "/checkpoint")
    assert checkpoint_exists(run + "/model.ckpt-3") and not checkpoint_exists(run + "/model.ckpt-1")
    v, w = _restored_v(latest_checkpoint(run))
    np.testing.assert_array_equal(v, np.full((2, 3), 4.0, np.float32))
    assert list(w) == [b"a", b"bc"]
    v, _ = _restored_v(run + "/model.ckpt-3")
    np.testing.assert_array_equal(v, np.full((2, 3), 3.0, np.float32))
    reader = load_checkpoint(run)
    np.testing.assert_array_equal(reader.get_tensor("v"), np.full((2, 3), 4.0, np.float32))
    file_io.rmtree(store + "/run")


def test_sharded_save_merges_on_the_store(s3_server):  # noqa: F811 - the fixture
    bucket = new_bucket()
    graph, v, w, k, set_v = _graph()
    with graph.as_default():
        saver = Saver(sharded=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, bucket + "/sharded/model.ckpt")
    names = sorted(file_io.listdir(bucket + "/sharded"))
    assert names == ["checkpoint", "model.ckpt.data-00000-of-00001", "model.ckpt.index", "model.ckpt.meta"]
    v_value, _ = _restored_v(prefix)
    np.testing.assert_array_equal(v_value, np.arange(6, dtype=np.float32).reshape(2, 3))


def test_meta_graph_export_and_import_from_the_store(s3_server):  # noqa: F811
    bucket = new_bucket()
    prefix = _run_saves(bucket, [7])[0]
    with tg.Graph().as_default() as graph, tg.Session() as sess:
        saver = import_meta_graph(prefix + ".meta")
        saver.restore(sess, prefix)
        (v,) = [var for var in tg.global_variables() if var.op.name == "v"]
        np.testing.assert_array_equal(sess.run(v), np.full((2, 3), 7.0))


def test_inspect_checkpoint_reads_the_store(s3_server, capsys):  # noqa: F811
    bucket = new_bucket()
    prefix = _run_saves(bucket, [5])[0]
    assert inspect_checkpoint.main(["--file_name=%s" % prefix, "--tensor_name=v"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tensor: v (float32) [2, 3]\n[[5. 5. 5.]\n [5. 5. 5.]]")


def test_a_writer_killed_mid_save_leaves_the_previous_checkpoint_latest(s3_server, tmp_path):  # noqa: F811
    bucket = new_bucket()
    _run_saves(bucket, [1])
    # A second process saves step 2 and dies (os._exit: no cleanup at all) when it is about to upload the
    # index, after the data object is already on the store.
    script = textwrap.dedent("""
        import os, sys
        sys.path[:0] = [%r, %r]
        from test_object_store import _run_saves
        from tagraph.engine.framework import file_io
        fs = file_io._filesystem(%r)
        pipe_file = fs.pipe_file
        def dying_pipe_file(path, data, **kwargs):
            if path.endswith(".index"):
                os._exit(9)
            return pipe_file(path, data, **kwargs)
        fs.pipe_file = dying_pipe_file
        _run_saves(%r, [2])
    """ % (os.path.dirname(__file__), os.path.dirname(os.path.dirname(__file__)), bucket, bucket))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    run = bucket + "/run"
    assert file_io.exists(run + "/model.ckpt-2.data-00000-of-00001")     # an orphan, never referenced
    assert not file_io.exists(run + "/model.ckpt-2.index")
    assert latest_checkpoint(run) == run + "/model.ckpt-1"
    v, _ = _restored_v(latest_checkpoint(run))
    np.testing.assert_array_equal(v, np.full((2, 3), 1.0, np.float32))


def test_saving_to_a_missing_bucket_fails_clearly(s3_server):  # noqa: F811
    graph, *_ = _graph()
    with graph.as_default(), tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        with pytest.raises(ValueError, match="Parent directory of s3://tagraph-no-such-bucket-x/run/m doesn't"):
            Saver().save(sess, "s3://tagraph-no-such-bucket-x/run/m")
        with pytest.raises(errors.NotFoundError):
            Saver().restore(sess, "s3://tagraph-no-such-bucket-x/run/m")


def test_a_url_without_its_file_system_fails_loudly_and_writes_nothing_locally(tmp_path, monkeypatch):
    import importlib
    registry = importlib.import_module("fsspec.registry")
    monkeypatch.setitem(sys.modules, "s3fs", None)
    monkeypatch.delitem(registry._registry, "s3", raising=False)
    monkeypatch.setattr(file_io, "_filesystems", {})
    monkeypatch.chdir(tmp_path)
    graph, *_ = _graph()
    with graph.as_default(), tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        with pytest.raises(ImportError, match=r"pip install 'tagraph\[cloud\]'"):
            Saver().save(sess, "s3://bucket/run/model.ckpt")
        with pytest.raises(ImportError, match=r"pip install 'tagraph\[cloud\]'"):
            latest_checkpoint("s3://bucket/run")
    assert os.listdir(tmp_path) == []     # no ./s3:/bucket/... folder


def _export(export_dir, asset):
    builder = saved_model.builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        x = tg.placeholder(tg.float32, [None, 1], name="x")
        a = tg.get_variable("a", initializer=tg.constant(0.5))
        b = tg.get_variable("b", initializer=tg.constant(2.0))
        y = tg.add(a * x, b, name="y")
        tg.add_to_collection(tg.GraphKeys.ASSET_FILEPATHS, tg.constant(asset, name="vocab_filename"))
        sess.run(tg.global_variables_initializer())
        builder.add_meta_graph_and_variables(
            sess, [tag_constants.SERVING],
            signature_def_map={"serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y})})
    return builder.save()


def test_saved_model_export_and_load(store, tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    export_dir = store + "/models/m/1"
    assert _export(export_dir, str(vocab)) == export_dir + "/saved_model.pb"
    assert sorted(file_io.listdir(export_dir)) == ["assets", "saved_model.pb", "variables"]
    assert file_io.read_file(export_dir + "/assets/vocab.txt") == b"a\nb\n"
    assert loader.maybe_saved_model_directory(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        mg = loader.load(sess, [tag_constants.SERVING], export_dir)
        sig = mg.signature_def["serving_default"]
        got = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0], [4.0]]})
        assets = loader.get_asset_tensors(export_dir, mg)
    np.testing.assert_allclose(got, [[2.5], [4.0]])
    assert list(assets.values()) == [(export_dir + "/assets/vocab.txt").encode()]
    assert safe_join(export_dir + "/assets", "sub/./v.txt") == export_dir + "/assets/sub/v.txt"
    for bad in ("../../2/variables", "/etc/passwd", ".", "a\x00b"):   # names from a SavedModel stay inside
        with pytest.raises(errors.InvalidArgumentError, match="Refusing path"):
            safe_join(export_dir + "/assets", bad)
    with pytest.raises(AssertionError, match="isn't empty"):
        saved_model.builder.SavedModelBuilder(export_dir)
    file_io.rmtree(store + "/models")


def test_saved_model_cli_show_reads_the_store(s3_server, capsys):  # noqa: F811
    bucket = new_bucket()
    local = TF_DATA / "half_plus_two"
    for name, _ in file_io.list_files(str(local)):
        file_io.copy(str(local / name), "%s/hpt/1/%s" % (bucket, name))
    assert saved_model_cli.main(["show", "--dir", str(local), "--all"]) == 0
    expected = capsys.readouterr().out
    assert saved_model_cli.main(["show", "--dir", bucket + "/hpt/1", "--all"]) == 0
    assert capsys.readouterr().out == expected
    assert saved_model_cli.main(["show", "--dir", bucket + "/hpt"]) == 1
    assert "a model base path? try --dir %s/hpt/1" % bucket in capsys.readouterr().err


@pytest.mark.parametrize("compression", ["", "GZIP"])
def test_tfrecord_write_and_read(s3_server, compression):  # noqa: F811
    bucket = new_bucket()
    path = bucket + "/data/train.tfrecord"
    records = [b"", b"one", os.urandom(3000)]
    with TFRecordWriter(path, TFRecordOptions(compression)) as writer:
        for r in records:
            writer.write(r)
        assert not file_io.exists(path)           # the object appears when the writer closes
    assert list(tf_record_iterator(path, TFRecordOptions(compression))) == records
    local_copy = bucket.replace("s3://", "memory://") + ".tfrecord"
    file_io.copy(path, local_copy)
    assert list(tf_record_iterator(local_copy, TFRecordOptions(compression))) == records
    with pytest.raises(errors.NotFoundError):
        list(tf_record_iterator(bucket + "/data/missing.tfrecord"))
    # tf.data reads the same objects (and says which one is missing).
    with tg.Graph().as_default():
        dataset = tg.data.TFRecordDataset([path, bucket + "/data/missing.tfrecord"], compression_type=compression)
        x = tg.data.make_one_shot_iterator(dataset).get_next()
        with tg.Session() as sess:
            assert [sess.run(x) for _ in records] == records
            with pytest.raises(errors.NotFoundError, match="missing.tfrecord"):
                sess.run(x)
