"""tagraph-saved-model-cli run: what an untrusted command line or file cannot make it do.

--input_exprs is never evaluated by Python: code, names, attributes, lambdas, comprehensions, dunder names
and huge allocations are refused before the model is read or any input is built. A pickle is refused
without --allow_pickle, and without being opened. --outdir writes only plain file names under it.
"""
import os
import pathlib
import pickle
import sys
import time

import numpy as np
import pytest

from tagraph.serialization import saved_model_cli as cli
from tagraph.serialization.saved_model_cli import run as cli_run

TF = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf"
X1X2 = str(TF / "x1_x2_to_y")
RUN_X1X2 = ["run", "--dir", X1X2, "--tag_set", "serve", "--signature_def", "x1_x2_to_y"]


# Every file the process opens while `_OPENED` is not None is recorded (audit hooks cannot be removed,
# so one hook is installed for the session and switched on and off).
_OPENED = None


def _audit(event, args):
    if event == "open" and _OPENED is not None and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def opened():
    global _OPENED
    _OPENED = []
    try:
        yield _OPENED
    finally:
        _OPENED = None


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fails the test if the SavedModel is read, an input file is loaded, or the signature is run."""
    for name in ("read_saved_model", "_load_input_files", "_run_signature"):
        def fail(*a, _name=name, **k):
            raise AssertionError("reached %s: the input should have been refused before" % _name)
        monkeypatch.setattr(cli_run, name, fail)


class _Sentinel:
    """Unpickling this creates a file: proof that a pickle was (or was not) loaded."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def run(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def refused(capsys, *argv):
    rc, out, err = run(capsys, *argv)
    assert rc == 1, (out, err)
    assert out == "" and "Traceback" not in err and err.count("\n") == 1, err
    return err.strip()


# --- --input_exprs: code ---------------------------------------------------------------------------------

CODE = [
    ("__import__('os').system('touch {sentinel}')", "dunder name '__import__'"),
    ("np.__class__", "dunder name '__class__'"),
    ("().__class__.__bases__[0].__subclasses__()", "dunder name"),
    ("np.ones.__globals__", "dunder name"),
    ("open('{sentinel}', 'w')", "a call of open"),
    ("os.system('touch {sentinel}')", "a call of os.system"),
    ("np.load('{sentinel}')", "a call of np.load"),
    ("np.fromfile('/etc/passwd')", "a call of np.fromfile"),
    ("np.lib.npyio", "the attribute np.lib.npyio"),
    ("np.ctypeslib", "the attribute np.ctypeslib"),
    ("np.ones(3).real", "the attribute access 'real'"),
    ("np.arange(6).reshape(2, 3)", "a call of something other than np.<function>"),
    ("(lambda: 1)()", "a call of something other than"),
    ("lambda: 1", "a lambda"),
    ("[i for i in range(3)]", "a comprehension"),
    ("{{i: i for i in (1,)}}", "a comprehension"),
    ("{{i for i in (1,)}}", "a comprehension"),
    ("list(i for i in (1,))", "a call of list"),
    ("(i for i in (1,))", "a generator expression"),
    ("x", "the name 'x'"),
    ("np", "the name 'np'"),
    ("True if 1 else 0", "a conditional expression"),
    ("[1, 2][0]", "a subscript"),
    ("f'{{1}}'", "an f-string"),
    ("(y := 3)", "an assignment expression"),
    ("np.ones(*[3])", "a starred argument"),
    ("np.ones(**{{'shape': 3}})", "keyword unpacking"),
    ("1 < 2", "a comparison"),
    ("1 << 100", "the operator LShift"),
    ("~1", "the operator Invert"),
    ("...", "Ellipsis"),
    ("import os", "not a valid expression"),
    ("1; import os", "format is incorrect"),
]


@pytest.mark.parametrize("expr, why", CODE)
def test_code_is_refused_before_anything_runs(capsys, tmp_path, nothing_runs, expr, why):
    sentinel = tmp_path / "sentinel"
    expr = expr.format(sentinel=sentinel)
    err = refused(capsys, *RUN_X1X2, "--input_exprs", "x1=[[1]];x2=" + expr)
    assert err.startswith(("ValueError: ", "RuntimeError: ")), err
    assert why in err, err
    assert not sentinel.exists()


def test_examples_allow_literals_only(capsys, nothing_runs):
    err = refused(capsys, *RUN_X1X2, "--input_examples", 'x1=[{"x": np.ones(3)}]')
    assert "a call of np.ones is not allowed" in err and "a Python literal" in err


def test_all_expressions_are_checked_before_any_is_evaluated(capsys, monkeypatch, nothing_runs):
    monkeypatch.setattr(np, "ones", lambda *a, **k: pytest.fail("np.ones ran"))
    err = refused(capsys, *RUN_X1X2, "--input_exprs", "x1=np.ones(3);x2=__import__('os')")
    assert "__import__" in err


# --- --input_exprs: sizes --------------------------------------------------------------------------------

HUGE = [
    "np.ones((10**12,))",
    "np.zeros((10**5, 10**5))",
    "np.ones((10**8,), dtype='complex128')",        # under the element cap, over the byte cap
    "np.full((10**9,), 1)",
    "np.full((10**6,), '" + "x" * 400 + "')",      # 1.6 KB per element
    "np.arange(10**12)",
    "np.arange(0, 1, 1e-12)",
    "np.linspace(0, 1, 10**9)",
    "np.eye(10**5)",
    "np.identity(10**5)",
    "np.random.rand(10**5, 10**5)",
    "np.random.randint(0, 5, size=(10**6, 10**6))",
    "np.ones_like(np.zeros((10**5, 10**5)))",
    "np.zeros((" + "2, " * 40 + "))",
    "10**10**10",
    "9**9**9",
    "2**100000",
]


@pytest.mark.parametrize("expr", HUGE)
def test_huge_allocations_are_refused_before_allocating(capsys, monkeypatch, nothing_runs, expr):
    for name in ("ones", "zeros", "full", "arange", "linspace", "eye", "identity", "ones_like", "array"):
        monkeypatch.setattr(np, name, lambda *a, _n=name, **k: pytest.fail("np.%s allocated" % _n))
    for name in ("rand", "randint"):
        monkeypatch.setattr(np.random, name, lambda *a, _n=name, **k: pytest.fail("np.random.%s ran" % _n))
    t = time.perf_counter()
    err = refused(capsys, *RUN_X1X2, "--input_exprs", "x1=" + expr)
    assert time.perf_counter() - t < 2
    assert err.startswith("ValueError: ")
    assert any(w in err for w in ("would allocate", "too large", "at most 32 dimensions")), err


def test_the_budget_is_shared_by_all_expressions_of_a_command(capsys, nothing_runs):
    half = cli.MAX_ELEMENTS // 2 + 1
    err = refused(capsys, *RUN_X1X2, "--input_exprs", "x1=np.zeros(%d, dtype='int8');x2=np.zeros(%d, dtype='int8')"
                  % (half, half))
    assert "at most %d elements" % cli.MAX_ELEMENTS in err


def test_deep_nesting_is_refused(capsys, nothing_runs):
    err = refused(capsys, *RUN_X1X2, "--input_exprs", "x1=" + "+".join(["1"] * 100000))
    assert err.startswith("ValueError: ")


# --- pickles ---------------------------------------------------------------------------------------------

def test_pickle_is_refused_without_being_opened(capsys, tmp_path, opened, nothing_runs):
    sentinel = tmp_path / "unpickled"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(_Sentinel(str(sentinel))))
    opened.clear()
    err = refused(capsys, *RUN_X1X2, "--inputs", "x1=%s;x2=%s" % (evil, evil))
    assert err == ("ValueError: Input file %s (for input key x1) is not a .npy or .npz file; loading it would "
                   "unpickle it, and unpickling can run arbitrary code. tagraph loads .npy and .npz files only, "
                   "unless --allow_pickle is given for a file you trust." % evil)
    assert str(evil) not in opened
    assert not sentinel.exists()


def test_pickle_named_npy_is_refused_without_unpickling(capsys, tmp_path, monkeypatch):
    sentinel = tmp_path / "unpickled"
    disguised = tmp_path / "x.npy"
    disguised.write_bytes(pickle.dumps(_Sentinel(str(sentinel))))
    monkeypatch.setattr(cli_run, "_run_signature", lambda *a, **k: pytest.fail("ran"))
    err = refused(capsys, *RUN_X1X2, "--inputs", "x1=%s" % disguised)
    assert "holds neither .npy nor .npz data" in err and "--allow_pickle" in err
    assert not sentinel.exists()


def test_object_arrays_in_npz_are_refused(capsys, tmp_path):
    sentinel = tmp_path / "unpickled"
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([_Sentinel(str(sentinel))], dtype=object))
    err = refused(capsys, *RUN_X1X2, "--inputs", "x1=%s[x];x2=%s[x]" % (path, path))
    assert "holds object arrays (pickled data)" in err
    assert not sentinel.exists()


def test_allow_pickle_loads_a_trusted_pickle(capsys, tmp_path):
    with open(tmp_path / "b.pkl", "wb") as f:
        pickle.dump(np.full((3, 1), 0.5, np.float32), f)
    rc, out, err = run(capsys, *RUN_X1X2, "--allow_pickle", "--inputs", "x2=%s" % (tmp_path / "b.pkl"),
                       "--input_exprs", "x1=[[1], [2], [3]]")
    assert rc == 0, err
    assert out == "Result for output key y:\n[[1.5]\n [2.5]\n [3.5]]\n"


# --- --outdir --------------------------------------------------------------------------------------------

def _model_with_output_key(path, key):
    from tagraph.protos import saved_model_pb2
    sm = saved_model_pb2.SavedModel.FromString((TF / "x1_x2_to_y" / "saved_model.pb").read_bytes())
    sig = sm.meta_graphs[0].signature_def["x1_x2_to_y"]
    sig.outputs[key].CopyFrom(sig.outputs["y"])
    del sig.outputs["y"]
    path.mkdir()
    (path / "saved_model.pb").write_bytes(sm.SerializeToString())
    return str(path)


@pytest.mark.parametrize("key", ["../escaped", "/abs/escaped", "a/b", ".."])
def test_outdir_refuses_output_keys_that_are_paths(capsys, tmp_path, monkeypatch, key):
    model = _model_with_output_key(tmp_path / "m", key)
    monkeypatch.setattr(cli_run, "_run_signature", lambda *a, **k: pytest.fail("ran"))
    outdir = tmp_path / "out"
    err = refused(capsys, "run", "--dir", model, "--tag_set", "serve", "--signature_def", "x1_x2_to_y",
                  "--input_exprs", "x1=[[1]];x2=[[2]]", "--outdir", str(outdir))
    assert "is not a plain file name" in err
    assert not outdir.exists() and not (tmp_path / "escaped.npy").exists()
