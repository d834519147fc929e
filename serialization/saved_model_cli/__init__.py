"""``tagraph-saved-model-cli``: inspect, scan and run a SavedModel, with TensorFlow's flags and output.

    $ tagraph-saved-model-cli show --dir /tmp/saved_model --all
    $ tagraph-saved-model-cli show --dir /tmp/saved_model --tag_set serve --signature_def serving_default
    $ tagraph-saved-model-cli run --dir /tmp/saved_model --tag_set serve --signature_def x1_x2_to_y \\
          --inputs 'x1=/tmp/x1.npy;x2=/tmp/data.npz[x2]' --input_exprs 'x2=np.ones((3,1))' --outdir /tmp/out
    $ tagraph-saved-model-cli scan --dir /tmp/saved_model

``show`` and ``scan`` print exactly what TensorFlow's ``saved_model_cli`` prints (sets are printed as
Python prints them, so their order follows ``PYTHONHASHSEED`` there as here). They read only the
protocol buffers: nothing heavy is imported, so ``show --all`` answers in a few hundredths of a second.

Where tagraph departs from TensorFlow, on purpose:

* ``--inputs`` loads ``.npy`` and ``.npz`` files without ever unpickling; any other file is a pickle,
  which can run arbitrary code when loaded, and is refused (without being opened) unless
  ``--allow_pickle`` is given.
* ``--input_exprs`` is never passed to ``eval``. An expression is a Python literal, or a call of one of
  these numpy constructors (``ALLOWED_NUMPY_CALLS``) on literals, calls nesting as in
  ``np.reshape(np.arange(6), (2, 3))``:

      np.array(object, dtype=None, ndmin=0)    np.asarray(...)      np.reshape(a, newshape)
      np.zeros(shape, dtype=None)              np.ones(...)         np.zeros_like(a, dtype=None)  np.ones_like
      np.full(shape, fill_value, dtype=None)   np.full_like(a, fill_value, dtype=None)
      np.arange(start, stop=None, step=None, dtype=None)    np.linspace(start, stop, num=50, endpoint=True,
      dtype=None)    np.eye(N, M=None, k=0, dtype=None)    np.identity(n, dtype=None)
      np.random.rand(*dims)  np.random.randn(*dims)  np.random.random(size=None)
      np.random.randint(low, high=None, size=None, dtype=None)
      np.random.uniform(low=0.0, high=1.0, size=None)  np.random.normal(loc=0.0, scale=1.0, size=None)
      np.<dtype>(value), e.g. np.float32(1.5)

  A dtype is ``np.<dtype>`` (``np.float32``, ``np.int64``, ``np.bool_``, ...) or its name as a string;
  ``np.nan``, ``np.inf``, ``np.pi`` and ``np.e`` may be used as values. Arithmetic (``+ - * / // % **``)
  is allowed on numbers only. Names, other attributes, subscripts, lambdas, comprehensions and dunder
  names are refused, and so is any allocation over ``MAX_ELEMENTS`` (10**8) elements or ``MAX_BYTES``
  (1 GiB), counted before allocating over all the expressions of one command; all of this before the
  model is read or any input file is opened. ``--input_examples`` takes literals only.
* ``--tf_debug`` (TensorFlow's interactive debugger) is not supported: it is an error that says so.
* The device follows the tag-set: a ``gpu`` tag-set runs on the GPU when one is present, else on the CPU
  with soft placement, and says so on stderr.
* ``--outdir`` refuses output keys that are not plain file names, and checks every output file before
  writing any; files are written atomically.
* Errors are one line on stderr (TensorFlow's exception name and message) and exit status 1;
  ``--verbose`` shows the traceback.
"""
from tagraph.serialization.saved_model_cli.arguments import create_parser
from tagraph.serialization.saved_model_cli.commands import main
from tagraph.serialization.saved_model_cli.common import CliError
from tagraph.serialization.saved_model_cli.expressions import (ALLOWED_NUMPY_CALLS, MAX_BYTES, MAX_ELEMENTS,
                                                               InputExprError, evaluate_input_expr)
from tagraph.serialization.saved_model_cli.inputs import (_create_example_string, _split_exprs,  # noqa: F401
                                                          preprocess_inputs_arg_string)
from tagraph.serialization.saved_model_cli.reader import read_saved_model

# _create_example_string and _split_exprs stay importable from here for the fuzz tests of run's inputs.
__all__ = ["main", "create_parser", "CliError", "InputExprError", "ALLOWED_NUMPY_CALLS", "MAX_ELEMENTS",
           "MAX_BYTES", "evaluate_input_expr", "preprocess_inputs_arg_string", "read_saved_model"]
