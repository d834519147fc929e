"""simple_save: the one-call SavedModel export for serving (``tf.compat.v1.saved_model.simple_save``).

    simple_save(sess, "/tmp/model", inputs={"x": x, "y": y}, outputs={"z": z})

Writes one MetaGraphDef tagged ``serve`` with a ``serving_default`` predict signature, the session's
variables, the graph's ``ASSET_FILEPATHS`` assets, devices cleared, as TensorFlow does.
"""
from tagraph.engine.framework.graph import GraphKeys
from tagraph.serialization.saved_model import signature_constants, signature_def_utils, tag_constants
from tagraph.serialization.saved_model.builder import SavedModelBuilder

__all__ = ["simple_save"]


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Saves ``session``'s graph and variables to ``export_dir`` for serving.

    ``inputs`` / ``outputs``: dicts of names to Tensors, making the ``serving_default`` predict signature.
    ``legacy_init_op``: an op run on load (for example to initialize tables).
    """
    signature_def_map = {
        signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY:
            signature_def_utils.predict_signature_def(inputs, outputs)
    }
    b = SavedModelBuilder(export_dir)
    b.add_meta_graph_and_variables(
        session,
        tags=[tag_constants.SERVING],
        signature_def_map=signature_def_map,
        assets_collection=session.graph.get_collection(GraphKeys.ASSET_FILEPATHS),
        main_op=legacy_init_op,
        clear_devices=True)
    return b.save()
