"""``tf.nn``: ``tagraph.engine.nn`` under TensorFlow 1's names.

    logits = tf.nn.bias_add(tf.matmul(x, w), b)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(64), x, dtype=tf.float32)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace
from tagraph.engine.ops import array_extra_ops as _array_extra_ops, nn_extra_ops as _nn_extra_ops
from tagraph.engine.ops import pool3d_ops as _pool3d_ops, space_to_batch_ops as _space_to_batch_ops
from tagraph.engine.ops import math_reduce_extra_ops as _math_reduce_extra_ops  # zero_fraction
from tagraph.engine.ops import math_unary_extra_ops as _math_unary_extra_ops    # softsign
from tagraph.engine.ops import ctc_ops as _ctc_ops                              # ctc_loss, ctc_greedy_decoder

rnn_cell = _namespace.new_module(__name__ + ".rnn_cell", "tf.nn.rnn_cell",
                                 "``tf.nn.rnn_cell``: LSTMCell, GRUCell, MultiRNNCell, DropoutWrapper, ...",
                                 sources=(_tg.nn.rnn_cell,))

_namespace.install(globals(), "tf.nn", sources=(_tg.nn, _nn_extra_ops, _array_extra_ops, _space_to_batch_ops,
                                                 _pool3d_ops, _math_unary_extra_ops, _math_reduce_extra_ops,
                                                 _ctc_ops))
