"""Constants with TensorFlow's values; TensorInfo and SignatureDef building and validation."""
import pytest

import tagraph.engine as tg
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import (constants, signature_constants, signature_def_utils, tag_constants,
                                               utils)


def test_constants_have_tensorflows_values():
    assert (tag_constants.SERVING, tag_constants.TRAINING, tag_constants.GPU, tag_constants.TPU,
            tag_constants.EVAL) == ("serve", "train", "gpu", "tpu", "eval")
    sc = signature_constants
    assert sc.DEFAULT_SERVING_SIGNATURE_DEF_KEY == "serving_default"
    assert sc.PREDICT_METHOD_NAME == "tensorflow/serving/predict"
    assert sc.CLASSIFY_METHOD_NAME == "tensorflow/serving/classify"
    assert sc.REGRESS_METHOD_NAME == "tensorflow/serving/regress"
    assert (sc.PREDICT_INPUTS, sc.PREDICT_OUTPUTS, sc.CLASSIFY_INPUTS, sc.CLASSIFY_OUTPUT_CLASSES,
            sc.CLASSIFY_OUTPUT_SCORES, sc.REGRESS_INPUTS, sc.REGRESS_OUTPUTS) == (
        "inputs", "outputs", "inputs", "classes", "scores", "inputs", "outputs")
    assert (constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT, constants.ASSETS_DIRECTORY,
            constants.EXTRA_ASSETS_DIRECTORY, constants.VARIABLES_DIRECTORY, constants.VARIABLES_FILENAME,
            constants.ASSETS_KEY, constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY,
            constants.SAVED_MODEL_SCHEMA_VERSION) == (
        "saved_model.pb", "saved_model.pbtxt", "assets", "assets.extra", "variables", "variables",
        "saved_model_assets", "saved_model_main_op", "legacy_init_op", 1)


def test_build_tensor_info_and_back():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [None, 1], name="x")
        info = utils.build_tensor_info(x)
        assert info.name == "x:0" and info.dtype == tg.float32.as_datatype_enum
        assert [d.size for d in info.tensor_shape.dim] == [-1, 1]
        assert utils.get_tensor_from_tensor_info(info) is x
        assert utils.get_tensor_from_tensor_info(info, g) is x
        op_info = utils.build_tensor_info_from_op(x.op)
        assert op_info.name == "x" and op_info.dtype == 0 and op_info.tensor_shape.unknown_rank
        with pytest.raises(TypeError, match="Tensor"):
            utils.build_tensor_info("x:0")
        with pytest.raises(KeyError):
            utils.get_tensor_from_tensor_info(info, import_scope="nope")


def test_sparse_tensor_info_round_trip():
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None], name="s")
        sp = tg.parse_example(s, {"v": tg.VarLenFeature(tg.int64)})["v"]
        info = utils.build_tensor_info(sp)
        assert info.WhichOneof("encoding") == "coo_sparse" and info.dtype == tg.int64.as_datatype_enum
        back = utils.get_tensor_from_tensor_info(info, g)
        assert back.indices is sp.indices and back.values is sp.values and back.dense_shape is sp.dense_shape


def test_predict_signature():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 1], name="x")
        y = tg.identity(x * 2.0, name="y")
        sig = signature_def_utils.predict_signature_def({"x": x}, {"y": y})
        assert sig.method_name == "tensorflow/serving/predict"
        assert sig.inputs["x"].name == "x:0" and sig.outputs["y"].name == "y:0"
        assert signature_def_utils.is_valid_signature(sig)
        with pytest.raises(ValueError, match="inputs` cannot be None or empty"):
            signature_def_utils.predict_signature_def({}, {"y": y})
        with pytest.raises(ValueError, match="outputs` cannot be None or empty"):
            signature_def_utils.predict_signature_def({"x": x}, None)


def test_classification_and_regression_rules():
    with tg.Graph().as_default():
        ex = tg.placeholder(tg.string, [None], name="tf_example")
        f = tg.placeholder(tg.float32, [None, 1], name="f")
        classes = tg.placeholder(tg.string, [None, 1], name="classes")
        i = tg.placeholder(tg.int64, [None, 1], name="i")
        sig = signature_def_utils.classification_signature_def(ex, classes, f)
        assert set(sig.outputs) == {"classes", "scores"} and sig.method_name == "tensorflow/serving/classify"
        assert signature_def_utils.is_valid_signature(sig)
        assert signature_def_utils.is_valid_signature(signature_def_utils.classification_signature_def(ex, None, f))
        with pytest.raises(ValueError, match="cannot both be None"):
            signature_def_utils.classification_signature_def(ex, None, None)
        with pytest.raises(ValueError, match="input tensors must be of type string"):
            signature_def_utils.classification_signature_def(f, None, f)
        with pytest.raises(ValueError, match="scores must be a float"):
            signature_def_utils.classification_signature_def(ex, None, i)
        with pytest.raises(ValueError, match="classes must be of type string"):
            signature_def_utils.classification_signature_def(ex, f, None)
        with pytest.raises(ValueError, match="to be of type Tensor"):
            signature_def_utils.classification_signature_def("tf_example:0", None, f)

        reg = signature_def_utils.regression_signature_def(ex, f)
        assert reg.inputs["inputs"].name == "tf_example:0" and reg.outputs["outputs"].name == "f:0"
        assert signature_def_utils.is_valid_signature(reg)
        with pytest.raises(ValueError, match="output tensors must be of type float"):
            signature_def_utils.regression_signature_def(ex, i)
        with pytest.raises(ValueError, match="input tensors must be of type string"):
            signature_def_utils.regression_signature_def(f, f)
        with pytest.raises(ValueError, match="cannot be None"):
            signature_def_utils.regression_signature_def(None, f)

        info = utils.build_tensor_info
        # Hand-built signatures are judged by TensorFlow's rules.
        bad = [
            signature_def_utils.build_signature_def({"inputs": info(f)}, {"outputs": info(f)}, "tensorflow/serving/regress"),
            signature_def_utils.build_signature_def({"inputs": info(ex)}, {"outputs": info(i)}, "tensorflow/serving/regress"),
            signature_def_utils.build_signature_def({"inputs": info(ex)}, {"other": info(f)}, "tensorflow/serving/classify"),
            signature_def_utils.build_signature_def({"inputs": info(ex)}, {}, "tensorflow/serving/classify"),
            signature_def_utils.build_signature_def({"x": info(ex)}, {"scores": info(f)}, "tensorflow/serving/classify"),
            signature_def_utils.build_signature_def({"x": info(f)}, {}, "tensorflow/serving/predict"),
            signature_def_utils.build_signature_def({"x": info(f)}, {"y": info(f)}, "some/other/method"),
            None,
        ]
        assert not any(signature_def_utils.is_valid_signature(s) for s in bad)


def test_build_signature_def_defaults():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None], name="x")
        sig = signature_def_utils.build_signature_def({"x": utils.build_tensor_info(x)}, {}, "m", defaults={"x": [1.5]})
        assert list(sig.defaults["x"].float_val) == [1.5]
        with pytest.raises(ValueError, match="not an input"):
            signature_def_utils.build_signature_def({}, {}, "m", defaults={"z": 1.0})


def test_public_surface():
    for name in ("simple_save", "builder", "loader", "tag_constants", "signature_constants", "signature_def_utils",
                 "utils", "SignatureRunner", "load_best", "export_for_devices", "contains_saved_model"):
        assert hasattr(saved_model, name), name
    assert saved_model.builder.SavedModelBuilder is saved_model.Builder
    assert callable(saved_model.utils.build_tensor_info)
