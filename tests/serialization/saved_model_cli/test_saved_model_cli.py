"""tagraph-saved-model-cli: `show` and `scan` print TensorFlow's text exactly; `run` gives the guide's numbers.

The CLI runs in-process through main(argv) (fast); one test runs the installed console script.
Python prints sets in PYTHONHASHSEED order, as TensorFlow's CLI does, so the "contains the following ops"
lines are compared as sets; everything else is compared character for character.
"""
import ast
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tagraph.serialization import saved_model_cli as cli

TF = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf"
CLI_DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "saved_model_cli"
HALF = str(TF / "half_plus_two")
X1X2 = str(TF / "x1_x2_to_y")
FIXTURE = json.loads((TF / "half_plus_two.cli.json").read_text())
EXPECTED = json.loads((TF / "expected.json").read_text())
RUN_X1X2 = ["run", "--dir", X1X2, "--tag_set", "serve", "--signature_def", "x1_x2_to_y"]


def call(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


_SET_LINE_MARKERS = ("contains the following ops: ", "denylisted ops: ")


def split_sets(text):
    """(text with each printed set replaced by a placeholder, [the sets]) -- set order follows the hash seed."""
    lines, sets = [], []
    for line in text.split("\n"):
        for marker in _SET_LINE_MARKERS:
            if marker in line:
                head, tail = line.split(marker, 1)
                sets.append(ast.literal_eval(tail))
                line = head + marker + "<set>"
        lines.append(line)
    return "\n".join(lines), sets


def assert_same_output(got, expected):
    g, gs = split_sets(got)
    e, es = split_sets(expected)
    assert g == e
    assert gs == es


@pytest.fixture
def data(tmp_path):
    """The guide's inputs for x1_x2_to_y, in every file form."""
    x1 = np.array(EXPECTED["x1_x2_to_y"]["x1"], np.float32)
    x2 = np.array(EXPECTED["x1_x2_to_y"]["x2"], np.float32)
    np.save(tmp_path / "a.npy", x1)
    np.save(tmp_path / "b.npy", x2)
    np.savez(tmp_path / "both.npz", x=x1, y=x2)
    np.savez(tmp_path / "one.npz", only=x2)
    import pickle
    with open(tmp_path / "b.pkl", "wb") as f:
        pickle.dump(x2, f)
    with open(tmp_path / "d.pkl", "wb") as f:
        pickle.dump({"x": x1, "y": x2}, f)
    return tmp_path


# --- show -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", sorted(FIXTURE))
def test_show_matches_tensorflow(capsys, command):
    rc, out, err = call(capsys, *command.replace("DIR", HALF).split())
    assert rc == 0, err
    if "--all" in command:
        assert_same_output(out, FIXTURE[command])
    else:
        assert out == FIXTURE[command]


def test_show_all_tf2_concrete_functions(capsys):
    rc, out, _ = call(capsys, "show", "--dir", str(CLI_DATA / "tf2_module"), "--all")
    assert rc == 0
    assert_same_output(out, (CLI_DATA / "tf2_module.show_all.txt").read_text())
    assert "\nConcrete Functions:\n  Function Name: 'bare'" in out
    assert "Value: [1, 'q', \b\b]" in out


TF_PYTHON = os.environ.get("TAGRAPH_TF_PYTHON")


@pytest.mark.skipif(not TF_PYTHON, reason="set TAGRAPH_TF_PYTHON to a Python with TensorFlow to compare live")
@pytest.mark.parametrize("argv", [
    ["show", "--dir", HALF, "--all"],
    ["show", "--dir", HALF, "--tag_set", "serve,gpu", "--list_ops"],
    ["scan", "--dir", HALF],
    ["scan", "--dir", HALF, "--op_denylist", "Mul,Const,Foo"],
    RUN_X1X2 + ["--input_exprs", "x1=[[1],[2],[3]];x2=[[0.5],[0.5],[0.5]]"],
    ["run", "--dir", HALF, "--tag_set", "serve", "--signature_def", "regress_x_to_y",
     "--input_examples", 'inputs=[{"x":[1.0]},{"x":[2.0]},{"x":[-3.25]}]'],
], ids=["show-all", "list-ops", "scan", "scan-denylist", "run-exprs", "run-examples"])
def test_byte_identical_to_tensorflow_under_one_hash_seed(argv):
    # Sets are built in TensorFlow's insertion order, so under the same PYTHONHASHSEED they print in
    # TensorFlow's order too: the whole output is compared byte for byte. (Not the TensorFlow 2 module: there
    # TensorFlow prints keyword arguments in a protobuf map's order, which changes from run to run.)
    env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="3")
    ours = subprocess.run([sys.executable, "-m", "tagraph.serialization.saved_model_cli"] + argv,
                          capture_output=True, text=True, env=env, timeout=120)
    theirs = subprocess.run([TF_PYTHON, "-m", "tensorflow.python.tools.saved_model_cli"] + argv,
                            capture_output=True, text=True, env=env, timeout=300)
    assert ours.returncode == theirs.returncode == 0, (ours.stderr, theirs.stderr[-2000:])
    assert ours.stdout == theirs.stdout


def test_show_list_ops(capsys):
    rc, out, _ = call(capsys, "show", "--dir", HALF, "--tag_set", "serve", "--list_ops")
    assert rc == 0
    first, rest = out.split("\n", 1)
    assert first.startswith("The MetaGraph with tag set ['serve'] contains the following ops: {")
    assert "ParseExampleV2" in split_sets(first)[1][0]
    assert rest == FIXTURE["show --dir DIR --tag_set serve"]


def test_flags_before_the_command(capsys):
    rc, out, _ = call(capsys, "--dir", HALF, "show", "--tag_set", "serve")
    assert rc == 0 and out == FIXTURE["show --dir DIR --tag_set serve"]


def test_show_reads_pbtxt(tmp_path, capsys):
    from google.protobuf import text_format
    sm = cli.read_saved_model(HALF)
    (tmp_path / "saved_model.pbtxt").write_text(text_format.MessageToString(sm))
    rc, out, _ = call(capsys, "show", "--dir", str(tmp_path))
    assert rc == 0 and out == FIXTURE["show --dir DIR"]


def _one_line_error(rc, out, err):
    assert rc != 0
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    return err.strip()


def test_missing_dir_is_one_line(tmp_path, capsys):
    missing = str(tmp_path / "nope")
    err = _one_line_error(*call(capsys, "show", "--dir", missing))
    assert err == "OSError: SavedModel file does not exist at: %s (no such file or directory)" % missing


def test_dir_without_saved_model_lists_what_is_there(tmp_path, capsys):
    (tmp_path / "1").mkdir()
    shutil.copy(TF / "x1_x2_to_y" / "saved_model.pb", tmp_path / "1")
    (tmp_path / "notes.txt").write_text("")
    err = _one_line_error(*call(capsys, "show", "--dir", str(tmp_path)))
    assert "(the directory holds: 1/, notes.txt)" in err
    assert "try --dir %s" % (tmp_path / "1") in err


def test_corrupt_saved_model_is_one_line(tmp_path, capsys):
    (tmp_path / "saved_model.pb").write_bytes(b"\x0a\xff\xff\xff\xff\x0f garbage")
    err = _one_line_error(*call(capsys, "show", "--dir", str(tmp_path)))
    assert err.startswith("OSError: Cannot parse proto file %s" % (tmp_path / "saved_model.pb"))


def test_missing_tag_set_lists_tag_sets(capsys):
    err = _one_line_error(*call(capsys, "show", "--dir", HALF, "--tag_set", "train"))
    assert err.startswith("RuntimeError: MetaGraphDef associated with tag-set train could not be found in the "
                          "SavedModel. Please use one of the following tag-sets: [")
    assert sorted(ast.literal_eval(err.split("tag-sets: ", 1)[1])) in (["gpu,serve", "serve"],
                                                                          ["serve", "serve,gpu"])


def test_missing_signature(capsys):
    err = _one_line_error(*call(capsys, "show", "--dir", HALF, "--tag_set", "serve", "--signature_def", "nope"))
    assert err.startswith('ValueError: Could not find signature "nope". Please choose from: ')
    assert "serving_default" in err


def test_verbose_shows_the_traceback(capsys):
    rc, _, err = call(capsys, "show", "--dir", HALF, "--tag_set", "train", "--verbose")
    assert rc == 1 and "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("RuntimeError: MetaGraphDef associated with tag-set train")


def test_required_flags_and_unsupported_commands(capsys):
    rc, _, err = call(capsys, "show")
    assert rc == 2 and "flag --dir=None: Flag --dir must have a value other than None." in err
    rc, _, err = call(capsys, "run", "--dir", X1X2, "--tag_set", "serve")
    assert rc == 2 and "Flag --signature_def must have a value other than None." in err
    rc, _, err = call(capsys)
    assert rc == 2 and "Too few arguments." in err
    rc, _, err = call(capsys, "convert", "--dir", X1X2, "--output_dir", "/tmp/x", "tensorrt")
    assert rc == 2 and "not supported in tagraph" in err


# --- scan -------------------------------------------------------------------------------------------------

def test_scan_clean_model(capsys):
    rc, out, _ = call(capsys, "scan", "--dir", HALF)
    assert rc == 0
    default = "{'ReadFile', 'PrintV2', 'WriteFile'}"
    assert_same_output(out, "MetaGraph with tag set ['serve'] does not contain the default denylisted ops: %s\n"
                            "MetaGraph with tag set ['serve', 'gpu'] does not contain the default denylisted ops: "
                            "%s\n" % (default, default))
    rc, out, _ = call(capsys, "scan", "--dir", HALF, "--tag_set", "serve,gpu")
    assert out.startswith("MetaGraph with tag set ['serve', 'gpu'] does not") and out.count("\n") == 1


def _write_model_with_file_ops(path):
    from tagraph.protos import saved_model_pb2
    sm = saved_model_pb2.SavedModel(saved_model_schema_version=1)
    mg = sm.meta_graphs.add()
    mg.meta_info_def.tags.append("serve")
    g = mg.graph_def
    g.node.add(name="c", op="Const")
    g.node.add(name="r", op="ReadFile")
    call_node = g.node.add(name="call", op="StatefulPartitionedCall")
    call_node.attr["f"].func.name = "writer"
    fn = g.library.function.add()
    fn.signature.name = "writer"
    fn.node_def.add(name="w", op="WriteFile")
    fn.node_def.add(name="p", op="helper")       # a function calling a function
    helper = g.library.function.add()
    helper.signature.name = "helper"
    helper.node_def.add(name="pr", op="PrintV2")
    path.mkdir()
    (path / "saved_model.pb").write_bytes(sm.SerializeToString())


def test_scan_finds_denylisted_ops_inside_functions(tmp_path, capsys):
    _write_model_with_file_ops(tmp_path / "m")
    rc, out, _ = call(capsys, "scan", "--dir", str(tmp_path / "m"))
    assert rc == 0
    assert_same_output(out, "MetaGraph with tag set ['serve'] contains the following denylisted ops: "
                            "{'ReadFile', 'WriteFile', 'PrintV2'}\n")
    rc, out, _ = call(capsys, "scan", "--dir", str(tmp_path / "m"), "--op_denylist", "Const, Foo")
    assert_same_output(out, "MetaGraph with tag set ['serve'] contains the following denylisted ops: {'Const'}\n")
    rc, out, _ = call(capsys, "scan", "--dir", str(tmp_path / "m"), "--tag_set", "serve", "--op_denylist", "Foo")
    assert_same_output(out, "MetaGraph with tag set ['serve'] does not contain the default denylisted ops: "
                            "{'Foo'}\n")
    rc, out, _ = call(capsys, "show", "--dir", str(tmp_path / "m"), "--tag_set", "serve", "--list_ops")
    assert split_sets(out.split("\n")[0])[1] == [{"Const", "ReadFile", "StatefulPartitionedCall", "WriteFile",
                                                  "PrintV2"}]


# --- run --------------------------------------------------------------------------------------------------

Y_GUIDE = "Result for output key y:\n[[1.5]\n [2.5]\n [3.5]]\n"


def test_run_npy_files(capsys, data):
    rc, out, err = call(capsys, *RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (data / "a.npy", data / "b.npy"))
    assert rc == 0, err
    assert out == Y_GUIDE
    assert np.allclose(EXPECTED["x1_x2_to_y"]["y"], [[1.5], [2.5], [3.5]])


def test_run_npz_forms(capsys, data):
    rc, out, err = call(capsys, *RUN_X1X2, "--inputs", "x1=%s[x];x2=%s" % (data / "both.npz", data / "one.npz"))
    assert rc == 0, err
    assert out == Y_GUIDE
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (data / "both.npz",
                                                                                  data / "b.npy")))
    assert err == ("RuntimeError: Input file %s contains more than one ndarrays. Please specify the name of "
                   "ndarray to use." % (data / "both.npz"))
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x1=%s[zz];x2=%s" % (data / "both.npz",
                                                                                      data / "b.npy")))
    assert err == 'RuntimeError: Input file %s does not contain variable with name "zz".' % (data / "both.npz")


def test_run_npy_with_a_name_warns(capsys, data):
    rc, out, err = call(capsys, *RUN_X1X2, "--inputs", "x1=%s[x];x2=%s" % (data / "a.npy", data / "b.npy"))
    assert rc == 0 and out == Y_GUIDE
    assert 'contains a single ndarray. Name key "x" ignored.' in err


def test_run_pickle_with_allow_pickle(capsys, data):
    rc, out, err = call(capsys, *RUN_X1X2, "--allow_pickle",
                        "--inputs", "x1=%s[x];x2=%s" % (data / "d.pkl", data / "b.pkl"))
    assert rc == 0, err
    assert out == Y_GUIDE


def test_run_input_exprs(capsys, data):
    rc, out, err = call(capsys, *RUN_X1X2, "--inputs", "x1=%s" % (data / "a.npy"),
                        "--input_exprs", "x2=np.ones((3,1))")
    assert rc == 0, err
    assert out == "Result for output key y:\n[[2.]\n [3.]\n [4.]]\n"
    rc, out, err = call(capsys, *RUN_X1X2, "--input_exprs", "x1=[[1],[2],[3]];x2=[[.5],[.5],[.5]]")
    assert rc == 0 and out == Y_GUIDE
    rc, out, err = call(capsys, *RUN_X1X2, "--input_exprs", "x1=[[1],[2],[3]];x2=np.full((3, 1), 0.5)")
    assert rc == 0 and out == Y_GUIDE


def test_input_exprs_override_inputs_with_a_warning(capsys, data):
    rc, out, err = call(capsys, *RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (data / "a.npy", data / "a.npy"),
                        "--input_exprs", "x2=np.full((3,1), .5)")
    assert rc == 0 and out == Y_GUIDE
    assert "input_key x2 has been specified with both --inputs and --input_exprs options" in err


def test_run_input_examples_classify(capsys):
    rc, out, err = call(capsys, "run", "--dir", HALF, "--tag_set", "serve", "--signature_def", "classify_x_to_y",
                        "--input_examples", 'inputs=[{"x":[1.0]},{"x":[2.0]}]')
    assert rc == 0, err
    assert out == "Result for output key scores:\n[[2.5]\n [3. ]]\n"


GPU_RUN = ["run", "--dir", HALF, "--tag_set", "serve,gpu", "--signature_def", "regress_x2_to_y3",
           "--input_exprs", "inputs=[[1.0], [2.0], [3.0]]"]
Y3 = "Result for output key outputs:\n[[3.5]\n [4. ]\n [4.5]]\n"


def test_run_gpu_tag_set_falls_back_and_says_so(capsys, simulated_gpus):
    simulated_gpus(0)
    rc, out, err = call(capsys, *GPU_RUN)
    assert rc == 0, err
    assert out == Y3
    assert "no GPU is present: running it on the CPU with soft placement" in err
    assert "soft placement moved" in err and err.count("\n") == 2
    rc, out, err = call(capsys, *GPU_RUN, "--verbose")
    assert rc == 0 and err.count("Soft placement: ") > 1


def test_run_gpu_tag_set_on_a_gpu(capsys, simulated_gpus):
    simulated_gpus(1)
    rc, out, err = call(capsys, *GPU_RUN)
    assert rc == 0, err
    assert out == Y3
    assert "no GPU is present" not in err


def test_create_example_string_types():
    from tagraph.protos import example_pb2
    ex = example_pb2.Example.FromString(cli._create_example_string(
        {"f": [1.5, 2], "i": [1, 2], "s": ["a", "é"], "b": [b"\x00"]}))
    feat = ex.features.feature
    assert list(feat["f"].float_list.value) == [1.5, 2.0]
    assert list(feat["i"].int64_list.value) == [1, 2]
    assert list(feat["s"].bytes_list.value) == [b"a", "é".encode()]
    assert list(feat["b"].bytes_list.value) == [b"\x00"]
    with pytest.raises(cli.CliError, match="feature value must be a list"):
        cli._create_example_string({"f": 1.0})
    with pytest.raises(cli.CliError, match="non-empty"):
        cli._create_example_string({"f": []})
    with pytest.raises(cli.CliError, match="do not all have the type"):
        cli._create_example_string({"i": [1, 2.5]})


def test_outdir_and_overwrite(capsys, data, tmp_path):
    outdir = tmp_path / "out" / "nested"
    args = [*RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (data / "a.npy", data / "b.npy"), "--outdir", str(outdir)]
    rc, out, err = call(capsys, *args)
    assert rc == 0, err
    path = outdir / "y.npy"
    assert out == Y_GUIDE + "Output y is saved to %s\n" % path
    assert np.array_equal(np.load(path), np.array([[1.5], [2.5], [3.5]], np.float32))
    before = path.read_bytes()
    # Without --overwrite: refused before anything runs, the file untouched.
    err = _one_line_error(*call(capsys, *args[:-4], "--input_exprs", "x1=[[0]];x2=[[0]]", "--outdir", str(outdir)))
    assert err == ('RuntimeError: Output file %s already exists. Add "--overwrite" to overwrite the existing '
                   'output files.' % path)
    assert path.read_bytes() == before
    rc, out, err = call(capsys, *args[:-4], "--input_exprs", "x1=[[0]];x2=[[1]]", "--outdir", str(outdir),
                        "--overwrite")
    assert rc == 0, err
    assert np.array_equal(np.load(path), [[1.0]])
    assert [p.name for p in outdir.iterdir()] == ["y.npy"]


def test_run_errors_are_tensorflows(capsys, data):
    err = _one_line_error(*call(capsys, *RUN_X1X2))
    assert err == "AttributeError: At least one of --inputs, --input_exprs or --input_examples must be required"
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x3=%s" % (data / "a.npy")))
    assert err.startswith('ValueError: "x3" is not a valid input key. Please choose from "x')
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x1a.npy"))
    assert err == ('RuntimeError: --inputs "x1a.npy" format is incorrect. Please follow"<input_key>=<filename>", '
                   'or"<input_key>=<filename>[<variable_name>]"')
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--input_exprs", "x1"))
    assert "format is incorrect" in err
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x1=%s" % (data / "a.npy")))
    assert err.startswith("InvalidArgumentError: Signature 'x1_x2_to_y' needs input 'x2'")
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--input_exprs", "x1=[['a']];x2=[[1]]"))
    assert err.startswith("InvalidArgumentError:") and "x1" in err
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (data / "a.npy", data / "zz.npy")))
    assert err.startswith("OSError: Input file %s cannot be read" % (data / "zz.npy"))


def test_tf_debug_is_not_supported(capsys, data):
    err = _one_line_error(*call(capsys, *RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (data / "a.npy", data / "b.npy"),
                                "--tf_debug"))
    assert err.startswith("NotImplementedError: --tf_debug") and "not supported in tagraph" in err


# --- the expression evaluator ---------------------------------------------------------------------------

@pytest.mark.parametrize("expr, expected", [
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("-1.5e3 + 2 ** 3 - 7 // 2 % 5 * 1j", -1.5e3 + 8 - 3j),
    ("np.ones((3, 1))", np.ones((3, 1))),
    ("np.zeros(4, dtype='int32')", np.zeros(4, np.int32)),
    ("np.zeros([2, 2], dtype=np.float32)", np.zeros((2, 2), np.float32)),
    ("np.arange(5)", np.arange(5)),
    ("np.arange(1, 2, 0.25)", np.arange(1, 2, 0.25)),
    ("np.linspace(0, 1, 5)", np.linspace(0, 1, 5)),
    ("np.linspace(0, 1, num=4, endpoint=False)", np.linspace(0, 1, 4, endpoint=False)),
    ("np.full((2, 3), 7, dtype=np.int64)", np.full((2, 3), 7, np.int64)),
    ("np.eye(3, k=1)", np.eye(3, k=1)),
    ("np.identity(2)", np.identity(2)),
    ("np.array([[1, 2]], dtype='float32')", np.array([[1, 2]], np.float32)),
    ("np.array(1, ndmin=2)", np.array(1, ndmin=2)),
    ("np.reshape(np.arange(6), (2, 3))", np.arange(6).reshape(2, 3)),
    ("np.ones_like([[1, 2]])", np.ones((1, 2), int)),
    ("np.full_like(np.zeros(3), np.pi)", np.full(3, np.pi)),
    ("np.float32(1.5)", np.float32(1.5)),
    ("np.array([np.inf, -np.inf, np.e])", np.array([np.inf, -np.inf, np.e])),
    ("['a', b'b']", ["a", b"b"]),
])
def test_evaluator_values(expr, expected):
    got = cli.evaluate_input_expr(expr)
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize("expr, shape", [
    ("np.random.rand(3, 2)", (3, 2)), ("np.random.randn(4)", (4,)), ("np.random.random((2, 2))", (2, 2)),
    ("np.random.randint(0, 10, size=(5,))", (5,)), ("np.random.uniform(-1, 1, size=3)", (3,)),
    ("np.random.normal(0, 1, (2, 3))", (2, 3)),
])
def test_evaluator_random(expr, shape):
    assert np.shape(cli.evaluate_input_expr(expr)) == shape


def test_console_script_subprocess(data):
    script = pathlib.Path(sys.executable).parent / "tagraph-saved-model-cli"
    if not script.exists():
        pytest.skip("tagraph-saved-model-cli is not installed in this environment (pip install -e .)")
    p = subprocess.run([str(script), "show", "--dir", HALF, "--tag_set", "serve", "--signature_def",
                        "serving_default"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == FIXTURE["show --dir DIR --tag_set serve --signature_def serving_default"]
    p = subprocess.run([str(script), "show", "--dir", HALF, "--tag_set", "nope"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 1 and p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.startswith("RuntimeError: MetaGraphDef associated with tag-set nope")
