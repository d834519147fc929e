"""TensorFlow beside tagraph in one benchmark run: a helper process under TAGRAPH_TF_PYTHON that builds the
same model once, says a line starting "ready", then times one round per request line and answers each with
one JSON line. Rounds alternate with tagraph's, so both sides see the same machine.

    tf = TensorFlowHelper(python, _TF_SCRIPT, [steps, warm])
    rate = tf.ask("go")["steps_per_s"]
    tf.close()
"""
import json
import os
import subprocess


class TensorFlowHelper:
    def __init__(self, python, script, args, hint=""):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
        self.proc = subprocess.Popen([python, "-c", script, *map(str, args)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("TensorFlow helper failed to start%s: %r" % (hint, line))
        self.ready = line.strip()

    def ask(self, request="go"):
        """One timed round: what the helper answers to ``request``, a dict."""
        self.proc.stdin.write(request + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
