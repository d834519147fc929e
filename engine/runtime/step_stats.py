"""Per-node timings of a traced run (``RunOptions(trace_level=FULL_TRACE)``) into ``RunMetadata.step_stats``,
and TensorFlow's Chrome-trace timeline of them.

A traced run uses a plan of its own, compiled with every kernel wrapped in a timer (the one place kernels
are looked up, ``plan.resolve_kernel``, wraps them while a collector is active), so untraced runs pay
nothing. Each node's stats carry TensorFlow's fields: ``node_name``, ``all_start_micros``,
``op_start_rel_micros``/``op_end_rel_micros``/``all_end_rel_micros``, ``timeline_label``
("name = OpType(input, ...)") and ``thread_id``, per device in ``dev_stats``.

    run_metadata = tg.RunMetadata()
    sess.run(train_op, options=tg.RunOptions(trace_level=tg.RunOptions.FULL_TRACE), run_metadata=run_metadata)
    open("timeline.json", "w").write(Timeline(run_metadata.step_stats).generate_chrome_trace_format())
"""
import json
import threading
import time

__all__ = ["StepStatsCollector", "collecting", "active_collector", "op_label", "Timeline"]

_active = threading.local()


class StepStatsCollector:
    """Collects one run's node timings; ``wrap`` makes a kernel record into it."""

    def __init__(self):
        self._records = []

    def reset(self):
        self._records = []

    def wrap(self, kernel, label, device_name):
        records = self

        def traced(ctx, *args):
            start = time.time_ns()
            try:
                return kernel(ctx, *args)
            finally:
                end = time.time_ns()
                records._records.append((device_name, ctx.node_name if ctx is not None else label, label, start,
                                         end, threading.get_ident()))
        traced.__name__ = getattr(kernel, "__name__", "kernel")
        return traced

    def fill(self, step_stats):
        """Writes the collected timings into a ``StepStats`` message (appending, as TensorFlow merges)."""
        devices = {}
        for device_name, node_name, label, start, end, thread in self._records:
            dev = devices.get(device_name)
            if dev is None:
                dev = devices[device_name] = step_stats.dev_stats.add(device=device_name)
            ns = dev.node_stats.add(node_name=node_name, timeline_label=label, thread_id=thread & 0xFFFFFFFF)
            ns.all_start_micros = start // 1000
            ns.all_start_nanos = start
            ns.op_start_rel_micros = 0
            ns.op_end_rel_micros = ns.all_end_rel_micros = (end - start) // 1000
            ns.op_end_rel_nanos = ns.all_end_rel_nanos = end - start
        return step_stats


class collecting:
    """While active (a ``with`` block around compiling a plan), kernels looked up are wrapped in timers."""

    def __init__(self, collector):
        self.collector = collector

    def __enter__(self):
        self._previous = getattr(_active, "collector", None)
        _active.collector = self.collector
        return self.collector

    def __exit__(self, *exc):
        _active.collector = self._previous


def active_collector():
    return getattr(_active, "collector", None)


def op_label(op):
    """TensorFlow's timeline label: "name = OpType(input names)"."""
    return "%s = %s(%s)" % (op.name, op.type, ", ".join(t.name.split(":")[0] if t.name.endswith(":0") else t.name
                                                        for t in op.inputs))


class Timeline:
    """``StepStats`` as the Chrome trace format (chrome://tracing, Perfetto), as TensorFlow's
    ``tf.python.client.timeline.Timeline`` writes it: one process per device, one slice per node."""

    def __init__(self, step_stats, graph=None):
        self._step_stats = step_stats
        self._graph = graph

    def generate_chrome_trace_format(self, show_dataflow=True, show_memory=False):
        events = []
        for pid, dev in enumerate(self._step_stats.dev_stats):
            events.append({"name": "process_name", "ph": "M", "pid": pid, "args": {"name": dev.device + " Compute"}})
            events.append({"name": "process_sort_index", "ph": "M", "pid": pid, "args": {"sort_index": pid}})
            for ns in dev.node_stats:
                name, op, inputs = ns.node_name, "unknown", []
                label = ns.timeline_label
                if " = " in label and label.endswith(")") and "(" in label:
                    name, rest = label.split(" = ", 1)
                    op, args = rest[:-1].split("(", 1)
                    inputs = [a for a in args.split(", ") if a]
                args = {"name": ns.node_name, "op": op}
                for i, input_name in enumerate(inputs):
                    args["input%d" % i] = input_name
                events.append({"ph": "X", "cat": "Op", "name": op, "pid": pid, "tid": ns.thread_id,
                               "ts": ns.all_start_micros, "dur": ns.all_end_rel_micros, "args": args})
        return json.dumps({"traceEvents": events}, indent=4, separators=(",", ": "))

