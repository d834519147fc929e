"""tagraph.engine: TensorFlow 1's graph API.

    import tagraph.engine as tg

    v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
    inc_v1 = v1.assign(v1 + 1)
    with tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        inc_v1.op.run()
"""
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.dtypes import (DType, as_dtype, float16, bfloat16, float32, float64, int8, int16, int32,
                                             int64, uint8, uint16, uint32, uint64, bool, complex64, complex128, string,
                                             resource, variant)
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape, unknown_shape
from tagraph.engine.framework.indexed_slices import IndexedSlices, IndexedSlicesValue
from tagraph.engine.framework.graph import (Graph, GraphKeys, Operation, Tensor, get_default_graph, reset_default_graph,
                                            name_scope, control_dependencies, device, colocate_with, add_to_collection,
                                            add_to_collections, get_collection, get_collection_ref, set_random_seed,
                                            convert_to_tensor, is_tensor)
from tagraph.engine.runtime.session import Session, InteractiveSession, get_default_session
from tagraph.engine.runtime import call_ops as _call_ops  # noqa: F401  (registers the function-call kernels)
from tagraph.engine.ops import list_ops as _list_ops  # noqa: F401  (registers the TensorList kernels)
from tagraph.engine.ops import collective_ops as _collective_ops  # noqa: F401  (registers the collective kernels)
from tagraph.engine.ops.logging_ops import Assert, check_numerics
from tagraph.engine.framework.function_builder import function
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import no_op, group, tuple, cond, case, while_loop
from tagraph.engine.ops.tensor_array_ops import TensorArray
from tagraph.engine.ops.functional_ops import map_fn, scan, foldl, foldr
from tagraph.engine.ops import state_ops as _state_ops  # noqa: F401  (registers the variable ops)
from tagraph.engine.ops.state_ops import assign, assign_add, assign_sub
from tagraph.engine.ops.state_ops import (scatter_update, scatter_add, scatter_sub, scatter_mul, scatter_div,
                                          scatter_min, scatter_max)
from tagraph.engine.ops.partition_ops import dynamic_partition, dynamic_stitch, parallel_dynamic_stitch
from tagraph.engine.ops.sparse_segment_ops import sparse_segment_sum, sparse_segment_mean, sparse_segment_sqrt_n
from tagraph.engine.ops.array_ops import *  # noqa: F401,F403
from tagraph.engine.ops.comparison_ops import *  # noqa: F401,F403
from tagraph.engine.ops.math_ops import *  # noqa: F401,F403
from tagraph.engine.ops.joining_ops import *  # noqa: F401,F403
from tagraph.engine.ops.indexing_ops import *  # noqa: F401,F403
from tagraph.engine.ops.nd_indexing_ops import *  # noqa: F401,F403
from tagraph.engine.ops.slicing_ops import *  # noqa: F401,F403
from tagraph.engine.ops.reduction_ops import *  # noqa: F401,F403
from tagraph.engine.ops.segment_ops import *  # noqa: F401,F403
from tagraph.engine.ops.matmul_ops import *  # noqa: F401,F403
from tagraph.engine.ops.random_ops import *  # noqa: F401,F403
from tagraph.engine.ops.script_ops import py_func, numpy_function, py_function
from tagraph.engine.ops.string_ops import *  # noqa: F401,F403
from tagraph.engine.ops.string_hash_ops import (string_to_hash_bucket, string_to_hash_bucket_fast,
                                               string_to_hash_bucket_strong)
from tagraph.engine.ops.lookup_ops import tables_initializer, initialize_all_tables
from tagraph.engine.ops import lookup
from tagraph.engine.ops.parsing_ops import *  # noqa: F401,F403
from tagraph.engine.ops.sparse_ops import *  # noqa: F401,F403
from tagraph.engine.ops.sparse_cross_ops import sparse_cross, sparse_cross_hashed
from tagraph.engine.ops.sparse_math_ops import *  # noqa: F401,F403
from tagraph.engine.ops.sparse_joining_ops import *  # noqa: F401,F403
from tagraph.engine.ops.variable_update_ops import *  # noqa: F401,F403
from tagraph.engine.ops.nn_ops import top_k
from tagraph.engine.ops.sort_ops import argsort, sort
from tagraph.engine.ops.clip_ops import *  # noqa: F401,F403
from tagraph.engine.ops import nn
from tagraph.engine.ops import image  # tg.image: resizing, colour, geometry and the JPEG/PNG codecs
from tagraph.engine.variables.variables import (Variable, VariableScope, AUTO_REUSE, get_variable, variable_scope,
                                                get_variable_scope, global_variables, all_variables, local_variables,
                                                trainable_variables, model_variables, moving_average_variables,
                                                variables_initializer,
                                                global_variables_initializer, initialize_all_variables,
                                                local_variables_initializer, report_uninitialized_variables,
                                                is_variable_initialized, enable_resource_variables,
                                                disable_resource_variables, resource_variables_enabled)
from tagraph.engine.variables.partitioned_variables import (fixed_size_partitioner, variable_axis_size_partitioner,
                                                           min_max_variable_partitioner, PartitionedVariable)
from tagraph.engine.variables.init_ops import (zeros_initializer, ones_initializer, constant_initializer,
                                               random_uniform_initializer, random_normal_initializer,
                                               truncated_normal_initializer, glorot_uniform_initializer,
                                               glorot_normal_initializer, variance_scaling_initializer)
from tagraph.engine.framework.graph_io import import_graph_def
from tagraph.engine.framework import graph_util
from tagraph.engine.framework.config import ConfigProto, GPUOptions, RunOptions, RunMetadata
from tagraph.engine.framework.op_builder import register_gradient as RegisterGradient, not_differentiable as NotDifferentiable  # noqa: N812
from tagraph.engine.framework.tensor_util import make_tensor_proto, make_ndarray
# Training: tg.gradients, tg.train, tg.losses, tg.layers, tg.metrics.
from tagraph.engine.train.gradients import gradients, AggregationMethod, UnconnectedGradients
from tagraph.engine import train, layers
from tagraph.engine.train import losses, metrics, summary
from tagraph.engine import data  # tg.data: input pipelines (TensorFlow's dataset ops)
from tagraph.engine import feature_column  # tg.feature_column: TensorFlow 1's feature columns
from tagraph.engine import keras  # tg.keras: Keras's layers and models as graph builders
# tg.nn's recurrent networks: the cells are tf.layers layers, a layer above tg.nn's ops, so they join it here.
from tagraph.engine.layers import rnn as _rnn, rnn_cell as _rnn_cell
nn.rnn_cell = _rnn_cell
for _name in _rnn.__all__:
    setattr(nn, _name, getattr(_rnn, _name))
nn.__all__ = sorted(set(nn.__all__) | {"rnn_cell"} | set(_rnn.__all__))
del _name

# Defining ops: the op builder, shape, gradient and kernel registration, and the values known while building
# that shape functions use.
from tagraph.devices.kernel_registry import has_kernel, register_kernel
from tagraph.engine.framework.common_shapes import constant_shape, constant_value
from tagraph.engine.framework.graph import register_tensor_conversion_function, register_tensor_operators
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_gradient, register_shape
