"""TensorFlow's SessionRunHooks: their timers, arguments, errors, and what each writes or logs.

How they behave inside TensorFlow's own training programs is compared with TensorFlow's recording in
test_monitored_session.py; these tests cover each hook's rules and bad arguments.
"""
import logging
import os
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.estimator import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook, FinalOpsHook,
                               GlobalStepWaiterHook, LoggingTensorHook, MonitoredSession, NanLossDuringTrainingError,
                               NanTensorHook, Scaffold, SecondOrStepTimer, StepCounterHook, StopAtStepHook,
                               SummarySaverHook)
from tagraph.estimator import basic_session_run_hooks as hooks_module
from tagraph.serialization.checkpoint_state import get_checkpoint_state


class Clock:
    """time.time() as the test sets it."""

    def __init__(self, now=1000.0):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(hooks_module, "time", c)
    return c


def read_events(folder):
    tg.summary.FileWriterCache.clear()    # flushes and closes the writers the hooks used
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2
    events = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("events.out.tfevents."):
            events.extend(event_pb2.Event.FromString(b) for b in RawEventFileLoader(os.path.join(folder, name)).Load())
    return events


def summaries(folder):
    return [(e.step, v.tag, v.simple_value) for e in read_events(folder) if e.HasField("summary")
            for v in e.summary.value]


def model():
    """(graph, global step, train op incrementing it, loss tensor)."""
    g = tg.Graph()
    with g.as_default():
        step = tg.train.get_or_create_global_step()
        w = tg.get_variable("w", [], initializer=tg.constant_initializer(2.0))
        loss = tg.square(w)
        train = tg.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return g, step, train, loss


def train(g, train_op, hooks, runs=None):
    n = 0
    with g.as_default():
        with MonitoredSession(hooks=hooks) as sess:
            while not sess.should_stop() and (runs is None or n < runs):
                sess.run(train_op)
                n += 1
    return n


def test_second_or_step_timer(clock):
    with pytest.raises(ValueError, match="Either every_secs or every_steps should be provided"):
        SecondOrStepTimer()
    with pytest.raises(ValueError, match="Can not provide both every_secs and every_steps"):
        SecondOrStepTimer(every_secs=1, every_steps=1)
    t = SecondOrStepTimer(every_steps=3)
    assert t.should_trigger_for_step(5) and t.last_triggered_step() is None
    assert t.update_last_triggered_step(5) == (None, None)
    assert [s for s in range(5, 12) if t.should_trigger_for_step(s)] == [8, 9, 10, 11]
    clock.now += 2.5
    assert t.update_last_triggered_step(8) == (2.5, 3)
    s = SecondOrStepTimer(every_secs=10)
    s.update_last_triggered_step(0)
    clock.now += 9.9
    assert not s.should_trigger_for_step(50)
    clock.now += 0.1
    assert s.should_trigger_for_step(50) and not s.should_trigger_for_step(0)


def test_hooks_need_a_global_step():
    with tg.Graph().as_default():
        tg.constant(1.0, name="c")
        for hook, name in ((StopAtStepHook(1), "StopAtStepHook"), (StepCounterHook(), "StepCounterHook"),
                           (CheckpointSaverHook("/tmp/unused", save_steps=1), "CheckpointSaverHook"),
                           (SummarySaverHook(save_steps=1, summary_op=tg.constant(b"")), "SummarySaverHook")):
            with pytest.raises(RuntimeError, match="Global step should be created to use %s" % name):
                hook.begin()


def test_stop_at_step_hook():
    with pytest.raises(ValueError, match="One of num_steps or last_step must be specified"):
        StopAtStepHook()
    with pytest.raises(ValueError, match="Only one of num_steps or last_step can be specified"):
        StopAtStepHook(num_steps=1, last_step=2)
    g, step, train_op, loss = model()
    assert train(g, train_op, [StopAtStepHook(last_step=4)]) == 4
    assert train(g, train_op, [StopAtStepHook(num_steps=2)]) == 2


def test_num_steps_counts_from_the_restored_step(tmp_path):
    g, step, train_op, loss = model()
    with g.as_default():
        first = CheckpointSaverHook(str(tmp_path), save_steps=100)
        assert train(g, train_op, [StopAtStepHook(last_step=5), first]) == 5
    from tagraph.estimator import ChiefSessionCreator
    with g.as_default():
        hook, final = StopAtStepHook(num_steps=3), FinalOpsHook(step)
        with MonitoredSession(session_creator=ChiefSessionCreator(checkpoint_dir=str(tmp_path)),
                              hooks=[hook, final]) as sess:
            while not sess.should_stop():
                sess.run(train_op)
    assert final.final_ops_values == 8 and hook.last_step == 8


def test_logging_tensor_hook(caplog):
    with pytest.raises(ValueError, match="either at_end and/or exactly one of every_n_iter and every_n_secs"):
        LoggingTensorHook({"a": "a"})
    with pytest.raises(ValueError, match="invalid every_n_iter=0"):
        LoggingTensorHook({"a": "a"}, every_n_iter=0)
    g, step, train_op, loss = model()
    with g.as_default():
        pair = tg.unstack(tg.constant([1, 2]), name="pair")
        with pytest.raises(ValueError, match="Name pair is ambiguous"):
            LoggingTensorHook(["pair"], every_n_iter=1).begin()
        with pytest.raises(ValueError, match="should have graph attribute that is equal to current graph"):
            with tg.Graph().as_default():
                LoggingTensorHook([pair[0]], every_n_iter=1).begin()
    with caplog.at_level(logging.INFO, logger="tagraph.estimator.hooks"):
        train(g, train_op, [LoggingTensorHook({"step": step, "loss": "Square"}, every_n_iter=2)], runs=5)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("loss =")]
    assert len(lines) == 3
    assert re.fullmatch(r"loss = [\d.]+, step = 1", lines[0])
    assert re.fullmatch(r"loss = [\d.]+, step = 3 \(\d+\.\d{3} sec\)", lines[1])


def test_checkpoint_saver_hook_arguments_and_saver():
    g, step, train_op, loss = model()
    with pytest.raises(ValueError, match="You cannot provide both saver and scaffold"):
        CheckpointSaverHook("/tmp/x", save_steps=1, saver=object(), scaffold=Scaffold())
    with pytest.raises(ValueError, match="Either every_secs or every_steps should be provided"):
        CheckpointSaverHook("/tmp/x")
    with g.as_default():
        hook = CheckpointSaverHook("/tmp/x", save_steps=1)
        with pytest.raises(RuntimeError, match="No items in collection savers"):
            hook._get_saver()


def test_checkpoint_saver_hook_saves_and_calls_its_listeners(tmp_path):
    calls = []

    class Listener(CheckpointSaverListener):
        def begin(self):
            calls.append("begin")

        def before_save(self, session, step):
            calls.append(("before", step))

        def after_save(self, session, step):
            calls.append(("after", step))
            return step == 6          # asks training to stop

        def end(self, session, step):
            calls.append(("end", step))

    g, step, train_op, loss = model()
    with g.as_default():
        from tagraph.serialization import Saver
        hook = CheckpointSaverHook(str(tmp_path), save_steps=3, saver=Saver(max_to_keep=10),
                                   listeners=[Listener()])
        assert train(g, train_op, [hook, StopAtStepHook(last_step=20)]) == 6
    assert calls == ["begin", ("before", 0), ("after", 0), ("before", 3), ("after", 3), ("before", 6), ("after", 6),
                     ("end", 6)]
    state = get_checkpoint_state(str(tmp_path))
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == ["model.ckpt-0", "model.ckpt-3",
                                                                               "model.ckpt-6"]
    assert os.path.exists(str(tmp_path / "graph.pbtxt")) and os.path.exists(str(tmp_path / "model.ckpt-6.meta"))
    events = read_events(str(tmp_path))
    assert [(e.step, e.session_log.status) for e in events if e.HasField("session_log")] == [(0, 3), (3, 3), (6, 3)]
    assert sum(e.HasField("meta_graph_def") for e in events) == 1


def test_checkpoint_saver_hook_by_seconds_and_without_graph(tmp_path, clock):
    g, step, train_op, loss = model()

    class Tick(hooks_module.SessionRunHook):
        def after_run(self, run_context, run_values):
            clock.now += 4.0

    with g.as_default():
        from tagraph.serialization import Saver
        hook = CheckpointSaverHook(str(tmp_path), save_secs=10, saver=Saver(max_to_keep=10), save_graph_def=False)
        train(g, train_op, [Tick(), hook, StopAtStepHook(last_step=9)])
    state = get_checkpoint_state(str(tmp_path))
    assert [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths] == [0, 3, 6, 9]
    assert not os.path.exists(str(tmp_path / "graph.pbtxt"))
    assert not [f for f in os.listdir(str(tmp_path)) if f.endswith(".meta")]


def test_step_counter_hook(tmp_path, clock, caplog):
    with pytest.raises(ValueError, match="exactly one of every_n_steps and every_n_secs should be provided"):
        StepCounterHook(every_n_steps=None)
    g, step, train_op, loss = model()

    class Tick(hooks_module.SessionRunHook):
        def after_run(self, run_context, run_values):
            clock.now += 0.5

    with caplog.at_level(logging.INFO, logger="tagraph.estimator.hooks"):
        train(g, train_op, [Tick(), StepCounterHook(every_n_steps=4, output_dir=str(tmp_path)),
                            StopAtStepHook(last_step=9)])
    assert summaries(str(tmp_path)) == [(5, "global_step/sec", 2.0), (9, "global_step/sec", 2.0)]
    assert caplog.text.count("global_step/sec: 2") == 2


def test_step_counter_hook_warns_when_the_step_does_not_move(caplog):
    g = tg.Graph()
    with g.as_default():
        tg.train.get_or_create_global_step()
        op = tg.no_op()
    with caplog.at_level(logging.WARNING, logger="tagraph.estimator.hooks"):
        train(g, op, [StepCounterHook(every_n_steps=1)], runs=8)
    assert caplog.text.count("It seems that global step (tg.train.get_global_step) has not been increased") == 5


def test_summary_saver_hook(tmp_path, clock):
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op must be provided"):
        SummarySaverHook(save_steps=1)
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op must be provided"):
        SummarySaverHook(save_steps=1, scaffold=Scaffold(), summary_op=object())
    g, step, train_op, loss = model()
    with g.as_default():
        a = tg.summary.scalar("a", loss)
        b = tg.summary.scalar("b", tg.cast(step, tg.float32))
        hooks = [SummarySaverHook(save_steps=3, output_dir=str(tmp_path), summary_op=[a, b]),
                 StopAtStepHook(last_step=8)]
        train(g, train_op, hooks)
    got = summaries(str(tmp_path))
    assert [(s, t) for s, t, _ in got] == [(1, "a"), (1, "b"), (4, "a"), (4, "b"), (7, "a"), (7, "b")]
    events = read_events(str(tmp_path))
    assert [(e.step, e.session_log.status) for e in events if e.HasField("session_log")] == [(1, 1)]


def test_nan_tensor_hook(caplog):
    g, step, train_op, loss = model()
    with g.as_default():
        poison = tg.placeholder_with_default(0.0, [])
        watched = loss + poison

    def hooks(fail):
        values = iter([0.0, 0.0, np.nan])
        return [FeedFnHook(lambda: {poison: next(values)}), NanTensorHook(watched, fail_on_nan_loss=fail)]
    with caplog.at_level(logging.WARNING, logger="tagraph.estimator.hooks"):
        with pytest.raises(NanLossDuringTrainingError, match="NaN loss during training"):
            train(g, train_op, hooks(True))
        assert train(g, train_op, hooks(False)) == 3
    assert caplog.text.count("Model diverged with loss = NaN.") == 2


def test_final_ops_feed_fn_and_waiter_hooks():
    g, step, train_op, loss = model()
    with g.as_default():
        x = tg.placeholder(tg.float32, [])
        x10 = x * 10.0
        fed = []
        final = FinalOpsHook({"step": step, "x2": x * 2.0}, final_ops_feed_dict={x: 4.0})
        feeder = FeedFnHook(lambda: fed.append(1) or {x: float(len(fed))})
        with MonitoredSession(hooks=[feeder, final, GlobalStepWaiterHook(0), StopAtStepHook(last_step=3)]) as sess:
            values = []
            while not sess.should_stop():
                values.append(sess.run([train_op, x10])[1])
    assert values == [10.0, 20.0, 30.0]
    assert final.final_ops_values == {"step": 3, "x2": 8.0}
