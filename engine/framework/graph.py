"""Graph, Operation and Tensor: the data structure every other part of tagraph builds on.

    g = tg.Graph()
    with g.as_default():
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        y = x * 2.0
    assert y.name == "mul:0" and y.graph is g
"""
import contextlib
import re
import threading

from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework import dtypes as _dtypes
from tagraph.engine.framework import registration_loader as _registration_loader
from tagraph.engine.framework.attr_value import attr_value_to_python
from tagraph.engine.framework.node_def import graph_to_graph_def, node_def_of
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.protos import versions_pb2

__all__ = ["Graph", "GraphKeys", "Operation", "Tensor", "get_default_graph", "reset_default_graph", "name_scope",
           "control_dependencies", "device", "colocate_with", "add_to_collection", "add_to_collections",
           "get_collection", "get_collection_ref", "set_random_seed", "convert_to_tensor", "is_tensor",
           "get_default_session", "register_tensor_conversion_function", "GRAPH_DEF_VERSION",
           "GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER"]

# The graph sits below the modules that build ops, so what it needs from them is registered here when
# they are imported, as TensorFlow's registries do; ``import tagraph.engine`` imports none of them, so the
# first use imports them (registration_loader).
class _Operators(dict):
    """operator name ("add", "getitem", ...) -> function(tensor, other)."""

    def __missing__(self, name):
        _registration_loader.load_tensor_support()
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        raise KeyError(name)


_OPERATORS = _Operators()
_CONVERSIONS = []               # (priority, types, function(value, dtype, name)), sorted by priority
_OP_CONSTRUCTOR = []            # [apply_op] from the op builder: Graph.create_op builds through it
_session_local = threading.local()


def register_tensor_operators(**impls):
    """Installs the op-building functions behind Tensor's operators (``add=..., getitem=...``)."""
    unknown = set(impls) - _OPERATOR_NAMES
    if unknown:
        raise ValueError("Not Tensor operators: %s" % sorted(unknown))
    _OPERATORS.update(impls)


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """TensorFlow's ``tf.register_tensor_conversion_function``: ``convert_to_tensor`` hands values of
    ``base_type`` (a type or tuple of types) to ``conversion_func(value, dtype=None, name=None)``; lower
    priorities are tried first."""
    _CONVERSIONS.append((priority, base_type, conversion_func))
    _CONVERSIONS.sort(key=lambda c: c[0])


def register_op_constructor(apply_op):
    _OP_CONSTRUCTOR[:] = [apply_op]


def get_default_session():
    """The innermost session entered with ``with sess:`` or ``sess.as_default()`` in this thread."""
    stack = getattr(_session_local, "stack", None)
    return stack[-1] if stack else None


def default_session_stack():
    stack = getattr(_session_local, "stack", None)
    if stack is None:
        stack = _session_local.stack = []
    return stack


class GraphKeys:
    """TensorFlow's standard collection names."""
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    METRIC_VARIABLES = "metric_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"


_OPERATOR_NAMES = frozenset(["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "lt", "le", "gt",
                             "ge", "and", "or", "xor", "neg", "abs", "invert", "getitem"])
_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\-/>]*$")


class Tensor:
    """The ``value_index``-th output of an Operation; named ``"<op>:<index>"``."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "__weakref__")

    # Lets numpy defer to our operators in ``np_array * tensor``.
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = TensorShape(None)
        self._consumers = []

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)
    device = property(lambda self: self._op.device)

    @property
    def name(self):
        return "%s:%d" % (self._op.name, self._value_index)

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        try:
            self._shape = self._shape.merge_with(as_shape(shape))
        except ValueError as e:
            raise ValueError("Tensor %s: %s" % (self.name, e)) from None

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Runs this tensor in ``session`` or the default session."""
        session = session or get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. "
                             "Use `with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
        return session.run(self, feed_dict)

    def __repr__(self):
        return "<tg.Tensor '%s' shape=%s dtype=%s>" % (self.name, self._shape, self._dtype.name)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        # TensorFlow 1 graph tensors compare by identity; tg.equal builds the elementwise op.
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tg.Tensor` as a Python `bool` is not allowed. "
                        "Use `if t is not None:` instead of `if t:`, or run it in a session.")

    def __iter__(self):
        shape = self._shape
        if shape.rank is None or shape.rank == 0 or shape[0] is None:
            raise TypeError("Tensor objects are only iterable when the first dimension is known.")
        return iter([self[i] for i in range(shape[0])])

    def __len__(self):
        raise TypeError("len is not well defined for symbolic Tensors (%s). Use tg.shape()." % self.name)

    # TensorFlow's operator overloads. The ops they build belong to the math and array op families, which
    # register them (register_tensor_operators); a reflected operator converts the other operand to this
    # tensor's dtype first, as TensorFlow's do.
    def __add__(self, other):
        return _OPERATORS['add'](self, other)

    def __radd__(self, other):
        return _OPERATORS['add'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __sub__(self, other):
        return _OPERATORS['sub'](self, other)

    def __rsub__(self, other):
        return _OPERATORS['sub'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __mul__(self, other):
        return _OPERATORS['mul'](self, other)

    def __rmul__(self, other):
        return _OPERATORS['mul'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __truediv__(self, other):
        return _OPERATORS['truediv'](self, other)

    def __rtruediv__(self, other):
        return _OPERATORS['truediv'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __floordiv__(self, other):
        return _OPERATORS['floordiv'](self, other)

    def __rfloordiv__(self, other):
        return _OPERATORS['floordiv'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __mod__(self, other):
        return _OPERATORS['mod'](self, other)

    def __rmod__(self, other):
        return _OPERATORS['mod'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __pow__(self, other):
        return _OPERATORS['pow'](self, other)

    def __rpow__(self, other):
        return _OPERATORS['pow'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __matmul__(self, other):
        return _OPERATORS['matmul'](self, other)

    def __rmatmul__(self, other):
        return _OPERATORS['matmul'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __lt__(self, other):
        return _OPERATORS['lt'](self, other)

    def __le__(self, other):
        return _OPERATORS['le'](self, other)

    def __gt__(self, other):
        return _OPERATORS['gt'](self, other)

    def __ge__(self, other):
        return _OPERATORS['ge'](self, other)

    def __and__(self, other):
        return _OPERATORS['and'](self, other)

    def __rand__(self, other):
        return _OPERATORS['and'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __or__(self, other):
        return _OPERATORS['or'](self, other)

    def __ror__(self, other):
        return _OPERATORS['or'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __xor__(self, other):
        return _OPERATORS['xor'](self, other)

    def __rxor__(self, other):
        return _OPERATORS['xor'](convert_to_tensor(other, dtype=self._dtype.base_dtype), self)

    def __neg__(self):
        return _OPERATORS['neg'](self)

    def __abs__(self):
        return _OPERATORS['abs'](self)

    def __invert__(self):
        return _OPERATORS['invert'](self)

    def __getitem__(self, slice_spec):
        return _OPERATORS['getitem'](self, slice_spec)


class Operation:
    """A node: an op type, inputs, attributes, a device, and its output Tensors."""

    def __init__(self, graph, name, op_type, inputs, output_dtypes, attrs, op_def, device="",
                 control_inputs=()):
        self._graph = graph
        self._name = name
        self._type = op_type
        self._inputs = list(inputs)
        self._attrs = attrs            # name -> AttrValue proto, exactly as written in the NodeDef
        self._op_def = op_def
        self._device = device
        self._control_inputs = []
        self._control_outputs = []
        self._outputs = [Tensor(self, i, dt) for i, dt in enumerate(output_dtypes)]
        self._id = graph._next_id()
        self._original_input_names = None  # set on import, when inputs name ops not yet created
        for t in self._inputs:
            t._consumers.append(self)
        for c in control_inputs:
            self._add_control_input(c)

    name = property(lambda self: self._name)
    type = property(lambda self: self._type)
    graph = property(lambda self: self._graph)
    outputs = property(lambda self: list(self._outputs))
    op_def = property(lambda self: self._op_def)

    @property
    def inputs(self):
        return tuple(self._inputs)

    @property
    def control_inputs(self):
        return list(self._control_inputs)

    @property
    def device(self):
        return self._device

    def _set_device(self, device):
        if callable(device):
            device = device(self)
        self._device = DeviceSpec.from_string(device or "").to_string() if device else ""

    def _add_control_input(self, op):
        if not isinstance(op, Operation):
            raise TypeError("Control input must be an Operation, got %r" % (op,))
        if op._graph is not self._graph:
            raise ValueError("Control input %s is from a different graph than %s" % (op.name, self.name))
        if op not in self._control_inputs:
            self._control_inputs.append(op)
            op._control_outputs.append(self)

    @property
    def node_def(self):
        return node_def_of(self)

    @property
    def attr_names(self):
        return list(self._attrs)

    def get_attr(self, name):
        """The attribute's value as a Python object (DType, TensorShape, numpy array, list, ...)."""
        if name not in self._attrs:
            raise ValueError("Operation '%s' has no attr named '%s'." % (self._name, name))
        return attr_value_to_python(self._attrs[name])

    def _set_attr(self, name, attr_value_proto):
        self._attrs[name] = attr_value_proto

    def colocation_groups(self):
        """``loc:@name`` entries of ``_class``, or this op's own group."""
        if "_class" in self._attrs:
            groups = [s.decode() if isinstance(s, bytes) else s for s in self.get_attr("_class")]
            groups = [g for g in groups if g.startswith("loc:@")]
            if groups:
                return groups
        return ["loc:@" + self._name]

    def values(self):
        return tuple(self._outputs)

    def run(self, feed_dict=None, session=None):
        """Runs this op in ``session`` or the default session."""
        session = session or get_default_session()
        if session is None:
            raise ValueError("Cannot execute operation using `run()`: No default session is registered.")
        session.run(self, feed_dict)

    def __repr__(self):
        return "<tg.Operation '%s' type=%s>" % (self._name, self._type)


class Graph:
    """A TensorFlow 1 graph: ops by unique name, collections, and the scopes ops are created under."""

    def __init__(self):
        self._ops_by_name = {}
        self._ops = []
        self._names_in_use = {}
        self._name_stack = ""
        self._collections = {}
        self._control_dependencies_stack = []
        self._device_function_stack = []
        self._colocation_stack = []
        self._gradient_override_map = {}
        self._id_counter = 0
        self._lock = threading.RLock()
        self._finalized = False
        self.seed = None
        self._last_op_seed = 0
        self._variable_scope_store = None
        self._version_producer = 0
        self._library = None  # FunctionDefLibrary proto carried through import/export

    # --- ops -------------------------------------------------------------------------------------

    def _next_id(self):
        self._id_counter += 1
        return self._id_counter

    @property
    def version(self):
        return self._id_counter

    @property
    def finalized(self):
        return self._finalized

    def finalize(self):
        self._finalized = True

    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    def create_op(self, op_type, inputs, attrs=None, name=None, output_dtypes=None):
        """Creates an op of ``op_type`` validated against its OpDef; see ops.op_builder."""
        if not _OP_CONSTRUCTOR:
            _registration_loader.load_tensor_support()
        return _OP_CONSTRUCTOR[0](self, op_type, inputs, attrs or {}, name, output_dtypes)

    def _add_op(self, op):
        self._check_not_finalized()
        self._ops_by_name[op.name] = op
        self._ops.append(op)

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError("Operation names are strings (or similar), not %s." % type(name).__name__)
        op = self._ops_by_name.get(name)
        if op is None:
            raise KeyError("The name %r refers to an Operation not in the graph." % name)
        return op

    def get_tensor_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError("Tensor names are strings (or similar), not %s." % type(name).__name__)
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolves a Tensor, Operation or name (``"x"``, ``"x:0"``) to this graph's element."""
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                op_name, _, idx = obj.rpartition(":")
                try:
                    idx = int(idx)
                except ValueError:
                    raise ValueError("The name %r looks like a Tensor name, but is not a valid one. "
                                     "Tensor names must be of the form \"<op_name>:<output_index>\"." % obj)
                op = self._ops_by_name.get(op_name)
                if op is None:
                    raise KeyError("The name %r refers to a Tensor which does not exist. The operation, "
                                   "%r, does not exist in the graph." % (obj, op_name))
                if idx >= len(op._outputs):
                    raise KeyError("The name %r refers to a Tensor which does not exist. The operation, "
                                   "%r, exists but only has %d outputs." % (obj, op_name, len(op._outputs)))
                return op._outputs[idx]
            if ":" not in obj and allow_operation:
                op = self._ops_by_name.get(obj)
                if op is None:
                    raise KeyError("The name %r refers to an Operation not in the graph." % obj)
                return op
            if ":" not in obj and allow_tensor and not allow_operation:
                if obj in self._ops_by_name:
                    raise ValueError("The name %r refers to an Operation, not a Tensor. Tensor names must be "
                                     "of the form \"<op_name>:<output_index>\"." % obj)
                raise KeyError("The name %r refers to a Tensor which does not exist." % obj)
            raise ValueError("Can not convert %r to a graph element." % obj)
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError("Tensor %s is not an element of this graph." % obj.name)
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError("Operation %s is not an element of this graph." % obj.name)
            return obj
        raise TypeError("Can not convert a %s into a %s." % (
            type(obj).__name__, "Tensor or Operation" if allow_tensor and allow_operation
            else "Tensor" if allow_tensor else "Operation"))

    # --- names -----------------------------------------------------------------------------------

    def unique_name(self, name, mark_as_used=True):
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while True:
                candidate = "%s_%d" % (base, i)
                if candidate not in self._names_in_use:
                    break
                i += 1
            if mark_as_used:
                self._names_in_use[candidate] = 1
            name = "%s_%d" % (name, i)
        return name

    def get_name_scope(self):
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Pushes a name scope; ``None`` or ``""`` resets to the top, a name ending in ``/`` is reused as is."""
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
            if not _VALID_SCOPE_NAME.match(new):
                raise ValueError("'%s' is not a valid scope name" % name)
        else:
            if not _VALID_SCOPE_NAME.match(name):
                raise ValueError("'%s' is not a valid scope name" % name)
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    # --- collections -----------------------------------------------------------------------------

    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in ([names] if isinstance(names, str) else names):
            self.add_to_collection(n, value)

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v is not None]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # --- scopes recorded on new ops --------------------------------------------------------------

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after ``control_inputs``; ``None`` clears the outer ones."""
        if control_inputs is None:
            saved = self._control_dependencies_stack
            self._control_dependencies_stack = []
            try:
                yield
            finally:
                self._control_dependencies_stack = saved
            return
        ops = []
        for c in control_inputs:
            if hasattr(c, "_as_graph_element"):
                c = c._as_graph_element()
            if isinstance(c, Tensor):
                c = c.op
            elif not isinstance(c, Operation):
                if hasattr(c, "op"):
                    c = c.op
                else:
                    raise TypeError("Control input must be Operation or Tensor: %r" % (c,))
            if c.graph is not self:
                raise ValueError("Control input %s is not an element of this graph." % c.name)
            ops.append(c)
        self._control_dependencies_stack.append(ops)
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    def _current_control_dependencies(self, inputs):
        deps = []
        input_ops = {t.op for t in inputs}
        for frame in self._control_dependencies_stack:
            for op in frame:
                if op not in deps and op not in input_ops:
                    deps.append(op)
        return deps

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """Ops of the types ``op_type_map`` names, made inside the block, take the gradient registered under
        the mapped name (their ``_gradient_op_type`` attribute, as TensorFlow's)."""
        if not isinstance(op_type_map, dict):
            raise TypeError("op_type_map must be a dictionary mapping strings to strings")
        saved = dict(self._gradient_override_map)
        for op_type, gradient_type in op_type_map.items():
            if not (isinstance(op_type, str) and isinstance(gradient_type, str)):
                raise TypeError("op_type_map must be a dictionary mapping strings to strings")
            self._gradient_override_map[op_type] = gradient_type
        try:
            yield
        finally:
            self._gradient_override_map = saved

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """Places ops created inside on a device; inner specs merge into outer ones as TensorFlow does."""
        self._device_function_stack.append(device_name_or_function)
        try:
            yield
        finally:
            self._device_function_stack.pop()

    def _current_device(self, op):
        # As TensorFlow applies them: innermost first; a device string fills the fields still unset, a device
        # function sees the device set so far on ``op`` (replica_device_setter merges with it) and its answer
        # replaces it; None stops.
        device = ""
        for entry in reversed(self._device_function_stack):
            if entry is None:
                break
            if callable(entry) and not isinstance(entry, (str, DeviceSpec)):
                op._device = device
                value = entry(op)
                device = "" if value is None else \
                    (value if isinstance(value, DeviceSpec) else DeviceSpec.from_string(value)).to_string()
            else:
                spec = entry if isinstance(entry, DeviceSpec) else DeviceSpec.from_string(entry)
                device = spec.make_merged_spec(DeviceSpec.from_string(device)).to_string()
        return device

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        if op is None:
            saved = self._colocation_stack
            self._colocation_stack = []
            try:
                yield
            finally:
                self._colocation_stack = saved
            return
        if hasattr(op, "_as_graph_element"):
            op = op._as_graph_element()
        if isinstance(op, Tensor):
            op = op.op
        saved = self._colocation_stack
        if ignore_existing:
            self._colocation_stack = []
        self._colocation_stack = self._colocation_stack + [op]
        # Colocated ops ignore the device scope, as in TensorFlow: they follow the op they sit with.
        saved_devices = self._device_function_stack
        self._device_function_stack = [op.device or None]
        try:
            yield
        finally:
            self._colocation_stack = saved
            self._device_function_stack = saved_devices

    # --- default graph ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def as_default(self):
        """Makes this the default graph inside the block."""
        stack = _default_graph_stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()

    def as_graph_def(self, from_version=None, add_shapes=False):
        return graph_to_graph_def(self, add_shapes=add_shapes)

    @property
    def graph_def_versions(self):
        return versions_pb2.VersionDef(producer=self._version_producer or GRAPH_DEF_VERSION)

    def _get_op_seed(self, op_seed):
        """TensorFlow's ``random_seed.get_seed``: the (seed, seed2) attributes of a random op.

        With a graph seed, an op without its own seed takes the graph's count of such ops so far (0, 1,
        ...); an op seed alone pairs with DEFAULT_GRAPH_SEED; both are reduced modulo 2**31 - 1, and (0, 0),
        which the kernels read as "no seed", becomes (0, 2**31 - 1). Neither gives (0, 0): fresh seeds.
        """
        if self.seed is not None:
            if op_seed is None:
                op_seed = self._last_op_seed
                self._last_op_seed += 1
            seeds = self.seed % _MAXINT32, op_seed % _MAXINT32
        elif op_seed is not None:
            seeds = _DEFAULT_GRAPH_SEED, op_seed % _MAXINT32
        else:
            return 0, 0
        return (0, _MAXINT32) if seeds == (0, 0) else seeds


# TensorFlow's random_seed constants.
_DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1

# GraphDef versions, TensorFlow 2.21's own: the producer version written on export, and the oldest producer
# and consumer a graph may name.
GRAPH_DEF_VERSION = 2474
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0

_local = threading.local()
_global_default_graph = None


def _default_graph_stack():
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def get_default_graph():
    """The innermost graph made default with ``as_default()``, else the global default graph."""
    stack = _default_graph_stack()
    if stack:
        return stack[-1]
    global _global_default_graph
    if _global_default_graph is None:
        _global_default_graph = Graph()
    return _global_default_graph


def reset_default_graph():
    """Replaces the global default graph with a new empty one."""
    if _default_graph_stack():
        raise AssertionError("Do not use tg.reset_default_graph() inside a graph or session block.")
    global _global_default_graph
    _global_default_graph = Graph()


def name_scope(name, default_name=None, values=None):
    """``with tg.name_scope("layer"):`` on the default graph (or the graph of ``values``)."""
    g = _graph_of(values) if values else get_default_graph()
    return g.name_scope(name if name is not None else default_name)


def _graph_of(values):
    default = get_default_graph()
    if getattr(default, "captures_outer_tensors", False):
        return default      # a function body being traced takes the outer tensors it uses as arguments
    for v in values:
        if isinstance(v, (Tensor, Operation)):
            return v.graph
        if hasattr(v, "graph") and isinstance(getattr(v, "graph"), Graph):
            return v.graph
    return get_default_graph()


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def set_random_seed(seed):
    get_default_graph().seed = seed


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None):
    """Returns ``value`` as a Tensor of the default graph: Tensors pass, variables read, the rest is a Const."""
    if isinstance(value, Tensor):
        if dtype is not None:
            dtype = _dtypes.as_dtype(dtype)
            if not _compatible(value.dtype, dtype):
                raise ValueError("Tensor conversion requested dtype %s for Tensor with dtype %s: %r"
                                 % (dtype.name, value.dtype.name, value))
        return value
    if hasattr(value, "_as_graph_tensor"):
        t = value._as_graph_tensor(dtype)
        if dtype is not None and not _compatible(t.dtype, _dtypes.as_dtype(dtype)):
            raise ValueError("Tensor conversion requested dtype %s for Tensor with dtype %s: %r"
                             % (_dtypes.as_dtype(dtype).name, t.dtype.name, t))
        return t
    if isinstance(value, Operation):
        raise TypeError("Can't convert Operation '%s' to Tensor (target dtype=%s)" % (value.name, dtype))
    if _registration_loader.tensor_support_pending:
        _registration_loader.load_tensor_support()
    for _, base_type, fn in _CONVERSIONS:
        if isinstance(value, base_type):
            result = fn(value, dtype=dtype, name=name, preferred_dtype=preferred_dtype)
            if result is not NotImplemented:
                return result
    raise TypeError("Cannot convert %r (of type %s) to a Tensor" % (value, type(value).__name__))


def _flatten(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def _compatible(actual, wanted):
    return actual.base_dtype == wanted.base_dtype


def is_tensor(x):
    return isinstance(x, Tensor)
