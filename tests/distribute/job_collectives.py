"""An `mpiexec -n N` job running tagraph.distribute's collectives on the CPU and on a simulated GPU.

    mpiexec -n 2 python job_collectives.py OUT_DIR

Rank r's inputs are collective_inputs.inputs(r); each case's value, or its error as "ErrorClass: message", goes to
OUT_DIR/rank<R>.npz and rank<R>.json under "<device>/<case>", for test_collectives.py to check against numpy.
"""
import json
import logging
import os
import sys

if os.environ.get("TAGRAPH_JOB_REAL_GPUS") != "1":     # gpu_tests/ sets it to run on CuPy's GPUs
    os.environ["TAGRAPH_SIMULATED_GPUS"] = "1"          # before numba.cuda loads: the simulator stands in
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"

import numpy as np  # noqa: E402

import tagraph.distribute as hvd  # noqa: E402
import tagraph.engine as tg  # noqa: E402
from tagraph.devices import cpu_threads  # noqa: E402
from tagraph.engine.framework import errors  # noqa: E402
from tagraph.engine.ops import collective_ops  # noqa: E402

from collective_inputs import inputs  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "distribute"))
from record_collectives import CASES as TF_CASES  # noqa: E402  (the cases TensorFlow's results were recorded for)


def cases(rank, size):
    """name -> a function building the fetch in the default graph."""
    v = {k: tg.constant(a) for k, a in inputs(rank).items()}
    c = {
        "average": lambda: hvd.allreduce(v["f32"]),
        "sum": lambda: hvd.allreduce(v["f32"], op=hvd.Sum),
        "min": lambda: hvd.allreduce(v["f32"], op=hvd.Min),
        "max": lambda: hvd.allreduce(v["f32"], op=hvd.Max),
        "product": lambda: hvd.allreduce(v["f64"], op=hvd.Product),
        "average_f64": lambda: hvd.allreduce(v["f64"], average=True),
        "sum_f16": lambda: hvd.allreduce(v["f16"], op=hvd.Sum),
        "sum_i32": lambda: hvd.allreduce(v["i32"], op=hvd.Sum),
        "average_i32": lambda: hvd.allreduce(v["i32"]),
        "sum_i64": lambda: hvd.allreduce(v["i64"], average=False),
        "scaled": lambda: hvd.allreduce(v["f32"], op=hvd.Sum, prescale_factor=0.5, postscale_factor=3.0),
        "fp16_compressed": lambda: hvd.allreduce(v["f32"], compression=hvd.Compression.fp16),
        "grouped": lambda: hvd.grouped_allreduce([v["f32"], v["f64"], v["f32"] * 2, v["i32"]], op=hvd.Sum,
                                                 threshold=64),
        "gather_rows": lambda: hvd.allgather(v["rows"]),
        "gather_i64": lambda: hvd.allgather(v["i64"]),
        "bcast_root0": lambda: hvd.broadcast(v["f32"], 0),
        "bcast_last": lambda: hvd.broadcast(v["f64"], size - 1),
        "bcast_bools": lambda: hvd.broadcast(v["bools"], size - 1),
        "bcast_scalar": lambda: hvd.broadcast(v["scalar"], 0),
        "sparse_average": lambda: hvd.allreduce(tg.IndexedSlices(v["rows"], tg.constant(np.arange(rank + 1)),
                                                                 tg.constant([4, 2]))),
        "gradient": lambda: tg.gradients(tg.reduce_sum(hvd.allreduce(v["f32"], op=hvd.Sum) * (rank + 1.0)),
                                         v["f32"])[0],
        "gradient_average": lambda: tg.gradients(tg.reduce_sum(hvd.allreduce(v["f32"]) * (rank + 1.0)),
                                                 v["f32"])[0],
        # Errors: every rank must raise, none may hang, and the job goes on after them.
        "shape_mismatch": lambda: hvd.allreduce(tg.zeros([rank + 2, 3])),
        "dtype_mismatch": lambda: hvd.allreduce(tg.zeros([2], tg.float32 if rank == 0 else tg.float64)),
        "gather_mismatch": lambda: hvd.allgather(tg.zeros([2, rank + 1])),
        "gather_scalar": lambda: hvd.allgather(tg.placeholder_with_default(v["scalar"], shape=None)),
        "wrong_group_size": lambda: collective_ops.all_reduce_v2(v["f32"], size + 1, 1, 99),
        "two_senders": lambda: collective_ops.broadcast_send_v2(v["f32"], size, 1, 98),
        # One member rejects its own input: it raises its error, the others that it did.
        "one_rank_rejects": lambda: hvd.allgather(tg.placeholder_with_default(v["scalar"] if rank == 0 else v["rows"],
                                                                              shape=None)),
        "one_rank_wrong_group_size": lambda: collective_ops.all_reduce_v2(v["f32"], size + rank, 1, 97),
        "kind_mismatch": lambda: (hvd.allgather(v["f32"]) if rank == 0 else hvd.allreduce(v["f32"])),
        "after_errors": lambda: hvd.allreduce(v["f64"], op=hvd.Sum),
    }
    for name, (kind, arg, attrs) in TF_CASES.items():
        c[name] = _tf_case(v[arg], rank, size, kind, attrs)
    return c


def _tf_case(value, rank, size, kind, attrs):
    """The collective TensorFlow's recording ran, built with the engine's constructors."""
    def build():
        key = collective_ops.next_instance_key(tg.get_default_graph())
        if kind == "reduce":
            return collective_ops.all_reduce_v2(value, size, 1, key, **attrs)
        if kind == "gather":
            return collective_ops.all_gather_v2(value, size, 1, key)
        if rank == 0:
            return collective_ops.broadcast_send_v2(value, size, 1, key)
        return collective_ops.broadcast_recv_v2(value.shape.as_list(), value.dtype, size, 1, key)
    return build


class _Placements(logging.Handler):
    """Collects log_device_placement's lines: where each collective really ran."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def main(out_dir):
    placements = _Placements()
    logging.getLogger("tagraph.placement").addHandler(placements)
    logging.getLogger("tagraph.placement").setLevel(logging.INFO)
    hvd.init()
    rank, size = hvd.rank(), hvd.size()
    arrays, messages = {}, {}
    for device in ("CPU", "GPU"):
        placements.lines = []
        with tg.Graph().as_default():
            with tg.device("/device:%s:0" % device):
                fetches = {name: build() for name, build in cases(rank, size).items()}
            with tg.Session(config=tg.ConfigProto(log_device_placement=True)) as sess:
                for name, fetch in fetches.items():
                    key = "%s/%s" % (device, name)
                    try:
                        value = sess.run(fetch)
                    except errors.OpError as e:
                        messages[key] = "%s: %s" % (type(e).__name__, e.message)
                        continue
                    if isinstance(value, list):
                        arrays.update({"%s/%d" % (key, i): a for i, a in enumerate(value)})
                    elif hasattr(value, "indices"):
                        arrays[key + "/values"], arrays[key + "/indices"] = value.values, value.indices
                    else:
                        arrays[key] = np.asarray(value)
                    if name == "sum":
                        messages[key + "/placed"] = [ln for ln in placements.lines if fetch.op.name + ":" in ln]
    messages["threads"] = {"intra_op": cpu_threads.settings().intra_op, "usable": cpu_threads.settings().usable}
    np.savez(os.path.join(out_dir, "rank%d.npz" % rank), **arrays)
    with open(os.path.join(out_dir, "rank%d.json" % rank), "w") as f:
        json.dump(messages, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
