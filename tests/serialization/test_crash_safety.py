"""Crash safety: a process saving in a loop is SIGKILLed at random moments, again and again; after every kill
the ``checkpoint`` state file names a complete checkpoint holding one finished save's values.

A helper process imports tagraph once and forks a saver for each round (so twenty rounds take seconds,
not twenty interpreter start-ups); the test kills that saver with SIGKILL at a random moment. Each save
stores its step in every variable, so a checkpoint mixing two saves, or a torn one, is caught.
"""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver, get_checkpoint_state, latest_checkpoint, load_checkpoint

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork and SIGKILL")

SHAPE = (64, 1024)   # 256 KiB of float32 per save, so a kill often lands inside a write

HELPER = textwrap.dedent("""
    import os, sys
    import numpy as np
    import tagraph.engine as tg
    from tagraph.serialization import Saver, get_checkpoint_state

    SHAPE = %r

    def saver_loop(directory):
        with tg.Graph().as_default():
            step = tg.get_variable("step", [], dtype=tg.int64, initializer=tg.zeros_initializer)
            payload = tg.get_variable("payload", list(SHAPE), initializer=tg.zeros_initializer)
            tag = tg.Variable("", name="tag")
            step_in = tg.placeholder(tg.int64, [])
            payload_in = tg.placeholder(tg.float32, list(SHAPE))
            tag_in = tg.placeholder(tg.string, [])
            assign = [step.assign(step_in), payload.assign(payload_in), tag.assign(tag_in)]
            saver = Saver(max_to_keep=3)
            state = get_checkpoint_state(directory)
            n = 0
            if state is not None:   # a restart: continue after the last checkpoint, managing the old ones
                saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
                n = int(state.model_checkpoint_path.rsplit("-", 1)[1])
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                os.write(1, b"ready\\n")
                while True:
                    n += 1
                    sess.run(assign, {step_in: n, payload_in: np.full(SHAPE, n, np.float32),
                                      tag_in: "step-%%d" %% n})
                    saver.save(sess, os.path.join(directory, "model"), global_step=n)

    # Warm up once here (device registry, kernels, plans' imports) so that each forked saver starts at once.
    with tg.Graph().as_default():
        warm = tg.get_variable("warm", [1])
        Saver()
        with tg.Session() as sess:
            sess.run(warm.initializer)
    import tagraph.serialization.meta_graph, tagraph.serialization.checkpoint_utils  # noqa: E401

    for line in sys.stdin:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                saver_loop(line.strip())
            finally:
                os._exit(1)
        print("pid %%d" %% pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
""") % (SHAPE,)


def _read_until(stream, predicate, deadline):
    lines = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            raise AssertionError("helper process ended: %r" % lines)
        lines.append(line.strip())
        if predicate(lines):
            return lines
    raise AssertionError("timed out waiting for the helper: %r" % lines)


def _check_checkpoint(prefix, sess, saver, variables):
    n = int(prefix.rsplit("-", 1)[1])
    reader = load_checkpoint(prefix)
    assert reader.get_tensor("step") == n
    assert reader.get_tensor("tag") == b"step-%d" % n
    payload = reader.get_tensor("payload")
    assert payload.shape == SHAPE and (payload == n).all()
    assert os.path.exists(prefix + ".meta")            # the meta graph is written before the state file
    saver.restore(sess, prefix)
    step, payload, tag = sess.run(variables)
    assert step == n and tag == b"step-%d" % n and (payload == n).all()
    return n


def test_sigkill_during_saves_never_leaves_the_state_file_naming_an_incomplete_checkpoint(tmp_path):
    directory = str(tmp_path)
    rng = random.Random(0x5eed)
    env = dict(os.environ)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    helper = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env)
    deadline = time.monotonic() + 60
    with tg.Graph().as_default():
        variables = [tg.get_variable("step", [], dtype=tg.int64), tg.get_variable("payload", list(SHAPE)),
                     tg.Variable("", name="tag")]
        saver = Saver()
        sess = tg.Session()
        try:
            last = 0
            kills = 0
            for round_ in range(20):
                helper.stdin.write(directory + "\n")
                helper.stdin.flush()
                lines = _read_until(helper.stdout, lambda ls: "ready" in ls and any(x.startswith("pid ") for x in ls),
                                    deadline)
                pid = int(next(x for x in lines if x.startswith("pid "))[4:])
                if round_ == 0:      # the first round waits for a first complete save
                    while latest_checkpoint(directory) is None:
                        assert time.monotonic() < deadline
                        time.sleep(0.002)
                time.sleep(rng.uniform(0.0, 0.12))
                os.kill(pid, signal.SIGKILL)
                kills += 1
                _read_until(helper.stdout, lambda ls: ls[-1] == "reaped", deadline)

                prefix = latest_checkpoint(directory)
                assert prefix is not None
                n = _check_checkpoint(prefix, sess, saver, variables)
                assert n >= last
                last = n
                # Every checkpoint the state file still lists is complete too (old ones are deleted only
                # after the state file stops listing them).
                for listed in get_checkpoint_state(directory).all_model_checkpoint_paths:
                    _check_checkpoint(listed, sess, saver, variables)
            assert kills == 20 and last >= 1
        finally:
            sess.close()
            helper.stdin.close()
            helper.kill()
            helper.wait()
