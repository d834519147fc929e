"""Embedding lookups, DynamicStitch/DynamicPartition and the sparse segment reductions against TensorFlow:
outputs and gradients (IndexedSlices where TensorFlow's are), partition strategies, max_norm,
embedding_lookup_sparse's combiners and weights, and TensorFlow's errors for bad input."""
import numpy as np
import pytest

import tagraph.engine as tg
from sparse_reference import ARRAYS, RECORD, check_error, check_gradient_case, run_gradient_case


@pytest.mark.parametrize("name", sorted(RECORD.GRADIENTS))
def test_outputs_and_gradients_match_tensorflow(device, name):
    check_gradient_case(name, device)


@pytest.mark.parametrize("name", ["embedding_out_of_range", "gather_out_of_range", "resource_gather_out_of_range",
                                  "dynamic_stitch_negative", "dynamic_stitch_data_shape",
                                  "dynamic_stitch_inner_shapes", "dynamic_partition_out_of_range",
                                  "dynamic_partition_shape", "sparse_segment_sum_out_of_range",
                                  "sparse_segment_sum_unsorted", "sparse_segment_sum_sizes"])
def test_bad_input_raises_tensorflows_error(name):
    check_error(name)


def test_lookup_of_a_resource_variable_reads_only_its_rows():
    with tg.Graph().as_default() as g:
        emb = tg.get_variable("emb", [1000, 4], use_resource=True)
        n0 = len(g.get_operations())
        out = tg.nn.embedding_lookup(emb, [3, 7])
        types = {op.type for op in g.get_operations()[n0:]}
        assert "ResourceGather" in types and "ReadVariableOp" not in types
        assert g.get_operation_by_name("embedding_lookup").type == "ResourceGather"
        assert out.shape.as_list() == [2, 4]


def test_partitioned_lookup_stitches_the_partitions_back():
    with tg.Graph().as_default() as g:
        shards = [tg.constant(np.full([2, 3], i, np.float32)) for i in range(3)]
        ids = tg.placeholder(tg.int32, [None, 2])
        out = tg.nn.embedding_lookup(shards, ids, partition_strategy="div")
        assert out.shape.as_list() == [None, 2, 3]
        assert {"DynamicPartition", "ParallelDynamicStitch"} <= {op.type for op in g.get_operations()}
        with tg.Session() as sess:
            got = sess.run(out, {ids: [[0, 5], [3, 2]]})
    np.testing.assert_array_equal(got[..., 0], [[0, 2], [1, 1]])


def test_bad_arguments_raise_as_tensorflow():
    with tg.Graph().as_default():
        p = tg.constant(np.ones([4, 2], np.float32))
        with pytest.raises(ValueError, match="Unrecognized partition strategy"):
            tg.nn.embedding_lookup([p, p], [0], partition_strategy="hash")
        with pytest.raises(ValueError, match="Need at least one param"):
            tg.nn.embedding_lookup([], [0])
        sp = tg.SparseTensor(tg.constant(np.int64([[0, 0]])), tg.constant(np.int64([1])), tg.constant(np.int64([1, 1])))
        with pytest.raises(ValueError, match="combiner must be one of"):
            tg.nn.embedding_lookup_sparse(p, sp, None, combiner="max")
        with pytest.raises(TypeError, match="sp_ids must be SparseTensor"):
            tg.nn.embedding_lookup_sparse(p, tg.constant([1]), None)
        with pytest.raises(TypeError, match="sp_weights must be either None or SparseTensor"):
            tg.nn.embedding_lookup_sparse(p, sp, tg.constant([1.0]))


def test_sparse_segment_ops_with_num_segments_and_their_gradients():
    data = np.arange(12, dtype=np.float64).reshape(4, 3)
    with tg.Graph().as_default():
        x = tg.constant(data)
        outs = {kind: fn(x, [3, 0, 3, 1], [0, 0, 2, 2], num_segments=4)
                for kind, fn in (("sum", tg.sparse_segment_sum), ("mean", tg.sparse_segment_mean),
                                 ("sqrtn", tg.sparse_segment_sqrt_n))}
        grads = {k: tg.gradients(tg.reduce_sum(o * np.arange(1, 13).reshape(4, 3)), [x])[0] for k, o in outs.items()}
        sparse = tg.sparse_segment_mean(x, [3, 0, 3, 1], [0, 0, 2, 2], sparse_gradient=True)
        sparse_grad, = tg.gradients(tg.reduce_sum(sparse), [x])
        assert outs["sum"].shape.as_list() == [4, 3] and isinstance(sparse_grad, tg.IndexedSlices)
        with tg.Session() as sess:
            got, gots, sg = sess.run(outs), sess.run(grads), sess.run(sparse_grad)
    rows, seg = [3, 0, 3, 1], [0, 0, 2, 2]
    up = np.arange(1, 13, dtype=np.float64).reshape(4, 3)
    for kind, scale in (("sum", lambda n: 1.0), ("mean", lambda n: 1.0 / n), ("sqrtn", lambda n: n ** -0.5)):
        want = np.zeros([4, 3])
        want_grad = np.zeros_like(data)
        for r, s in zip(rows, seg):
            want[s] += data[r] * scale(seg.count(s))
            want_grad[r] += up[s] * scale(seg.count(s))
        np.testing.assert_allclose(got[kind], want)
        np.testing.assert_allclose(gots[kind], want_grad)
    np.testing.assert_array_equal(sg.indices, [0, 1, 3])
    np.testing.assert_allclose(sg.values, [[0.5] * 3, [0.5] * 3, [1.0] * 3])


def test_recorded_cases_cover_each_family():
    # The record holds sparse gradients for the lookups, and dense ones where TensorFlow's are dense.
    kinds = {k: str(v) for k, v in ARRAYS.items() if k.endswith(":kind")}
    assert kinds["grad:gather_axis1:g0:kind"] == "dense" and kinds["grad:lookup_and_dense_use:g0:kind"] == "dense"
    assert kinds["grad:partitioned_div_variables:g2:kind"] == "sparse"
    values, grads, _ = run_gradient_case("two_lookups")
    assert isinstance(grads[0], tg.IndexedSlices) and grads[0].values.op.type == "ConcatV2"


def test_lookup_in_a_partitioned_variable_updates_its_parts_sparsely():
    if not hasattr(tg, "fixed_size_partitioner"):
        pytest.skip("this tagraph has no partitioned variables")
    with tg.Graph().as_default() as g:
        w = tg.get_variable("w", [10, 3], partitioner=tg.fixed_size_partitioner(3), initializer=tg.ones_initializer())
        out = tg.nn.embedding_lookup(w, [0, 9, 4], partition_strategy="div")
        loss = tg.reduce_sum(out)
        grads = tg.gradients(loss, list(w))
        assert all(isinstance(gr, tg.IndexedSlices) for gr in grads)
        train = tg.train.AdagradOptimizer(1.0).minimize(loss)
        assert "ResourceSparseApplyAdagrad" in {op.type for op in g.get_operations()} or \
            "SparseApplyAdagrad" in {op.type for op in g.get_operations()}
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train)
            parts = sess.run(list(w))
    full = np.concatenate(parts)
    changed = sorted(set(np.nonzero(full[:, 0] != 1.0)[0]))
    assert changed == [0, 4, 9]
