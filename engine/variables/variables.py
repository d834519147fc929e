"""Variables of both TensorFlow kinds, variable scopes and ``get_variable``.

    v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
    inc_v1 = v1.assign(v1 + 1)

Resource variables are the default kind. They are what TensorFlow 2 writes into every graph, including
``compat.v1`` ones (so they are what recent SavedModels hold), and their semantics are simpler to reason
about: a read is a snapshot ordered by control dependencies, never a reference that later assignments
change under the reader. Reference variables (``use_resource=False``) build TensorFlow 1's
``VariableV2``/``Assign`` ops, so older graphs and users who need them get exactly those ops.
"""
import contextlib
import threading

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.attr_value import python_to_attr_value
from tagraph.engine.framework.graph import GraphKeys, Tensor, get_default_graph, get_default_session, convert_to_tensor
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops import comparison_ops, indexing_ops, joining_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_context import outside_control_flow
from tagraph.engine.ops.control_flow_ops import cond, group
from tagraph.engine.variables import init_ops, partitioned_variables as _partitioned
from tagraph.protos import variable_pb2

__all__ = ["Variable", "VariableScope", "AUTO_REUSE", "get_variable", "get_local_variable", "variable_scope",
           "get_variable_scope",
           "global_variables", "all_variables", "local_variables", "trainable_variables", "model_variables",
           "variables_initializer", "global_variables_initializer", "initialize_all_variables",
           "local_variables_initializer", "report_uninitialized_variables", "is_variable_initialized",
           "enable_resource_variables", "disable_resource_variables", "resource_variables_enabled",
           "moving_average_variables"]

AUTO_REUSE = "AUTO_REUSE"

# The kind a variable gets when its maker does not say: resource variables, as TensorFlow 2's compat.v1; its
# disable_v2_behavior() (or disable_resource_variables()) switches to TensorFlow 1's reference variables.
_DEFAULT_USE_RESOURCE = [True]


def enable_resource_variables():
    """Variables made without ``use_resource`` are resource variables (the default)."""
    _DEFAULT_USE_RESOURCE[0] = True


def disable_resource_variables():
    """Variables made without ``use_resource`` are TensorFlow 1's reference variables (VariableV2)."""
    _DEFAULT_USE_RESOURCE[0] = False


def resource_variables_enabled():
    return _DEFAULT_USE_RESOURCE[0]


class Variable:
    """A variable: a value kept by the session, with an initializer op and read/assign ops in the graph.

        w = tg.Variable(tg.zeros([2, 2]), name="w")
    """

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 name=None, dtype=None, use_resource=None, shape=None, constraint=None,
                 _initializer_fn=None):
        graph = get_default_graph()
        self._graph = graph
        self._trainable = trainable
        self._use_resource = _DEFAULT_USE_RESOURCE[0] if use_resource is None else bool(use_resource)
        self.constraint = constraint
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        if initial_value is None and _initializer_fn is None:
            raise ValueError("initial_value must be specified.")
        with graph.name_scope(name or "Variable") as scope:
            handle_name = scope[:-1]
            self._scope_name = scope
            first_new_op = len(graph._ops)
            with graph.name_scope("Initializer"):
                if _initializer_fn is not None:
                    init = _initializer_fn()
                elif callable(initial_value):
                    init = initial_value()
                else:
                    init = initial_value
                init = convert_to_tensor(init, dtype=dtype, name="initial_value")
            if self._use_resource:
                # As TensorFlow does, the initializer's ops (and the handle) carry the variable's
                # colocation group, so placement keeps them with the variable.
                for op in graph._ops[first_new_op:]:
                    op._set_attr("_class", _colocation_attr(handle_name))
            self._initial_value = init
            self._dtype = init.dtype.base_dtype
            var_shape = as_shape(shape) if shape is not None else (init.shape if validate_shape
                                                                   else TensorShape(None))
            if self._use_resource:
                self._build_resource(graph, handle_name, var_shape, init, validate_shape)
            else:
                self._build_ref(graph, handle_name, var_shape, init, validate_shape)
        self._shape = var_shape
        self._save_slice_info = None
        graph.add_to_collections(collections, self)

    def _build_resource(self, graph, handle_name, shape, init, validate_shape):
        # The handle takes the scope's own name, as in TensorFlow ("v1", not "v1/VarHandleOp").
        with graph.name_scope(None):
            self._handle_op = graph.create_op(
                "VarHandleOp", [], {"dtype": self._dtype, "shape": shape, "shared_name": handle_name,
                                    "container": "", "debug_name": self._scope_name,
                                    "_class": _colocation_attr(handle_name)}, name=self._scope_name)
        self._handle = self._handle_op.outputs[0]
        # The reads and assignments consume the handle, so the placer keeps them with the variable;
        # TensorFlow writes no _class on them, and neither do we.
        with graph.name_scope("IsInitialized"):
            self._is_initialized_op = graph.create_op("VarIsInitializedOp", [self._handle], {},
                                                      name="VarIsInitializedOp").outputs[0]
        # The shape was checked while building; like TensorFlow, the op itself does not validate it.
        self._initializer_op = graph.create_op(
            "AssignVariableOp", [self._handle, init], {"validate_shape": False}, name="Assign")
        with graph.name_scope("Read"):
            self._snapshot = graph.create_op("ReadVariableOp", [self._handle], {"dtype": self._dtype},
                                             name="ReadVariableOp").outputs[0]
        self._variable = self._handle

    def _build_ref(self, graph, handle_name, shape, init, validate_shape):
        with graph.name_scope(None):
            self._handle_op = graph.create_op("VariableV2", [], {"dtype": self._dtype, "shape": shape},
                                              name=self._scope_name)
        self._variable = self._handle_op.outputs[0]
        self._handle = None
        with graph.colocate_with(self._handle_op):
            self._initializer_op = graph.create_op(
                "Assign", [self._variable, init], {"validate_shape": bool(validate_shape),
                                                   "use_locking": True}, name="Assign")
            self._snapshot = graph.create_op("Identity", [self._variable], {}, name="read").outputs[0]
        self._is_initialized_op = None

    def _set_save_slice_info(self, save_slice_info):
        """Marks this variable as a slice of a larger one (a part of a PartitionedVariable)."""
        self._save_slice_info = save_slice_info

    def _get_save_slice_info(self):
        return self._save_slice_info

    # --- properties ----------------------------------------------------------------------------------

    name = property(lambda self: self._handle_op.name + ":0")
    op = property(lambda self: self._handle_op)
    graph = property(lambda self: self._graph)
    dtype = property(lambda self: self._dtype if self._use_resource
                     else dtypes.as_dtype(self._dtype.as_datatype_enum + 100))
    shape = property(lambda self: self._shape)
    initializer = property(lambda self: self._initializer_op)
    initial_value = property(lambda self: self._initial_value)
    device = property(lambda self: self._handle_op.device)
    trainable = property(lambda self: self._trainable)
    handle = property(lambda self: self._handle)

    def get_shape(self):
        return self._shape

    def is_resource(self):
        return self._use_resource

    def _as_graph_element(self):
        return self._snapshot

    def _as_graph_tensor(self, dtype=None):
        return self.value()

    def _ref(self):
        if self._use_resource:
            raise TypeError("Resource variable %s has no reference tensor" % self.name)
        return self._variable

    def value(self):
        """The snapshot tensor: the variable's value (a fresh read for resource variables)."""
        if self._use_resource:
            return self._read_op()
        return self._snapshot

    def read_value(self):
        if self._use_resource:
            with self._graph.name_scope("Read"):
                return self._read_op()
        return self._graph.create_op("Identity", [self._variable], {}, name="read").outputs[0]

    def _read_op(self):
        with self._graph.colocate_with(self._handle_op):
            return self._graph.create_op("ReadVariableOp", [self._handle], {"dtype": self._dtype},
                                         name="ReadVariableOp").outputs[0]

    def _assign_op(self, resource_type, ref_type, value, read_value, name, use_locking):
        g = self._graph
        value = convert_to_tensor(value, dtype=self._dtype)
        if self._use_resource:
            assign = g.create_op(resource_type, [self._handle, value], {"dtype": self._dtype}
                                 if resource_type != "AssignVariableOp" else {"dtype": self._dtype},
                                 name=name or resource_type)
            if not read_value:
                return assign
            with g.control_dependencies([assign]):
                return self._read_op()
        attrs = {"use_locking": bool(use_locking)}
        out = g.create_op(ref_type, [self._variable, value], attrs, name=name or ref_type).outputs[0]
        return out if read_value else out.op

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """An op setting the variable to ``value``; returns the new value (or the op if not read_value)."""
        return self._assign_op("AssignVariableOp", "Assign", value, read_value, name, use_locking)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self._assign_op("AssignAddVariableOp", "AssignAdd", delta, read_value, name, use_locking)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self._assign_op("AssignSubVariableOp", "AssignSub", delta, read_value, name, use_locking)

    def initialized_value(self):
        """The variable's value once initialized, else its initial value: for initializing another
        variable from this one (``tg.Variable(v.initialized_value() * 2)``), whatever the order."""
        g = self._graph
        with g.as_default(), outside_control_flow(g):
            return cond(self.is_initialized(), self.read_value, lambda: self._initial_value)

    def is_initialized(self):
        if self._use_resource:
            return self._is_initialized_op
        return self._graph.create_op("IsVariableInitialized", [self._variable], {},
                                     name="IsVariableInitialized").outputs[0]

    def eval(self, session=None):
        return self._snapshot.eval(session=session)

    def load(self, value, session=None):
        session = session or get_default_session()
        session.run(self._initializer_op, {self._initial_value: value})

    def to_proto(self, export_scope=None):
        """A VariableDef, as TensorFlow records variables in meta graph collections."""
        vd = variable_pb2.VariableDef(
            variable_name=self.name, initial_value_name=self._initial_value.name,
            initializer_name=self._initializer_op.name, snapshot_name=self._snapshot.name,
            is_resource=self._use_resource, trainable=self._trainable)
        slice_def = self._save_slice_info.to_proto(export_scope) if self._save_slice_info is not None else None
        if slice_def is not None:
            vd.save_slice_info_def.CopyFrom(slice_def)
        return vd

    def __repr__(self):
        return "<tg.Variable '%s' shape=%s dtype=%s>" % (self.name, self._shape, self._dtype.name)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __getitem__(self, key):
        return self.value()[key]


def _colocation_attr(op_name):
    return python_to_attr_value(["loc:@" + op_name], "list(string)")


def _overload(name):
    def method(self, *args):
        return getattr(self.value(), name)(*args)
    method.__name__ = name
    return method


for _op_name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                 "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__",
                 "__rpow__", "__matmul__", "__rmatmul__", "__neg__", "__abs__", "__lt__", "__le__",
                 "__gt__", "__ge__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__invert__"):
    setattr(Variable, _op_name, _overload(_op_name))


def from_proto(variable_def, graph, import_scope=None):
    """A Variable over existing ops, from a VariableDef (as import_meta_graph rebuilds collections)."""
    v = Variable.__new__(Variable)

    def el(name):
        if import_scope:
            name = import_scope + "/" + name
        return graph.as_graph_element(name)
    v._graph = graph
    v._trainable = variable_def.trainable
    v._use_resource = variable_def.is_resource
    v.constraint = None
    var_t = el(variable_def.variable_name)
    v._handle_op = var_t.op
    v._initializer_op = el(variable_def.initializer_name)
    if isinstance(v._initializer_op, Tensor):
        v._initializer_op = v._initializer_op.op
    v._snapshot = el(variable_def.snapshot_name)
    v._initial_value = el(variable_def.initial_value_name) if variable_def.initial_value_name else None
    if v._use_resource:
        v._handle = var_t
        v._variable = var_t
        v._dtype = v._handle_op.get_attr("dtype")
        v._shape = v._handle_op.get_attr("shape")
    else:
        v._handle = None
        v._variable = var_t
        v._dtype = var_t.dtype.base_dtype
        v._shape = var_t.shape
    v._is_initialized_op = None
    v._save_slice_info = None
    if variable_def.HasField("save_slice_info_def"):
        v._save_slice_info = _partitioned.SaveSliceInfo(save_slice_info_def=variable_def.save_slice_info_def,
                                                        import_scope=import_scope)
    return v


# --- collections and initialization ----------------------------------------------------------------

def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    """The variables an ExponentialMovingAverage keeps averages of (``ema.apply`` collects them)."""
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op running the initializers of ``var_list``."""
    if not var_list:
        return get_default_graph().create_op("NoOp", [], {}, name=name)
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor with the names of the variables not yet initialized."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    g = get_default_graph()
    with g.name_scope(name):
        if not var_list:
            return constant([], dtype=dtypes.string)
        inits = joining_ops.stack([v.is_initialized() for v in var_list])
        names = constant([v.op.name for v in var_list])
        return indexing_ops.boolean_mask(names, comparison_ops.logical_not(inits))


def is_variable_initialized(variable):
    return variable.is_initialized()


# --- variable scopes --------------------------------------------------------------------------------

class _VarStore:
    def __init__(self):
        self.vars = {}
        self.partitioned_vars = {}


def _store(graph):
    if graph._variable_scope_store is None:
        graph._variable_scope_store = _VarStore()
    return graph._variable_scope_store


def variable_store(graph):
    """``{full name: Variable}`` of the variables ``get_variable`` made in ``graph`` (a partitioned variable's
    parts under ``name/part_<i>``): what TensorFlow's default variable store holds."""
    return dict(_store(graph).vars)


class VariableScope:
    """A scope for ``get_variable``: a name prefix, reuse, and defaults for new variables."""

    def __init__(self, reuse, name="", initializer=None, dtype=dtypes.float32, use_resource=None,
                 name_scope="", partitioner=None, regularizer=None):
        self.name = name
        self.partitioner = partitioner
        self.regularizer = regularizer
        self.reuse = reuse
        self.initializer = initializer
        self.dtype = dtype
        self.use_resource = use_resource
        self.original_name_scope = name_scope

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def set_partitioner(self, partitioner):
        self.partitioner = partitioner

    def set_regularizer(self, regularizer):
        self.regularizer = regularizer


_scope_local = threading.local()


def _scope_stack():
    s = getattr(_scope_local, "stack", None)
    if s is None:
        s = _scope_local.stack = [VariableScope(False)]
    return s


def get_variable_scope():
    return _scope_stack()[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, regularizer=None, reuse=None,
                   dtype=None, use_resource=None, auxiliary_name_scope=True, partitioner=None):
    """Prefixes ``get_variable`` names (and op names) with ``name_or_scope``; ``reuse=True`` shares;
    ``partitioner`` partitions the variables made inside (see ``fixed_size_partitioner``); ``initializer``
    and ``regularizer`` are the defaults of the variables made inside."""
    g = get_default_graph()
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        name_scope_name = name_or_scope.original_name_scope
        base_reuse = name_or_scope.reuse
        initializer = initializer or name_or_scope.initializer
        partitioner = partitioner or name_or_scope.partitioner
        regularizer = regularizer or name_or_scope.regularizer
    else:
        if name_or_scope is None:
            if default_name is None:
                raise ValueError("If default_name is None then scope (name_or_scope) is required")
            name_or_scope = _unique_var_scope_name(g, parent.name, default_name)
        full = parent.name + "/" + name_or_scope if parent.name else name_or_scope
        name_scope_name = None
        base_reuse = parent.reuse
    if reuse is None or reuse is False and base_reuse is True:
        new_reuse = base_reuse if reuse is None else base_reuse
    else:
        new_reuse = reuse
    scope = VariableScope(new_reuse, full, initializer or parent.initializer, dtype or parent.dtype,
                          use_resource if use_resource is not None else parent.use_resource,
                          partitioner=partitioner or parent.partitioner,
                          regularizer=regularizer or parent.regularizer)
    stack = _scope_stack()
    if auxiliary_name_scope:
        ns = g.name_scope(name_scope_name if name_scope_name else
                          (name_or_scope if isinstance(name_or_scope, str) else full.split("/")[-1]))
    else:
        ns = contextlib.nullcontext(scope.original_name_scope)
    with ns as ns_name:
        scope.original_name_scope = ns_name if isinstance(ns_name, str) else ""
        stack.append(scope)
        try:
            yield scope
        finally:
            stack.pop()


def _unique_var_scope_name(graph, prefix, name):
    store = _store(graph)
    used = getattr(store, "scope_counts", None)
    if used is None:
        used = store.scope_counts = {}
    key = (prefix + "/" + name) if prefix else name
    n = used.get(key, 0)
    used[key] = n + 1
    return name if n == 0 else "%s_%d" % (name, n)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, constraint=None, reuse=None):
    """Gets an existing variable of this scope (when reusing) or creates a new one; with a ``partitioner``
    (here or on the scope), a PartitionedVariable.

        with tg.variable_scope("layer"):
            w = tg.get_variable("w", [2, 3], initializer=tg.zeros_initializer)   # "layer/w"
    """
    scope = get_variable_scope()
    full = scope.name + "/" + name if scope.name else name
    store = _store(get_default_graph())
    reuse = scope.reuse if reuse is None else reuse
    if partitioner is None:
        partitioner = scope.partitioner
    is_scalar = isinstance(shape, (list, tuple)) and not shape
    if regularizer is None:
        regularizer = scope.regularizer
    single = dict(regularizer=regularizer, trainable=trainable, collections=collections, validate_shape=validate_shape,
                  use_resource=use_resource, constraint=constraint, reuse=reuse)
    if partitioner is not None and not is_scalar or \
            reuse is True and partitioner is None and full in store.partitioned_vars:
        if partitioner is not None and not callable(partitioner):
            raise ValueError("Partitioner must be callable, but received: %s" % (partitioner,))
        dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
        initializer = _resolve_initializer(full, initializer, dtype, scope)

        def get_part(part_name, part_shape, part_dtype, part_initializer, partition_info):
            return _get_single_variable(scope, store, part_name, part_shape, part_dtype, part_initializer,
                                        partition_info=partition_info, **single)
        with get_default_graph().name_scope(None):
            return _partitioned.get_partitioned_variable(store, full, shape, dtype, initializer, partitioner, reuse,
                                                         get_part)
    if "%s/part_0" % full in store.vars:
        raise ValueError("No partitioner was provided, but a partitioned version of the variable was found: "
                         "%s/part_0. Perhaps a variable of the same name was already created with partitioning?" % full)
    return _get_single_variable(scope, store, full, shape, dtype, initializer, **single)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=False,
                       collections=None, caching_device=None, partitioner=None, validate_shape=True, use_resource=None,
                       constraint=None, reuse=None):
    """:func:`get_variable` for LOCAL_VARIABLES (never trainable): what metrics and input pipelines keep
    per session, initialized by ``local_variables_initializer``.

        count = tg.get_local_variable("count", [], initializer=tg.zeros_initializer())
    """
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                        trainable=False, collections=collections, caching_device=caching_device,
                        partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource,
                        constraint=constraint, reuse=reuse)


def _resolve_initializer(full, initializer, dtype, scope):
    if initializer is None:
        initializer = scope.initializer
    if isinstance(initializer, type):
        initializer = initializer(dtype=dtype)
    if initializer is None:
        if dtype.is_floating:
            initializer = init_ops.glorot_uniform_initializer()
        elif dtype.is_integer or dtype.is_bool or dtype == dtypes.string:
            initializer = init_ops.zeros_initializer()
        else:
            raise ValueError("An initializer for variable %s of %s is required" % (full, dtype.name))
    return initializer


def _get_single_variable(scope, store, full, shape, dtype, initializer, regularizer, trainable, collections,
                         validate_shape, use_resource, constraint, reuse, partition_info=None):
    existing = store.vars.get(full)
    if reuse is True or reuse == AUTO_REUSE:
        if existing is not None:
            if shape is not None and not as_shape(shape).is_compatible_with(existing.shape):
                raise ValueError("Trying to share variable %s, but specified shape %s and found shape %s."
                                 % (full, as_shape(shape), existing.shape))
            if dtype is not None and dtypes.as_dtype(dtype) != existing.dtype.base_dtype:
                raise ValueError("Trying to share variable %s, but specified dtype %s and found dtype %s."
                                 % (full, dtypes.as_dtype(dtype).name, existing.dtype.base_dtype.name))
            return existing
        if reuse is True:
            raise ValueError("Variable %s does not exist, or was not created with tg.get_variable(). "
                             "Did you mean to set reuse=tg.AUTO_REUSE in VarScope?" % full)
    elif existing is not None:
        raise ValueError("Variable %s already exists, disallowed. Did you mean to set reuse=True or "
                         "reuse=tg.AUTO_REUSE in VarScope?" % full)
    given_dtype = dtype
    dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
    initializer = _resolve_initializer(full, initializer, dtype, scope)
    if isinstance(initializer, (Tensor,)) or not callable(initializer):
        init_value = initializer
        init_fn = None
        if given_dtype is None and isinstance(initializer, Tensor):
            dtype = initializer.dtype.base_dtype      # a value initializer gives its own dtype, as in TensorFlow
        if shape is not None and isinstance(initializer, Tensor) and validate_shape:
            if not as_shape(shape).is_compatible_with(initializer.shape):
                raise ValueError("The initializer's shape %s is not compatible with shape %s of %s"
                                 % (initializer.shape, as_shape(shape), full))
    else:
        if shape is None:
            raise ValueError("Shape of a new variable (%s) must be fully defined, but instead was None." % full)
        shape = as_shape(shape)
        if not shape.is_fully_defined() and validate_shape:
            raise ValueError("Shape of a new variable (%s) must be fully defined, but instead was %s." % (full, shape))
        init_value = None

        def init_fn():
            return _partitioned.call_initializer(initializer, shape.as_list(), dtype, partition_info)
    if use_resource is None:
        use_resource = scope.use_resource
    g = get_default_graph()
    # Made while a loop's body or a cond's branch is built, the variable still lives outside them.
    with g.name_scope(None), outside_control_flow(g):
        with g.name_scope(full.rsplit("/", 1)[0] + "/" if "/" in full else None):
            v = Variable(init_value, trainable=trainable, collections=collections, name=full.split("/")[-1],
                         dtype=dtype, validate_shape=validate_shape, use_resource=use_resource,
                         shape=shape if init_fn is not None and validate_shape else None,
                         constraint=constraint, _initializer_fn=init_fn)
    store.vars[full] = v
    if regularizer is not None:
        with g.name_scope(full + "/Regularizer/"):
            loss = regularizer(v)
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return v
