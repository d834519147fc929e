"""A matmul of a list's items by one weight, found in a plan and run as one matmul over the whole list.

Recurrent layers written by TensorFlow 2 (Keras' LSTM and GRU, ``tf.keras.layers.RNN``) unstack their input
into a TensorList before the While loop, and the loop body multiplies each time step's item by the input
kernel::

    x_t = TensorListGetItem(inputs, t, element_shape)
    z = MatMul(x_t, ReadVariableOp(kernel))           # then + MatMul(h, recurrent_kernel), bias, gates

Step by step that is T small matmuls; all at once it is one matmul of ``[T * batch, depth]`` rows, which BLAS
runs several times faster. On the CPU the two ops become one step that remembers the last list and weight
it saw: the second time a run asks for an item of the same list times the same weight (the same objects: a
TensorList never changes, and an array given to a kernel is never written), it multiplies every item at
once and answers this and later items from the product. A list that is new at every call (one the loop
writes) never gets there, so it costs one comparison. The weight must be a value no op of the plan can
change while the loop runs: a tensor, or a resource variable that the plan only reads. Items that are
unset, of another shape or dtype than float32/float64, or a product over ``PRODUCT_LIMIT`` bytes, keep
the item-by-item matmul.

    matches = list_matmuls(ops, placement, feeds, fetch_elems)     # {MatMul op: its TensorListGetItem}
"""
import numpy as np

from tagraph.engine.framework.graph import Tensor
from tagraph.engine.runtime.elementwise_fusion import fusion_enabled

__all__ = ["list_matmuls", "list_matmul_kernel", "PRODUCT_LIMIT"]

PRODUCT_LIMIT = 64 << 20
_FLOAT_TYPES = frozenset(["float32", "float64"])


def list_matmuls(session, ops, placement, feeds, fetch_elems):
    """``{MatMul op: TensorListGetItem op}`` of the pairs a plan runs as one step; none at ``L0``."""
    if not fusion_enabled(getattr(session, "_config", None)):
        return {}
    in_plan = set(ops)
    users = {}
    for op in ops:
        for t in op._inputs:
            users.setdefault(t, []).append(op)
    pinned = set(feeds) | {e for e in fetch_elems if isinstance(e, Tensor)}
    found = {}
    for op in ops:
        if op._type != "MatMul" or not placement[op].host_memory or _attr(op, "transpose_a"):
            continue
        item, weight = op._inputs
        get = item.op
        if (get._type != "TensorListGetItem" or get not in in_plan or placement.get(get) is not placement[op]
                or users.get(item) != [op] or item in pinned or item.dtype.name not in _FLOAT_TYPES
                or get._control_inputs or op._control_inputs
                or any(c in in_plan for c in get._control_outputs)):
            continue
        if not _read_only(weight, users, in_plan):
            continue
        found[op] = get
    return found


def _attr(op, name):
    a = op._attrs.get(name)
    return a is not None and a.b


def _read_only(weight, users, in_plan):
    """Whether no op of the plan can change ``weight``'s value while it runs: a value tensor, or a read of a
    resource handle that every op of the plan only reads."""
    read = weight.op
    if weight.dtype._enum > 100:
        return False                      # a reference variable: Assign ops change it in place
    if read._type != "ReadVariableOp" or read not in in_plan:
        return True
    return all(u._type == "ReadVariableOp" for u in users.get(read._inputs[0], ()))


def list_matmul_kernel(get_item, matmul):
    """``kernel(ctx, lst, index, element_shape, weight) -> item @ weight``, where ``get_item`` and
    ``matmul`` are the two ops' own resolved steps ``(kernel, ctx)``."""
    get_kernel, get_ctx = get_item
    mm_kernel, mm_ctx = matmul
    transpose_b = _attr(mm_ctx.op, "transpose_b")
    last = [None]          # (list, weight, product or None): one tuple, replaced whole, so threads may share it

    def kernel(ctx, lst, index, element_shape, weight):
        seen = last[0]
        if seen is not None and seen[0] is lst and seen[1] is weight:
            product = seen[2]
            if product is None:             # the second call: every item at once, or False for never
                product = _product(lst, weight, transpose_b)
                product = False if product is None else product
                last[0] = (lst, weight, product)
            if product is not False:
                i = int(index)
                if 0 <= i < len(product):
                    return product[i]
        else:
            last[0] = (lst, weight, None)
        return mm_kernel(mm_ctx, get_kernel(get_ctx, lst, index, element_shape), weight)
    kernel.__name__ = "list_item_matmul"
    return kernel


def _product(lst, weight, transpose_b):
    """Every item of ``lst`` times ``weight`` as one array [items, rows, cols], or None where the items do not
    all have one 2-D shape and the weight's float dtype."""
    items = lst.items
    if not items or weight.__class__ is not np.ndarray or weight.ndim != 2:
        return None
    first = items[0]
    if first is None or first.__class__ is not np.ndarray or first.ndim != 2 or first.dtype != weight.dtype \
            or first.dtype.name not in _FLOAT_TYPES:
        return None
    shape, dtype = first.shape, first.dtype
    w = weight.T if transpose_b else weight
    if shape[1] != w.shape[0] or len(items) * shape[0] * w.shape[1] * dtype.itemsize > PRODUCT_LIMIT:
        return None
    stacked = lst.source
    if stacked is None:
        for x in items:
            if x is None or x.__class__ is not np.ndarray or x.shape != shape or x.dtype != dtype:
                return None
        stacked = np.stack(items)
    stacked = stacked.reshape(len(items) * shape[0], shape[1])
    return np.matmul(stacked, w).reshape(len(items), shape[0], w.shape[1])
