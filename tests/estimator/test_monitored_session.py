"""MonitoredSession, MonitoredTrainingSession, Scaffold, the session creators and SessionManager.

The training programs of tests/data/estimator/record_monitored_session.py run here with
tagraph.compat.v1 and must give what TensorFlow's gave (monitored_session.json): the same checkpoint
files, ``checkpoint`` state, kept checkpoints, summary steps and tags, session logs, errors, and the
same variables. A training process killed at a random step resumes from its last checkpoint.
"""
import json
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.estimator import (ChiefSessionCreator, Coordinator, MonitoredSession, MonitoredTrainingSession, Scaffold,
                               SessionManager, SessionRunArgs, SessionRunHook, SingularMonitoredSession,
                               StopAtStepHook)
from tagraph.estimator import progress
from tagraph.protos import meta_graph_pb2, saver_pb2
from tagraph.serialization import import_meta_graph
from tagraph.serialization.checkpoint_state import get_checkpoint_state

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "estimator")
sys.path.insert(0, DATA)
import record_monitored_session as recorder  # noqa: E402

RECORDED = json.load(open(os.path.join(DATA, "monitored_session.json")))


def read_events(path):
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2
    return [event_pb2.Event.FromString(b) for b in RawEventFileLoader(path).Load()]


@pytest.mark.parametrize("scenario", recorder.SCENARIOS)
def test_the_same_training_program_as_tensorflow(scenario, tmp_path):
    assert RECORDED["tensorflow"].startswith("2.")
    got = recorder.run_scenario(tf, scenario, str(tmp_path), read_events, "tagraph.estimator.hooks")
    recorder.compare(got, RECORDED["scenarios"][scenario], scenario)


# --- killed and restarted ---------------------------------------------------------------------------------

_PROGRAM = textwrap.dedent("""
    import sys, time
    import numpy as np
    import tagraph.compat.v1 as tf
    d, last_step, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    class Report(tf.train.SessionRunHook):
        def begin(self):
            self.step = tf.train.get_global_step()
        def after_create_session(self, session, coord):
            print("start", int(session.run(self.step)), flush=True)
        def after_run(self, run_context, run_values):
            print("step", int(run_context.session.run(self.step)), flush=True)
            time.sleep(pause)
    rng = np.random.RandomState(0)
    x = tf.constant(rng.rand(8, 3).astype(np.float32))
    y = tf.constant(rng.rand(8, 1).astype(np.float32))
    w = tf.get_variable("w", [3, 1], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    with tf.train.MonitoredTrainingSession(checkpoint_dir=d, save_checkpoint_steps=4, save_summaries_steps=3,
                                           log_step_count_steps=5,
                                           hooks=[tf.train.StopAtStepHook(last_step=last_step), Report()]) as sess:
        while not sess.should_stop():
            sess.run(train)
    print("done", flush=True)
""")


def _train(d, last_step, pause):
    return subprocess.Popen([sys.executable, "-c", _PROGRAM, d, str(last_step), str(pause)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def test_a_killed_training_resumes_from_its_last_checkpoint(tmp_path):
    d = str(tmp_path)
    kill_at = int(np.random.RandomState(int(time.time()) % 1000).randint(5, 26))
    proc = _train(d, 30, 0.02)
    seen = []
    for line in proc.stdout:
        seen.append(line.split())
        if seen[-1][0] == "step" and int(seen[-1][1]) >= kill_at:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, seen
    state = get_checkpoint_state(d)
    saved = [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]
    last = int(state.model_checkpoint_path.rsplit("-", 1)[1])
    assert last == saved[-1] and last % 4 == 0 and last >= kill_at - kill_at % 4, (kill_at, saved)
    restarted = _train(d, 30, 0.0)
    out, _ = restarted.communicate(timeout=300)
    assert restarted.returncode == 0
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["start", str(last)]                       # restored, not initialized again
    assert [int(s) for k, s in lines[1:-1]] == list(range(last + 1, 31))
    assert lines[-1] == ["done"]
    state = get_checkpoint_state(d)
    kept = [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]
    assert kept[-1] == 30 and len(kept) <= 5 and kept == sorted(set(kept))
    for p in state.all_model_checkpoint_paths:
        assert os.path.exists(p + ".index"), p


# --- MonitoredSession ------------------------------------------------------------------------------------

class Recorder(SessionRunHook):
    def __init__(self, calls, fetch=None, feed=None, stop_at=None):
        self.calls, self.fetch, self.feed, self.stop_at = calls, fetch, feed, stop_at
        self.results = []

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        assert isinstance(session, tg.Session) and isinstance(coord, Coordinator)
        self.calls.append("after_create_session")

    def before_run(self, run_context):
        self.calls.append("before_run")
        return SessionRunArgs(self.fetch, feed_dict=self.feed)

    def after_run(self, run_context, run_values):
        self.calls.append("after_run")
        self.results.append(run_values.results)
        if self.stop_at is not None and len(self.results) >= self.stop_at:
            run_context.request_stop()

    def end(self, session):
        self.calls.append("end")


def _counter_graph():
    g = tg.Graph()
    with g.as_default():
        step = tg.train.get_or_create_global_step()
        inc = tg.assign_add(step, 1)
        x = tg.placeholder(tg.float32, [], name="x")
        doubled = x * 2.0
    return g, step, inc, x, doubled


def test_hooks_are_called_in_order_with_their_fetches_and_feeds():
    g, step, inc, x, doubled = _counter_graph()
    calls = []
    with g.as_default():
        hook = Recorder(calls, fetch={"d": doubled, "step": step}, feed={x: 3.0}, stop_at=2)
        with MonitoredSession(hooks=[hook]) as sess:
            assert g.finalized
            while not sess.should_stop():
                assert sess.run(inc) in (1, 2)
            with pytest.raises(RuntimeError, match="Run called even after should_stop requested"):
                sess.run(inc)
        assert not g.finalized                      # the graph was open before: open again after
    assert calls == ["begin", "after_create_session", "before_run", "after_run", "before_run", "after_run", "end"]
    assert [r["d"] for r in hook.results] == [6.0, 6.0] and [int(r["step"]) for r in hook.results] == [1, 2]


def test_a_feed_given_twice_is_refused():
    g, step, inc, x, doubled = _counter_graph()
    with g.as_default():
        with MonitoredSession(hooks=[Recorder([], feed={x: 1.0}), Recorder([], feed={x: 2.0})]) as sess:
            with pytest.raises(RuntimeError, match="Same tensor is fed by two hooks"):
                sess.run(doubled)
    with g.as_default():
        with MonitoredSession(hooks=[Recorder([], feed={x: 1.0})]) as sess:
            with pytest.raises(RuntimeError, match="Same tensor is fed by a SessionRunHook and user"):
                sess.run(doubled, feed_dict={x: 5.0})


def test_out_of_range_ends_the_session_cleanly_and_other_errors_skip_end():
    g, step, inc, x, doubled = _counter_graph()
    for error, ends in ((errors.OutOfRangeError(None, None, "done"), True), (StopIteration(), True),
                        (errors.InvalidArgumentError(None, None, "bad"), False), (ValueError("bad"), False)):
        calls = []
        with g.as_default():
            try:
                with MonitoredSession(hooks=[Recorder(calls)]) as sess:
                    sess.run(inc)
                    raise error
            except type(error):
                assert not ends
            else:
                assert ends
        assert (calls[-1] == "end") == ends


def test_a_preempted_session_is_made_again_from_the_checkpoint(tmp_path):
    g, step, inc, x, doubled = _counter_graph()
    made = []

    class Preempt(SessionRunHook):
        def __init__(self):
            self.runs = 0

        def after_create_session(self, session, coord):
            made.append(int(session.run(step)))

        def before_run(self, run_context):
            self.runs += 1
            if self.runs == 4:
                raise errors.AbortedError(None, None, "the parameter server went away")

    with g.as_default():
        hooks = [StopAtStepHook(last_step=6), Preempt()]
        with MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=2, save_summaries_steps=None,
                                      log_step_count_steps=0, hooks=hooks) as sess:
            values = []
            while not sess.should_stop():
                values.append(int(sess.run(inc)))
    assert made == [0, 2]                           # a new session, restored from the checkpoint at step 2
    assert values == [1, 2, 3, 3, 4, 5, 6]


def test_run_step_fn():
    g, step, inc, x, doubled = _counter_graph()
    with g.as_default():
        with MonitoredSession(hooks=[StopAtStepHook(last_step=100)]) as sess:
            def step_fn(step_context):
                value = step_context.run_with_hooks(inc)
                if value >= 3:
                    step_context.request_stop()
                return int(step_context.session.run(step))
            got = []
            while not sess.should_stop():
                got.append(sess.run_step_fn(step_fn))
    assert got == [1, 2]
    with g.as_default():
        with MonitoredSession() as sess:
            with pytest.raises(ValueError, match="`step_fn` may either have one `step_context` argument"):
                sess.run_step_fn(lambda ctx: None)


def test_singular_session_gives_its_raw_session_and_restores_a_given_checkpoint(tmp_path):
    g, step, inc, x, doubled = _counter_graph()
    with g.as_default():
        with SingularMonitoredSession(checkpoint_dir=str(tmp_path)) as sess:
            raw = sess.raw_session()
            assert isinstance(raw, tg.Session)
            for _ in range(3):
                sess.run(inc)
            path = tg.get_collection(tg.GraphKeys.SAVERS)[0].save(raw, str(tmp_path / "model.ckpt"), global_step=3)
        with SingularMonitoredSession(checkpoint_filename_with_path=path) as sess:
            assert sess.run(step) == 3
        with pytest.raises(ValueError, match="Can not provide both checkpoint_dir and checkpoint_filename_with_path"):
            SingularMonitoredSession(checkpoint_dir=str(tmp_path), checkpoint_filename_with_path=path)
    assert sess.graph is None and sess.should_stop()


def test_scaffold_takes_its_pieces_from_the_collections_and_makes_the_rest():
    g, step, inc, x, doubled = _counter_graph()
    with g.as_default():
        tg.summary.scalar("step", step)
        scaffold = Scaffold().finalize()
        assert g.finalized
        assert scaffold.init_op is tg.get_collection(tg.GraphKeys.INIT_OP)[0]
        assert scaffold.ready_op is tg.get_collection(tg.GraphKeys.READY_OP)[0]
        assert scaffold.local_init_op is tg.get_collection(tg.GraphKeys.LOCAL_INIT_OP)[0]
        assert scaffold.summary_op is tg.get_collection(tg.GraphKeys.SUMMARY_OP)[0]
        assert scaffold.saver is tg.get_collection(tg.GraphKeys.SAVERS)[0]
        assert scaffold.saver.as_saver_def().sharded and scaffold.saver.as_saver_def().max_to_keep == 5
        assert scaffold.saver.as_saver_def().keep_checkpoint_every_n_hours == 10000
        copy = Scaffold(init_fn=lambda s, sess: None, copy_from_scaffold=scaffold)
        assert copy.init_op is scaffold.init_op and copy.saver is scaffold.saver and copy.init_fn is not None
        with pytest.raises(TypeError, match="copy_from_scaffold is not a Scaffold instance"):
            Scaffold(copy_from_scaffold=object())
    g2 = tg.Graph()
    with g2.as_default():
        tg.train.get_or_create_global_step()
        tg.add_to_collection(tg.GraphKeys.INIT_OP, tg.no_op())
        tg.add_to_collection(tg.GraphKeys.INIT_OP, tg.no_op())
        with pytest.raises(RuntimeError, match='More than one item in the collection "init_op"'):
            Scaffold().finalize()


def test_init_fn_and_init_feed_dict_run_when_there_is_no_checkpoint():
    g = tg.Graph()
    with g.as_default():
        v = tg.get_variable("v", [], initializer=tg.zeros_initializer())
        start = tg.placeholder(tg.float32, [])
        init = tg.assign(v, start)
        seen = []
        scaffold = Scaffold(init_op=init, init_feed_dict={start: 7.0}, init_fn=lambda sc, sess: seen.append(sc))
        with MonitoredSession(session_creator=ChiefSessionCreator(scaffold=scaffold)) as sess:
            assert sess.run(v) == 7.0
        assert seen == [scaffold]


def test_session_manager_reports_what_is_not_ready(tmp_path):
    g = tg.Graph()
    with g.as_default():
        v = tg.get_variable("v", [], initializer=tg.zeros_initializer())
        ready = tg.report_uninitialized_variables()
        sm = SessionManager(ready_op=ready)
        with pytest.raises(RuntimeError, match="Model is not initialized and no init_op or init_fn or local_init_op"):
            sm.prepare_session("")
        with pytest.raises(RuntimeError, match="did not make model ready.*Variables not initialized: v"):
            sm.prepare_session("", init_op=tg.no_op())
        sess = sm.prepare_session("", init_op=tg.global_variables_initializer())
        assert sess.run(v) == 0.0
        with pytest.raises(errors.DeadlineExceededError, match="Session was not ready after waiting"):
            SessionManager(ready_op=ready, recovery_wait_secs=0.01).wait_for_session("", max_wait_secs=0.05)
        with pytest.raises(ValueError, match="If you pass a ready_for_local_init_op you must also pass"):
            SessionManager(ready_for_local_init_op=ready)


def test_monitored_training_session_hooks_and_defaults(tmp_path):
    g, step, inc, x, doubled = _counter_graph()
    order = []

    class Named(SessionRunHook):
        def __init__(self, name):
            self.name = name

        def begin(self):
            order.append(self.name)

    with g.as_default():
        with MonitoredTrainingSession(checkpoint_dir=str(tmp_path), hooks=[Named("worker"), StopAtStepHook(5)],
                                      chief_only_hooks=[Named("chief")]) as sess:
            kinds = [type(h).__name__ for h in sess._hooks]
            while not sess.should_stop():
                sess.run(inc)
    assert kinds == ["Named", "StepCounterHook", "SummarySaverHook", "CheckpointSaverHook", "Named", "StopAtStepHook"]
    assert order == ["chief", "worker"]
    saver_hook = sess._hooks[3]
    assert saver_hook._timer._every_secs == 600 and saver_hook._timer._every_steps is None
    assert sess._hooks[2]._timer._every_steps == 100 and sess._hooks[1]._timer._every_steps == 100
    with g.as_default():
        with MonitoredTrainingSession(hooks=[StopAtStepHook(1)]) as sess:     # no folder: no saving hooks
            assert [type(h).__name__ for h in sess._hooks] == ["StopAtStepHook"]
        with pytest.raises(errors.UnimplementedError, match=r"is_chief=False\) is not supported by tagraph"):
            MonitoredTrainingSession(is_chief=False)


def test_the_savers_collection_is_exported_as_saver_defs_and_read_back(tmp_path):
    g, step, inc, x, doubled = _counter_graph()
    with g.as_default():
        with MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=1, save_summaries_steps=None,
                                      log_step_count_steps=0, hooks=[StopAtStepHook(2)]) as sess:
            while not sess.should_stop():
                sess.run(inc)
    mg = meta_graph_pb2.MetaGraphDef.FromString(open(str(tmp_path / "model.ckpt-2.meta"), "rb").read())
    saver_def = saver_pb2.SaverDef.FromString(mg.collection_def["savers"].bytes_list.value[0])
    assert saver_def == mg.saver_def and saver_def.sharded
    with tg.Graph().as_default():
        import_meta_graph(str(tmp_path / "model.ckpt-2.meta"))
        with MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=1, save_summaries_steps=None,
                                      log_step_count_steps=0) as sess:
            assert sess.run("global_step/Read/ReadVariableOp:0") == 2


def test_coordinator_hands_a_thread_error_to_join_and_to_the_session():
    coord = Coordinator()

    def work():
        with coord.stop_on_exception():
            raise errors.UnknownError(None, None, "worker failed")
    t = threading.Thread(target=work)
    coord.register_thread(t)
    t.start()
    assert coord.wait_for_stop(5)
    with pytest.raises(errors.UnknownError, match="worker failed"):
        coord.join()
    clean = Coordinator()
    clean.request_stop(errors.OutOfRangeError(None, None, "end of input"))
    assert clean.should_stop()
    clean.join()                                    # a clean stop: nothing raised
    g, step, inc, x, doubled = _counter_graph()

    class Failing(SessionRunHook):
        def after_create_session(self, session, coord):
            coord.request_stop(errors.UnknownError(None, None, "thread died"))
    with g.as_default():
        with pytest.raises(errors.UnknownError, match="thread died"):
            with MonitoredSession(hooks=[Failing()]) as sess:
                sess.should_stop()


def test_a_long_save_reports_its_progress(tmp_path, caplog):
    prefix = str(tmp_path / "model.ckpt-5")
    with caplog.at_level(logging.WARNING, logger="tagraph.estimator.progress"):
        with progress.Progress("saving checkpoint " + prefix, lambda: progress.bytes_under_prefix(prefix), every=0.05):
            os.makedirs(prefix + "_temp")
            with open(os.path.join(prefix + "_temp", "part-00000-of-00001.data-00000-of-00001"), "wb") as f:
                f.write(b"\0" * (3 << 20))
            time.sleep(0.3)
        with progress.Progress("restoring quickly", every=5):
            pass
    text = caplog.text
    assert re.search(r"Still saving checkpoint \S+model.ckpt-5 \(0 s, 3.0 MiB so far\)", text)
    assert re.search(r"Done saving checkpoint \S+ in 0\.\d s", text)
    assert "restoring quickly" not in text
