"""``tg.nn``: TensorFlow 1's ``tf.nn`` namespace, gathered from the op families that define its functions.

    h = tg.nn.relu(tg.nn.bias_add(tg.matmul(x, w), b))
    y = tg.nn.max_pool(tg.nn.conv2d(img, k, strides=1, padding="SAME"), 2, 2, "VALID")
    loss = tg.reduce_mean(tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
"""
from tagraph.engine.ops.batch_norm_ops import batch_normalization, fused_batch_norm, moments
from tagraph.engine.ops.conv_ops import (avg_pool, avg_pool2d, conv2d, conv2d_backprop_filter, conv2d_backprop_input,
                                         conv2d_transpose, max_pool, max_pool2d)
from tagraph.engine.ops.loss_ops import (l2_loss, sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
                                         softmax_cross_entropy_with_logits_v2, sparse_softmax_cross_entropy_with_logits,
                                         weighted_cross_entropy_with_logits)
from tagraph.engine.ops.math_ops import sigmoid, tanh
from tagraph.engine.ops.nn_ops import (bias_add, dropout, elu, leaky_relu, log_softmax, relu, relu6, selu, softmax,
                                       softplus, top_k)
from tagraph.engine.ops.sort_ops import in_top_k

__all__ = ["bias_add", "relu", "relu6", "elu", "selu", "leaky_relu", "softplus", "softmax", "log_softmax", "sigmoid",
           "tanh", "dropout", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "conv2d_transpose",
           "max_pool", "avg_pool", "max_pool2d", "avg_pool2d", "batch_normalization", "fused_batch_norm", "moments",
           "l2_loss", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
           "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
           "weighted_cross_entropy_with_logits", "top_k", "in_top_k"]
