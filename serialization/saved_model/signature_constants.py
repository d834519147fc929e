"""SignatureDef keys and method names, with TensorFlow's values (``tf.saved_model.signature_constants``).

    signature_def_map = {signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: sig}
"""

__all__ = ["DEFAULT_SERVING_SIGNATURE_DEF_KEY", "CLASSIFY_INPUTS", "CLASSIFY_METHOD_NAME", "CLASSIFY_OUTPUT_CLASSES",
           "CLASSIFY_OUTPUT_SCORES", "PREDICT_INPUTS", "PREDICT_METHOD_NAME", "PREDICT_OUTPUTS", "REGRESS_INPUTS",
           "REGRESS_METHOD_NAME", "REGRESS_OUTPUTS", "SUPERVISED_TRAIN_METHOD_NAME", "SUPERVISED_EVAL_METHOD_NAME"]

DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"

# Classification API.
CLASSIFY_INPUTS = "inputs"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
CLASSIFY_OUTPUT_CLASSES = "classes"
CLASSIFY_OUTPUT_SCORES = "scores"

# Prediction API.
PREDICT_INPUTS = "inputs"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"
PREDICT_OUTPUTS = "outputs"

# Regression API.
REGRESS_INPUTS = "inputs"
REGRESS_METHOD_NAME = "tensorflow/serving/regress"
REGRESS_OUTPUTS = "outputs"

# Supervised training and evaluation (Estimator exports of train and eval graphs).
SUPERVISED_TRAIN_METHOD_NAME = "tensorflow/supervised/training"
SUPERVISED_EVAL_METHOD_NAME = "tensorflow/supervised/eval"
