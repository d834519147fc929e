"""Interop tests hand files between tagraph and real TensorFlow, which runs in its own Python.

They run only when TAGRAPH_TF_PYTHON names a Python with TensorFlow installed (`make interop` makes one).
"""
import json
import os
import subprocess
import textwrap

import pytest


@pytest.fixture
def run_tf():
    """Runs a TensorFlow script in TAGRAPH_TF_PYTHON; returns the JSON its last stdout line holds."""
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    if not python:
        pytest.skip("TAGRAPH_TF_PYTHON is not set: no TensorFlow to compare with (run `make interop`)")

    def run(script, *args):
        prelude = "import json, sys, numpy as np\nimport tensorflow.compat.v1 as tf\ntf.disable_eager_execution()\n"
        proc = subprocess.run([python, "-c", prelude + textwrap.dedent(script), *map(str, args)],
                              capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
        if proc.returncode != 0:
            raise AssertionError("TensorFlow script failed:\n%s" % proc.stderr[-4000:])
        return json.loads(proc.stdout.strip().splitlines()[-1])
    return run
