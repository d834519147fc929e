"""Crash safety at scale: SIGKILL a process while it saves checkpoints or exports a SavedModel, hundreds of
times, and check what is left on disk after every kill.

    python benchmarks/crash_safety.py                    # 200 timed + 200 targeted save kills, 100 export kills
    python benchmarks/crash_safety.py --timed 50 --targeted 50 --exports 20 --seed 7

Three kinds of runs, each in a child forked from a helper that imported tagraph once:

* **timed**: the child saves in a loop (``Saver(max_to_keep=2)``, every save storing its step in every
  variable, 256 KiB each); it is SIGKILLed after a random delay spread over a few save cycles, so the
  kill lands anywhere: inside a data-file write, the index, the meta graph, the ``checkpoint`` state file
  update, or the deletion of old checkpoints;
* **targeted**: the child SIGKILLs *itself* just before or just after its K-th file-system step
  (``os.replace`` / ``rename`` / ``remove`` / ``unlink`` / ``rmdir`` / ``fsync``), K drawn uniformly over the
  steps of a few saves, so every step boundary of save, retention and state-file update is hit, not only
  the ones a timer happens to land on; the table says how many kills fell in each phase;
* **export**: the child exports a SavedModel (``SavedModelBuilder``, one variable, a predict signature) into a
  new directory and is killed at a random moment (timed or targeted).

After every kill: the ``checkpoint`` state file names a complete checkpoint whose every tensor holds one
save's step (no torn or mixed checkpoint), every checkpoint it still lists is complete too, the step never
goes backwards, ``Saver.restore`` restores it, and the next round resumes from it. For exports: a killed
export directory either fails to load with a documented error (tg.errors.*, RuntimeError, OSError) or
loads and computes the right values; if the model server's version scanner would consider it complete
(``serving.versions.is_complete``) it must load; and an older export beside it is byte-for-byte unchanged
and still loads. Every violation is a failure; the script prints runs and failures per kind and phase and
exits 1 if there was any.
"""
import argparse
import collections
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (64, 1024)

HELPER = textwrap.dedent(r"""
    import json, os, signal, sys
    import numpy as np
    import tagraph.engine as tg
    from tagraph.serialization import Saver, get_checkpoint_state, saved_model

    SHAPE = %(shape)r
    HOOKED = ("replace", "rename", "remove", "unlink", "rmdir", "fsync")

    def say(text):
        os.write(1, (text + "\n").encode())

    def phase_of(fn, args):
        if fn == "fsync":
            try:
                path = os.readlink("/proc/self/fd/%%d" %% args[0])
            except (OSError, IndexError, TypeError):
                return "fsync (unknown file)"
            if os.path.isdir(path):
                return "fsync of a directory"
            return "fsync of " + phase_of("write", (path,))
        path = str(args[-1] if fn in ("replace", "rename") else args[0]) if args else ""
        base = os.path.basename(path).split(".tempstate")[0]
        if fn in ("remove", "unlink", "rmdir"):
            return "retention/cleanup (%%s of %%s)" %% (fn, "a directory" if fn == "rmdir" else
                                                       phase_of("write", (path,)).split(": ")[-1])
        if base == "checkpoint":
            return "state file update"
        if base.endswith(".meta"):
            return "save: meta graph"
        if ".index" in base or ".data-" in base:
            return "save: bundle (data/index)"
        if base.startswith("saved_model.pb"):
            return "saved_model.pb"
        return "save: other (%%s)" %% base

    def install_hooks(kill_at, when):
        counter = [0]
        for fn in HOOKED:
            real = getattr(os, fn)
            def wrapper(*args, _real=real, _fn=fn, **kwargs):
                counter[0] += 1
                hit = counter[0] == kill_at
                if hit and when == "before":
                    say("kill %%s|%%s|before" %% (_fn, phase_of(_fn, args)))
                    os.kill(os.getpid(), signal.SIGKILL)
                out = _real(*args, **kwargs)
                if hit:
                    say("kill %%s|%%s|after" %% (_fn, phase_of(_fn, args)))
                    os.kill(os.getpid(), signal.SIGKILL)
                return out
            setattr(os, fn, wrapper)
        return counter

    def saver_loop(directory, saves, kill_at, when):
        with tg.Graph().as_default():
            step = tg.get_variable("step", [], dtype=tg.int64, initializer=tg.zeros_initializer)
            payload = tg.get_variable("payload", list(SHAPE), initializer=tg.zeros_initializer)
            tag = tg.Variable("", name="tag")
            step_in = tg.placeholder(tg.int64, [])
            payload_in = tg.placeholder(tg.float32, list(SHAPE))
            tag_in = tg.placeholder(tg.string, [])
            assign = [step.assign(step_in), payload.assign(payload_in), tag.assign(tag_in)]
            saver = Saver(max_to_keep=2)
            state = get_checkpoint_state(directory)
            n = 0
            if state is not None:
                saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
                n = int(state.model_checkpoint_path.rsplit("-", 1)[1])
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                counter = install_hooks(kill_at, when) if kill_at is not None else None
                say("ready")
                done = 0
                while saves is None or done < saves:
                    n += 1
                    sess.run(assign, {step_in: n, payload_in: np.full(SHAPE, n, np.float32),
                                      tag_in: "step-%%d" %% n})
                    saver.save(sess, os.path.join(directory, "model"), global_step=n)
                    done += 1
                if counter is not None:
                    say("calls %%d" %% counter[0])

    def export(directory, value, kill_at, when):
        with tg.Graph().as_default():
            x = tg.placeholder(tg.float32, [None, 1], name="x")
            w = tg.get_variable("w", [], initializer=tg.constant_initializer(float(value)))
            y = tg.multiply(x, w, name="y")
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                sig = saved_model.signature_def_utils.predict_signature_def(inputs={"x": x}, outputs={"y": y})
                counter = install_hooks(kill_at, when) if kill_at is not None else None
                say("ready")
                builder = saved_model.builder.SavedModelBuilder(directory)
                builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"serving_default": sig})
                builder.save()
                if counter is not None:
                    say("calls %%d" %% counter[0])

    def die_with_parent():
        try:
            import ctypes
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: never outlive the helper
        except Exception:
            pass

    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            die_with_parent()
            code = 0
            try:
                if job["mode"] == "save":
                    saver_loop(job["dir"], job.get("saves"), job.get("kill_at"), job.get("when"))
                else:
                    export(job["dir"], job["value"], job.get("kill_at"), job.get("when"))
            except BaseException as e:
                say("error %%s: %%s" %% (type(e).__name__, str(e).replace(chr(10), " ")[:300]))
                code = 1
            finally:
                os._exit(code)
        say("pid %%d" %% pid)
        _, status = os.waitpid(pid, 0)
        say("reaped %%d" %% status)
""") % {"shape": SHAPE}


class Helper:
    def __init__(self):
        env = dict(os.environ)
        env.pop("TAGRAPH_SIMULATED_GPUS", None)
        self.proc = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env, cwd=ROOT)

    def start(self, job):
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        lines = self.read_until(lambda ls: ls[-1].startswith("pid "))
        self.child = int(lines[-1][4:])
        return self.child, lines

    def read_until(self, predicate, timeout=120):
        lines = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("crash_safety helper ended: %r" % lines)
            lines.append(line.rstrip("\n"))
            if predicate(lines):
                return lines
        raise RuntimeError("timed out waiting for the helper: %r" % lines)

    def close(self):
        child = getattr(self, "child", None)
        if child is not None:
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.kill()
        self.proc.wait()


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:   # it finished (and was reaped) before the kill: a run without a crash
        pass


# ------------------------------------------------------------------------------------------- checking

def _check_checkpoint(prefix, sess, saver, variables):
    from tagraph.serialization import load_checkpoint
    n = int(prefix.rsplit("-", 1)[1])
    reader = load_checkpoint(prefix)
    problems = []
    if reader.get_tensor("step") != n:
        problems.append("step %r != %d" % (reader.get_tensor("step"), n))
    if reader.get_tensor("tag") != b"step-%d" % n:
        problems.append("tag %r" % reader.get_tensor("tag"))
    payload = reader.get_tensor("payload")
    if payload.shape != SHAPE or not (payload == n).all():
        problems.append("payload not all %d" % n)
    if not os.path.exists(prefix + ".meta"):
        problems.append("no .meta")
    saver.restore(sess, prefix)
    step, payload, tag = sess.run(variables)
    if step != n or tag != b"step-%d" % n or not (payload == n).all():
        problems.append("restore gave step %r" % step)
    if problems:
        raise AssertionError("%s: %s" % (prefix, "; ".join(problems)))
    return n


class SaveChecker:
    def __init__(self, directory):
        import tagraph.engine as tg
        from tagraph.serialization import Saver
        self.directory = directory
        self.graph = tg.Graph()
        with self.graph.as_default():
            self.variables = [tg.get_variable("step", [], dtype=tg.int64), tg.get_variable("payload", list(SHAPE)),
                              tg.Variable("", name="tag")]
            self.saver = Saver()
        self.sess = tg.Session(graph=self.graph)
        self.last = 0
        self.seen_complete = False

    def check(self):
        from tagraph.serialization import get_checkpoint_state, latest_checkpoint
        with self.graph.as_default():
            prefix = latest_checkpoint(self.directory)
            if prefix is None:
                if self.seen_complete:
                    raise AssertionError("the state file names no complete checkpoint after one was written")
                return None
            self.seen_complete = True
            n = _check_checkpoint(prefix, self.sess, self.saver, self.variables)
            if n < self.last:
                raise AssertionError("step went backwards: %d after %d" % (n, self.last))
            self.last = n
            state = get_checkpoint_state(self.directory)
            for listed in state.all_model_checkpoint_paths:
                _check_checkpoint(listed, self.sess, self.saver, self.variables)
            if ".tempstate" in state.model_checkpoint_path:
                raise AssertionError("the state file names a temporary file")
            return n


def _tree_hash(path):
    h = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            h.update(os.path.relpath(full, path).encode() + b"\0")
            with open(full, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def _load_and_run(export_dir):
    import numpy as np
    import tagraph.engine as tg
    from tagraph.serialization.saved_model import loader
    with tg.Session(graph=tg.Graph()) as sess:
        mg = loader.load(sess, ["serve"], export_dir)
        sig = mg.signature_def["serving_default"]
        out = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: np.float32([[1.0], [2.0]])})
    return out


def check_export(export_dir, value, old_dir, old_hash, old_value):
    import numpy as np
    from tagraph.engine.framework import errors
    from tagraph.serving import versions
    if _tree_hash(old_dir) != old_hash:
        raise AssertionError("the older export %s changed" % old_dir)
    np.testing.assert_allclose(_load_and_run(old_dir), [[old_value], [2 * old_value]])
    if not os.path.isdir(export_dir):
        return "absent"
    files = versions.listing(export_dir)
    complete = files is not None and versions.is_complete(files, export_dir)
    try:
        out = _load_and_run(export_dir)
    except (errors.OpError, RuntimeError, OSError) as e:
        if complete:
            raise AssertionError("the server would serve %s (is_complete) but it does not load: %s: %s"
                                 % (export_dir, type(e).__name__, e))
        return "refused (%s)" % type(e).__name__
    except Exception as e:  # noqa: BLE001 - an undocumented exception is the failure reported
        raise AssertionError("loading the killed export raised %s: %s" % (type(e).__name__, e))
    np.testing.assert_allclose(out, [[value], [2 * value]])
    return "loads, correct"


# ------------------------------------------------------------------------------------------------ running

def run(args):
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="tagraph-crash-")
    helper = Helper()
    runs = collections.Counter()
    failures = collections.Counter()
    phases = collections.Counter()
    outcomes = collections.Counter()
    examples = []
    started = time.monotonic()

    def fail(kind, detail):
        failures[kind] += 1
        if len(examples) < 20:
            examples.append("%s: %s" % (kind, detail))

    try:
        # --- calibration: how many hooked steps a few saves take, and how long one save takes
        cal_dir = os.path.join(work, "calibrate")
        os.makedirs(cal_dir)
        t0 = time.monotonic()
        helper.start({"mode": "save", "dir": cal_dir, "saves": args.saves_per_round, "kill_at": 10**9,
                      "when": "before"})
        lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
        steps = int(next(x for x in lines if x.startswith("calls "))[6:])
        save_seconds = (time.monotonic() - t0) / args.saves_per_round
        print("calibration: %d file-system steps in %d saves, ~%.0f ms per save (incl. start-up)"
              % (steps, args.saves_per_round, 1000 * save_seconds), flush=True)

        # --- timed kills
        directory = os.path.join(work, "timed")
        os.makedirs(directory)
        checker = SaveChecker(directory)
        for i in range(args.timed):
            pid, _ = helper.start({"mode": "save", "dir": directory})
            helper.read_until(lambda ls: ls[-1] == "ready" or ls[-1].startswith("error"))
            if i == 0:   # the first round is killed only after a first save completed
                from tagraph.serialization import latest_checkpoint
                deadline = time.monotonic() + 60
                while latest_checkpoint(directory) is None and time.monotonic() < deadline:
                    time.sleep(0.005)
            time.sleep(rng.uniform(0, 3 * save_seconds))
            _kill(pid)
            lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
            runs["timed save"] += 1
            for line in lines:
                if line.startswith("error"):
                    fail("timed save", "saver failed before the kill: %s" % line)
            try:
                checker.check()
            except Exception as e:  # noqa: BLE001 - every violation is reported, then the run goes on
                fail("timed save", "round %d: %s: %s" % (i, type(e).__name__, e))
            if (i + 1) % 50 == 0:
                print("  timed: %d runs, %d failures" % (i + 1, failures["timed save"]), flush=True)
        checker.sess.close()

        # --- targeted kills
        directory = os.path.join(work, "targeted")
        os.makedirs(directory)
        checker = SaveChecker(directory)
        for i in range(args.targeted):
            kill_at = rng.randint(1, steps)
            when = rng.choice(["before", "after"])
            helper.start({"mode": "save", "dir": directory, "saves": args.saves_per_round, "kill_at": kill_at,
                          "when": when})
            lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
            runs["targeted save"] += 1
            kills = [x[5:] for x in lines if x.startswith("kill ")]
            phases[kills[0].split("|")[1] + " / " + when if kills else "(not reached: saves finished)"] += 1
            for line in lines:
                if line.startswith("error"):
                    fail("targeted save", "saver failed: %s" % line)
            try:
                checker.check()
            except Exception as e:  # noqa: BLE001
                fail("targeted save", "round %d (kill at step %d %s: %s): %s: %s"
                     % (i, kill_at, when, kills[0] if kills else "-", type(e).__name__, e))
            if (i + 1) % 50 == 0:
                print("  targeted: %d runs, %d failures" % (i + 1, failures["targeted save"]), flush=True)
        checker.sess.close()

        # --- exports killed midway
        base = os.path.join(work, "exports")
        os.makedirs(base)
        old_dir = os.path.join(base, "1")
        helper.start({"mode": "export", "dir": old_dir, "value": 1000.0})
        lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
        if any(x.startswith("error") for x in lines):
            raise RuntimeError("the reference export failed: %r" % lines)
        old_hash = _tree_hash(old_dir)
        cal = os.path.join(work, "export-calibrate")
        helper.start({"mode": "export", "dir": cal, "value": 1.0, "kill_at": 10**9, "when": "before"})
        lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
        export_steps = int(next(x for x in lines if x.startswith("calls "))[6:])
        t0 = time.monotonic()
        helper.start({"mode": "export", "dir": os.path.join(work, "export-timing"), "value": 1.0})
        helper.read_until(lambda ls: ls[-1].startswith("reaped"))
        export_seconds = time.monotonic() - t0
        for i in range(args.exports):
            value = float(i + 2)
            export_dir = os.path.join(base, str(i + 2))
            targeted = i % 2 == 1
            if targeted:
                job = {"mode": "export", "dir": export_dir, "value": value, "kill_at": rng.randint(1, export_steps),
                       "when": rng.choice(["before", "after"])}
                helper.start(job)
                lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
                kills = [x[5:] for x in lines if x.startswith("kill ")]
                phases["export: " + (kills[0].split("|")[1] if kills else "(not reached)")] += 1
            else:
                pid, _ = helper.start({"mode": "export", "dir": export_dir, "value": value})
                helper.read_until(lambda ls: ls[-1] == "ready" or ls[-1].startswith("error"))
                time.sleep(rng.uniform(0, 1.2 * export_seconds))
                _kill(pid)
                lines = helper.read_until(lambda ls: ls[-1].startswith("reaped"))
            kind = "export (%s)" % ("targeted" if targeted else "timed")
            runs[kind] += 1
            try:
                outcomes[check_export(export_dir, value, old_dir, old_hash, 1000.0)] += 1
            except Exception as e:  # noqa: BLE001
                fail(kind, "export %d: %s: %s" % (i, type(e).__name__, e))
    finally:
        helper.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    print()
    print("%-28s %8s %9s" % ("kind", "runs", "failures"))
    for kind in sorted(runs):
        print("%-28s %8d %9d" % (kind, runs[kind], failures[kind]))
    print("%-28s %8d %9d" % ("total", sum(runs.values()), sum(failures.values())))
    print("\nwhere the targeted kills landed:")
    for phase, n in sorted(phases.items()):
        print("  %5d  %s" % (n, phase))
    print("\nkilled exports, as found afterwards:")
    for outcome, n in sorted(outcomes.items()):
        print("  %5d  %s" % (n, outcome))
    if examples:
        print("\nfailures (first %d):" % len(examples))
        for e in examples:
            print("  " + e)
    print("\n%d runs, %d failures in %.0f s (seed %d)" % (sum(runs.values()), sum(failures.values()), elapsed,
                                                          args.seed))
    return 1 if sum(failures.values()) else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--timed", type=int, default=200, help="saves killed after a random delay")
    p.add_argument("--targeted", type=int, default=200, help="saves killed at a random file-system step")
    p.add_argument("--exports", type=int, default=100, help="SavedModel exports killed midway")
    p.add_argument("--saves-per-round", type=int, default=4, help="saves a targeted round may reach")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args(argv)
    if args.seed is None:
        args.seed = random.randrange(1 << 31)
    if not hasattr(os, "fork"):
        print("crash_safety needs os.fork and SIGKILL")
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
