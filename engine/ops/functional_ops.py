"""``map_fn``, ``scan``, ``foldl`` and ``foldr``, built as TensorFlow 1 builds them: a ``while_loop`` that
reads each element from a TensorArray the input was unstacked into and, for ``map_fn`` and ``scan``,
writes each result to a TensorArray stacked after the loop. The graphs (node names included) are
TensorFlow's with control flow v1, so a GraphDef either side writes runs on the other.

    squares = tg.map_fn(lambda row: row * row, x)                 # row by row
    sums = tg.scan(lambda acc, row: acc + row, x)                 # running sums of the rows
    total = tg.foldl(lambda acc, row: acc + row, x)               # their sum

``elems`` may be a (nested) list, tuple or dict of tensors of the same length; ``fn`` gets one element of
each, in that structure. ``tg.gradients`` goes through them as through any loop (and the TensorArrays'
gradients), unless ``back_prop`` is false; ``parallel_iterations`` sets the loop's; ``swap_memory`` is
accepted for TensorFlow's signature.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.array_ops import shape
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import _flatten, _is_nested, _pack_as, while_loop
from tagraph.engine.ops.tensor_array_ops import TensorArray

__all__ = ["map_fn", "scan", "foldl", "foldr"]


def _check_callable(fn):
    if not callable(fn):
        raise TypeError("%s is not callable. Please provide a callable function." % getattr(fn, "__name__", fn))


def _length(elems_flat):
    """(static length or None, the length as a Python int where known, else a tensor)."""
    first = elems_flat[0]
    if first.shape.rank == 0:
        raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    n_static = first.shape[0] if first.shape.rank is not None else None
    for t in elems_flat[1:]:
        m = t.shape[0] if t.shape.rank is not None else None
        if n_static is not None and m is not None and m != n_static:
            raise ValueError("Dimensions %s and %s are not compatible" % (n_static, m))
    # As TensorFlow: a known length of 0 is read at run time too.
    return n_static, (n_static or shape(first)[0])


def _unstacked(elems_flat, n, with_shape=False):
    tas = []
    for t in elems_flat:
        ta = TensorArray(dtype=t.dtype, size=n, dynamic_size=False, infer_shape=True,
                         element_shape=t.shape[1:] if with_shape else None)
        tas.append(ta)
    return [ta.unstack(t) for ta, t in zip(tas, elems_flat)]


def _set_length(results, n_static):
    for r in results:
        if r.shape.rank is not None:
            r.set_shape(TensorShape([n_static] + list(r.shape.dims[1:])))


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None, fn_output_signature=None):
    """``fn`` applied to each element of ``elems`` along axis 0, the results stacked (TensorFlow 1's map_fn).
    ``dtype`` (or ``fn_output_signature``) gives the dtype, or structure of dtypes, of ``fn``'s result when
    it differs from ``elems``'.

        norms = tg.map_fn(lambda row: tg.reduce_sum(row * row), x)
    """
    if fn_output_signature is None:
        fn_output_signature = dtype
    _check_callable(fn)
    parallel_iterations = parallel_iterations or 10
    elems_flat = _flatten(elems)
    if not elems_flat:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors. Got %s, which does "
                         "not contain any Tensors." % (elems,))
    g = get_default_graph()
    with g.name_scope(name or "map"):
        elems_flat = [convert_to_tensor(t, name="elem") for t in elems_flat]
        n_static, n = _length(elems_flat)
        elems_ta = _unstacked(elems_flat, n)
        i = constant(0)
        # The results' element shapes are left unknown (TensorFlow's most general spec): fn may change them.
        if fn_output_signature is None:
            out_structure = elems
            out_dtypes = [t.dtype.base_dtype for t in elems_flat]
        else:
            out_structure = fn_output_signature
            out_dtypes = [dtypes.as_dtype(d) for d in _flatten(fn_output_signature)]
        result_ta = [TensorArray(dtype=d, size=n, dynamic_size=False, infer_shape=infer_shape,
                                 element_shape=TensorShape(None)) for d in out_dtypes]

        def compute(i, tas):
            value = _pack_as(elems, [ta.read(i) for ta in elems_ta]) if _is_nested(elems) else elems_ta[0].read(i)
            result = fn(value)
            flat = _flatten(result) if _is_nested(out_structure) else [result]
            if len(flat) != len(tas):
                raise ValueError("The structure of fn's result %r does not match that of %r" % (result, out_structure))
            tas = [ta.write(i, v) for ta, v in zip(tas, flat)]
            return i + 1, tas

        _, r_a = while_loop(lambda i, _: i < n, compute, (i, result_ta), parallel_iterations=parallel_iterations,
                            back_prop=back_prop, swap_memory=swap_memory, maximum_iterations=n)
        results = [r.stack() for r in r_a]
        _set_length(results, n_static)
        return _pack_as(out_structure, results) if _is_nested(out_structure) else results[0]


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, infer_shape=True,
         reverse=False, name=None):
    """The accumulated values of ``a = fn(a, element)`` over ``elems`` along axis 0 (from the end with
    ``reverse``), stacked; ``a`` starts as ``initializer``, or as the first element (then also the first
    result).

        running = tg.scan(lambda a, x: a + x, [1.0, 2.0, 3.0])      # [1., 3., 6.]
    """
    _check_callable(fn)
    in_nested = _is_nested(elems)
    elems_flat = _flatten(elems) if in_nested else [elems]

    def input_pack(x):
        return _pack_as(elems, x) if in_nested else x[0]

    out_structure = elems if initializer is None else initializer
    out_nested = _is_nested(out_structure)

    def output_pack(x):
        return _pack_as(out_structure, x) if out_nested else x[0]

    g = get_default_graph()
    with g.name_scope(name or "scan"):
        elems_flat = [convert_to_tensor(t, name="elem") for t in elems_flat]
        n_static = elems_flat[0].shape[0] if elems_flat[0].shape.rank else None
        n = n_static if n_static is not None else shape(elems_flat[0])[0]
        elems_ta = _unstacked(elems_flat, n, with_shape=True)
        if initializer is None:
            a_flat = [ta.read(n - 1 if reverse else 0) for ta in elems_ta]
            i = 1
        else:
            init_flat = _flatten(initializer) if out_nested else [initializer]
            a_flat = [convert_to_tensor(v) for v in init_flat]
            i = 0
        accs_ta = [TensorArray(dtype=a.dtype, size=n, element_shape=a.shape if infer_shape else None,
                               dynamic_size=False, infer_shape=infer_shape) for a in a_flat]
        if initializer is None:
            accs_ta = [ta.write(n - 1 if reverse else 0, a) for ta, a in zip(accs_ta, a_flat)]

        def compute(i, a_flat, tas):
            a_out = fn(output_pack(a_flat), input_pack([ta.read(i) for ta in elems_ta]))
            flat_out = _flatten(a_out) if out_nested else [a_out]
            if len(flat_out) != len(tas):
                raise ValueError("The structure of fn's result %r does not match that of %r" % (a_out, out_structure))
            tas = [ta.write(i, v) for ta, v in zip(tas, flat_out)]
            return (i - 1 if reverse else i + 1), flat_out, tas

        if reverse:
            initial_i = n - 1 - i

            def condition(i, _1, _2):
                return i >= 0
        else:
            initial_i = i

            def condition(i, _1, _2):
                return i < n
        _, _, r_a = while_loop(condition, compute, (initial_i, a_flat, accs_ta),
                               parallel_iterations=parallel_iterations, back_prop=back_prop,
                               swap_memory=swap_memory, maximum_iterations=n)
        results = [r.stack() for r in r_a]
        _set_length(results, n_static)
        return output_pack(results)


def _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, default_name, backwards):
    _check_callable(fn)
    g = get_default_graph()
    with g.name_scope(name or default_name):
        elems_flat = [convert_to_tensor(e, name="elem") for e in _flatten(elems)]
        n = (elems_flat[0].shape[0] if elems_flat[0].shape.rank else None) or shape(elems_flat[0])[0]
        elems_ta = _unstacked(elems_flat, n)

        def element(i):
            values = [ta.read(i) for ta in elems_ta]
            return _pack_as(elems, values) if _is_nested(elems) else values[0]

        if backwards:
            if initializer is None:
                i = n - 1
                a = element(i)
            else:
                i, a = n, initializer

            def compute(i, a):
                i -= 1
                return [i, fn(a, element(i))]

            def condition(i, a):
                return i > 0
        else:
            if initializer is None:
                a = element(0)
                i = constant(1)
            else:
                a = initializer
                i = constant(0)

            def compute(i, a):
                a = fn(a, element(i))
                return [i + 1, a]

            def condition(i, a):
                return i < n
        _, r_a = while_loop(condition, compute, [i, a], parallel_iterations=parallel_iterations,
                            back_prop=back_prop, swap_memory=swap_memory, maximum_iterations=n)
        return r_a


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """``a = fn(a, element)`` over ``elems`` along axis 0, first to last; ``a`` starts as ``initializer``,
    or as the first element.

        total = tg.foldl(lambda a, x: a + x, [1.0, 2.0, 3.0])        # 6.
    """
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, "foldl", False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """``a = fn(a, element)`` over ``elems`` along axis 0, last to first; ``a`` starts as ``initializer``,
    or as the last element.

        total = tg.foldr(lambda a, x: a * 10.0 + x, [1.0, 2.0, 3.0])  # 321.
    """
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, "foldr", True)
