# The two front-door commands: `make demo` and `make test`. Each sets up its own virtual environment.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test interop bench protos clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,serve]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -q -n 2 tests

# Hands files between tagraph and real TensorFlow in both directions.
TF_VENV ?= $(HOME)/.cache/tagraph-tf-venv
interop: $(STAMP)
	test -x $(TF_VENV)/bin/python || ($(PYTHON) -m venv $(TF_VENV) && $(TF_VENV)/bin/pip install --quiet tensorflow-cpu==2.21.0 \
	  && $(TF_VENV)/bin/pip install --quiet --no-deps tensorflow-serving-api==2.21.0)
	TAGRAPH_TF_PYTHON=$(TF_VENV)/bin/python $(PY) -m pytest -q tests/interop

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

protos: $(STAMP)
	$(PY) protos/generate.py

clean:
	rm -rf $(VENV) build *.egg-info
