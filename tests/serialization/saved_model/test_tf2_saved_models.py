"""TensorFlow 2 SavedModels (their computation in the function library) load and run in tagraph with
TensorFlow's outputs, on the CPU and on a simulated GPU; saved_model_cli shows them as TensorFlow does;
malformed function libraries fail with InvalidArgumentError naming the function.

The models and TensorFlow's values come from tests/data/tf2/make_models.py (TensorFlow 2.21)."""
import ast
import contextlib
import io
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model.signature_runner import SignatureRunner
from tagraph.serialization.saved_model_cli import main as cli_main
from tagraph.protos import saved_model_pb2

TF2 = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf2"
ALL_EXPECTED = json.loads((TF2 / "expected.json").read_text())
EXPECTED = {k: v for k, v in ALL_EXPECTED.items() if (TF2 / k / "saved_model.pb").exists()}
CASES = [(model, sig) for model in sorted(EXPECTED) for sig in sorted(EXPECTED[model])]


@pytest.mark.parametrize("model,signature", CASES)
@pytest.mark.parametrize("gpus", [0, 1])
def test_tf2_savedmodel_gives_tensorflows_outputs(model, signature, gpus, simulated_gpus):
    simulated_gpus(gpus)
    case = EXPECTED[model][signature]
    inputs = {k: np.asarray(v, dtype=case["dtypes"][k]) for k, v in case["inputs"].items()}
    with SignatureRunner(str(TF2 / model), tags=["serve"]) as runner:
        got = runner.run(inputs, signature_key=signature)
    assert sorted(got) == sorted(case["outputs"])
    for key, want in case["outputs"].items():
        np.testing.assert_allclose(got[key], np.asarray(want, dtype=got[key].dtype), rtol=1e-5, atol=1e-6)


def test_an_assertion_in_a_function_fails_with_tensorflows_message():
    case = ALL_EXPECTED["checked_error"]
    with SignatureRunner(str(TF2 / "checked"), tags=["serve"]) as runner:
        with pytest.raises(tg.errors.InvalidArgumentError) as e:
            runner.run({"x": np.float32(case["x"])})
    assert e.value.message.split("\n")[0] == case["message"]


def test_the_v1_loader_restores_through_the_restore_function_and_runs_the_init_op():
    with tg.Session(graph=tg.Graph()) as sess:
        mg = saved_model.loader.load(sess, ["serve"], str(TF2 / "branches"))
        # The variables came back through StatefulPartitionedCall_2 (the traced restore function).
        assert mg.saver_def.restore_op_name.startswith("StatefulPartitionedCall")
        x = np.asarray(EXPECTED["branches"]["serving_default"]["inputs"]["x"], np.float32)
        y = sess.run(mg.signature_def["serving_default"].outputs["y"].name,
                     {mg.signature_def["serving_default"].inputs["x"].name: x})
        np.testing.assert_allclose(y, EXPECTED["branches"]["serving_default"]["outputs"]["y"], rtol=1e-5)


def test_a_compiled_function_body_is_reused_across_runs():
    with tg.Session(graph=tg.Graph()) as sess:
        mg = saved_model.loader.load(sess, ["serve"], str(TF2 / "nested"))
        sig = mg.signature_def["serving_default"]
        x = np.ones((2, 2), np.float32) * 3
        first = sess.run(sig.outputs["acc"].name, {sig.inputs["x"].name: x})
        bodies = [k for k in sess._state.op_state if isinstance(k, tuple) and k[0] == "function"]
        second = sess.run(sig.outputs["acc"].name, {sig.inputs["x"].name: x})
        assert first == second and bodies
        assert [k for k in sess._state.op_state if isinstance(k, tuple) and k[0] == "function"] == bodies


def _sets_sorted(text):
    # Python prints a set in hash-seed order, TensorFlow's CLI as much as tagraph's: compare its members.
    marker = "contains the following ops: "
    return "\n".join(line.split(marker)[0] + marker + repr(sorted(ast.literal_eval(line.split(marker)[1])))
                     if marker in line else line for line in text.split("\n"))


@pytest.mark.parametrize("model", sorted(EXPECTED))
def test_saved_model_cli_show_all_is_tensorflows(model):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_main(["show", "--dir", str(TF2 / model), "--all"])
    assert _sets_sorted(out.getvalue()) == _sets_sorted((TF2 / (model + ".show.txt")).read_text())


# --- malformed function libraries ---------------------------------------------------------------------

def _load_broken(tmp_path, edit):
    src = TF2 / "branches"
    sm = saved_model_pb2.SavedModel.FromString((src / "saved_model.pb").read_bytes())
    edit(sm.meta_graphs[0].graph_def.library)
    dst = tmp_path / "broken"
    (dst / "variables").mkdir(parents=True)
    for f in (src / "variables").iterdir():
        (dst / "variables" / f.name).write_bytes(f.read_bytes())
    (dst / "saved_model.pb").write_bytes(sm.SerializeToString())
    sess = tg.Session(graph=tg.Graph())
    mg = saved_model.loader.load(sess, ["serve"], str(dst))
    sig = mg.signature_def["serving_default"]
    return sess, sig.outputs["y"].name, {sig.inputs["x"].name: np.ones((1, 3), np.float32)}


def _function(library, prefix):
    return next(f for f in library.function if f.signature.name.startswith(prefix))


def test_a_body_naming_a_missing_input_is_refused_naming_the_function(tmp_path):
    def edit(lib):
        f = _function(lib, "__inference___call__")
        next(n for n in f.node_def if n.op == "MatMul").input[1] = "NoSuchNode:product:0"
    sess, y, feed = _load_broken(tmp_path, edit)
    with sess, pytest.raises(tg.errors.InvalidArgumentError, match=r"__inference___call__.*NoSuchNode"):
        sess.run(y, feed)


def test_a_recursive_function_is_refused(tmp_path):
    def edit(lib):
        f = _function(lib, "__inference___call__")
        node = f.node_def.add(name="again", op="StatefulPartitionedCall")
        node.input.extend(["x", "matmul_readvariableop_resource", "add_readvariableop_resource"])
        node.attr["f"].func.name = f.signature.name
        node.attr["Tin"].list.type.extend([1, 20, 20])
        node.attr["Tout"].list.type.extend([1])
    sess, y, feed = _load_broken(tmp_path, edit)
    with sess, pytest.raises(tg.errors.InvalidArgumentError, match=r"recursive.*__inference___call__"):
        sess.run(y, feed)


def test_a_while_body_changing_a_loop_variables_dtype_is_refused(tmp_path):
    def edit(lib):
        body = _function(lib, "while_body")
        out = next(a for a in body.signature.output_arg if a.type == 1)      # the float loop variable
        cast = body.node_def.add(name="to_int", op="Cast")
        cast.input.append(body.ret[out.name])
        cast.attr["SrcT"].type, cast.attr["DstT"].type = 1, 3
        body.ret[out.name] = "to_int:y:0"
        out.type = 3
    sess, y, feed = _load_broken(tmp_path, edit)
    with sess, pytest.raises(tg.errors.InvalidArgumentError, match=r"While body 'while_body.*types"):
        sess.run(y, feed)


def test_a_call_with_the_wrong_number_of_arguments_is_refused(tmp_path):
    def edit(lib):
        f = _function(lib, "__inference_signature_wrapper")
        call = next(n for n in f.node_def if n.op == "StatefulPartitionedCall")
        del call.input[-1]
        del call.attr["Tin"].list.type[-1]
    sess, y, feed = _load_broken(tmp_path, edit)
    with sess, pytest.raises(tg.errors.InvalidArgumentError, match=r"__inference___call__.*takes 3 arguments"):
        sess.run(y, feed)


def test_a_function_graph_exports_device_tagged_and_loads_best_on_a_gpu(tmp_path, simulated_gpus):
    from tagraph.serialization import Saver
    from tagraph.serialization.saved_model import device_export
    simulated_gpus(1)
    case = EXPECTED["branches"]["serving_default"]
    with tg.Session(graph=tg.Graph()) as sess:
        mg = saved_model.loader.load(sess, ["serve"], str(TF2 / "branches"))
        init = mg.signature_def["__saved_model_init_op"].outputs["__saved_model_init_op"].name
        device_export.export_for_devices(
            sess, str(tmp_path / "1"), signature_def_map={k: v for k, v in mg.signature_def.items()
                                                          if not k.startswith("__")},
            main_op=sess.graph.get_operation_by_name(init), saver=Saver(saver_def=mg.saver_def))
    best = device_export.load_best(None, str(tmp_path / "1"))
    with best.session as sess:
        assert sorted(best.tags) == ["gpu", "serve"]
        sig = best.meta_graph_def.signature_def["serving_default"]
        y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: np.float32(case["inputs"]["x"])})
        np.testing.assert_allclose(y, case["outputs"]["y"], rtol=1e-5)
        assert any("GPU" in d for d in sess.last_run_stats.devices)
