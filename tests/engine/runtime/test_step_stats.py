"""Traced runs: per-node timings in RunMetadata.step_stats, TensorFlow's timeline labels, the Chrome trace."""
import json

import numpy as np

import tagraph.engine as tg
from tagraph.engine.runtime.step_stats import Timeline

FULL_TRACE = tg.RunOptions(trace_level=tg.RunOptions.FULL_TRACE)


def test_a_traced_run_records_every_kernel_and_gives_the_same_values():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3], name="x")
        w = tg.Variable(tg.ones([3, 2]), name="w")
        mm = tg.matmul(x, w, name="mm")
        y = tg.nn.relu(tg.nn.bias_add(mm, tg.constant([1.0, -5.0]), name="ba"), name="y")
        with tg.Session() as sess:
            sess.run(w.initializer)
            feed = {x: np.ones((2, 3), np.float32)}
            plain = sess.run(y, feed)
            metadata = tg.RunMetadata()
            traced = sess.run(y, feed, options=FULL_TRACE, run_metadata=metadata)
            np.testing.assert_array_equal(plain, traced)
            (dev,) = metadata.step_stats.dev_stats
            assert dev.device.endswith("device:CPU:0")
            labels = {ns.node_name: ns.timeline_label for ns in dev.node_stats}
            assert labels["mm"] == "mm = MatMul(x, %s)" % mm.op.inputs[1].op.name
            assert labels["y"] == "y = Relu(ba)"        # the fused BiasAdd+Relu step is the activation's node
            for ns in dev.node_stats:
                assert ns.all_start_micros > 0 and ns.all_end_rel_micros >= 0 and ns.thread_id
            # Untraced runs afterwards record nothing and use the untraced plan.
            again = tg.RunMetadata()
            sess.run(y, feed, run_metadata=again)
            assert not again.step_stats.dev_stats


def test_timeline_is_a_chrome_trace():
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float32, [2], name="a")
        b = tg.add(a, a, name="b")
        with tg.Session() as sess:
            metadata = tg.RunMetadata()
            sess.run(b, {a: [1.0, 2.0]}, options=FULL_TRACE, run_metadata=metadata)
    trace = json.loads(Timeline(metadata.step_stats).generate_chrome_trace_format())
    slices = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [(e["name"], e["args"]) for e in slices] == [("AddV2", {"name": "b", "op": "AddV2", "input0": "a",
                                                                   "input1": "a"})]
    names = [e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == "process_name"]
    assert names and names[0].endswith("CPU:0 Compute")
