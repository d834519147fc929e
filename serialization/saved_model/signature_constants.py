"""SignatureDef keys and method names, with TensorFlow's values (``tf.saved_model.signature_constants``).

    signature_def_map = {signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: sig}
"""

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
