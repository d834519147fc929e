"""Embedding lookups, as TensorFlow 1's ``tf.nn.embedding_lookup`` and ``tf.nn.embedding_lookup_sparse``
build them, so that the gradient of an embedding is an IndexedSlices of the rows looked up and an
optimizer updates those rows only.

One params tensor (or variable): a gather of its rows (ResourceGather for a resource variable). Several
(a partitioned embedding): each id goes to partition ``id % P`` as row ``id // P`` ("mod"), or to
contiguous blocks of ids ("div", the first ``total % P`` partitions one row longer); DynamicPartition
splits the ids, each partition is gathered, ParallelDynamicStitch puts the rows back in order. With
``max_norm`` each embedding whose L2 norm is larger is scaled down to it.

    emb = tg.get_variable("emb", [100000, 64])
    vectors = tg.nn.embedding_lookup(emb, ids)                           # [batch, 64]
    shards = [tg.get_variable("e%d" % i, [25000, 64]) for i in range(4)]
    vectors = tg.nn.embedding_lookup(shards, ids, partition_strategy="div", max_norm=1.0)
    pooled = tg.nn.embedding_lookup_sparse(emb, sp_ids, None, combiner="mean")   # one row per example
    pooled = tg.nn.safe_embedding_lookup_sparse(emb, sp_ids)     # invalid ids dropped, empty rows zeros
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor, _graph_of, convert_to_tensor
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.clip_ops import clip_by_norm
from tagraph.engine.ops.comparison_ops import greater, greater_equal, less, logical_and
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.indexing_ops import gather, unique
from tagraph.engine.ops.joining_ops import concat, stack, tile
from tagraph.engine.ops.op_util import reduction
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.ops.partition_ops import dynamic_partition, parallel_dynamic_stitch
from tagraph.engine.ops.segment_ops import segment_sum
from tagraph.engine.ops.slicing_ops import slice as _slice
from tagraph.engine.ops.sparse_ops import sparse_fill_empty_rows, sparse_reshape, sparse_retain
from tagraph.engine.ops.sparse_segment_ops import sparse_segment_mean, sparse_segment_sqrt_n, sparse_segment_sum

__all__ = ["embedding_lookup", "embedding_lookup_sparse", "safe_embedding_lookup_sparse"]


def _param_list(params):
    """params as a list: a list's items, a partitioned variable's parts, or the one tensor or variable."""
    if isinstance(params, (list, tuple)):
        return list(params)
    if hasattr(params, "_get_variable_list"):
        return list(params._get_variable_list())
    return [params]


def _is_resource_variable(p):
    is_resource = getattr(p, "is_resource", None)
    return is_resource is not None and is_resource()


def _rank(x):
    # (rank, True) when known and nonzero while building, else (a Rank tensor, False), as TensorFlow's _clip.
    r = convert_to_tensor(x).shape.rank
    return (r, True) if r else (array_ops.rank(x), False)


def _clip(params, ids, max_norm):
    """Each embedding (the dimensions of params after those of ids) scaled down to L2 norm ``max_norm``."""
    if max_norm is None:
        return params
    ids_rank, ids_static = _rank(ids)
    params_rank, params_static = _rank(params)
    axes = list(range(ids_rank, params_rank)) if ids_static and params_static else math_ops.range(ids_rank,
                                                                                                    params_rank)
    return clip_by_norm(params, max_norm, axes=axes)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """The rows of ``params`` at ``ids``: shape ``ids.shape + params.shape[1:]``. ``params`` is one tensor
    or variable, or a list of P partitions of one embedding (or a partitioned variable), split by
    ``partition_strategy`` ("mod" or "div"). With ``max_norm``, embeddings with a larger L2 norm are scaled
    down to it. An id outside the embedding raises InvalidArgumentError when the op runs."""
    del validate_indices
    if params is None:
        raise ValueError("params must be specified")
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError("Length of params is currently 0. Need at least one param.")
    params = _param_list(params)
    g = _graph_of(params + [ids])
    with g.as_default(), g.name_scope(name or "embedding_lookup") as name:
        np_ = len(params)
        if not any(_is_resource_variable(p) for p in params):
            params = [p if isinstance(p, Tensor) else convert_to_tensor(p, name="params") for p in params]
        ids = convert_to_tensor(ids, name="ids")
        if np_ == 1:
            with g.colocate_with(_op_of(params[0])):
                result = _clip(gather(params[0], ids, name=name), ids, max_norm)
            return array_ops.identity(result)
        return _partitioned_lookup(g, params, ids, partition_strategy, name, max_norm)


def _op_of(p):
    return p.op if hasattr(p, "op") else p


def _partitioned_lookup(g, params, ids, partition_strategy, name, max_norm):
    np_ = len(params)
    flat_ids = array_ops.reshape(ids, [-1])
    original_indices = math_ops.range(array_ops.size(flat_ids, out_type=dtypes.int32))
    if partition_strategy == "mod":
        p_assignments = math_ops.floormod(flat_ids, np_)
        new_ids = math_ops.floordiv(flat_ids, np_)
    elif partition_strategy == "div":
        dims = [p.get_shape()[0] for p in params]
        if all(d is not None for d in dims):
            num_total_ids = constant(sum(dims), flat_ids.dtype.base_dtype)
        else:
            sizes = []
            for p, d in zip(params, dims):
                if d is not None:
                    sizes.append(d)
                else:
                    with g.colocate_with(_op_of(p)):
                        sizes.append(array_ops.shape(p)[0])
            num_total_ids = reduction("Sum", math_ops.cast(stack(sizes), flat_ids.dtype.base_dtype), [0])
        ids_per_partition = math_ops.floordiv(num_total_ids, np_)
        extras = math_ops.floormod(num_total_ids, np_)
        p_assignments = math_ops.maximum(math_ops.floordiv(flat_ids, ids_per_partition + 1),
                                         math_ops.floordiv(flat_ids - extras, ids_per_partition))
        new_ids = math_ops.where(less(p_assignments, extras), math_ops.floormod(flat_ids, ids_per_partition + 1),
                                 math_ops.floormod(flat_ids - extras, ids_per_partition))
    else:
        raise ValueError("Unrecognized partition strategy: %s.Must be one of either `mod` or `div`."
                         % (partition_strategy,))
    p_assignments = math_ops.cast(p_assignments, dtypes.int32)
    gather_ids = dynamic_partition(new_ids, p_assignments, np_)
    pindices = dynamic_partition(original_indices, p_assignments, np_)
    partitioned_result = []
    for p in range(np_):
        with g.device(None), g.colocate_with(_op_of(params[p])):
            partitioned_result.append(gather(params[p], gather_ids[p]))
    ret = parallel_dynamic_stitch(pindices, partitioned_result, name=name)
    element_shape_s = TensorShape(params[0].get_shape().dims[1:]) if params[0].get_shape().rank is not None \
        else TensorShape(None)
    for p in params[1:]:
        rest = TensorShape(p.get_shape().dims[1:]) if p.get_shape().rank is not None else TensorShape(None)
        element_shape_s = element_shape_s.merge_with(rest)
    if element_shape_s.is_fully_defined():
        element_shape_d = element_shape_s.as_list()
    else:
        with g.colocate_with(_op_of(params[0])):
            element_shape_d = array_ops.shape(params[0])[1:]
    ret = array_ops.reshape(ret, concat([array_ops.shape(ids), element_shape_d], 0))
    if ids.shape.rank is not None and element_shape_s.rank is not None:
        ret.set_shape(TensorShape(ids.shape.dims + element_shape_s.dims))
    return _clip(ret, ids, max_norm)


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None, combiner=None,
                            max_norm=None, allow_fast_lookup=False):
    """One combined embedding per row of the SparseTensor ``sp_ids`` (ids in its values, rows by its first
    index column, sorted): the ``combiner`` ("mean" by default, "sqrtn" or "sum") of the rows of ``params``
    at its ids, weighted by ``sp_weights`` (a SparseTensor like ``sp_ids``, or None for weight 1).

        sp = tg.SparseTensor(indices=[[0, 0], [0, 1], [1, 0]], values=[3, 1, 2], dense_shape=[2, 2])
        tg.nn.embedding_lookup_sparse(emb, sp, None, combiner="sum")    # [emb[3] + emb[1], emb[2]]
    """
    if combiner is None:
        combiner = "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError("combiner must be one of 'mean', 'sqrtn' or 'sum', got %s" % (combiner,))
    params = _param_list(params)
    if not getattr(type(sp_ids), "_tg_sparse_tensor", False):
        raise TypeError("sp_ids must be SparseTensor, got %s" % type(sp_ids))
    ignore_weights = sp_weights is None
    if not ignore_weights:
        if not getattr(type(sp_weights), "_tg_sparse_tensor", False):
            raise TypeError("sp_weights must be either None or SparseTensor,got %s" % type(sp_weights))
        for a, b in ((sp_ids.values, sp_weights.values), (sp_ids.indices, sp_weights.indices),
                     (sp_ids.dense_shape, sp_weights.dense_shape)):
            if not a.shape.is_compatible_with(b.shape):
                raise ValueError("Shapes %s and %s are incompatible" % (a.shape, b.shape))
    g = _graph_of(params + [sp_ids.values])
    with g.as_default(), g.name_scope(name or "embedding_lookup_sparse") as name:
        segment_ids = sp_ids.indices[:, 0]
        return _lookup_sparse(g, params, segment_ids, sp_weights, sp_ids.values, combiner, ignore_weights,
                              max_norm, allow_fast_lookup, partition_strategy, name)


def _lookup_sparse(g, params, segment_ids, sp_weights, ids, combiner, ignore_weights, max_norm, allow_fast_lookup,
                   partition_strategy, name):
    # TensorFlow's embedding_lookup_sparse_impl: a tensor of params is reduced with the SparseSegment ops
    # directly (its gradient an IndexedSlices); variables and partitions are looked up once per distinct id.
    need_sparse_segment_gradient = False
    segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
    if len(params) == 1 and not isinstance(params[0], Tensor) and not _is_resource_variable(params[0]):
        params = [convert_to_tensor(params[0], name="params")]
    if len(params) == 1 and isinstance(params[0], Tensor) and max_norm is None and (allow_fast_lookup or
                                                                                     ignore_weights):
        idx = ids
        embeddings = params[0]
        if not allow_fast_lookup:
            need_sparse_segment_gradient = True
    else:
        ids, idx = unique(ids)
        embeddings = embedding_lookup(params, ids, partition_strategy=partition_strategy, max_norm=max_norm)
    if not ignore_weights:
        if segment_ids.dtype.base_dtype != dtypes.int32:
            segment_ids = math_ops.cast(segment_ids, dtypes.int32)
        weights = sp_weights.values
        embeddings = gather(embeddings, idx)
        original_dtype = embeddings.dtype.base_dtype
        if original_dtype in (dtypes.float16, dtypes.bfloat16):
            embeddings = math_ops.cast(embeddings, dtypes.float32)
        if weights.dtype.base_dtype != embeddings.dtype.base_dtype:
            weights = math_ops.cast(weights, embeddings.dtype.base_dtype)
        ones_shape = array_ops.expand_dims(array_ops.rank(embeddings) - 1, 0)
        weights_shape = array_ops.shape(weights)
        ones = array_ops.ones(ones_shape, dtype=weights_shape.dtype.base_dtype)
        bcast_weights_shape = concat([weights_shape, ones], 0)
        orig_weights_shape = weights.get_shape()
        weights = array_ops.reshape(weights, bcast_weights_shape)
        if embeddings.get_shape().rank is not None and orig_weights_shape.rank is not None:
            weights.set_shape(TensorShape(orig_weights_shape.dims + [1] * (embeddings.get_shape().rank - 1)))
        embeddings = embeddings * weights
        if combiner == "sum":
            embeddings = segment_sum(embeddings, segment_ids, name=name)
        elif combiner == "mean":
            embeddings = segment_sum(embeddings, segment_ids)
            weight_sum = segment_sum(weights, segment_ids)
            embeddings = math_ops.div_no_nan(embeddings, weight_sum, name=name)
        else:
            embeddings = segment_sum(embeddings, segment_ids)
            weight_sum = segment_sum(math_ops.pow(weights, 2), segment_ids)
            embeddings = math_ops.div_no_nan(embeddings, math_ops.sqrt(weight_sum), name=name)
        if embeddings.dtype.base_dtype != original_dtype:
            embeddings = math_ops.cast(embeddings, original_dtype)
        return embeddings
    if segment_ids.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
        segment_ids = math_ops.cast(segment_ids, dtypes.int32)
    reduce = {"sum": sparse_segment_sum, "mean": sparse_segment_mean, "sqrtn": sparse_segment_sqrt_n}[combiner]
    return reduce(embeddings, idx, segment_ids, name=name, sparse_gradient=need_sparse_segment_gradient)


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None, combiner="mean", default_id=None,
                                 name=None, partition_strategy="div", max_norm=None, allow_fast_lookup=False):
    """:func:`embedding_lookup_sparse` that tolerates what real inputs hold, as TensorFlow's: ids < 0 (and,
    unless summing, weights <= 0) are dropped, a row with no ids gets zeros (or the embedding of
    ``default_id``), and ``sparse_ids`` may have any rank >= 2 (``[d0, ..., dn, ids]`` gives ``[d0, ..., dn,
    dim]``). Feature columns look embeddings up with it.

        sp = tg.SparseTensor([[0, 0], [2, 0]], tg.constant([3, -1], tg.int64), [3, 1])
        tg.nn.safe_embedding_lookup_sparse(emb, sp)          # [emb[3], zeros, zeros]
    """
    if embedding_weights is None:
        raise ValueError("Missing embedding_weights %s." % (embedding_weights,))
    embedding_weights = _param_list(embedding_weights)
    if len(embedding_weights) < 1:
        raise ValueError("Missing embedding_weights %s." % (embedding_weights,))
    dtype = sparse_weights.dtype if sparse_weights is not None else None
    embedding_weights = [w if _is_resource_variable(w) and dtype in (None, w.dtype.base_dtype)
                         else convert_to_tensor(w, dtype=dtype) for w in embedding_weights]
    g = _graph_of(embedding_weights + [sparse_ids.values])
    with g.as_default(), g.name_scope(name or "embedding_lookup") as scope:
        original_shape = sparse_ids.dense_shape
        original_rank_dim = sparse_ids.dense_shape.get_shape().dims[0] \
            if sparse_ids.dense_shape.get_shape().rank == 1 else None
        original_rank = array_ops.size(original_shape) if original_rank_dim is None else original_rank_dim
        sparse_ids = sparse_reshape(sparse_ids, [
            reduction("Prod", _slice(original_shape, [0], [original_rank - 1]), [0]),
            gather(original_shape, original_rank - 1)])
        if sparse_weights is not None:
            sparse_weights = SparseTensor(sparse_ids.indices, sparse_weights.values, sparse_ids.dense_shape)
        sparse_ids, sparse_weights = _prune_invalid_ids(sparse_ids, sparse_weights)
        if combiner != "sum":
            sparse_ids, sparse_weights = _prune_invalid_weights(sparse_ids, sparse_weights)
        sparse_ids, is_row_empty = sparse_fill_empty_rows(sparse_ids, default_id or 0)
        if sparse_weights is not None:
            sparse_weights, _ = sparse_fill_empty_rows(sparse_weights, 1.0)
        result = embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights, combiner=combiner,
                                         partition_strategy=partition_strategy,
                                         name=None if default_id is None else scope, max_norm=max_norm,
                                         allow_fast_lookup=allow_fast_lookup)
        if default_id is None:
            is_row_empty = tile(array_ops.reshape(is_row_empty, [-1, 1]), stack([1, array_ops.shape(result)[1]]))
            result = math_ops.where(is_row_empty, array_ops.zeros_like(result), result, name=scope)
        final_result = array_ops.reshape(result, concat([
            _slice(math_ops.cast(original_shape, dtypes.int32), [0], [original_rank - 1]),
            _slice(array_ops.shape(result), [1], [-1])], 0))
        head = TensorShape(None) if original_rank_dim is None else TensorShape([None] * (original_rank_dim - 1))
        rest = result.get_shape()
        if head.rank is not None and rest.rank is not None:
            final_result.set_shape(TensorShape(head.dims + rest.dims[1:]))
        return final_result


def _prune_invalid_ids(sparse_ids, sparse_weights):
    is_id_valid = greater_equal(sparse_ids.values, 0)
    if sparse_weights is not None:
        is_id_valid = logical_and(is_id_valid, array_ops.ones_like(sparse_weights.values, dtype=dtypes.bool))
    sparse_ids = sparse_retain(sparse_ids, is_id_valid)
    if sparse_weights is not None:
        sparse_weights = sparse_retain(sparse_weights, is_id_valid)
    return sparse_ids, sparse_weights


def _prune_invalid_weights(sparse_ids, sparse_weights):
    if sparse_weights is not None:
        is_weights_valid = greater(sparse_weights.values, 0)
        sparse_ids = sparse_retain(sparse_ids, is_weights_valid)
        sparse_weights = sparse_retain(sparse_weights, is_weights_valid)
    return sparse_ids, sparse_weights
