"""``--input_exprs``: tagraph's own evaluator. Nothing is passed to eval(), nothing is imported or looked up by
name: the only callables are the entries of ALLOWED_NUMPY_CALLS, the only values are literals (the package's
docstring lists them). numpy is imported when an expression is evaluated, not when the CLI starts.
"""
import ast
import math

from tagraph.serialization.saved_model_cli.common import CliError

__all__ = ["ALLOWED_NUMPY_CALLS", "MAX_ELEMENTS", "MAX_BYTES", "InputExprError", "evaluate_input_expr"]

MAX_ELEMENTS = 10 ** 8
MAX_BYTES = 1 << 30


# Each entry: the stub whose signature the call's arguments must bind to, documented by its parameters.
def _s_array(object, dtype=None, ndmin=0): pass                       # noqa: E704,A002
def _s_shape(shape, dtype=None): pass                                  # noqa: E704
def _s_like(a, dtype=None): pass                                       # noqa: E704
def _s_full(shape, fill_value, dtype=None): pass                       # noqa: E704
def _s_full_like(a, fill_value, dtype=None): pass                      # noqa: E704
def _s_arange(start, stop=None, step=None, dtype=None): pass           # noqa: E704
def _s_linspace(start, stop, num=50, endpoint=True, dtype=None): pass  # noqa: E704
def _s_eye(N, M=None, k=0, dtype=None): pass                           # noqa: E704,N803
def _s_identity(n, dtype=None): pass                                   # noqa: E704
def _s_reshape(a, newshape): pass                                      # noqa: E704
def _s_dims(*dims): pass                                               # noqa: E704
def _s_randint(low, high=None, size=None, dtype=None): pass            # noqa: E704
def _s_uniform(low=0.0, high=1.0, size=None): pass                     # noqa: E704
def _s_normal(loc=0.0, scale=1.0, size=None): pass                     # noqa: E704
def _s_random(size=None): pass                                         # noqa: E704


ALLOWED_NUMPY_CALLS = {
    "np.array": _s_array, "np.asarray": _s_array,
    "np.zeros": _s_shape, "np.ones": _s_shape,
    "np.zeros_like": _s_like, "np.ones_like": _s_like,
    "np.full": _s_full, "np.full_like": _s_full_like,
    "np.arange": _s_arange, "np.linspace": _s_linspace,
    "np.eye": _s_eye, "np.identity": _s_identity,
    "np.reshape": _s_reshape,
    "np.random.rand": _s_dims, "np.random.randn": _s_dims,
    "np.random.randint": _s_randint, "np.random.uniform": _s_uniform,
    "np.random.normal": _s_normal, "np.random.random": _s_random,
}

# np.<dtype> may be a dtype= argument, or called on a literal (np.float32(1.5)).
_ALLOWED_DTYPES = ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                   "float16", "float32", "float64", "complex64", "complex128", "str_", "bytes_")
_ALLOWED_DTYPE_STRINGS = frozenset(_ALLOWED_DTYPES + ("bool", "str", "bytes", "half", "single", "double",
                                                      "float", "int", "complex"))
_ALLOWED_CONSTANTS = {"np.nan": math.nan, "np.inf": math.inf, "np.pi": math.pi, "np.e": math.e}

_MAX_INT_BITS = 4096
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)

_REFUSED_NODES = {
    ast.Lambda: "a lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression",
    ast.Subscript: "a subscript", ast.Starred: "a starred argument", ast.JoinedStr: "an f-string",
    ast.IfExp: "a conditional expression", ast.Compare: "a comparison", ast.BoolOp: "a boolean operator",
    ast.NamedExpr: "an assignment expression", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class _DType:
    """np.<dtype> as the evaluator sees it: a permitted dtype, not the numpy type object."""

    def __init__(self, name):
        self.name = name


class InputExprError(CliError):
    def __init__(self, message):
        super().__init__(message, "ValueError")


def _short(text, limit=120):
    return text if len(text) <= limit else text[:limit] + "..."


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _ExprEvaluator:
    """Checks (``parse``) then evaluates (``evaluate``) one command's expressions, under one allocation budget."""

    def __init__(self, allow_calls=True, max_elements=MAX_ELEMENTS, max_bytes=MAX_BYTES):
        self.allow_calls = allow_calls
        self.max_elements = max_elements
        self.max_bytes = max_bytes
        self.elements = 0
        self.bytes = 0

    # -- static check: the whole tree, before anything is evaluated ------------------------------------
    def parse(self, text):
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
            raise InputExprError("Expression %r is not a valid expression: %s" % (_short(text), e)) from None
        try:
            self._check(tree.body)
        except RecursionError:
            raise InputExprError("Expression %r is nested too deeply." % _short(text)) from None
        return tree.body

    def _refuse(self, what):
        allowed = ("a Python literal or a call of %s on literals" % ", ".join(ALLOWED_NUMPY_CALLS)
                   if self.allow_calls else "a Python literal")
        raise InputExprError("%s is not allowed in an input expression: an expression may be %s "
                             "(tagraph never evaluates anything else)." % (what, allowed))

    def _check(self, node):
        for sub in ast.walk(node):
            name = getattr(sub, "id", None) or getattr(sub, "attr", None) or getattr(sub, "arg", None)
            if isinstance(name, str) and name.startswith("__"):
                self._refuse("the dunder name %r" % name)
        self._check_node(node)

    def _check_node(self, node):
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis:
                self._refuse("Ellipsis")
            return
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self._check_node(elt)
            return
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if k is None:
                    self._refuse("dict unpacking (**)")
                self._check_node(k)
                self._check_node(v)
            return
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                self._refuse("the operator %s" % type(node.op).__name__)
            self._check_node(node.operand)
            return
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                self._refuse("the operator %s" % type(node.op).__name__)
            self._check_node(node.left)
            self._check_node(node.right)
            return
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if self.allow_calls and dotted is not None and (
                    dotted in _ALLOWED_CONSTANTS or dotted[3:] in _ALLOWED_DTYPES and dotted.startswith("np.")):
                return
            self._refuse("the attribute %s" % (dotted or "access " + repr(node.attr)))
        if isinstance(node, ast.Name):
            self._refuse("the name %r" % node.id)
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if not self.allow_calls:
                self._refuse("a call%s" % (" of " + dotted if dotted else ""))
            if dotted is None:
                self._refuse("a call of something other than np.<function>")
            if dotted not in ALLOWED_NUMPY_CALLS and not (
                    dotted.startswith("np.") and dotted[3:] in _ALLOWED_DTYPES):
                self._refuse("a call of %s" % dotted)
            for arg in node.args:
                self._check_node(arg)
            for kw in node.keywords:
                if kw.arg is None:
                    self._refuse("keyword unpacking (**)")
                self._check_node(kw.value)
            return
        self._refuse(_REFUSED_NODES.get(type(node), "the construct %s" % type(node).__name__))

    # -- evaluation, with every allocation costed before it is made ------------------------------------
    def evaluate(self, node, text):
        try:
            return self._eval(node)
        except InputExprError:
            raise
        except RecursionError:
            raise InputExprError("Expression %r is nested too deeply." % _short(text)) from None
        except (TypeError, ValueError, ArithmeticError, MemoryError) as e:
            raise InputExprError("Expression %r could not be evaluated: %s" % (_short(text), e)) from None

    def _eval(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [self._eval(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self._eval(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return set(self._eval(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return {self._eval(k): self._eval(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand)
            self._need_number(v, type(node.op).__name__)
            return -v if isinstance(node.op, ast.USub) else +v
        if isinstance(node, ast.BinOp):
            return self._binop(node.op, self._eval(node.left), self._eval(node.right))
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted in _ALLOWED_CONSTANTS:
                return _ALLOWED_CONSTANTS[dotted]
            return _DType(dotted[3:])
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            args = [self._eval(a) for a in node.args]
            kwargs = {kw.arg: self._eval(kw.value) for kw in node.keywords}
            return self._call(dotted, args, kwargs)
        raise InputExprError("unexpected %s" % type(node).__name__)  # _check refused it already

    @staticmethod
    def _need_number(v, op):
        if isinstance(v, bool) or not isinstance(v, (int, float, complex)):
            raise InputExprError("the operator %s applies to numbers only, not to %s" % (op, type(v).__name__))

    def _binop(self, op, a, b):
        name = type(op).__name__
        self._need_number(a, name)
        self._need_number(b, name)
        if isinstance(op, ast.Pow) and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0:
            if a.bit_length() * b > _MAX_INT_BITS:
                raise InputExprError("%d ** %d is too large a number" % (a, b))
        if isinstance(op, ast.Mult) and isinstance(a, int) and isinstance(b, int):
            if a.bit_length() + b.bit_length() > _MAX_INT_BITS:
                raise InputExprError("the product is too large a number")
        result = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                  ast.Div: lambda: a / b, ast.FloorDiv: lambda: a // b, ast.Mod: lambda: a % b,
                  ast.Pow: lambda: a ** b}[type(op)]()
        if isinstance(result, int) and result.bit_length() > _MAX_INT_BITS:
            raise InputExprError("the result is too large a number")
        return result

    # costs
    def _charge(self, what, count, itemsize):
        count = int(count)
        nbytes = count * int(itemsize)
        if count > self.max_elements - self.elements or nbytes > self.max_bytes - self.bytes:
            raise InputExprError(
                "%s would allocate %d elements (%d bytes); the input expressions of one command may allocate at "
                "most %d elements and %d bytes in all" % (what, count, nbytes, self.max_elements, self.max_bytes))
        self.elements += count
        self.bytes += nbytes

    @staticmethod
    def _int(v, what):
        import numpy as np
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputExprError("%s must be an integer, not %r" % (what, v))
        return int(v)

    def _shape(self, shape, what="shape"):
        dims = shape if isinstance(shape, (tuple, list)) else (shape,)
        dims = tuple(self._int(d, "each dimension of %s" % what) for d in dims)
        if any(d < 0 for d in dims):
            raise InputExprError("negative dimensions are not allowed: %r" % (shape,))
        if len(dims) > 32:
            raise InputExprError("at most 32 dimensions are allowed: %r" % (shape,))
        return dims

    @staticmethod
    def _dtype(dtype):
        import numpy as np
        if dtype is None:
            return None
        if isinstance(dtype, _DType):
            return np.dtype(getattr(np, dtype.name))
        if isinstance(dtype, str) and dtype in _ALLOWED_DTYPE_STRINGS:
            return np.dtype(dtype)
        raise InputExprError("dtype must be np.<type> or one of %s, not %r"
                             % (", ".join(sorted(_ALLOWED_DTYPE_STRINGS)), dtype))

    def _literal_size(self, obj):
        """Elements in a nested literal (arrays count their size); refuses sets, dicts and other non-arrays."""
        import numpy as np
        if isinstance(obj, np.ndarray):
            return obj.size
        if isinstance(obj, (list, tuple)):
            return sum(self._literal_size(o) for o in obj)
        if isinstance(obj, (dict, set, _DType)) or obj is None:
            raise InputExprError("%r is not an array-like value" % (obj,))
        return 1

    def _call(self, dotted, args, kwargs):
        import inspect
        import numpy as np
        if dotted.startswith("np.") and dotted[3:] in _ALLOWED_DTYPES:  # np.float32(...)
            if "dtype" in kwargs:
                raise InputExprError("%s takes no dtype argument" % dotted)
            stub, kwargs, dotted_fn = _s_array, dict(kwargs, dtype=_DType(dotted[3:])), "np.array"
        else:
            stub, dotted_fn = ALLOWED_NUMPY_CALLS[dotted], dotted
        try:
            bound = inspect.signature(stub).bind(*args, **kwargs)
        except TypeError as e:
            raise InputExprError("bad arguments to %s: %s (allowed: %s%s)"
                                 % (dotted, e, dotted_fn, inspect.signature(stub))) from None
        bound.apply_defaults()
        a = bound.arguments
        dtype = self._dtype(a.get("dtype"))
        def itemsize(default=8):
            if dtype is None:
                return default
            return max(dtype.itemsize, 4 if dtype.kind == "U" else 1)  # np.str_ alone is '<U0', made '<U1'

        fn = dotted_fn.rsplit(".", 1)[1]

        if stub is _s_array:
            ndmin = self._int(a["ndmin"], "ndmin")
            if not 0 <= ndmin <= 32:
                raise InputExprError("ndmin must be between 0 and 32")
            obj = a["object"]
            self._charge(dotted, self._literal_size(obj), itemsize())
            result = np.array(obj, dtype=dtype, ndmin=ndmin)
            if dtype is None and result.dtype == object:
                raise InputExprError("%s gives an object array (ragged or mixed values): %r" % (dotted, obj))
            return result
        if stub is _s_shape:
            shape = self._shape(a["shape"])
            self._charge(dotted, math.prod(shape), itemsize())
            return getattr(np, fn)(shape, dtype=dtype if dtype is not None else float)
        if stub is _s_like:
            like = self._as_array(a["a"], dotted)
            self._charge(dotted, like.size, itemsize(like.dtype.itemsize))
            return getattr(np, fn)(like, dtype=dtype)
        if stub in (_s_full, _s_full_like):
            fill = a["fill_value"]
            fill_arr = self._as_array(fill, dotted)
            if stub is _s_full:
                shape = self._shape(a["shape"])
            else:
                shape = self._as_array(a["a"], dotted).shape
            isz = itemsize(fill_arr.dtype.itemsize)
            self._charge(dotted, math.prod(shape), isz)
            return np.full(shape, fill_arr, dtype=dtype)
        if stub is _s_arange:
            start, stop, step = a["start"], a["stop"], a["step"]
            if stop is None:
                start, stop = 0, start
            if step is None:
                step = 1
            for v in (start, stop, step):
                if isinstance(v, (bool, complex)) or not isinstance(v, (int, float)):
                    raise InputExprError("np.arange takes real numbers, not %r" % (v,))
            if step == 0:
                raise InputExprError("np.arange: the step must not be 0")
            n = (stop - start) / step
            if not math.isfinite(n):
                raise InputExprError("np.arange(%r, %r, %r) has no finite length" % (start, stop, step))
            self._charge(dotted, max(0, math.ceil(n)), itemsize())
            return np.arange(start, stop, step, dtype=dtype)
        if stub is _s_linspace:
            for v in (a["start"], a["stop"]):
                if isinstance(v, bool) or not isinstance(v, (int, float, complex)):
                    raise InputExprError("np.linspace takes numbers for start and stop, not %r" % (v,))
            num = self._int(a["num"], "num")
            if num < 0:
                raise InputExprError("np.linspace: num must not be negative")
            if not isinstance(a["endpoint"], bool):
                raise InputExprError("np.linspace: endpoint must be True or False")
            self._charge(dotted, num, itemsize())
            return np.linspace(a["start"], a["stop"], num=num, endpoint=a["endpoint"], dtype=dtype)
        if stub is _s_eye:
            n = self._int(a["N"], "N")
            m = n if a["M"] is None else self._int(a["M"], "M")
            k = self._int(a["k"], "k")
            self._shape((n, m))
            self._charge(dotted, n * m, itemsize())
            return np.eye(n, m, k, dtype=dtype if dtype is not None else float)
        if stub is _s_identity:
            n = self._shape((self._int(a["n"], "n"),))[0]
            self._charge(dotted, n * n, itemsize())
            return np.identity(n, dtype=dtype if dtype is not None else float)
        if stub is _s_reshape:
            arr = self._as_array(a["a"], dotted)
            newshape = a["newshape"]
            dims = newshape if isinstance(newshape, (tuple, list)) else (newshape,)
            dims = tuple(self._int(d, "each dimension of newshape") for d in dims)
            if len(dims) > 32:
                raise InputExprError("at most 32 dimensions are allowed")
            return np.reshape(arr, dims)  # a view: nothing new is allocated
        if stub is _s_dims:
            shape = self._shape(tuple(a["dims"]), "the dimensions")
            self._charge(dotted, math.prod(shape), 8)
            return getattr(np.random, fn)(*shape)
        size = a["size"]
        shape = () if size is None else self._shape(size, "size")
        if stub is _s_randint:
            self._charge(dotted, math.prod(shape), itemsize())
            for v in (a["low"], a["high"]):
                if v is not None:
                    self._int(v, "np.random.randint's bounds")
            return np.random.randint(a["low"], a["high"], size=size if size is None else shape,
                                     dtype=dtype if dtype is not None else int)
        if stub is _s_random:
            self._charge(dotted, math.prod(shape), 8)
            return np.random.random(size if size is None else shape)
        # uniform / normal: the parameters may be arrays, broadcast against size.
        params = [self._as_array(a[k], dotted) for k in a if k != "size"]
        self._charge(dotted, max([math.prod(shape)] + [p.size for p in params]), 8)
        return getattr(np.random, fn)(*params, size=size if size is None else shape)

    def _as_array(self, v, what):
        import numpy as np
        if isinstance(v, np.ndarray):
            return v
        self._literal_size(v)  # refuses non-array values
        arr = np.asarray(v)
        if arr.dtype == object:
            raise InputExprError("%s: %r is not an array-like value" % (what, v))
        return arr


def evaluate_input_expr(text, allow_calls=True, max_elements=MAX_ELEMENTS, max_bytes=MAX_BYTES):
    """Evaluates one ``--input_exprs`` expression the way ``run`` does (see the module's docstring).

        >>> evaluate_input_expr("np.ones((3, 1))").shape
        (3, 1)
    """
    ev = _ExprEvaluator(allow_calls, max_elements, max_bytes)
    return ev.evaluate(ev.parse(text), text)
