"""inspect_checkpoint prints what TensorFlow's tool prints; the tagraph-inspect-checkpoint command line."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver, inspect_checkpoint as chkp

DATA = pathlib.Path(__file__).parent / "data"
TF_DATA = pathlib.Path(__file__).parent.parent / "data" / "tf"
TF_OUTPUT = json.loads((DATA / "tf_inspect_output.json").read_text())


@pytest.fixture(autouse=True)
def _restore_printoptions():
    saved = np.get_printoptions()
    yield
    np.set_printoptions(**saved)


@pytest.mark.parametrize("case", sorted(TF_OUTPUT))
def test_prints_exactly_what_tensorflow_printed(case, capsys):
    spec = TF_OUTPUT[case]
    chkp.print_tensors_in_checkpoint_file(str(TF_DATA / spec["file"]), spec["tensor_name"], spec["all_tensors"],
                                          spec["all_tensor_names"],
                                          count_exclude_pattern=spec["count_exclude_pattern"])
    assert capsys.readouterr().out == spec["output"].replace("{DATA}", str(TF_DATA))


def _guide_checkpoint(tmp_path):
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
        v2 = tg.get_variable("v2", shape=[5], initializer=tg.zeros_initializer)
        inc_v1, dec_v2 = v1.assign(v1 + 1), v2.assign(v2 - 1)
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run([inc_v1.op, dec_v2.op])
            return saver.save(sess, str(tmp_path / "model.ckpt"))


def test_guide_inspect_calls(tmp_path, capsys):
    path = _guide_checkpoint(tmp_path)
    chkp.print_tensors_in_checkpoint_file(path, tensor_name="", all_tensors=True)
    assert capsys.readouterr().out == ("tensor: v1 (float32) [3]\n[1. 1. 1.]\n"
                                       "tensor: v2 (float32) [5]\n[-1. -1. -1. -1. -1.]\n"
                                       "# Total number of params: 8\n")
    chkp.print_tensors_in_checkpoint_file(path, tensor_name="v1", all_tensors=False)
    assert capsys.readouterr().out == "tensor: v1 (float32) [3]\n[1. 1. 1.]\n# Total number of params: 8\n"
    chkp.print_tensors_in_checkpoint_file(path, tensor_name="v2", all_tensors=False)
    assert capsys.readouterr().out == ("tensor: v2 (float32) [5]\n[-1. -1. -1. -1. -1.]\n"
                                       "# Total number of params: 8\n")
    chkp.print_tensors_in_checkpoint_file(path, tensor_name="", all_tensors=False)
    assert capsys.readouterr().out == "v1 (DT_FLOAT) [3]\nv2 (DT_FLOAT) [5]\n\n# Total number of params: 8\n"


def test_data_loss_message_proposes_the_prefix(tmp_path, capsys):
    path = _guide_checkpoint(tmp_path)
    index = tmp_path / "model.ckpt.index"
    index.write_bytes(index.read_bytes()[:-3])
    chkp.print_tensors_in_checkpoint_file(path, "", True)
    out = capsys.readouterr().out
    assert str(index) in out and out.count("\n") == 1       # one line: the error, nothing else
    assert chkp.main(["--file_name", path]) == 1


# --- the command line -------------------------------------------------------------------------------------

def test_main_flags(tmp_path, capsys):
    path = _guide_checkpoint(tmp_path)
    assert chkp.main(["--file_name=" + path, "--tensor_name=v2"]) == 0
    assert capsys.readouterr().out == "tensor: v2 (float32) [5]\n[-1. -1. -1. -1. -1.]\n# Total number of params: 8\n"
    assert chkp.main(["--file_name", path, "--all_tensor_names"]) == 0
    assert capsys.readouterr().out == "tensor: v1 (float32) [3]\ntensor: v2 (float32) [5]\n# Total number of params: 8\n"
    assert chkp.main(["--file_name", path, "--all_tensors=false", "--count_exclude_pattern", "v1"]) == 0
    assert capsys.readouterr().out.endswith("# Excluding 1 tensors (3 params) that match v1 when counting.\n"
                                            "# Total number of params: 5\n")
    # --printoptions applies to this run only.
    assert chkp.main(["--file_name", path, "--tensor_name", "v2", "--printoptions", "threshold=2",
                      "edgeitems=1", "sign=+"]) == 0
    assert "[-1. ... -1.]" in capsys.readouterr().out
    assert np.get_printoptions()["threshold"] == 1000


@pytest.mark.parametrize("argv,stream,text", [
    ([], "out", "Usage: inspect_checkpoint --file_name=checkpoint_file_name"),
    (["--file_name", "/no/such/ckpt"], "out", "Failed to find any matching files for /no/such/ckpt"),
    (["--file_name", "{ckpt}", "--tensor_name", "v3"], "out", "Tensor v3 not found in checkpoint"),
    (["--file_name", "{ckpt}", "--printoptions", "threshold"], "err", "is not in the form k=v"),
    (["--file_name", "{ckpt}", "--printoptions", "nosuch=1"], "err", "is not a valid printoption"),
    (["--file_name", "{ckpt}", "--printoptions", "suppress=maybe"], "err", "Non-boolean argument"),
    (["--file_name", "{ckpt}", "--printoptions", "formatter=x"], "err", "not supported"),
    (["--file_name", "{ckpt}", "--bogus"], "err", "unknown command line flag '--bogus'"),
])
def test_main_errors_print_one_line_and_exit_1(argv, stream, text, capsys):
    argv = [a.replace("{ckpt}", str(TF_DATA / "seed_checkpoint" / "model.ckpt")) for a in argv]
    assert chkp.main(argv) == 1
    captured = capsys.readouterr()
    message = captured.out if stream == "out" else captured.err
    assert text in message
    assert len(message.strip().splitlines()) == 1
    assert "Traceback" not in captured.out + captured.err


def test_console_script(tmp_path):
    script = shutil.which("tagraph-inspect-checkpoint", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("tagraph-inspect-checkpoint is not installed (pip install -e .)")
    ok = subprocess.run([script, "--file_name", str(TF_DATA / "seed_checkpoint" / "model.ckpt"), "--all_tensors"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout == TF_OUTPUT["seed_all"]["output"]
    bad = subprocess.run([script, "--file_name", str(tmp_path / "missing")], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and len(bad.stdout.splitlines()) == 1
