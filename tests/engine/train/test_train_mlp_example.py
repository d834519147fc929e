"""examples/train_mlp.py: killed mid-training, it resumes from its last checkpoint and ends exactly where an
uninterrupted run ends (variables, Adam slots, beta powers and global step all restored)."""
import os
import pathlib
import subprocess
import sys

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "train_mlp.py"


def _run(*args):
    env = dict(os.environ)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, env=env, timeout=300)


def test_killed_run_resumes_from_last_checkpoint(tmp_path):
    from tagraph.serialization import load_checkpoint
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    common = ["--steps", "120", "--save-every", "40"]
    r = _run("--model-dir", str(straight), *common)
    assert r.returncode in (0, 1), r.stderr
    killed = _run("--model-dir", str(broken), *common, "--kill-at", "100")
    assert killed.returncode == 17, killed.stderr
    assert "model.ckpt-80" in (broken / "checkpoint").read_text()
    resumed = _run("--model-dir", str(broken), *common)
    assert resumed.returncode in (0, 1), resumed.stderr
    assert "(step 80)" in resumed.stdout
    a, b = load_checkpoint(str(straight)), load_checkpoint(str(broken))
    names = sorted(a.get_variable_to_shape_map())
    assert "dense/kernel/Adam_1" in names and "beta1_power" in names and "global_step" in names
    assert names == sorted(b.get_variable_to_shape_map())
    for n in names:
        np.testing.assert_array_equal(a.get_tensor(n), b.get_tensor(n), err_msg=n)
    assert int(a.get_tensor("global_step")) == 120
