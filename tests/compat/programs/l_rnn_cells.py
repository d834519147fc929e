# Recurrent cells: BasicRNNCell, GRUCell, LSTMCell (with projection), MultiRNNCell, DropoutWrapper at keep 1,
# dynamic_rnn with sequence lengths and static_rnn, trained a few steps.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(81)
inputs = rng.randn(3, 5, 4).astype(np.float32)
lengths = np.array([5, 2, 4], np.int32)
x = tf.placeholder(tf.float32, [None, 5, 4])
seq_len = tf.placeholder(tf.int32, [None])
init = tf.glorot_uniform_initializer(seed=12)

with tf.variable_scope("gru", initializer=init):
    gru_out, gru_state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(6), x, sequence_length=seq_len, dtype=tf.float32)
with tf.variable_scope("lstm", initializer=init):
    lstm = tf.nn.rnn_cell.LSTMCell(5, num_proj=3, use_peepholes=True, forget_bias=0.5)
    lstm_out, lstm_state = tf.nn.dynamic_rnn(lstm, x, sequence_length=seq_len, dtype=tf.float32)
with tf.variable_scope("stack", initializer=init):
    stack = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicRNNCell(4),
                                         tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(3),
                                                                       output_keep_prob=1.0)])
    stack_out, stack_state = tf.nn.static_rnn(stack, tf.unstack(x, axis=1), dtype=tf.float32)
loss = tf.reduce_mean(tf.square(gru_out)) + tf.reduce_mean(lstm_out) + tf.reduce_mean(stack_out[-1])
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {x: inputs, seq_len: lengths}
    first = sess.run([gru_out, gru_state, lstm_out, lstm_state.c, lstm_state.h, stack_out[-1]], feed)
    losses = [sess.run([train_op, loss], feed)[1] for _ in range(4)]
    results = {
        "variables": [(v.name, str(v.shape)) for v in tf.global_variables()],
        "gru_out": first[0],
        "gru_state": first[1],
        "lstm_out": first[2],
        "lstm_c": first[3],
        "lstm_h": first[4],
        "stack_last": first[5],
        "losses": np.array(losses),
        "shapes": [str(t.shape) for t in (gru_out, gru_state, lstm_out, stack_out[-1])],
    }
