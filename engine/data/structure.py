"""Dataset elements as nested structures: tuples, namedtuples and dicts of tensors, flattened the way
``tf.data`` flattens them.

A dataset op carries its element as a flat list of components (its ``output_types`` and
``output_shapes`` attributes); the Python Dataset keeps the structure to rebuild elements from that list.
As in ``tf.data`` (unlike ``tf.nest``), a list is not a structure: ``[1, 2, 3]`` is one component, a vector.
Dicts flatten in sorted key order. A SparseTensor is one component (a SparseTensorSpec), which the dataset
ops carry as one variant (:func:`flat_types`, :func:`flat_shapes`; see :mod:`sparse_elements`).

    spec = element_spec_of(({"a": t1}, t2))        # ({"a": TensorSpec}, TensorSpec)
    flat = flatten(spec)                            # [TensorSpec of t1, TensorSpec of t2]
    pack_as(spec, [x, y])                           # ({"a": x}, y)
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, name_scope
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape

__all__ = ["TensorSpec", "SparseTensorSpec", "DatasetSpec", "flat_types", "flat_shapes", "is_sparse", "flatten",
           "pack_as", "map_structure", "normalize_element", "element_spec_of",
           "is_nested", "types_of", "shapes_of", "classes_of"]


class TensorSpec:
    """The type of one component of a dataset's elements: a dtype and a (possibly partial) shape."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape, dtype=dtypes.float32):
        self.shape = as_shape(shape)
        self.dtype = dtypes.as_dtype(dtype)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and self.dtype == other.dtype and _dims(self.shape) == _dims(other.shape)

    def __hash__(self):
        return hash((self.dtype, str(self.shape)))

    def __repr__(self):
        return "TensorSpec(shape=%s, dtype=tf.%s)" % (self.shape, self.dtype.name)

    def is_compatible_with(self, other):
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)


class SparseTensorSpec:
    """The type of a SparseTensor component: its values' dtype and its dense shape. The dataset ops carry it
    as one ``variant`` of unknown shape (the three tensors, serialized as TensorFlow's SerializeSparse)."""

    __slots__ = ("dtype", "shape")
    flat_dtype = dtypes.variant
    flat_shape = TensorShape(None)

    def __init__(self, shape=None, dtype=dtypes.float32):
        self.shape = as_shape(shape)
        self.dtype = dtypes.as_dtype(dtype)

    def __eq__(self, other):
        return isinstance(other, SparseTensorSpec) and self.dtype == other.dtype and \
            _dims(self.shape) == _dims(other.shape)

    def __hash__(self):
        return hash(("sparse", self.dtype, str(self.shape)))

    def __repr__(self):
        return "SparseTensorSpec(%s, tf.%s)" % (self.shape, self.dtype.name)

    def is_compatible_with(self, other):
        return isinstance(other, SparseTensorSpec) and self.dtype == other.dtype and \
            self.shape.is_compatible_with(other.shape)


class DatasetSpec:
    """The type of a component that is itself a dataset (``window``'s elements): a scalar variant whose
    elements have ``element_spec``."""

    __slots__ = ("element_spec",)
    dtype = dtypes.variant
    shape = TensorShape([])

    def __init__(self, element_spec):
        self.element_spec = element_spec

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and self.element_spec == other.element_spec

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        return "DatasetSpec(%r, TensorShape([]))" % (self.element_spec,)

    def is_compatible_with(self, other):
        return isinstance(other, DatasetSpec)


def _dims(shape):
    return None if shape.rank is None else tuple(shape.as_list())


def is_nested(x):
    """Tuples (namedtuples included) and dicts are structures; lists and everything else are components."""
    return (isinstance(x, tuple) and not _is_sparse(x)) or isinstance(x, dict)


def _is_sparse(x):
    return getattr(type(x), "_tg_sparse_tensor", False)


def is_sparse(x):
    """Whether ``x`` is a SparseTensor (a component of its own, not a structure)."""
    return _is_sparse(x)


def flatten(structure):
    """The components of ``structure`` in tf.data's order (dict keys sorted)."""
    if isinstance(structure, dict):
        return [c for k in sorted(structure) for c in flatten(structure[k])]
    if is_nested(structure):
        return [c for item in structure for c in flatten(item)]
    return [structure]


def pack_as(structure, flat):
    """``structure`` rebuilt with the components of ``flat`` (a list as long as ``flatten(structure)``)."""
    flat = list(flat)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError("The structure has %d components, got %d values" % (n, len(flat)))
    it = iter(flat)
    return _pack(structure, it)


def _pack(structure, it):
    if isinstance(structure, dict):
        packed = {k: _pack(structure[k], it) for k in sorted(structure)}
        return {k: packed[k] for k in structure}
    if is_nested(structure):
        items = [_pack(item, it) for item in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return next(it)


def map_structure(fn, structure):
    return pack_as(structure, [fn(c) for c in flatten(structure)])


def normalize_element(element, what="element"):
    """``element`` with every component converted to a Tensor (under ``normalize_element/``, as TensorFlow
    names them: ``normalize_element/component_0``)."""
    flat = flatten(element)
    if not flat:
        raise ValueError("A dataset element needs at least one component; %s has none" % what)
    with name_scope("normalize_element"):
        tensors = [c if isinstance(c, Tensor) or _is_sparse(c) else convert_to_tensor(c, name="component_%d" % i)
                   for i, c in enumerate(flat)]
    return pack_as(element, tensors)


def element_spec_of(structure):
    """The TensorSpec (SparseTensorSpec) structure of a structure of Tensors (SparseTensors)."""
    return map_structure(lambda t: SparseTensorSpec(t.get_shape(), t.values.dtype.base_dtype) if _is_sparse(t)
                         else TensorSpec(t.shape, t.dtype.base_dtype), structure)


def flat_types(spec):
    """The dtypes of the dataset op's components (a SparseTensor's is variant)."""
    return [getattr(s, "flat_dtype", s.dtype) for s in flatten(spec)]


def flat_shapes(spec):
    """The static shapes of the dataset op's components (a SparseTensor's is unknown)."""
    return [getattr(s, "flat_shape", s.shape) for s in flatten(spec)]


def types_of(spec):
    return map_structure(lambda s: s.dtype, spec)


def shapes_of(spec):
    return map_structure(lambda s: s.shape, spec)


def classes_of(spec, sparse_class=None):
    """Tensor for each component (``sparse_class``, the SparseTensor class, for a sparse one)."""
    return map_structure(lambda s: sparse_class if isinstance(s, SparseTensorSpec) else Tensor, spec)


def spec_from_legacy(output_types, output_shapes=None, output_classes=None):
    """The TensorSpec structure of TensorFlow 1's (output_types, output_shapes, output_classes); a class that
    is a SparseTensor class makes a SparseTensorSpec."""
    if output_shapes is None:
        output_shapes = map_structure(lambda _: TensorShape(None), output_types)
    types, shapes = flatten(output_types), flatten(output_shapes)
    if len(types) != len(shapes):
        raise TypeError("output_types has %d components and output_shapes %d; they must match"
                        % (len(types), len(shapes)))
    classes = [None] * len(types) if output_classes is None else flatten(output_classes)
    if len(classes) != len(types):
        raise TypeError("output_classes has %d components and output_types %d; they must match"
                        % (len(classes), len(types)))
    return pack_as(output_types, [SparseTensorSpec(s, t) if getattr(c, "_tg_sparse_tensor", False)
                                  else TensorSpec(s, t) for t, s, c in zip(types, shapes, classes)])
