"""The checks ``tf.image``'s functions make of their images, as TensorFlow's image_ops_impl makes them: a
static shape that cannot be an image is a ValueError while building; a shape known only when the graph runs
gets Assert ops that fail the run with InvalidArgumentError.

    image = assert_at_least_3d(image)        # an Identity of image, after the asserts the shape needs
    batch, height, width, depth = image_dimensions(image, 4)   # static ints where known, else scalar tensors
"""
from tagraph.engine.framework.graph import Tensor, control_dependencies
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.comparison_ops import equal, greater, greater_equal
from tagraph.engine.ops.joining_ops import unstack
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.reduction_ops import reduce_all

__all__ = ["shape_text", "is_tensor", "assert_true", "with_dependencies", "image_dimensions", "check_3d",
           "assert_3d", "check_at_least_3d", "assert_at_least_3d", "assert_grayscale"]


def shape_text(shape):
    """A static shape as TensorFlow prints one in its messages: ``(2, None, 3)``, ``<unknown>``."""
    if shape.rank is None:
        return "<unknown>"
    dims = ["None" if d is None else str(d) for d in shape.dims]
    return "(%s,)" % dims[0] if len(dims) == 1 else "(%s)" % ", ".join(dims)


def is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_graph_tensor")


def assert_true(condition, error, message):
    """TensorFlow's ``_assert``: an Assert op for a tensor ``condition``; for a Python one, ``error(message)``
    raised now when it is false."""
    if is_tensor(condition):
        return [Assert(condition, [message])]
    if not condition:
        raise error(message)
    return []


def with_dependencies(dependencies, tensor):
    """``tensor`` passed through an Identity that runs after ``dependencies``."""
    with control_dependencies(dependencies):
        return array_ops.identity(tensor)


def image_dimensions(image, rank):
    """The image's dimensions: ints where the static shape knows them, else scalar tensors."""
    shape = image.shape
    if shape.is_fully_defined():
        return shape.as_list()
    static = shape.with_rank(rank).as_list()
    dynamic = unstack(array_ops.shape(image), rank)
    return [s if s is not None else d for s, d in zip(static, dynamic)]


def _positive(values, message):
    return Assert(reduce_all(greater(values, 0)), [message])


def _rank_at_least(image, rank, message):
    r = array_ops.rank(image)
    return Assert(greater_equal(r, rank), [message, "Condition x >= y did not hold element-wise:", "x (%s) = " % r.name,
                                           r, "y = ", rank])


def check_3d(image, require_static=True):
    """TensorFlow's _Check3DImage: the asserts a three-dimensional image needs."""
    shape = image.shape
    if shape.rank is not None and shape.rank != 3:
        raise ValueError("'image' (shape %s) must be three-dimensional." % shape_text(shape))
    shape = shape.with_rank(3)
    if require_static and not shape.is_fully_defined():
        raise ValueError("'image' (shape %s) must be fully defined." % shape_text(shape))
    if any(d == 0 for d in shape.dims):
        raise ValueError("all dims of 'image.shape' must be > 0: %s" % shape_text(shape))
    if not shape.is_fully_defined():
        return [_positive(array_ops.shape(image), "all dims of 'image.shape' must be > 0.")]
    return []


def assert_3d(image):
    return with_dependencies(check_3d(image, require_static=False), image)


def check_at_least_3d(image, require_static=True):
    """TensorFlow's _CheckAtLeast3DImage."""
    shape = image.shape
    if shape.rank is not None and shape.rank < 3:
        raise ValueError("'image' (shape %s) must be at least three-dimensional." % shape_text(shape))
    if shape.rank is None:
        shape = shape.with_rank(3)
    if require_static and not shape.is_fully_defined():
        raise ValueError("'image' must be fully defined.")
    inner = shape.dims[-3:]
    if any(d == 0 for d in inner):
        raise ValueError("inner 3 dims of 'image.shape' must be > 0: %s" % shape_text(shape))
    if any(d is None for d in inner):
        return [_positive(array_ops.shape(image)[-3:], "inner 3 dims of 'image.shape' must be > 0."),
                _rank_at_least(image, 3, "'image' must be at least three-dimensional.")]
    return []


def assert_at_least_3d(image):
    return with_dependencies(check_at_least_3d(image, require_static=False), image)


def assert_grayscale(image):
    """TensorFlow's _AssertGrayscaleImage: at least two-dimensional, the last dimension 1."""
    shape = image.shape
    if shape.rank is not None and shape.rank < 2:
        raise ValueError("A grayscale image (shape %s) must be at least two-dimensional." % shape_text(shape))
    if shape.rank is None:
        shape = shape.with_rank(2)
    if shape.is_fully_defined():
        if shape.dims[-1] != 1:
            raise ValueError("Last dimension of a grayscale image should be size 1.")
        return with_dependencies([], image)
    checks = [Assert(equal(array_ops.shape(image)[-1], 1), ["Last dimension of a grayscale image should be size 1."]),
              _rank_at_least(image, 3, "A grayscale image must be at least two-dimensional.")]
    return with_dependencies(checks, image)

