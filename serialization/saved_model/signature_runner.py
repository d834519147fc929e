"""Run a SavedModel's signatures by key: named numpy inputs in, named numpy outputs out.

    runner = SignatureRunner("/models/half_plus_two", tags=["serve"])
    runner.run({"x": np.array([[1.0], [2.0]], np.float32)})                # signature "serving_default"
    # -> {"y": array([[2.5], [3.0]], dtype=float32)}
    runner.run({"inputs": [example.SerializeToString()]}, signature_key="regress_x_to_y")

This is the one public way tagraph calls signatures; ``saved_model_cli run`` and the model server use it.
Inputs are checked against the SignatureDef before anything runs: every name must be an input of the
signature (and every input without a default must be given), every value must convert to the input's
dtype without changing kind (no strings for floats, no floats for ints), and its shape must fit the
declared shape. Each failure is an InvalidArgumentError that names the signature, the input, what was
expected and what was given.
"""
import collections
import logging
import threading

import numpy as np

from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import Graph
from tagraph.engine.framework.tensor_shape import as_shape
from tagraph.engine.framework.tensor_util import make_ndarray, to_numpy
from tagraph.engine.runtime.session import Session
from tagraph.protos import meta_graph_pb2
from tagraph.serialization.saved_model import constants, loader, signature_constants
from tagraph.serialization.saved_model.utils import get_tensor_from_tensor_info

logger = logging.getLogger("tagraph.saved_model")

__all__ = ["SignatureRunner", "run_signature", "SparseTensorValue"]

SparseTensorValue = collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])

_RESERVED = (constants.INIT_OP_SIGNATURE_KEY, constants.TRAIN_OP_SIGNATURE_KEY)


def _dtype(enum):
    return dtypes.as_dtype(enum)


def _shape_of(info):
    return as_shape(info.tensor_shape)


def _describe(info):
    try:
        dt = _dtype(info.dtype).name
    except (TypeError, ValueError, KeyError):
        dt = "dtype %d" % info.dtype
    shape = _shape_of(info)
    if shape.rank is None:
        s = "any shape"
    else:
        s = "shape (%s)" % ", ".join("-1" if d is None else str(d) for d in shape.dims)
    return "%s, %s" % (dt, s)


class SignatureRunner:
    """A loaded SavedModel whose signatures can be called by key.

    ``SignatureRunner(export_dir, tags=["serve"], config=None)`` loads into a new Graph and Session;
    ``SignatureRunner.from_session(sess, meta_graph_def)`` wraps a session already loaded. Thread-safe:
    one compiled callable per (signature, inputs, outputs) is shared by all callers.
    """

    def __init__(self, export_dir=None, tags=("serve",), config=None, clear_devices=False, import_scope=None,
                 _session=None, _meta_graph_def=None):
        if _session is not None:
            self._sess, self._mg, self._owns = _session, _meta_graph_def, False
        else:
            if export_dir is None:
                raise ValueError("SignatureRunner needs export_dir (or use SignatureRunner.from_session)")
            sess = Session(graph=Graph(), config=config)
            try:
                kwargs = {"clear_devices": True} if clear_devices else {}
                self._mg = loader.load(sess, tags, export_dir, import_scope=import_scope, **kwargs)
            except BaseException:
                sess.close()
                raise
            self._sess, self._owns = sess, True
        self._export_dir = export_dir
        self._scope = import_scope
        self._callables = {}
        self._lock = threading.Lock()

    @classmethod
    def from_session(cls, sess, meta_graph_def, import_scope=None):
        """A runner over ``sess``, into which ``meta_graph_def`` was loaded (under ``import_scope``)."""
        return cls(None, import_scope=import_scope, _session=sess, _meta_graph_def=meta_graph_def)

    session = property(lambda self: self._sess)
    meta_graph_def = property(lambda self: self._mg)
    export_dir = property(lambda self: self._export_dir)

    @property
    def tags(self):
        return list(self._mg.meta_info_def.tags)

    @property
    def signature_keys(self):
        """The callable signatures' keys, sorted (the reserved init/train op signatures are left out)."""
        return sorted(k for k in self._mg.signature_def if k not in _RESERVED)

    def signature_def(self, signature_key=signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY):
        if signature_key in _RESERVED or signature_key not in self._mg.signature_def:
            raise errors.NotFoundError(
                None, None, "Signature '%s' is not in the SavedModel's MetaGraphDef (tags %s); its signatures "
                "are: %s" % (signature_key, sorted(self.tags), ", ".join(self.signature_keys) or "none"))
        return self._mg.signature_def[signature_key]

    def close(self):
        if self._owns:
            self._sess.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- running ---------------------------------------------------------------------------------

    def run(self, inputs, signature_key=signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY,
            output_keys=None):
        """Runs ``signature_key`` on ``inputs`` (input name -> value); returns output name -> numpy array.

        ``output_keys`` limits the outputs computed (None or empty: all of the signature's outputs). A sparse
        (``coo_sparse``) output comes back as a SparseTensorValue(indices, values, dense_shape).
        """
        sig = self.signature_def(signature_key)
        if not isinstance(inputs, collections.abc.Mapping):
            raise TypeError("inputs must be a dict of input name -> value, got %s" % type(inputs).__name__)
        feeds = self._check_inputs(signature_key, sig, inputs)
        out_keys = self._check_outputs(signature_key, sig, output_keys)
        in_keys = tuple(sorted(feeds))
        fn = self._callable(signature_key, sig, in_keys, out_keys)
        values = []
        for k in in_keys:
            v = feeds[k]
            if isinstance(v, SparseTensorValue):
                values.extend(v)
            else:
                values.append(v)
        results = fn(*values)
        return {k: (SparseTensorValue(*r) if isinstance(r, tuple) else r) for k, r in zip(out_keys, results)}

    __call__ = run

    def _callable(self, key, sig, in_keys, out_keys):
        cache_key = (key, in_keys, out_keys)
        fn = self._callables.get(cache_key)
        if fn is not None:
            return fn
        with self._lock:
            fn = self._callables.get(cache_key)
            if fn is None:
                g = self._sess.graph
                feed_list = []
                for k in in_keys:
                    t = get_tensor_from_tensor_info(sig.inputs[k], g, self._scope)
                    feed_list.extend(t if isinstance(t, tuple) else [t])
                fetches = []
                for k in out_keys:
                    t = get_tensor_from_tensor_info(sig.outputs[k], g, self._scope)
                    fetches.append(tuple(t) if isinstance(t, tuple) else t)
                fn = self._sess.make_callable(fetches, feed_list)
                self._callables[cache_key] = fn
        return fn

    def _check_outputs(self, key, sig, output_keys):
        if not output_keys:
            # None or empty: every output, as TensorFlow Serving reads an empty output_filter.
            return tuple(sorted(sig.outputs))
        if isinstance(output_keys, str):
            output_keys = [output_keys]
        unknown = [k for k in output_keys if k not in sig.outputs]
        if unknown:
            raise errors.InvalidArgumentError(
                None, None, "Signature '%s' has no output named %s; its outputs are: %s"
                % (key, ", ".join("'%s'" % u for u in unknown), _list_infos(sig.outputs)))
        return tuple(dict.fromkeys(output_keys))

    def _check_inputs(self, key, sig, inputs):
        unknown = [k for k in inputs if k not in sig.inputs]
        if unknown:
            raise errors.InvalidArgumentError(
                None, None, "Signature '%s' has no input named %s; its inputs are: %s"
                % (key, ", ".join("'%s'" % u for u in sorted(map(str, unknown))), _list_infos(sig.inputs)))
        missing = [k for k in sorted(sig.inputs) if k not in inputs and not self._has_default(sig, k)]
        if missing:
            raise errors.InvalidArgumentError(
                None, None, "Signature '%s' needs input%s %s, which %s not given; its inputs are: %s"
                % (key, "s" if len(missing) > 1 else "", ", ".join("'%s'" % m for m in missing),
                   "were" if len(missing) > 1 else "was", _list_infos(sig.inputs)))
        out = {}
        for name in sig.defaults:
            if name not in inputs and name in sig.inputs:
                out[name] = convert_input(key, name, sig.inputs[name], make_ndarray(sig.defaults[name]))
        for name, value in inputs.items():
            info = sig.inputs[name]
            if info.WhichOneof("encoding") == "coo_sparse":
                out[name] = self._convert_sparse(key, name, info, value)
            else:
                out[name] = convert_input(key, name, info, value)
        return out

    def _has_default(self, sig, name):
        # Optional: a default in the SignatureDef, or a PlaceholderWithDefault behind the input.
        if name in sig.defaults:
            return True
        info = sig.inputs[name]
        if info.WhichOneof("encoding") != "name":
            return False
        try:
            op = self._sess.graph.get_tensor_by_name(
                "%s/%s" % (self._scope, info.name) if self._scope else info.name).op
        except (KeyError, ValueError):
            return False
        return op.type == "PlaceholderWithDefault"

    @staticmethod
    def _convert_sparse(key, name, info, value):
        if not (isinstance(value, tuple) and len(value) == 3):
            raise errors.InvalidArgumentError(
                None, None, "Input '%s' of signature '%s' is sparse: give (indices, values, dense_shape), got %s"
                % (name, key, type(value).__name__))
        dense = meta_graph_pb2.TensorInfo(name="values", dtype=info.dtype)
        dense.tensor_shape.unknown_rank = True
        i64 = meta_graph_pb2.TensorInfo(name="indices", dtype=9)
        i64.tensor_shape.unknown_rank = True
        return SparseTensorValue(convert_input(key, name + ".indices", i64, value[0]),
                                 convert_input(key, name + ".values", dense, value[1]),
                                 convert_input(key, name + ".dense_shape", i64, value[2]))


def _list_infos(infos):
    return ", ".join("'%s' (%s)" % (k, _describe(infos[k])) for k in sorted(infos)) or "none"


def convert_input(signature_key, name, info, value):
    """``value`` as a numpy array of the TensorInfo's dtype, checked against its shape; else a clear error."""
    dt = _dtype(info.dtype)
    where = "Input '%s' of signature '%s'" % (name, signature_key)
    if dt.name == "string":
        arr = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
        if arr.dtype.kind not in ("S", "U", "O"):
            raise errors.InvalidArgumentError(
                None, None, "%s expects string (bytes) values, got an array of %s" % (where, arr.dtype))
        try:
            arr = to_numpy(arr, dt)
        except TypeError as e:
            raise errors.InvalidArgumentError(None, None, "%s expects string (bytes) values: %s" % (where, e)) \
                from None
    else:
        np_type = np.dtype(dt.as_numpy_dtype)
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.dtype.kind in ("S", "U", "O"):
            raise errors.InvalidArgumentError(
                None, None, "%s expects %s values, got %s" % (where, dt.name, "strings" if arr.dtype.kind != "O"
                                                             else "Python objects"))
        if arr.dtype != np_type:
            src, dst = arr.dtype.kind, np_type.kind
            ok = {"b": src == "b", "i": src in "iu", "u": src in "iu", "f": src in "iuf",
                  "c": src in "iufc"}.get(dst, False)
            if not ok:
                raise errors.InvalidArgumentError(
                    None, None, "%s expects dtype %s, got %s (which does not convert without changing kind)"
                    % (where, dt.name, arr.dtype.name))
            if dst in "iu" and arr.size:
                lim = np.iinfo(np_type)
                if arr.min() < lim.min or arr.max() > lim.max:
                    raise errors.InvalidArgumentError(
                        None, None, "%s expects %s; values out of its range were given" % (where, dt.name))
            arr = arr.astype(np_type)
    shape = _shape_of(info)
    if shape.rank is not None:
        dims = shape.dims
        if arr.ndim != len(dims) or any(d is not None and d != a for d, a in zip(dims, arr.shape)):
            raise errors.InvalidArgumentError(
                None, None, "%s expects shape (%s), got shape %s" % (
                    where, ", ".join("-1" if d is None else str(d) for d in dims), tuple(arr.shape)))
    return arr


def run_signature(export_dir, inputs, signature_key=signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY,
                  tags=("serve",), output_keys=None, config=None):
    """Loads ``export_dir``, runs one signature on ``inputs`` and returns its named outputs.

        run_signature("/models/half_plus_two", {"x": [[1.0]]})   # {"y": array([[2.5]], dtype=float32)}
    """
    with SignatureRunner(export_dir, tags=tags, config=config) as runner:
        return runner.run(inputs, signature_key, output_keys)
