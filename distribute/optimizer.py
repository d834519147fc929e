"""``DistributedOptimizer``: any optimizer, with its gradients averaged over the job's processes.

    opt = hvd.DistributedOptimizer(tg.train.GradientDescentOptimizer(0.01 * hvd.size()))
    train_op = opt.minimize(loss, global_step=global_step)

Each process computes gradients on its own shard of the batch; ``compute_gradients`` all-reduces them
(fused into buffers of HOROVOD_FUSION_THRESHOLD bytes, 64 MiB unless set), so every process applies the
same update and the variables stay equal everywhere, provided they start equal (broadcast them from rank 0
with ``BroadcastGlobalVariablesHook`` or ``broadcast_global_variables``). With a mean loss and equal shards,
the averaged gradient is the gradient of the whole batch's mean loss: one process on the whole batch
would take the same steps.
"""
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.train.optimizer import Optimizer
from tagraph.distribute import basics
from tagraph.distribute.collectives import Average, Compression, allreduce, grouped_allreduce

__all__ = ["DistributedOptimizer"]


class DistributedOptimizer(Optimizer):
    """Wraps ``optimizer``: gradients are all-reduced by ``op`` (Average or Sum) before they are applied.

    ``sparse_as_dense`` turns IndexedSlices gradients (embeddings) into dense tensors first; otherwise they
    are all-gathered. ``compression=Compression.fp16`` sends floating-point gradients as float16.
    ``gradient_predivide_factor`` splits the averaging into a division by it before the sum and by
    ``size() / factor`` after. ``fusion_threshold_bytes`` overrides HOROVOD_FUSION_THRESHOLD.
    """

    def __init__(self, optimizer, name=None, use_locking=False, device_dense="", device_sparse="",
                 compression=Compression.none, sparse_as_dense=False, backward_passes_per_step=1, op=Average,
                 gradient_predivide_factor=1.0, fusion_threshold_bytes=None):
        super().__init__(use_locking, name or "Distributed%s" % type(optimizer).__name__)
        if backward_passes_per_step != 1:
            raise NotImplementedError("DistributedOptimizer(backward_passes_per_step=%d): tagraph.distribute "
                                      "reduces every step's gradients; only 1 is supported" % backward_passes_per_step)
        if gradient_predivide_factor != 1.0 and op != Average:
            raise ValueError("gradient_predivide_factor needs op == Average")
        self._optimizer = optimizer
        self._device_dense, self._device_sparse = device_dense, device_sparse
        self._compression = compression
        self._sparse_as_dense = sparse_as_dense
        self._op = op
        self._predivide = float(gradient_predivide_factor)
        self._threshold = fusion_threshold_bytes

    def compute_gradients(self, *args, **kwargs):
        """The wrapped optimizer's (gradient, variable) pairs, each gradient reduced over the processes."""
        grads_and_vars = self._optimizer.compute_gradients(*args, **kwargs)
        if basics.size() == 1:
            return grads_and_vars
        grads = [g for g, _ in grads_and_vars]
        return list(zip(self._reduce(grads), [v for _, v in grads_and_vars]))

    def _reduce(self, grads):
        if self._sparse_as_dense:
            grads = [convert_to_tensor(g) if isinstance(g, IndexedSlices) else g for g in grads]
        dense = [i for i, g in enumerate(grads) if g is not None and not isinstance(g, IndexedSlices)]
        out = list(grads)
        if self._predivide != 1.0:
            op, pre, post = "Sum", 1.0 / self._predivide, self._predivide / basics.size()
        else:
            op, pre, post = self._op, 1.0, 1.0
        reduced = grouped_allreduce([grads[i] for i in dense], op=op, device_dense=self._device_dense,
                                    compression=self._compression, prescale_factor=pre, postscale_factor=post,
                                    threshold=self._threshold)
        for i, r in zip(dense, reduced):
            out[i] = r
        for i, g in enumerate(grads):
            if isinstance(g, IndexedSlices):
                out[i] = allreduce(g, op=self._op, device_sparse=self._device_sparse)
        return out

    def apply_gradients(self, *args, **kwargs):
        return self._optimizer.apply_gradients(*args, **kwargs)

    def get_slot(self, *args, **kwargs):
        return self._optimizer.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._optimizer.get_slot_names(*args, **kwargs)

    def variables(self, *args, **kwargs):
        return self._optimizer.variables(*args, **kwargs)
