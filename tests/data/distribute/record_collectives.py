"""Records what real TensorFlow's collective ops compute, for tests/distribute/test_collectives.py:
CollectiveReduceV2 (each merge_op and final_op, float and integer types), CollectiveGatherV2 and
CollectiveBcastSendV2/RecvV2, run by TensorFlow in one process across 2 logical CPU devices on the inputs of
tests/distribute/collective_inputs.py (device r contributes inputs(r)).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/distribute/record_collectives.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``collectives.npz`` holds, for each case of :data:`CASES`, the result every device got (they agree; the
script checks). Importing this file needs only numpy; the cases are (op, input name, attributes), which
job_collectives.py builds with tagraph.engine.ops.collective_ops.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "distribute"))
from collective_inputs import inputs  # noqa: E402

SIZE = 2
# name -> (op, input, attributes)
CASES = {
    "tf_add_f32": ("reduce", "f32", {"merge_op": "Add", "final_op": "Id"}),
    "tf_mean_f32": ("reduce", "f32", {"merge_op": "Add", "final_op": "Div"}),
    "tf_min_f32": ("reduce", "f32", {"merge_op": "Min", "final_op": "Id"}),
    "tf_max_f64": ("reduce", "f64", {"merge_op": "Max", "final_op": "Id"}),
    "tf_mul_f64": ("reduce", "f64", {"merge_op": "Mul", "final_op": "Id"}),
    "tf_mean_f64": ("reduce", "f64", {"merge_op": "Add", "final_op": "Div"}),
    "tf_add_f16": ("reduce", "f16", {"merge_op": "Add", "final_op": "Id"}),
    "tf_add_i32": ("reduce", "i32", {"merge_op": "Add", "final_op": "Id"}),
    "tf_mean_i32": ("reduce", "i32", {"merge_op": "Add", "final_op": "Div"}),
    "tf_max_i64": ("reduce", "i64", {"merge_op": "Max", "final_op": "Id"}),
    "tf_mean_i64": ("reduce", "i64", {"merge_op": "Add", "final_op": "Div"}),
    "tf_gather_f32": ("gather", "f32", {}),
    "tf_gather_i64": ("gather", "i64", {}),
    "tf_bcast_f64": ("bcast", "f64", {}),
    "tf_bcast_bools": ("bcast", "bools", {}),
    "tf_bcast_scalar": ("bcast", "scalar", {}),
}


def main():
    import threading
    import tensorflow as tf
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * SIZE)
    from tensorflow.python.ops import collective_ops as co

    def member(r, kind, value, attrs, key, got):
        # Each member runs eagerly in its own thread, as TensorFlow's collective_ops_test runs them.
        with tf.device("/device:CPU:%d" % r):
            if kind == "reduce":
                got[r] = co.all_reduce_v2(value, SIZE, 1, key, **attrs)
            elif kind == "gather":
                got[r] = co.all_gather_v2(value, SIZE, 1, key)
            elif r == 0:
                got[r] = co.broadcast_send_v2(value, SIZE, 1, key)
            else:
                got[r] = co.broadcast_recv_v2(value.shape, value.dtype, SIZE, 1, key)

    out = {}
    for key, (name, (kind, arg, attrs)) in enumerate(sorted(CASES.items()), start=1):
        got = [None] * SIZE
        threads = [threading.Thread(target=member, args=(r, kind, tf.constant(inputs(r)[arg]), attrs, key, got))
                   for r in range(SIZE)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        got = [g.numpy() for g in got]
        for g in got[1:]:
            np.testing.assert_array_equal(g, got[0])
        out[name] = got[0]
    dest = os.environ.get("TAGRAPH_RECORD_DIR") or HERE
    np.savez(os.path.join(dest, "collectives.npz"), **out)
    print("recorded %d cases in %s" % (len(out), os.path.join(dest, "collectives.npz")))


if __name__ == "__main__":
    main()
