"""Records what real TensorFlow's CPU kernels compute for MaxPool and MaxPoolGrad where windows hold equal
maxima, NaN or only -inf, for tests/engine/ops/test_pooling_kernels_cpu.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_max_pool.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``max_pool.npz`` holds, for each case in ``CASES``: its input (``<case>:x``, small integers so that windows
tie), the upstream gradient (``<case>:dy``), MaxPool's output (``<case>:y``) and MaxPoolGrad's
(``<case>:dx``, fed TensorFlow's own MaxPool output as ``orig_output``). Importing this file needs only numpy.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (input shape, dtype, ksize, strides, padding, special values: None, "nan" or "-inf")
CASES = {
    "tiled_2x2": ((2, 4, 6, 3), np.float32, 2, 2, "VALID", None),
    "same_2x2_odd": ((2, 5, 7, 3), np.float32, 2, 2, "SAME", None),
    "overlap_3x3_s1": ((2, 5, 6, 2), np.float32, 3, 1, "VALID", None),
    "overlap_3x3_s2_same": ((1, 6, 7, 4), np.float64, 3, 2, "SAME", None),
    "overlap_2x2_s1_same": ((1, 4, 4, 5), np.float64, 2, 1, "SAME", None),
    "nan": ((2, 4, 4, 3), np.float32, 2, 1, "SAME", "nan"),
    "minus_inf": ((1, 3, 5, 2), np.float32, 3, 2, "SAME", "-inf"),
}


def inputs(name):
    """The case's input and upstream gradient, from fixed seeds."""
    shape, dtype, k, s, padding, special = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.integers(0, 3, size=shape).astype(dtype)
    if special == "nan":
        x[rng.random(shape) < 0.2] = np.nan
    elif special == "-inf":
        x[:] = -np.inf
    oh = -(-shape[1] // s) if padding == "SAME" else (shape[1] - k) // s + 1
    ow = -(-shape[2] // s) if padding == "SAME" else (shape[2] - k) // s + 1
    dy = rng.uniform(-2.0, 2.0, size=(shape[0], oh, ow, shape[3])).astype(dtype)
    return x, dy


def main():
    import tensorflow as tf
    out = {}
    for name, (shape, dtype, k, s, padding, _) in CASES.items():
        x, dy = inputs(name)
        y = tf.nn.max_pool2d(x, k, s, padding)
        dx = tf.raw_ops.MaxPoolGrad(orig_input=x, orig_output=y, grad=dy, ksize=[1, k, k, 1], strides=[1, s, s, 1],
                                    padding=padding)
        out[name + ":x"], out[name + ":dy"], out[name + ":y"], out[name + ":dx"] = x, dy, y.numpy(), dx.numpy()
    target = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    os.makedirs(target, exist_ok=True)
    np.savez(os.path.join(target, "max_pool.npz"), **out)


if __name__ == "__main__":
    main()
