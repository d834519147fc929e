"""The producers of TensorFlow 1's queue input pipelines: ``limit_epochs``, ``input_producer``,
``string_input_producer``, ``range_input_producer``, ``slice_input_producer``, built as TensorFlow's
``tf.train`` builds them (a FIFOQueue filled by a QueueRunner in the QUEUE_RUNNERS collection, a
``fraction_of_<capacity>_full`` summary).

    filenames = tg.train.string_input_producer(["a.tfrecord", "b.tfrecord"], num_epochs=2, shuffle=False)
    key, value = tg.TFRecordReader().read(filenames)

``num_epochs`` counts in a local variable (``epochs``, initialized by ``local_variables_initializer``):
once the input went by ``num_epochs`` times the enqueue fails with OutOfRangeError, its QueueRunner
closes the queue, and its readers end with OutOfRangeError when they have read the rest.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import as_shape
from tagraph.engine.ops.array_ops import identity, shape as shape_of, size
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.comparison_ops import greater
from tagraph.engine.ops.math_ops import cast
from tagraph.engine.ops.math_ops import range as range_
from tagraph.engine.ops.queue_ops import FIFOQueue
from tagraph.engine.ops.random_ops import random_shuffle
from tagraph.engine.ops.summary_ops import scalar
from tagraph.engine.ops.variable_update_ops import count_up_to
from tagraph.engine.train.queue_runner import QueueRunner, add_queue_runner
from tagraph.engine.variables.variables import Variable

__all__ = ["limit_epochs", "input_producer", "string_input_producer", "range_input_producer",
           "slice_input_producer"]


def limit_epochs(tensor, num_epochs=None, name=None):
    """``tensor``, that can be evaluated ``num_epochs`` times only (then OutOfRangeError).

        x = tg.train.limit_epochs(tg.constant([1, 2]), num_epochs=2)
    """
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError("num_epochs must be > 0 not %d." % num_epochs)
    g = get_default_graph()
    with g.name_scope(name or "limit_epochs") as scope:
        zero64 = convert_to_tensor(0, dtype=dtypes.int64)
        epochs = Variable(zero64, name="epochs", trainable=False, collections=[GraphKeys.LOCAL_VARIABLES])
        counter = count_up_to(epochs, num_epochs)
        with g.control_dependencies([counter]):
            return identity(tensor, name=scope)


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None, capacity=32,
                   shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A FIFOQueue fed with the rows of ``input_tensor`` (shuffled each epoch with ``shuffle``) by a
    QueueRunner added to the graph."""
    g = get_default_graph()
    with g.name_scope(name or "input_producer"):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        rows = input_tensor.shape[1:]
        element_shape = rows.merge_with(as_shape(element_shape)) if element_shape is not None else rows
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or `element_shape` must be "
                             "specified")
        if shuffle:
            input_tensor = random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype.base_dtype], shapes=[element_shape],
                      shared_name=shared_name, name=name)
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        if summary_name is not None:
            scalar(summary_name, cast(q.size(), dtypes.float32) * (1. / capacity))
        return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """A queue of the strings of ``string_tensor`` (file names, for a reader), each epoch in a new random
    order with ``shuffle``.

        queue = tg.train.string_input_producer(["train.tfrecord"], num_epochs=1)
    """
    not_null_err = "string_input_producer requires a non-null input tensor"
    if not isinstance(string_tensor, Tensor) and not len(string_tensor):
        raise ValueError(not_null_err)
    g = get_default_graph()
    with g.name_scope(name or "input_producer") as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        with g.control_dependencies([Assert(greater(size(string_tensor), 0), [not_null_err])]):
            string_tensor = identity(string_tensor)
        return input_producer(input_tensor=string_tensor, element_shape=[], num_epochs=num_epochs, shuffle=shuffle,
                              seed=seed, capacity=capacity, shared_name=shared_name, name=scope,
                              summary_name="fraction_of_%d_full" % capacity, cancel_op=cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None, name=None):
    """A queue of the integers 0 .. ``limit`` - 1."""
    g = get_default_graph()
    with g.name_scope(name or "input_producer") as scope:
        return input_producer(range_(limit), [], num_epochs, shuffle, seed, capacity, shared_name,
                              "fraction_of_%d_full" % capacity, scope)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """One row of each tensor of ``tensor_list`` (the same row of each), row after row.

        image, label = tg.train.slice_input_producer([images, labels], shuffle=False)
    """
    g = get_default_graph()
    with g.name_scope(name or "input_producer"):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        range_size = shape_of(tensor_list[0])[0]
        queue = range_input_producer(range_size, num_epochs=num_epochs, shuffle=shuffle, seed=seed,
                                     capacity=capacity, shared_name=shared_name)
        index = queue.dequeue()
        return [gather(t, index) for t in tensor_list]
