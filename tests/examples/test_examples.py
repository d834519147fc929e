"""Every script in examples/ runs, as a user runs it (a fresh Python, in a temporary folder), and prints what
the guide shows.

Each example is given its own temporary folder to write into. The serving examples start the real
``tagraph-model-server`` on free loopback ports and stop it again.
"""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# Examples tested elsewhere, and where.
TESTED_ELSEWHERE = {"train_mlp.py": ROOT / "tests" / "engine" / "train" / "test_train_mlp_example.py"}
HELPERS = {"_guide.py"}


def _server_missing():
    """Why the serving examples cannot run here, or None."""
    for module in ("tagraph.serving.main", "grpc"):
        if importlib.util.find_spec(module) is None:
            return "%s is not importable: the model server (tagraph[serve]) is not installed" % module
    return None


def run_example(name, tmp_path, *args, env=None, timeout=240):
    """Runs examples/<name> with ``tmp_path/out`` as its folder; returns its stdout (stderr shown on failure)."""
    out_dir = tmp_path / "out"
    environment = dict(os.environ)
    environment.pop("TAGRAPH_SIMULATED_GPUS", None)
    environment.update(env or {})
    environment = {k: v for k, v in environment.items() if v is not None}
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), str(out_dir), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=timeout, env=environment)
    assert proc.returncode == 0, "%s failed (%d)\n--- stdout\n%s\n--- stderr\n%s" % (
        name, proc.returncode, proc.stdout[-6000:], proc.stderr[-6000:])
    return proc.stdout


def expect(output, *fragments):
    for fragment in fragments:
        assert fragment in output, "expected %r in the output:\n%s" % (fragment, output)


# example -> what its output must contain
EXPECTED = {
    "save_restore_variables.py": [
        "Model saved in path: ", "model.ckpt.index", "Model restored.",
        "v1 : [1. 1. 1.]", "v2 : [-1. -1. -1. -1. -1.]"],
    "choose_variables.py": [
        "v1 : [0. 0. 0.]\nv2 : [-1. -1. -1. -1. -1.]",                 # Saver({"v2": v2}) + v1.initializer
        "Saver([v1]) wrote only_v1.ckpt with: [('v1', [3])]",
        "params (restored from the checkpoint's v1) : [1. 1. 1.]",
        "after saver_b.restore: v1 : [1. 1. 1.]",
        "b.ckpt holds [('first', [3]), ('second', [5])]",
        "still uninitialized: ['v3']", "after variables_initializer([v3]), uninitialized: []"],
    "inspect_checkpoint.py": [
        "tensor: v1 (float32) [3]\n[1. 1. 1.]\ntensor: v2 (float32) [5]\n[-1. -1. -1. -1. -1.]",
        "v1 (DT_FLOAT) [3]\nv2 (DT_FLOAT) [5]", "# Total number of params: 8",
        "get_tensor('v2'): [-1. -1. -1. -1. -1.]",
        "$ tagraph-inspect-checkpoint --file_name="],
    "simple_save.py": [
        "simple_save/\n  saved_model.pb\n  variables/\n    variables.data-00000-of-00001\n    variables.index",
        "signature serving_default: inputs ['x', 'y'] -> outputs ['z'], method tensorflow/serving/predict",
        "[[12.0], [24.0]]"],
    "saved_model_builder.py": [
        "tag-set ['train']: signatures ['train_loss']", "assets ['vocab.txt']",
        "tag-set ['serve']: signatures ['classify_x_to_y', 'regress_x_to_y', 'serving_default']",
        "builder/\n  assets/\n    vocab.txt\n  saved_model.pb\n  variables/",
        "MatMul attributes, strip_default_attrs=True:  ['T']"],
    "load_saved_model.py": [
        "loaded tag-set ['train']", "the main op was fed the asset's new path: builder/assets/vocab.txt",
        "{'w': [0.5, -1.0], 'b': [2.0]}", "-> y = [[0.5], [-0.5]]",
        "regress_x_to_y (tensorflow/serving/regress), on tf.Examples: [0.5, -0.5]",
        "signatures: ['classify_x_to_y', 'regress_x_to_y', 'serving_default']"],
    "estimator_export.py": [
        "latest model.ckpt-300", "exported to estimator_export/",
        "signature serving_default  tensorflow/serving/classify",
        "inputs {'inputs': 'input_example_tensor:0'} -> outputs ['classes', 'scores']",
        "signature regression       tensorflow/serving/regress",
        "receiver tensors {'examples': 'input_example_tensor:0'}; features ['tags', 'x']",
        "predict on the three class centres: class_ids [0, 1, 2]"],
    "saved_model_cli_show.py": [
        "$ tagraph-saved-model-cli show --dir saved_model_dir\nThe given SavedModel contains the following tag-sets:\n",
        "SignatureDef key: \"classify_x2_to_y3\"\nSignatureDef key: \"classify_x_to_y\"\n"
        "SignatureDef key: \"regress_x2_to_y3\"\nSignatureDef key: \"regress_x_to_y\"\n"
        "SignatureDef key: \"regress_x_to_y2\"\nSignatureDef key: \"serving_default\"\n",
        "The given SavedModel SignatureDef contains the following input(s):\n  inputs['x'] tensor_info:\n"
        "      dtype: DT_FLOAT\n      shape: (-1, 1)\n      name: x:0\n",
        "Method name is: tensorflow/serving/predict",
        "MetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:",
        "signature_def['classify_x2_to_y3']:\n  The given SavedModel SignatureDef contains the following input(s):\n"
        "    inputs['inputs'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 1)\n        name: x2:0\n"],
    "saved_model_cli_run.py": [
        "--inputs 'x1=my_data1.npy;x2=my_data2.npy' --outdir out\nResult for output key y:\n"
        "[[1.5]\n [2.5]\n [3.5]]\nOutput y is saved to out/y.npy",
        "out/y.npy = [[1.5], [2.5], [3.5]]",
        "--overwrite --allow_pickle\nResult for output key y:\n[[1.5]\n [2.5]\n [3.5]]",
        "--input_exprs 'x2=np.ones((3,1))'\nResult for output key y:\n[[2.]\n [3.]\n [4.]]",
        "Result for output key outputs:\n[[2.5]\n [4. ]]",
        "ValueError: \"x3\" is not a valid input key."],
}
SERVING = {
    "serve_estimator.py": [
        "$ tagraph-model-server --host=127.0.0.1 --port=",
        "-> red ", "model_spec of the answer: name 'colors'", "signature 'serving_default'",
        "class_ids: [0, 1, 2]",                                    # gRPC Predict, and REST predict below
        "REST: POST /v1/models/colors:classify", "'state': 'AVAILABLE'",
        "server stopped (exit status 0)"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_guide_example(name, tmp_path):
    expect(run_example(name, tmp_path), *EXPECTED[name])


@pytest.mark.parametrize("name", sorted(SERVING))
def test_serving_example(name, tmp_path):
    reason = _server_missing()
    if reason:
        pytest.skip(reason)
    expect(run_example(name, tmp_path), *SERVING[name])


def test_demo_on_this_machine(tmp_path):
    """`make demo`: the whole job on this machine's best device (the CPU here, unless CuPy finds a GPU)."""
    reason = _server_missing()
    if reason:
        pytest.skip(reason)
    from tagraph.devices.gpu import real_gpu_count
    out = run_example("demo.py", tmp_path, env={"NUMBA_ENABLE_CUDASIM": None})
    for n in range(1, 8):
        expect(out, "[%d/7] " % n)
    if real_gpu_count():
        expect(out, "with Adam on the GPU: ", "load_best on this machine picks {gpu, serve}")
    else:
        expect(out, "with Adam on the CPU (no GPU found", "load_best on this machine picks {serve}",
               "server log: Reading meta graph with tags { serve } (no GPU is present)")
    expect(out, "-> model.ckpt-100", "-> model.ckpt-600", "checkpoints kept: model.ckpt-400, model.ckpt-500, "
           "model.ckpt-600", "tag-set {serve}", "tag-set {serve, gpu}", "on the GPU",
           "$ tagraph-saved-model-cli show --dir models/spirals/1 --all",
           "MetaGraphDef with tag-set: 'serve, gpu' contains the following SignatureDefs:",
           "POST http://127.0.0.1:", "/v1/models/spirals:predict", "PredictionService/Predict at 127.0.0.1:",
           "model_spec: name 'spirals', version 1, signature 'serving_default'",
           "REST and gRPC answers match the in-process session's", "exit status 0", "Done in ")
    accuracy = float(out.split("final held-out accuracy ")[1].split()[0])
    assert accuracy >= 0.9


def test_demo_on_a_simulated_gpu(tmp_path):
    """The demo's GPU path: training on GPU:0 and serving the {serve, gpu} graph (a few steps: the simulator is slow)."""
    reason = _server_missing()
    if reason:
        pytest.skip(reason)
    out = run_example("demo.py", tmp_path, "--steps", "10",
                      env={"TAGRAPH_SIMULATED_GPUS": "1", "NUMBA_ENABLE_CUDASIM": "1"})
    expect(out, "with Adam on a simulated GPU (TAGRAPH_SIMULATED_GPUS)", "-> model.ckpt-10",
           "load_best on this machine picks {gpu, serve}",
           "server log: Reading meta graph with tags { serve gpu } (a GPU is present)",
           "REST and gRPC answers match the in-process session's", "exit status 0")


def test_every_example_is_tested():
    tested = set(EXPECTED) | set(SERVING) | {"demo.py"}
    for name, test in TESTED_ELSEWHERE.items():
        assert test.exists(), "%s is said to be tested by %s, which is missing" % (name, test)
    scripts = {p.name for p in EXAMPLES.glob("*.py")} - HELPERS
    untested = scripts - tested - set(TESTED_ELSEWHERE)
    assert not untested, "examples without a test: %s (add them to EXPECTED in %s)" % (sorted(untested), __file__)
    missing = tested - scripts
    assert not missing, "tested examples that do not exist: %s" % sorted(missing)


def _make_rule(makefile, target):
    """(prerequisites, recipe) of ``target``'s rule in the Makefile's text."""
    rule = makefile.split("\n%s:" % target, 1)[1].split("\n\n", 1)[0]
    head, _, recipe = rule.partition("\n")
    return head.split(), recipe


def _needs_install(makefile, target):
    """Whether ``target`` depends, directly or through other targets, on the install stamp."""
    prerequisites, _ = _make_rule(makefile, target)
    return "$(STAMP)" in prerequisites or any(_needs_install(makefile, p) for p in prerequisites
                                              if "\n%s:" % p in makefile)


def test_make_demo_runs_the_demo():
    makefile = (ROOT / "Makefile").read_text()
    _, recipe = _make_rule(makefile, "demo")
    assert "examples/demo.py" in recipe and _needs_install(makefile, "demo")


def test_make_writes_bytecode_before_demo_and_test():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test", "bench"):
        assert "bytecode" in _make_rule(makefile, target)[0], target
    assert "compileall" in _make_rule(makefile, "bytecode")[1]
