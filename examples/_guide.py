"""What every example shares: where it writes, and how it titles what it prints.

Each example takes an optional folder as its first argument; without one it writes into a new temporary
folder (printed, and kept so that you can look at what was written). Examples that build on an earlier
one (restoring the checkpoint the save example wrote, say) make what they need in that folder if it is
not there yet, so each runs on its own.
"""
import os
import sys
import tempfile


def workdir(argv=None, prefix="tagraph_example_"):
    """The folder to write into: ``argv[0]`` (made if missing), else a new temporary folder."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0]:
        path = os.path.abspath(argv[0])
        os.makedirs(path, exist_ok=True)
        return path
    path = tempfile.mkdtemp(prefix=prefix)
    print("(writing into %s)" % path)
    return path


def section(title):
    print("\n## %s" % title, flush=True)


def shell(cmd):
    """Prints a command line as the guide shows it: ``$ cmd``."""
    print("$ " + " ".join(cmd), flush=True)


def tree(path, indent="  "):
    """Prints ``path/`` and the files under it, as the guide's "Structure of a SavedModel directory" does."""
    def walk(p, depth):
        for name in sorted(os.listdir(p)):
            full = os.path.join(p, name)
            if os.path.isdir(full):
                print("%s%s/" % (indent * depth, name))
                walk(full, depth + 1)
            else:
                print("%s%s" % (indent * depth, name))
    print("%s/" % os.path.basename(os.path.normpath(path)))
    walk(path, 1)


def free_port():
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def model_server_command():
    """``tagraph-model-server`` beside this Python (the console script), else ``python -m tagraph.serving``."""
    script = os.path.join(os.path.dirname(sys.executable), "tagraph-model-server")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-m", "tagraph.serving"]


class ModelServer:
    """``tagraph-model-server`` in a child process on free loopback ports; a context manager.

        with ModelServer("m", "/models/m", log_path) as server:
            server.grpc_address, server.rest_url
    """

    def __init__(self, model_name, model_base_path, log_path, extra_args=(), timeout=60):
        self.model_name = model_name
        self.grpc_port, self.rest_port = free_port(), free_port()
        self.args = ["--host=127.0.0.1", "--port=%d" % self.grpc_port, "--rest_api_port=%d" % self.rest_port,
                     "--model_name=%s" % model_name, "--model_base_path=%s" % model_base_path] + list(extra_args)
        self.log_path = log_path
        self.timeout = timeout
        self.proc = None

    grpc_address = property(lambda self: "127.0.0.1:%d" % self.grpc_port)
    rest_url = property(lambda self: "http://127.0.0.1:%d" % self.rest_port)

    def command_line(self):
        return ["tagraph-model-server"] + self.args

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def start(self):
        import subprocess
        import time
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(model_server_command() + self.args, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the model server exited with status %s:\n%s" % (self.proc.returncode,
                                                                                    self.log()[-4000:]))
            try:
                status = self.get("/v1/models/%s" % self.model_name)
                states = [v.get("state") for v in status.get("model_version_status", [])]
                if "AVAILABLE" in states:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the model server was not ready after %d s:\n%s" % (self.timeout, self.log()[-4000:]))

    def get(self, path):
        import json
        import urllib.request
        with urllib.request.urlopen(self.rest_url + path, timeout=10) as resp:
            return json.loads(resp.read())

    def post(self, path, doc):
        import json
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.rest_url + path, data=json.dumps(doc).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise RuntimeError("POST %s: HTTP %d %s" % (path, e.code, e.read().decode(errors="replace")))

    def stop(self):
        """SIGTERM (the server drains requests in flight and exits), then the exit status."""
        import signal
        import subprocess
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def cli_command(name):
    """A console script beside this Python (``tagraph-saved-model-cli``), else its module run with -m."""
    modules = {"tagraph-saved-model-cli": "tagraph.serialization.saved_model_cli",
               "tagraph-inspect-checkpoint": "tagraph.serialization.inspect_checkpoint",
               "tagraph-model-server": "tagraph.serving"}
    script = os.path.join(os.path.dirname(sys.executable), name)
    return [script] if os.path.exists(script) else [sys.executable, "-m", modules[name]]


def run_cli(name, args, cwd, check=True):
    """Prints ``$ name args`` and runs it in ``cwd`` (so the paths shown are short), its output shown as is."""
    import subprocess
    import shlex
    shell([name] + [shlex.quote(a) for a in args])
    proc = subprocess.run(cli_command(name) + list(args), cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    print(proc.stdout, end="" if proc.stdout.endswith("\n") else "\n", flush=True)
    if check and proc.returncode != 0:
        raise RuntimeError("%s exited with status %d" % (name, proc.returncode))
    return proc.stdout
