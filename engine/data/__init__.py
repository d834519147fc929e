"""``tg.data``: TensorFlow 1's input pipelines, as TensorFlow's dataset ops in the graph.

    import tagraph.engine as tg

    dataset = (tg.data.TFRecordDataset(["train-0.tfrecord", "train-1.tfrecord"])
               .map(lambda record: tg.parse_single_example(record, features))
               .shuffle(1000).batch(32).prefetch(tg.data.experimental.AUTOTUNE))
    batch = tg.data.make_one_shot_iterator(dataset).get_next()
    with tg.Session() as sess:
        while True:
            try:
                sess.run(train_op)       # reads `batch`; OutOfRangeError ends the loop
            except tg.errors.OutOfRangeError:
                break

The modules, lowest first:

    structure            nested elements (tuples, dicts) and their TensorSpecs (SparseTensorSpec, DatasetSpec)
    sparse_elements      SparseTensor components: SerializeSparse/DeserializeSparse (variants), as TensorFlow
    device_copy          prefetch_to_device/copy_to_device (elements made on a GPU), RemoteCall
    dataset_kernels      the dataset ops' kernels: sources, batching, counting, combining, cache, functions
    buffered_kernels     shuffle and prefetch (a producer thread with a bounded buffer)
    parallel_map_kernels map(num_parallel_calls=N) on a bounded pool of worker threads
    interleave_kernels   interleave and its parallel forms (TFRecordDataset(num_parallel_reads=N))
    window_kernels       window: elements that are datasets
    generator_kernels    GeneratorDataset (init, next and finalize functions)
    generator_dataset    Dataset.from_generator: a Python generator through numpy_function, as TensorFlow
    matching_files       the MatchingFiles op behind Dataset.list_files
    dataset_functions    map/filter/flat_map bodies traced into the graph's library; one-shot factories
    iterator_ops         iterator ops, their kernels, and ``tf.data.Iterator``
    dataset_ops          ``tf.data.Dataset``
    experimental         tf.data.experimental's names that tagraph has
    readers              TFRecordDataset, TextLineDataset, FixedLengthRecordDataset (their file-reading kernels
                         are registered by ``tagraph.serialization``)

Graphs built here are TensorFlow's (``TensorSliceDataset``, ``MapDataset`` with its function in the
library, ``OneShotIterator`` with its ``dataset_factory``, ``IteratorGetNext``, ...): they export to
TensorFlow, and TensorFlow's meta graphs of input pipelines import and run here.
"""
from tagraph.engine.lazy_exports import lazy_namespace as _lazy_namespace

# The dataset ops' kernels (buffered_kernels, interleave_kernels, ...) are imported when a graph first uses
# their ops (tagraph.engine.op_loader).
_EXPORTS = {
    "tagraph.engine.data.dataset_ops": "AUTOTUNE INFINITE_CARDINALITY UNKNOWN_CARDINALITY Dataset",
    "tagraph.engine.data.iterator_ops": "Iterator make_initializable_iterator make_one_shot_iterator",
    "tagraph.engine.data.readers": "FixedLengthRecordDataset TFRecordDataset TextLineDataset",
    "tagraph.engine.data.structure": "TensorSpec",
}

__getattr__, __dir__, __all__ = _lazy_namespace(
    __name__, _EXPORTS, submodules=("experimental",),
    names=("get_output_types", "get_output_shapes", "get_output_classes"))


def get_output_types(dataset_or_iterator):
    """The element's dtypes, in its structure."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    """The element's static shapes, in its structure."""
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    """The element's component classes (Tensor), in its structure."""
    return dataset_or_iterator.output_classes
