"""TensorFlow 1's Optimizer: compute_gradients, apply_gradients, minimize, and slot variables.

    opt = tg.train.AdamOptimizer(1e-3)
    train_op = opt.minimize(loss, global_step=tg.train.get_or_create_global_step())
    opt.get_slot(w, "m")        # the variable "<w>/Adam"

Slot variables are named and placed as TensorFlow 1 names and places them, so checkpoints move between
the two mid-training: ``<var op name>/<optimizer name>`` (then ``_1``, ``_2`` for further slots of the
same optimizer), colocated with their variable, of the same kind (resource or reference), not trainable.
Non-slot variables (Adam's ``beta1_power``) are colocated with the first variable by name. Updates use
the ResourceApply* ops for resource variables and Apply* for reference variables.

A sparse gradient (an IndexedSlices, from a gather or an embedding lookup) takes TensorFlow 1's sparse
path: ``_apply_sparse_duplicate_indices`` / ``_resource_apply_sparse_duplicate_indices`` first sum the
rows of repeated indices (Unique, UnsortedSegmentSum), then ``_apply_sparse`` / ``_resource_apply_sparse``
update only those rows (SparseApply*, ResourceSparseApply*, or scatters); optimizers that add repeated
rows correctly themselves (GradientDescent) override the first pair and skip the summing.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.indexed_slices import IndexedSlices, convert_to_tensor_or_indexed_slices
from tagraph.engine.ops import array_ops, control_flow_ops, math_ops
from tagraph.engine.ops.indexing_ops import unique
from tagraph.engine.ops.segment_ops import unsorted_segment_sum
from tagraph.engine.train.gradients import gradients
from tagraph.engine.variables.init_ops import zeros_initializer
from tagraph.engine.variables.partitioned_variables import SaveSliceInfo
from tagraph.engine.variables.variables import Variable, _store

__all__ = ["Optimizer", "create_slot", "create_slot_with_initializer", "create_zeros_slot"]

_VALID_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.complex64,
                 dtypes.complex128)


def _var_key(var):
    return (var.op.graph, var.op.name)


def _is_variable(v):
    return isinstance(v, Variable)


class _Processor:
    """Builds one variable's update: Resource* ops for resource variables, ref ops otherwise."""

    def __init__(self, v):
        self._v = v

    def target(self):
        return self._v if self._v.is_resource() else self._v._ref()

    def update_op(self, optimizer, g):
        v = self._v
        if isinstance(g, IndexedSlices):
            if v.constraint is not None:
                raise RuntimeError("Cannot use a constraint function on a sparse variable.")
            if v.is_resource():
                return optimizer._resource_apply_sparse_duplicate_indices(g.values, v, g.indices)
            return optimizer._apply_sparse_duplicate_indices(g, v)
        op = optimizer._resource_apply_dense(g, v) if v.is_resource() else optimizer._apply_dense(g, v)
        if v.constraint is not None:
            with get_default_graph().control_dependencies([op]):
                return v.assign(v.constraint(v), read_value=False)
        return op


def _get_processor(v):
    if not _is_variable(v):
        raise NotImplementedError("Trying to optimize unsupported type %r (only tg.Variable can be trained)" % (v,))
    return _Processor(v)


# --- slot variables ---------------------------------------------------------------------------------

def create_slot(primary, val, name, colocate_with_primary=True):
    """A slot variable for ``primary`` with initial value ``val`` (a Tensor or a callable)."""
    return _create_slot_var(primary, val, None, None, name, colocate_with_primary)


def create_slot_with_initializer(primary, initializer, shape, dtype, name, colocate_with_primary=True):
    """A slot variable for ``primary`` initialised by ``initializer(shape, dtype)``."""
    return _create_slot_var(primary, None, initializer, (shape, dtype), name, colocate_with_primary)


def create_zeros_slot(primary, name, dtype=None, colocate_with_primary=True):
    """A slot variable of zeros shaped like ``primary``."""
    dtype = dtype or primary.dtype.base_dtype
    shape = primary.get_shape()
    if shape.is_fully_defined():
        return create_slot_with_initializer(primary, zeros_initializer(), shape, dtype, name, colocate_with_primary)
    return create_slot(primary, lambda: array_ops.zeros_like(primary.initialized_value()
                                                             if hasattr(primary, "initialized_value")
                                                             else primary.value(), dtype=dtype),
                       name, colocate_with_primary)


def _create_slot_var(primary, val, initializer, shape_dtype, name, colocate):
    g = primary.graph
    prefix = primary.op.name
    with g.as_default(), g.name_scope(None), g.control_dependencies(None):
        cm = g.colocate_with(primary.op) if colocate else g.colocate_with(None)
        with cm:
            if initializer is not None:
                shape, dtype = shape_dtype

                def init_fn():
                    return initializer(shape.as_list(), dtype=dtype)
                v = Variable(None, trainable=False, name=prefix + "/" + name, use_resource=primary.is_resource(),
                             dtype=dtype, shape=shape, validate_shape=shape.is_fully_defined(),
                             _initializer_fn=init_fn)
            else:
                v = Variable(val, trainable=False, name=prefix + "/" + name, use_resource=primary.is_resource())
    # get_variable(..., reuse=True) finds slots by name, as in TensorFlow's variable store.
    _store(g).vars.setdefault(v.op.name, v)
    info = primary._get_save_slice_info()
    if info is not None:
        # A slot of a part of a partitioned variable is that part of the slot of the whole ("emb/Adam_1",
        # its name as made, "Adam_1", after the part's), so a checkpoint holds it as TensorFlow's does.
        n = v.shape.rank
        if n is None or n > 0:
            real_name = v.op.name[len(primary.op.name) + 1:]
            v._set_save_slice_info(SaveSliceInfo(info.full_name + "/" + real_name, info.full_shape[:n],
                                                 info.var_offset[:n], info.var_shape[:n]))
    return v


class Optimizer:
    """Base class: subclasses define _create_slots, _prepare, _apply_dense and _resource_apply_dense."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}
        self._non_slot_dict = {}

    def get_name(self):
        return self._name

    # --- the three steps ----------------------------------------------------------------------------

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """compute_gradients then apply_gradients; returns the training op."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, gate_gradients=gate_gradients,
                                                aggregation_method=aggregation_method,
                                                colocate_gradients_with_ops=colocate_gradients_with_ops,
                                                grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError("No gradients provided for any variable, check your graph for ops that do not support "
                             "gradients, between variables %s and loss %s."
                             % ([str(v) for _, v in grads_and_vars], loss))
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """[(gradient or None, variable)] for ``var_list`` (the trainable variables by default)."""
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH):
            raise ValueError("gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, "
                             "Optimizer.GATE_GRAPH.  Not %s" % gate_gradients)
        loss = loss if isinstance(loss, Tensor) else convert_to_tensor(loss)
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            self._assert_valid_dtypes([grad_loss])
        g = loss.graph
        if var_list is None:
            var_list = g.get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                g.get_collection(GraphKeys.TRAINABLE_RESOURCE_VARIABLES)
        else:
            var_list = list(_flatten(var_list))
        if not var_list:
            raise ValueError("No variables to optimize.")
        processors = [_get_processor(v) for v in var_list]
        var_refs = [p.target() for p in processors]
        with g.as_default():
            grads = gradients(loss, var_refs, grad_ys=grad_loss, gate_gradients=(gate_gradients == Optimizer.GATE_OP),
                              aggregation_method=aggregation_method,
                              colocate_gradients_with_ops=colocate_gradients_with_ops)
            if gate_gradients == Optimizer.GATE_GRAPH:
                grads = _gated(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for gr, v in grads_and_vars if gr is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The op applying each (gradient, variable) update; then ``global_step += 1`` when given."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for gr, v in grads_and_vars:
            if gr is not None:
                if not isinstance(gr, (Tensor, IndexedSlices)):
                    try:
                        gr = convert_to_tensor_or_indexed_slices(gr)
                    except (TypeError, ValueError):
                        raise TypeError("Gradient must be convertible to a Tensor or IndexedSlices, or None: %s"
                                        % (gr,)) from None
            converted.append((gr, v, _get_processor(v)))
        var_list = [v for gr, v, _ in converted if gr is not None]
        if not var_list:
            raise ValueError("No gradients provided for any variable: %s." % ([str(v) for _, v, _ in converted],))
        graph = var_list[0].graph
        with graph.as_default():
            with graph.control_dependencies(None):
                self._create_slots(var_list)
            update_ops = []
            with graph.name_scope(name or self._name) as scope:
                self._prepare()
                for gr, v, p in converted:
                    if gr is None:
                        continue
                    with graph.name_scope("update_" + v.op.name), graph.colocate_with(v.op):
                        update_ops.append(p.update_op(self, gr))
                if global_step is None:
                    apply_updates = self._finish(update_ops, scope)
                else:
                    with graph.control_dependencies([self._finish(update_ops, "update")]):
                        with graph.colocate_with(global_step.op):
                            one = convert_to_tensor(1, dtype=global_step.dtype.base_dtype)
                            apply_updates = global_step.assign_add(one, name=scope, read_value=False)
            if isinstance(apply_updates, Tensor):
                apply_updates = apply_updates.op
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
            return apply_updates

    # --- slots ----------------------------------------------------------------------------------------

    def get_slot(self, var, name):
        """The slot variable ``name`` (e.g. "m") of ``var``, or None."""
        named = self._slots.get(name)
        if not named:
            return None
        return named.get(_var_key(var))

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """This optimizer's variables in the default graph (slots and non-slot ones), sorted by name."""
        g = get_default_graph()
        out = [v for (_, graph), v in self._non_slot_dict.items() if graph is g]
        for slots in self._slots.values():
            out.extend(v for v in slots.values() if v.graph is g)
        return sorted(out, key=lambda v: v.name)

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        named = self._slot_dict(slot_name)
        if _var_key(var) not in named:
            named[_var_key(var)] = create_slot(var, val, op_name)
        return named[_var_key(var)]

    def _get_or_make_slot_with_initializer(self, var, initializer, shape, dtype, slot_name, op_name):
        named = self._slot_dict(slot_name)
        if _var_key(var) not in named:
            named[_var_key(var)] = create_slot_with_initializer(var, initializer, shape, dtype, op_name)
        return named[_var_key(var)]

    def _zeros_slot(self, var, slot_name, op_name):
        named = self._slot_dict(slot_name)
        if _var_key(var) not in named:
            named[_var_key(var)] = create_zeros_slot(var, op_name)
        return named[_var_key(var)]

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        graph = colocate_with.graph
        key = (name, graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            with graph.as_default(), graph.colocate_with(colocate_with.op):
                v = Variable(initial_value, name=name, trainable=False, use_resource=colocate_with.is_resource())
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or get_default_graph()))

    def _non_slot_variables(self):
        return self._non_slot_dict.values()

    # --- for subclasses -------------------------------------------------------------------------------

    def _assert_valid_dtypes(self, tensors):
        for t in tensors:
            dt = t.dtype.base_dtype
            if dt not in _VALID_DTYPES:
                raise ValueError("Invalid type %s for %s, expected: %s."
                                 % (dt.name, t.name, [d.name for d in _VALID_DTYPES]))

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError()

    def _resource_apply_dense(self, grad, handle):
        raise NotImplementedError()

    def _apply_sparse_duplicate_indices(self, grad, var):
        """The update for the IndexedSlices ``grad`` whose indices may repeat: their rows summed first."""
        summed_values, unique_indices = _deduplicate_indexed_slices(grad.values, grad.indices)
        return self._apply_sparse(IndexedSlices(summed_values, unique_indices, grad.dense_shape), var)

    def _resource_apply_sparse_duplicate_indices(self, grad, handle, indices):
        """The update for rows ``grad`` at ``indices`` (may repeat) of a resource variable: rows summed first."""
        summed_grad, unique_indices = _deduplicate_indexed_slices(grad, indices)
        return self._resource_apply_sparse(summed_grad, handle, unique_indices)

    def _apply_sparse(self, grad, var):
        raise NotImplementedError()

    def _resource_apply_sparse(self, grad, handle, indices):
        raise NotImplementedError()

    def _finish(self, update_ops, name_scope):
        return control_flow_ops.group(*update_ops, name=name_scope)

    def _call_if_callable(self, param):
        return param() if callable(param) else param

    @staticmethod
    def _cast(x, dtype):
        return math_ops.cast(x, dtype)


def _gated(grads):
    """``control_flow_ops.tuple`` of Tensors and IndexedSlices: an IndexedSlices stays one, its values gated."""
    gated = control_flow_ops.tuple([g.values if isinstance(g, IndexedSlices) else g for g in grads])
    return [IndexedSlices(v, g.indices, g.dense_shape) if isinstance(g, IndexedSlices) else v
            for g, v in zip(grads, gated)]


def _deduplicate_indexed_slices(values, indices):
    """(``values`` summed per distinct index, the distinct indices in order of first appearance)."""
    unique_indices, new_index_positions = unique(indices)
    summed_values = unsorted_segment_sum(values, new_index_positions, array_ops.shape(unique_indices)[0])
    return summed_values, unique_indices


def _flatten(v):
    if isinstance(v, (list, tuple)):
        for x in v:
            yield from _flatten(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _flatten(x)
    else:
        yield v
