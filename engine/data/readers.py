"""Datasets read from files, as TensorFlow 1 builds them: ``TFRecordDataset``, ``TextLineDataset`` and
``FixedLengthRecordDataset``.

    dataset = tg.data.TFRecordDataset(["a.tfrecord", "b.tfrecord"], compression_type="GZIP")

As in TensorFlow, the file names become a dataset of their own (``flat_filenames`` -> TensorSliceDataset)
and a ``flat_map`` reads each file in turn (``num_parallel_reads=N``: N files at once, interleaved, through
LegacyParallelInterleaveDatasetV2; AUTOTUNE: ``interleave``) with the reader op (``TFRecordDataset``, ``TextLineDataset``,
``FixedLengthRecordDatasetV2``) inside its function. The reader ops' kernels read files in TensorFlow's
formats and live with them in ``tagraph.serialization`` (``dataset_io_kernels``), which registers them
when it is imported (``tagraph.compat.v1`` imports it).
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.ops.array_ops import reshape
from tagraph.engine.data import structure
from tagraph.engine.data.dataset_kernels import register_dataset_ops
from tagraph.engine.data.dataset_functions import trace
from tagraph.engine.data.dataset_ops import AUTOTUNE, Dataset, _int64, _op

__all__ = ["TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset"]

# Their kernels come with tagraph.serialization; their shapes (a scalar variant) are known here.
register_dataset_ops("TFRecordDataset", "TFRecordDatasetV2", "TextLineDataset", "FixedLengthRecordDataset",
                     "FixedLengthRecordDatasetV2")

_READER_BUFFER_BYTES = 256 * 1024        # TensorFlow's default read buffer for text and fixed-length files
_TFRECORD_BUFFER_BYTES = -1              # TFRecordDataset's: the reader picks it


def _optional(name, value, default, dtype=dtypes.int64):
    return convert_to_tensor(default if value is None else value, dtype=dtype, name=name)


def _filenames_dataset(filenames):
    if isinstance(filenames, Dataset):
        spec = filenames.element_spec
        if not isinstance(spec, structure.TensorSpec) or spec.dtype != dtypes.string:
            raise TypeError("The `filenames` argument must contain `tf.string` elements. Got a dataset of `%r` "
                            "elements." % (filenames.output_types,))
        if not spec.shape.is_compatible_with([]):
            raise TypeError("The `filenames` argument must contain `tf.string` elements of shape [] (i.e. "
                            "scalars). Got a dataset of element shape %r." % (spec.shape,))
        return filenames
    if isinstance(filenames, (list, tuple)):
        filenames = [str(f) if hasattr(f, "__fspath__") else f for f in filenames]
    elif hasattr(filenames, "__fspath__"):
        filenames = str(filenames)
    t = convert_to_tensor(filenames, dtype=dtypes.string)
    return Dataset.from_tensor_slices(reshape(t, [-1], name="flat_filenames"))


def _reader(op_type, make_inputs):
    def read_one_file(filename):
        filename = convert_to_tensor(filename, dtypes.string, name="filename")
        op = get_default_graph().create_op(op_type, [filename] + make_inputs(), {})
        return Dataset(op.outputs[0], structure.TensorSpec([], dtypes.string))
    read_one_file.__name__ = "read_one_file"
    return read_one_file


def _parallel_interleave(filenames, read_one_file, cycle_length):
    """TensorFlow's ParallelInterleaveDataset as its readers build it: block_length 1, not sloppy, its
    default buffers (2 elements per file read ahead, 2 files per cycle slot opened ahead)."""
    fname, captured, inner = trace(read_one_file, filenames.element_spec, "parallel_interleave",
                                   returns_dataset=True)
    inputs = [filenames._variant_tensor, captured, _int64(cycle_length, "cycle_length"), _int64(1, "block_length"),
              _int64(2, "buffer_output_elements"), _int64(2 * cycle_length, "prefetch_input_elements")]
    return _op("LegacyParallelInterleaveDatasetV2", inputs, {
        "f": fname, "Targuments": [t.dtype.base_dtype for t in captured], "deterministic": "true"},
        inner.element_spec)


class _FileDataset(Dataset):
    def __init__(self, filenames, read_one_file, num_parallel_reads):
        filenames = _filenames_dataset(filenames)
        if num_parallel_reads is None:
            read = filenames.flat_map(read_one_file)
        elif num_parallel_reads == AUTOTUNE:
            read = filenames.interleave(read_one_file, num_parallel_calls=AUTOTUNE)
        else:
            if not isinstance(num_parallel_reads, int) or isinstance(num_parallel_reads, bool) or \
                    num_parallel_reads <= 0:
                raise ValueError("%s(num_parallel_reads=%r): a positive number of files, or AUTOTUNE"
                                 % (type(self).__name__, num_parallel_reads))
            read = _parallel_interleave(filenames, read_one_file, num_parallel_reads)
        super().__init__(read._variant_tensor, read.element_spec)


class TFRecordDataset(_FileDataset):
    """The records of TFRecord files, one file after the other (``compression_type``: "", "ZLIB" or
    "GZIP"), or ``num_parallel_reads`` files at once, a record from each in turn. A truncated or corrupted
    file is a DataLossError naming the file and the offset."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, _reader("TFRecordDataset", lambda: [
            _optional("compression_type", compression_type, "", dtypes.string),
            _optional("buffer_size", buffer_size, _TFRECORD_BUFFER_BYTES)]), num_parallel_reads)


class TextLineDataset(_FileDataset):
    """The lines of text files, without their line endings (``\\n`` or ``\\r\\n``), one file after the other."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, _reader("TextLineDataset", lambda: [
            _optional("compression_type", compression_type, "", dtypes.string),
            _optional("buffer_size", buffer_size, _READER_BUFFER_BYTES)]), num_parallel_reads)


class FixedLengthRecordDataset(_FileDataset):
    """Records of ``record_bytes`` bytes from binary files, after ``header_bytes`` and before ``footer_bytes``."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None, buffer_size=None,
                 compression_type=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, _reader("FixedLengthRecordDatasetV2", lambda: [
            _optional("header_bytes", header_bytes, 0),
            convert_to_tensor(record_bytes, dtype=dtypes.int64, name="record_bytes"),
            _optional("footer_bytes", footer_bytes, 0),
            _optional("buffer_size", buffer_size, _READER_BUFFER_BYTES),
            _optional("compression_type", compression_type, "", dtypes.string)]), num_parallel_reads)
