# The two front-door commands: `make demo` and `make test`. Each sets up its own virtual environment.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test interop bench protos opdefs clean fuzz soak device-check bytecode

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,serve]'
	touch $(STAMP)

# Bytecode for every module, as pip writes it when it installs a package. An editable install leaves it to
# the first import, which writes nothing where PYTHONDONTWRITEBYTECODE is set: then every new process (the
# CLI, the model server, a cold start, each test's subprocess) compiles the whole package again, 0.2-0.3 s.
# Up to date, this is a stat per file.
bytecode: $(STAMP)
	$(PY) -m compileall -q -x '/(\.venv|\.git|build)/' .

# Trains, checkpoints, exports (serve + serve,gpu), inspects, serves and queries a model: examples/demo.py.
demo: bytecode
	$(PY) examples/demo.py

test: bytecode
	$(PY) -m pytest -q -n 2 tests

# Hands files between tagraph and real TensorFlow in both directions.
TF_VENV ?= $(HOME)/.cache/tagraph-tf-venv
interop: bytecode
	test -x $(TF_VENV)/bin/python || ($(PYTHON) -m venv $(TF_VENV) && $(TF_VENV)/bin/pip install --quiet tensorflow-cpu==2.21.0 \
	  && $(TF_VENV)/bin/pip install --quiet --no-deps tensorflow-serving-api==2.21.0)
	$(TF_VENV)/bin/python -c "import tf_keras" 2>/dev/null || $(TF_VENV)/bin/pip install --quiet --no-deps tf-keras==2.21.0
	TAGRAPH_TF_PYTHON=$(TF_VENV)/bin/python $(PY) -m pytest -q tests/interop
	TAGRAPH_TF_PYTHON=$(TF_VENV)/bin/python $(PY) -m pytest -q tests/compat -k stored_results

# Every benchmark with quick settings, then one table of figures beside targets. TensorFlow is timed beside
# tagraph when `make interop`'s environment exists (or TAGRAPH_TF_PYTHON names a Python with TensorFlow).
bench: bytecode
	$(PY) -c "import onnxruntime, onnx" 2>/dev/null || $(PY) -m pip install --quiet -e '.[bench]'
	TAGRAPH_TF_PYTHON=$${TAGRAPH_TF_PYTHON:-$(wildcard $(TF_VENV)/bin/python)} $(PY) benchmarks/run_all.py

protos: $(STAMP)
	$(PY) protos/generate.py

# The engine's binary OpList, from TensorFlow's text OpDefs in tests/data/tf (tools/build_op_defs.py).
opdefs: $(STAMP)
	$(PY) tools/build_op_defs.py

clean:
	rm -rf $(VENV) build *.egg-info

# The long fuzz run (every parser of outside input; the suite runs a short one) and the server soak.
fuzz: $(STAMP)
	$(PY) benchmarks/fuzz_long.py

soak: $(STAMP)
	$(PY) benchmarks/soak.py

# The GPU machine's check, run here on a simulated GPU (gpu_tests/device_check.sh says what it runs on hardware).
device-check: $(STAMP)
	bash gpu_tests/device_check.sh --dry-run
