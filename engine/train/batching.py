"""Batching for TensorFlow 1's queue input pipelines: ``batch``, ``shuffle_batch``, ``batch_join``,
``shuffle_batch_join``, built as TensorFlow's ``tf.train`` builds them: a queue (FIFOQueue,
PaddingFIFOQueue with ``dynamic_pad``, RandomShuffleQueue to shuffle) filled by a QueueRunner of
``num_threads`` enqueue ops (one per tensor list for the joins), a ``fraction_of_..._full`` summary, and
a ``dequeue_many`` (``dequeue_up_to`` with ``allow_smaller_final_batch``).

    image, label = tg.train.shuffle_batch([image, label], batch_size=32, capacity=1000,
                                          min_after_dequeue=500, num_threads=2)
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import as_shape
from tagraph.engine.ops.math_ops import cast, maximum
from tagraph.engine.ops.queue_ops import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue
from tagraph.engine.ops.summary_ops import scalar
from tagraph.engine.train.queue_runner import QueueRunner, add_queue_runner

__all__ = ["batch", "shuffle_batch", "batch_join", "shuffle_batch_join"]


def _as_tensor_list(tensors):
    if isinstance(tensors, dict):
        return [tensors[k] for k in sorted(tensors, key=str)]
    return list(tensors)


def _as_original_type(tensors, dequeued):
    # As TensorFlow's: one tensor enqueued gives one tensor back (a dict of one gets its dict).
    if isinstance(tensors, dict):
        if not isinstance(dequeued, (list, tuple)):
            dequeued = [dequeued]
        return dict(zip(sorted(tensors, key=str), dequeued))
    return dequeued


def _validate(tensor_list):
    if not tensor_list:
        raise ValueError("Expected at least one tensor in batch().")
    out = []
    for t in tensor_list:
        if type(t).__name__ == "SparseTensor":
            raise NotImplementedError("tf.train.batch of a SparseTensor is not supported yet")
        out.append(convert_to_tensor(t))
    return out


def _keep_input(keep_input):
    """``keep_input`` as a tensor, as TensorFlow makes it (True: every example is kept)."""
    if keep_input is not True:
        raise NotImplementedError("tf.train.maybe_batch (keep_input other than True) is not supported yet")
    return convert_to_tensor(keep_input)


def _shapes(tensor_list_list, shapes, enqueue_many, dynamic_pad=False):
    if shapes is None:
        shapes = []
        for i, t in enumerate(tensor_list_list[0]):
            shape = t.shape[1:] if enqueue_many else t.shape
            for other in tensor_list_list[1:]:
                shape = shape.merge_with(other[i].shape[1:] if enqueue_many else other[i].shape)
            shapes.append(shape)
    shapes = [as_shape(s) for s in shapes]
    if not dynamic_pad and any(not s.is_fully_defined() for s in shapes):
        raise ValueError("All shapes must be fully defined: %s" % shapes)
    return shapes


def _dtypes(tensor_list_list):
    types = [t.dtype.base_dtype for t in tensor_list_list[0]]
    for other in tensor_list_list[1:]:
        if [t.dtype.base_dtype for t in other] != types:
            raise TypeError("Expected types to be consistent: %s vs. %s." % (
                ", ".join(d.name for d in types), ", ".join(t.dtype.name for t in other)))
    return types


def _enqueue_ops(queue, tensor_list_list, threads, enqueue_many):
    # As TensorFlow's: one enqueue op per thread (per tensor list for the joins).
    fn = queue.enqueue_many if enqueue_many else queue.enqueue
    if len(tensor_list_list) == 1:
        return [fn(tensor_list_list[0]) for _ in range(threads)]
    return [fn(tl) for tl in tensor_list_list]


def _dequeue(queue, batch_size, allow_smaller_final_batch, name):
    if allow_smaller_final_batch:
        return queue.dequeue_up_to(batch_size, name=name)
    return queue.dequeue_many(batch_size, name=name)


def _batch(tensors_list, batch_size, num_threads, capacity, enqueue_many, shapes, dynamic_pad,
           allow_smaller_final_batch, shared_name, name, keep_input, default):
    g = get_default_graph()
    with g.name_scope(name or default) as scope:
        lists = [_validate(_as_tensor_list(t)) for t in tensors_list]
        _keep_input(keep_input)
        types = _dtypes(lists)
        shapes = _shapes(lists, shapes, enqueue_many, dynamic_pad)
        make = PaddingFIFOQueue if dynamic_pad else FIFOQueue
        queue = make(capacity=capacity, dtypes=types, shapes=shapes, shared_name=shared_name)
        add_queue_runner(QueueRunner(queue, _enqueue_ops(queue, lists, num_threads, enqueue_many)))
        scalar("fraction_of_%d_full" % capacity, cast(queue.size(), dtypes.float32) * (1. / capacity))
        return _as_original_type(tensors_list[0], _dequeue(queue, batch_size, allow_smaller_final_batch, scope))


def _shuffle_batch(tensors_list, batch_size, capacity, min_after_dequeue, num_threads, seed, enqueue_many, shapes,
                   allow_smaller_final_batch, shared_name, name, keep_input, default):
    if capacity <= min_after_dequeue:
        raise ValueError("capacity %d must be bigger than min_after_dequeue %d." % (capacity, min_after_dequeue))
    g = get_default_graph()
    with g.name_scope(name or default) as scope:
        lists = [_validate(_as_tensor_list(t)) for t in tensors_list]
        _keep_input(keep_input)
        types = _dtypes(lists)
        shapes = _shapes(lists, shapes, enqueue_many)
        queue = RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue, seed=seed, dtypes=types,
                                   shapes=shapes, shared_name=shared_name)
        add_queue_runner(QueueRunner(queue, _enqueue_ops(queue, lists, num_threads, enqueue_many)))
        full = cast(maximum(0, queue.size() - min_after_dequeue), dtypes.float32) * \
            (1. / (capacity - min_after_dequeue))
        scalar("fraction_over_%d_of_%d_full" % (min_after_dequeue, capacity - min_after_dequeue), full)
        return _as_original_type(tensors_list[0], _dequeue(queue, batch_size, allow_smaller_final_batch, scope))


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """``batch_size`` examples of ``tensors`` (a list or dict), stacked, in the order they were enqueued
    (with one thread).

        images, labels = tg.train.batch([image, label], batch_size=32)
    """
    return _batch([tensors], batch_size, num_threads, capacity, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, shared_name, name, True, "batch")


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None, name=None):
    """As :func:`batch`, from several lists of tensors, each enqueued by a thread of its own."""
    return _batch(list(tensors_list), batch_size, None, capacity, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, shared_name, name, True, "batch_join")


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """``batch_size`` random examples of ``tensors`` from a RandomShuffleQueue that keeps at least
    ``min_after_dequeue`` until its input ends.

        x, y = tg.train.shuffle_batch([x, y], 16, capacity=200, min_after_dequeue=100)
    """
    return _shuffle_batch([tensors], batch_size, capacity, min_after_dequeue, num_threads, seed, enqueue_many,
                          shapes, allow_smaller_final_batch, shared_name, name, True, "shuffle_batch")


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """As :func:`shuffle_batch`, from several lists of tensors, each enqueued by a thread of its own."""
    return _shuffle_batch(list(tensors_list), batch_size, capacity, min_after_dequeue, None, seed, enqueue_many,
                          shapes, allow_smaller_final_batch, shared_name, name, True, "shuffle_batch_join")

