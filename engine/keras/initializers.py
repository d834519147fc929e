"""``tg.keras.initializers``: the initializers of TensorFlow 1's ``tf.keras.initializers``, and ``get``.

    init = tg.keras.initializers.get("he_normal")             # TensorFlow 1's VarianceScaling(2.0, "fan_in")
    layer = tg.keras.layers.Dense(4, kernel_initializer=init, bias_initializer=tg.keras.initializers.Constant(0.1))

In TensorFlow 1's Keras these are TensorFlow 1's initializers (``init_ops``) with Keras's defaults:
``RandomUniform`` draws from [-0.05, 0.05], ``RandomNormal`` and ``TruncatedNormal`` have stddev 0.05.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.variables import init_ops

__all__ = ["Initializer", "Zeros", "zeros", "Ones", "ones", "Constant", "constant", "RandomUniform", "random_uniform",
           "uniform", "RandomNormal", "random_normal", "normal", "TruncatedNormal", "truncated_normal",
           "VarianceScaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
           "lecun_uniform", "Orthogonal", "orthogonal", "get", "serialize"]

Initializer = init_ops.Initializer
Zeros = zeros = init_ops.zeros_initializer
Ones = ones = init_ops.ones_initializer
Constant = constant = init_ops.constant_initializer
VarianceScaling = init_ops.variance_scaling_initializer
glorot_uniform = init_ops.glorot_uniform_initializer
glorot_normal = init_ops.glorot_normal_initializer
Orthogonal = orthogonal = init_ops.orthogonal_initializer


class RandomUniform(init_ops.random_uniform_initializer):
    """Uniform in [minval, maxval), Keras's default [-0.05, 0.05]."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(minval=minval, maxval=maxval, seed=seed, dtype=dtype)


class RandomNormal(init_ops.random_normal_initializer):
    """Normal with Keras's default stddev 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


class TruncatedNormal(init_ops.truncated_normal_initializer):
    """Truncated normal with Keras's default stddev 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


random_uniform = uniform = RandomUniform
random_normal = normal = RandomNormal
truncated_normal = TruncatedNormal


def _variance_scaling(scale, mode, distribution):
    def make(seed=None, dtype=dtypes.float32):
        return init_ops.variance_scaling_initializer(scale, mode, distribution, seed, dtype)
    return make


he_normal = _variance_scaling(2.0, "fan_in", "truncated_normal")
he_uniform = _variance_scaling(2.0, "fan_in", "uniform")
lecun_normal = _variance_scaling(1.0, "fan_in", "truncated_normal")
lecun_uniform = _variance_scaling(1.0, "fan_in", "uniform")

_BY_NAME = {"zeros": zeros, "ones": ones, "constant": constant, "random_uniform": RandomUniform,
            "uniform": RandomUniform, "random_normal": RandomNormal, "normal": RandomNormal,
            "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
            "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal, "he_normal": he_normal,
            "he_uniform": he_uniform, "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
            "orthogonal": Orthogonal}


def get(identifier):
    """An initializer from its name (``"glorot_uniform"``, ``"zeros"``, ... or the class name), a config
    dict ``{"class_name": ..., "config": {...}}``, an initializer, or None."""
    if identifier is None or callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, type):
        return identifier()
    if isinstance(identifier, dict):
        return _lookup(identifier.get("class_name"))(**identifier.get("config", {}))
    if isinstance(identifier, str):
        return _lookup(identifier)()
    raise ValueError("Could not interpret initializer identifier: %s" % (identifier,))


def _lookup(name):
    from_class = {"Zeros": "zeros", "Ones": "ones", "Constant": "constant", "RandomUniform": "random_uniform",
                  "RandomNormal": "random_normal", "TruncatedNormal": "truncated_normal",
                  "VarianceScaling": "variance_scaling", "GlorotUniform": "glorot_uniform",
                  "GlorotNormal": "glorot_normal", "HeNormal": "he_normal", "HeUniform": "he_uniform",
                  "LecunNormal": "lecun_normal", "LecunUniform": "lecun_uniform",
                  "Orthogonal": "orthogonal"}
    key = from_class.get(name, name)
    if key not in _BY_NAME:
        raise ValueError("Unknown initializer: '%s'. Please ensure you are using a `keras.utils.custom_object_scope` "
                         "and that this object is included in the scope." % name)
    return _BY_NAME[key]


def serialize(initializer):
    """``{"class_name": ..., "config": ...}`` of a built-in initializer."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
