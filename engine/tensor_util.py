"""TensorProto conversion, at TensorFlow's path (``tf.make_tensor_proto``, ``tf.make_ndarray``).

    from tagraph.engine.tensor_util import make_ndarray, make_tensor_proto
    make_ndarray(make_tensor_proto([1.0, 2.0]))        # array([1., 2.], dtype=float32)
"""
from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto

__all__ = ["make_tensor_proto", "make_ndarray"]
