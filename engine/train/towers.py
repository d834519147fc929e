"""Data-parallel training on several GPUs of one process, TensorFlow 1's multi-tower pattern.

Each tower is one copy of the model under ``tg.device('/gpu:i')`` on its share of the batch; its kernels run
on its GPU (CuPy launches are asynchronous per device, so the towers' GPU work overlaps although the plan
calls the kernels one after another). The towers' gradients are then combined in one of two ways, as the
user placed the variables:

- **one set of variables** (on the CPU or one GPU, shared by every tower through variable-scope reuse):
  :func:`average_gradients`, the function of TensorFlow's multi-GPU CIFAR-10 example, averages each
  variable's gradients where it is called, and one ``apply_gradients`` updates the variables;

      with tg.device("/cpu:0"):
          grads = average_gradients(tower_grads)
          train_op = opt.apply_gradients(grads, global_step=step)

- **mirrored variables** (one copy per tower, each on its tower's GPU, all initialized alike):
  :func:`all_reduce_gradients` gives every tower the average of all towers' gradients on its own device,
  through an NCCL all-reduce when each tower is on a GPU of its own (:mod:`tagraph.engine.ops.nccl_ops`),
  else through one device and copies back; each tower applies them to its copy with an optimizer of its own
  (so that state outside the slots, Adam's beta powers, lives on the tower's device and advances once per
  step), and the copies stay equal.

      for i, grads in enumerate(all_reduce_gradients(tower_grads)):
          with tg.device("/gpu:%d" % i):
              updates.append(optimizers[i].apply_gradients(grads))
"""
from tagraph.devices.kind import kind_of
from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework.graph import _graph_of
from tagraph.engine.framework.indexed_slices import IndexedSlices, dense_of
from tagraph.engine.ops import array_ops, math_ops, nccl_ops
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.reduction_ops import reduce_mean

__all__ = ["average_gradients", "all_reduce_gradients"]


def _positions(tower_grads):
    """How many towers, and ``tower_grads`` regrouped by variable: one tuple of (grad, var) per variable."""
    tower_grads = [list(t) for t in tower_grads]
    if not tower_grads:
        raise ValueError("tower_grads is empty: pass one list of (gradient, variable) pairs per tower")
    for i, tower in enumerate(tower_grads):
        if len(tower) != len(tower_grads[0]):
            raise ValueError("Tower %d has %d (gradient, variable) pairs but tower 0 has %d; every tower must "
                             "list its gradients for the same variables, in the same order"
                             % (i, len(tower), len(tower_grads[0])))
    return len(tower_grads), list(zip(*tower_grads))


def _dense(g):
    return dense_of(g) if isinstance(g, IndexedSlices) else g


def _present(grad_and_vars, var_name):
    """The gradients of one position; None when no tower has one, an error when only some do."""
    grads = [g for g, _ in grad_and_vars]
    if all(g is None for g in grads):
        return None
    missing = [i for i, g in enumerate(grads) if g is None]
    if missing:
        raise ValueError("Variable %s has no gradient in tower(s) %s but has one in others; towers must be "
                         "copies of one model" % (var_name, ", ".join(map(str, missing))))
    return [_dense(g) for g in grads]


def _expand_where_computed(g, x):
    # On the gradient's own device, the copy to the averaging device is made by the ConcatV2 that takes every
    # tower's gradient: a plan then launches every tower's kernels before it waits for the first copy, and the
    # towers' GPU work overlaps (an ExpandDims on the CPU would wait for tower 0 before tower 1 is launched).
    if not x.device:
        return array_ops.expand_dims(x, 0)
    with g.device(x.device):
        return array_ops.expand_dims(x, 0)


def average_gradients(tower_grads):
    """The average over towers of each shared variable's gradient: one list of (gradient, variable).

    ``tower_grads`` holds one list of (gradient, variable) pairs per tower, as ``compute_gradients`` returns
    them, every tower naming the same variables in the same order. Each average is built where this is
    called (its device scope), as TensorFlow's CIFAR-10 multi-GPU example builds it: the gradients stacked
    along a new first axis and reduced by their mean. A variable no tower has a gradient for keeps None.

        with tg.device("/cpu:0"):
            train_op = opt.apply_gradients(average_gradients(tower_grads))
    """
    average_grads = []
    for grad_and_vars in _positions(tower_grads)[1]:
        v = grad_and_vars[0][1]
        for i, (_, other) in enumerate(grad_and_vars):
            if other is not v:
                raise ValueError("average_gradients averages the gradients of shared variables, but tower %d "
                                 "lists %s where tower 0 lists %s; for a copy of the variables per tower use "
                                 "all_reduce_gradients" % (i, getattr(other, "name", other), v.name))
        grads = _present(grad_and_vars, v.name)
        if grads is None:
            average_grads.append((None, v))
            continue
        g = _graph_of(grads)
        with g.as_default():
            stacked = concat([_expand_where_computed(g, x) for x in grads], 0)
            average_grads.append((reduce_mean(stacked, 0), v))
    return average_grads


def _device_indices(tensors):
    """Each tensor's device index when every tensor is on its own device without host memory (a GPU),
    else None."""
    indices = []
    for t in tensors:
        spec = DeviceSpec.from_string(t.device)
        kind = kind_of(spec.device_type) if spec.device_type else None
        if kind is None or kind.host_memory or spec.device_index is None:
            return None
        indices.append((spec.job, spec.replica, spec.task, spec.device_index))
    return indices if len(set(indices)) == len(indices) else None


def _sum_through_one_device(grads):
    """The sum on the first gradient's device, copied to each gradient's device (ReductionToOneDevice)."""
    g = _graph_of(grads)
    with g.as_default():
        with g.device(grads[0].device):
            total = math_ops.add_n(grads)
        copies = []
        for x in grads:
            with g.device(x.device):
                copies.append(array_ops.identity(total))
    return copies


def all_reduce_gradients(tower_grads, average=True):
    """Every tower's gradients replaced by their average over towers (their sum with ``average=False``), on
    the tower's own device: one list of (gradient, variable) per tower, for towers with mirrored variables.

    Towers on GPUs of their own combine through an NCCL all-reduce (``nccl_ops.all_sum``); others through
    an ``AddN`` on the first tower's device and copies back. Each tower's variables must have the shapes of
    tower 0's.

        tower_grads = [opt.compute_gradients(loss_i, var_list=vars_i) for ...]   # in tg.device('/gpu:i')
        train_op = tg.group(*[opt.apply_gradients(gv) for gv in all_reduce_gradients(tower_grads)])
    """
    n, positions = _positions(tower_grads)
    out = [[] for _ in range(n)]
    for grad_and_vars in positions:
        v0 = grad_and_vars[0][1]
        for i, (_, v) in enumerate(grad_and_vars):
            if not v.shape.is_compatible_with(v0.shape):
                raise ValueError("all_reduce_gradients: tower %d's variable %s has shape %s but tower 0's %s has "
                                 "shape %s; towers must be copies of one model"
                                 % (i, v.name, v.shape, v0.name, v0.shape))
        grads = _present(grad_and_vars, v0.name)
        if grads is None:
            for i, (_, v) in enumerate(grad_and_vars):
                out[i].append((None, v))
            continue
        if len(grads) > 1 and _device_indices(grads) is not None:
            summed = nccl_ops.all_sum(grads)
        else:
            summed = _sum_through_one_device(grads)
        for i, ((_, v), s) in enumerate(zip(grad_and_vars, summed)):
            if average and n > 1:
                g = s.graph
                with g.as_default(), g.device(s.device):
                    s = math_ops.multiply(s, 1.0 / n)
            out[i].append((s, v))
    return out
