"""SavedModel: TensorFlow's serving format, read and written exactly (``tf.compat.v1.saved_model``).

    from tagraph.serialization import saved_model

    saved_model.simple_save(sess, export_dir, inputs={"x": x}, outputs={"y": y})

    builder = saved_model.builder.SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(sess, [saved_model.tag_constants.SERVING], signature_def_map=...)
    builder.save()

    with tg.Session(graph=tg.Graph()) as sess:
        meta_graph_def = saved_model.loader.load(sess, ["serve"], export_dir)

    runner = saved_model.SignatureRunner(export_dir)             # call signatures by key
    runner.run({"x": [[1.0]]})                                    # {"y": array([[2.5]], dtype=float32)}
"""
from tagraph.serialization.saved_model import builder  # noqa: F401
from tagraph.serialization.saved_model import constants  # noqa: F401
from tagraph.serialization.saved_model import device_export  # noqa: F401
from tagraph.serialization.saved_model import loader  # noqa: F401
from tagraph.serialization.saved_model import signature_constants  # noqa: F401
from tagraph.serialization.saved_model import signature_def_utils  # noqa: F401
from tagraph.serialization.saved_model import signature_runner  # noqa: F401
from tagraph.serialization.saved_model import tag_constants  # noqa: F401
from tagraph.serialization.saved_model import utils  # noqa: F401
from tagraph.serialization.saved_model.builder import Builder, SavedModelBuilder  # noqa: F401
from tagraph.serialization.saved_model.device_export import export_for_devices, load_best  # noqa: F401
from tagraph.serialization.saved_model.loader import contains_saved_model, maybe_saved_model_directory  # noqa: F401
from tagraph.serialization.saved_model.signature_def_utils import (  # noqa: F401
    build_signature_def, classification_signature_def, is_valid_signature, predict_signature_def,
    regression_signature_def)
from tagraph.serialization.saved_model.signature_runner import SignatureRunner, run_signature  # noqa: F401
from tagraph.serialization.saved_model.utils import (  # noqa: F401
    build_tensor_info, build_tensor_info_from_op, get_tensor_from_tensor_info)
from tagraph.serialization.saved_model.simple_save import simple_save  # noqa: F401


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """``tf.compat.v1.saved_model.load``: the same as ``loader.load``."""
    return loader.load(sess, tags, export_dir, import_scope, **saver_kwargs)


__all__ = ["builder", "constants", "device_export", "loader", "signature_constants", "signature_def_utils",
           "signature_runner", "tag_constants", "utils", "Builder", "SavedModelBuilder", "export_for_devices",
           "load_best", "contains_saved_model", "maybe_saved_model_directory", "build_signature_def",
           "classification_signature_def", "is_valid_signature", "predict_signature_def",
           "regression_signature_def", "SignatureRunner", "run_signature", "build_tensor_info",
           "build_tensor_info_from_op", "get_tensor_from_tensor_info", "simple_save", "load"]
