"""``saved_model_cli run`` inputs: ``--input_exprs`` expressions, ``--input_examples`` literals and the
``--inputs`` / ``--input_exprs`` flag syntax. Documented outcome: a value or CliError (the CLI prints it as
one line and exits 1); never code execution, a hang, or an allocation beyond the evaluator's budget."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tagraph.serialization import saved_model_cli as cli

from fuzz_harness import check, fuzz_settings, mutate, mutations

BUDGET = 16 << 20  # the evaluator's byte budget in these runs (the CLI's own default is 1 GiB)

_ATOMS = st.sampled_from([
    "0", "1", "-1", "3", "2.5", "1e308", "1e-320", "10**100", "2**63", "-2**63", "True", "None", "'a'", "b'\\xff'",
    "'float32'", "'int64'", "'object'", "'U5'", "float('nan')", "np.float32", "np.int8", "np.pi", "np.inf", "np.nan",
    "...", "x", "__import__", "open", "os", "np", "np.__class__", "()", "[]", "{}", "1j", "0x7fffffff"])
_FUNCS = st.sampled_from([
    "np.zeros", "np.ones", "np.full", "np.arange", "np.linspace", "np.eye", "np.identity", "np.reshape",
    "np.array", "np.asarray", "np.zeros_like", "np.ones_like", "np.full_like", "np.random.randint",
    "np.random.uniform", "np.random.normal", "np.random.rand", "np.random.random", "np.load", "np.fromfile",
    "print", "eval", "np.ctypeslib.as_array", "len", "list", "range"])
_BINOPS = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^", "<", "==", " and ",
                           " if 1 else "])


def _expr(depth):
    if depth <= 0:
        return _ATOMS
    sub = st.deferred(lambda: _expr(depth - 1))
    return st.one_of(
        _ATOMS,
        st.lists(sub, max_size=4).map(lambda xs: "[%s]" % ", ".join(xs)),
        st.lists(sub, max_size=3).map(lambda xs: "(%s,)" % ", ".join(xs)),
        st.tuples(sub, _BINOPS, sub).map(lambda t: "(%s%s%s)" % t),
        st.tuples(st.sampled_from(["-", "+", "~", "not "]), sub).map(lambda t: "%s%s" % t),
        st.tuples(_FUNCS, st.lists(sub, max_size=3),
                  st.lists(st.tuples(st.sampled_from(["dtype", "size", "shape", "num", "M", "k", "x", "newshape"]),
                                     sub), max_size=2)).map(
            lambda t: "%s(%s)" % (t[0], ", ".join(list(t[1]) + ["%s=%s" % kv for kv in t[2]]))),
        st.tuples(sub, sub).map(lambda t: "%s[%s]" % t),
        st.tuples(sub, st.sampled_from(["shape", "T", "__class__", "real", "astype"])).map(lambda t: "%s.%s" % t),
        st.lists(st.tuples(st.sampled_from(["'x'", "'id'", "1", "'b'"]), sub), max_size=3).map(
            lambda kvs: "{%s}" % ", ".join("%s: %s" % kv for kv in kvs)),
    )


def _evaluate(text, allow_calls=True):
    return cli.evaluate_input_expr(text, allow_calls=allow_calls, max_elements=BUDGET // 8, max_bytes=BUDGET)


@fuzz_settings(250)
@given(_expr(3))
def test_input_exprs_generated(text):
    out = check("CLI --input_exprs", _evaluate, text, input_size=len(text), allowed=(cli.CliError,))
    if isinstance(out, np.ndarray):
        assert out.nbytes <= BUDGET


_SEEDS = ["np.ones((3, 1))", "[[1, 2], [3, 4]]", "np.random.randint(0, 5, size=(2, 3), dtype='int64')",
          "np.full((2, 2), 7.5, dtype=np.float32)", "np.linspace(0, 1, num=5)", "np.eye(3, k=1)",
          "np.reshape(np.arange(6), (2, 3))", "np.zeros_like([[1, 2]])"]


@fuzz_settings(200)
@given(st.sampled_from(_SEEDS), mutations(st, max_ops=3))
def test_input_exprs_mutated(seed, ops):
    text = mutate(seed.encode(), ops).decode("utf-8", "replace")
    check("CLI --input_exprs", _evaluate, text, input_size=len(text), allowed=(cli.CliError,))


def _examples(text):
    value = cli.evaluate_input_expr(text, allow_calls=False, max_elements=BUDGET // 8, max_bytes=BUDGET)
    if not isinstance(value, list):
        raise cli.CliError("not a list", "ValueError")
    return [cli._create_example_string(ex) for ex in value]


@fuzz_settings(150)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["'id'", "'w'", "1", "'s'", "''"]), _expr(2)), max_size=3)
                .map(lambda kvs: "{%s}" % ", ".join("%s: %s" % kv for kv in kvs)), max_size=3)
       .map(lambda xs: "[%s]" % ", ".join(xs)))
def test_input_examples(text):
    check("CLI --input_examples", _examples, text, input_size=len(text), allowed=(cli.CliError,))


_FLAG_CHARS = st.text(alphabet="ab=;[]x.npyz/ \\:", max_size=30)


@fuzz_settings(150)
@given(_FLAG_CHARS)
def test_flag_syntax(text):
    check("CLI --inputs / --input_exprs syntax", cli.preprocess_inputs_arg_string, text, input_size=len(text),
          allowed=(cli.CliError,))
    check("CLI --inputs / --input_exprs syntax", cli._split_exprs, text, "--input_exprs", input_size=len(text),
          allowed=(cli.CliError,))


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "open('/etc/passwd')", "np.load('x.npy')", "(lambda: 1)()",
    "np.zeros((10**6, 10**6))", "np.ones(10**12)", "np.arange(0, 1e18, 1e-9)", "[1] * 10**9",
    "'a' * 10**10", "np.full((10**5,) * 3, 1)", "[" * 2000 + "]" * 2000, "np.eye(10**7)",
])
def test_hostile_expressions_are_refused(text):
    out = check("CLI --input_exprs", _evaluate, text, input_size=len(text), allowed=(cli.CliError,))
    assert isinstance(out, cli.CliError)


def test_non_string_feature_name_is_a_cli_error():
    with pytest.raises(cli.CliError):
        _examples("[{1: [0]}]")
