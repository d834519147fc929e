"""``tf.saved_model``: TensorFlow 1's SavedModel API (``tagraph.serialization.saved_model``), with its
sub-namespaces ``builder``, ``loader``, ``constants``, ``signature_constants``, ``signature_def_utils``,
``tag_constants``, ``utils`` and ``main_op``.

    tf.saved_model.simple_save(sess, export_dir, inputs={"x": x}, outputs={"y": y})
    tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], export_dir)
"""
from tagraph.compat import namespace as _namespace
from tagraph.serialization import saved_model as _saved_model
from tagraph.serialization.saved_model import constants as _constants
from tagraph.serialization.saved_model import signature_constants as _signature_constants
from tagraph.serialization.saved_model import tag_constants as _tag_constants


def _sub(name, source, doc):
    return _namespace.new_module("%s.%s" % (__name__, name), "tf.saved_model." + name,
                                 "``tf.saved_model.%s``: %s" % (name, doc),
                                 sources=(source,) if source is not None else ())


builder = _sub("builder", _saved_model.builder, "the SavedModelBuilder.")
constants = _sub("constants", _constants, "file and collection names of a SavedModel.")
loader = _sub("loader", _saved_model.loader, "loading a SavedModel into a session.")
main_op = _sub("main_op", None, "not supported yet: each of TensorFlow's names raises.")
signature_constants = _sub("signature_constants", _signature_constants, "signature keys and method names.")
signature_def_utils = _sub("signature_def_utils", _saved_model.signature_def_utils, "building SignatureDefs.")
tag_constants = _sub("tag_constants", _tag_constants, "MetaGraphDef tags.")
utils = _sub("utils", _saved_model.utils, "TensorInfo protos.")

_namespace.install(globals(), "tf.saved_model", sources=(_saved_model, _constants, _signature_constants,
                                                         _tag_constants))
