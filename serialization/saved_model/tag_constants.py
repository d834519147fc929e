"""Tags of the MetaGraphDefs in a SavedModel, with TensorFlow's values (``tf.saved_model.tag_constants``).

    builder.add_meta_graph_and_variables(sess, [tag_constants.SERVING, tag_constants.GPU])
"""

__all__ = ["SERVING", "TRAINING", "EVAL", "GPU", "TPU"]

SERVING = "serve"
TRAINING = "train"
EVAL = "eval"
GPU = "gpu"
TPU = "tpu"
