"""TensorInfo protos <-> graph tensors, and the paths inside a SavedModel (``tf.saved_model.utils``).

    info = utils.build_tensor_info(x)           # TensorInfo(name="x:0", dtype=DT_FLOAT, shape [-1, 1])
    x2 = utils.get_tensor_from_tensor_info(info, graph)
"""
import os

from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.protos import meta_graph_pb2
from tagraph.serialization.saved_model import constants

__all__ = ["build_tensor_info", "build_tensor_info_from_op", "get_tensor_from_tensor_info",
           "get_element_from_tensor_info", "get_variables_dir", "get_variables_path", "get_assets_dir"]


def _is_sparse(t):
    return isinstance(t, tuple) and hasattr(t, "_fields") and \
        set(("indices", "values", "dense_shape")) <= set(t._fields)


def build_tensor_info(tensor):
    """The TensorInfo of a Tensor (name, dtype, static shape), or of a SparseTensor (coo_sparse names).

        info = build_tensor_info(tg.placeholder(tg.float32, [None, 1], name="x"))
        assert info.name == "x:0"
    """
    if _is_sparse(tensor):
        info = meta_graph_pb2.TensorInfo(dtype=tensor.values.dtype.base_dtype.as_datatype_enum)
        info.tensor_shape.CopyFrom(_sparse_shape(tensor).as_proto())
        info.coo_sparse.values_tensor_name = tensor.values.name
        info.coo_sparse.indices_tensor_name = tensor.indices.name
        info.coo_sparse.dense_shape_tensor_name = tensor.dense_shape.name
        return info
    if not isinstance(tensor, Tensor) and hasattr(tensor, "_as_graph_element"):
        tensor = tensor._as_graph_element()       # a Variable: its value
    if not isinstance(tensor, Tensor):
        raise TypeError("build_tensor_info expects a Tensor or SparseTensor, got %r of type %s"
                        % (tensor, type(tensor).__name__))
    info = meta_graph_pb2.TensorInfo(name=tensor.name, dtype=tensor.dtype.as_datatype_enum)
    info.tensor_shape.CopyFrom(tensor.get_shape().as_proto())
    return info


def _sparse_shape(sp):
    ds = sp.dense_shape
    try:
        value = constant_value(ds)
    except Exception:  # noqa: BLE001 - only a static hint
        value = None
    if value is not None:
        return TensorShape([int(d) if d >= 0 else None for d in value.reshape(-1)])
    if ds.shape.rank == 1 and ds.shape.dims[0] is not None:
        return TensorShape([None] * ds.shape.dims[0])
    return TensorShape(None)


def build_tensor_info_from_op(op):
    """A TensorInfo naming an Operation (dtype DT_INVALID, unknown shape), as for init ops in signatures."""
    info = meta_graph_pb2.TensorInfo(name=op.name, dtype=0)
    info.tensor_shape.unknown_rank = True
    return info


def _scoped(name, import_scope):
    if not import_scope:
        return name
    if name.startswith("^"):
        return "^" + import_scope + "/" + name[1:]
    return import_scope + "/" + name


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The Tensor (or SparseTensor) a TensorInfo names in ``graph`` (default graph), under ``import_scope``.

    Raises KeyError when the graph has no such tensor, ValueError for a TensorInfo without an encoding.
    """
    graph = graph or get_default_graph()

    def get(name):
        return graph.get_tensor_by_name(_scoped(name, import_scope))

    encoding = tensor_info.WhichOneof("encoding")
    if encoding == "name":
        return get(tensor_info.name)
    if encoding == "coo_sparse":
        c = tensor_info.coo_sparse
        return SparseTensor(get(c.indices_tensor_name), get(c.values_tensor_name), get(c.dense_shape_tensor_name))
    raise ValueError("Invalid TensorInfo.encoding: %s. Expected `coo_sparse` or `name` for a dense tensor "
                     "(composite tensors are not supported)." % encoding)


def get_element_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The Tensor or Operation a TensorInfo names (``"x:0"`` or ``"init"``)."""
    graph = graph or get_default_graph()
    return graph.as_graph_element(_scoped(tensor_info.name, import_scope))


# --- paths inside a SavedModel (TensorFlow's path_helpers) --------------------------------------------

def _as_str(p):
    return os.fsdecode(p) if isinstance(p, bytes) else os.fspath(p)


def get_variables_dir(export_dir):
    return os.path.join(_as_str(export_dir), constants.VARIABLES_DIRECTORY)


def get_variables_path(export_dir):
    """The checkpoint prefix of a SavedModel's variables: ``<dir>/variables/variables``."""
    return os.path.join(get_variables_dir(export_dir), constants.VARIABLES_FILENAME)


def get_assets_dir(export_dir):
    return os.path.join(_as_str(export_dir), constants.ASSETS_DIRECTORY)
