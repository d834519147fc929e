"""The JSON form of a TensorFlow 1 program's ``results``, shared by record.py (in TensorFlow's Python) and
tests/compat/test_programs.py (in tagraph's): arrays keep dtype and shape, bytes and sequences are marked.
Only numpy is imported here.
"""
import numpy as np

__all__ = ["encode"]


def encode(value):
    """JSON for a program's results: arrays keep their dtype, bytes and tuples are marked."""
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)) or type(value).__name__ in ("SparseTensorValue",):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, bytes):
        return {"bytes": value.decode("latin-1")}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind in "SO":
            return {"array": [v.decode("latin-1") if isinstance(v, bytes) else v for v in array.ravel().tolist()],
                    "dtype": "bytes", "shape": list(array.shape)}
        return {"array": array.ravel().tolist(), "dtype": array.dtype.name, "shape": list(array.shape)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # Namedtuples from ops (moments, top_k) are tuples; anything else is recorded by its class name.
    return {"object": type(value).__name__}
