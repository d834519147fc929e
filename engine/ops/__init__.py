"""The op families: for each op, its kernels (written once against ``ctx.xp``), shape function, gradient
and Python constructor, registered together in the family's module.

The families import each other in one direction only, lowest first:

    op_util                      what every family shares (naming, messages, folding, kernel helpers)
    constant_op                  Const
    array_ops                    placeholders, identities, fill/zeros/ones, shapes, reshape, transpose, broadcast
    comparison_ops               comparisons and logic
    math_ops                     elementwise arithmetic and functions, casts, selects, AddN, Range
    joining_ops                  stack/unstack, concat/split, tile, pad, reverse
    indexing_ops                 gather, boolean_mask, Where, one_hot, unique(_with_counts), reverse_sequence,
                                 setdiff1d
    nd_indexing_ops              gather_nd, scatter_nd, tensor_scatter_nd_update/add/sub
    slicing_ops                  Slice, StridedSlice, Tensor's ``[]``
    reduction_ops                reductions, arg max/min, cumulative sums and products
    segment_ops                  segment_* and unsorted_segment_* reductions
    matmul_ops                   MatMul, BatchMatMulV2, Tensor's ``@``, Einsum, tensordot
    philox (TensorFlow's Philox4x32-10 and distributions; philox_kernels: their libm loops, in Numba),
    random_ops, script_ops (py_func, numpy_function, py_function),
    string_hash_ops (StringToHashBucket*; fingerprint64_numba), regex_ops, string_split_ops,
    unicode_ops, string_format_ops, string_ops (the ``tg.strings`` namespace over them all), state_ops,
    training_ops, parsing_ops,
    summary_ops (scalar, histogram, text, tensor, image and audio summaries, MergeSummary)
    tensor_array_ops             TensorArrayV3 and its ops (host kernels), TensorFlow 1's TensorArray object
    stack_ops                    StackV2 and its push, pop and close (host kernels), for loop gradients
    control_flow_context         the cond branch or while loop each op belongs to (CondContext, WhileContext)
    control_flow_context_proto   those contexts as TensorFlow's WhileContextDef / CondContextDef (meta graphs)
    control_flow_ops             cond, case, while_loop (TensorArrays ride loops as their flow)
    functional_ops               map_fn, scan, foldl, foldr (while_loop over TensorArrays)
    lookup_tables, lookup_ops    lookup tables (hash, mutable, dense) and their ops
    lookup                       the ``tg.lookup`` namespace: StaticHashTable, StaticVocabularyTable, initializers,
                                 index_table_from_file, ...
    top_k_host                   TopKV2's host kernel (Numba): one-pass selection, radix sort
    nn_ops, conv_ops, depthwise_conv_ops, conv3d_ops, batch_norm_ops, loss_ops
    sort_ops                     sort, argsort (on TopKV2), InTopKV2
    clip_ops                     clip_by_value, ClipByValue, clip_by_norm, global_norm, clip_by_global_norm
    linalg_ops                   Qr, DiagPart, Diag, MatrixBandPart, MatrixTriangularSolve, matrix_transpose
    partition_ops                dynamic_partition, dynamic_stitch, parallel_dynamic_stitch
    sparse_segment_ops           sparse_segment_sum/mean/sqrt_n and their gradient ops
    sparse_ops                   SparseReshape, SparseFillEmptyRows, SparseToDense, SparseSlice; sparse_retain,
                                 sparse_merge
    sparse_cross_ops, bucketize_ops   SparseCross (FingerprintCat64 hashes), SparseCrossV2, SparseCrossHashed; Bucketize
    sparse_math_ops              SparseTensorDenseMatMul, SparseReduceSum/Max(Sparse), SparseAdd, SparseTensorDenseAdd,
                                 SparseDenseCwise*, SparseSoftmax, SparseSparseMaximum/Minimum
    sparse_joining_ops           SparseConcat, SparseSplit; sparse_transpose, sparse_mask
    variable_update_ops          ScatterNdUpdate/Add/Sub (and Resource*) on variables, CountUpTo
    embedding_ops                embedding_lookup, embedding_lookup_sparse (gradients: IndexedSlices),
                                 safe_embedding_lookup_sparse
    image_ops, color_ops         resizing (ResizeBilinear, ...) and colour-space ops, with their gradients
    crop_and_resize_ops, nms_ops CropAndResize (with its gradients), NonMaxSuppression(V2, V3)
    image_codec_ops              JPEG, PNG, GIF and BMP decoding, JPEG and PNG encoding
    image_checks, image_adjust_ops, image_layout_ops
                                 tf.image's Python functions (pixel adjustments, geometry, resize_images)
    image                        the ``tg.image`` namespace
    nn                           the ``tg.nn`` namespace
    nccl_ops                     NcclAllReduce and all_sum, all_prod, all_min, all_max: collectives across GPUs
    collective_ops               CollectiveReduceV2, CollectiveGatherV2, CollectiveBcastSend/RecvV2: collectives
                                 across processes, through the communicator tagraph.distribute.init() sets

A gradient that needs an op of a family above its own builds that op by type (``op_util.reduction``,
``op_util.gen1``), as TensorFlow's modules call the generated op wrappers.
"""
