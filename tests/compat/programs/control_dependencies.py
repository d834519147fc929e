# Control dependencies: an update that runs before a read, tf.group, tf.tuple and no_op.
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

counter = tf.Variable(0, name="counter")
total = tf.Variable(0.0, name="total")
increment = tf.assign_add(counter, 1)
with tf.control_dependencies([increment]):
    after = tf.identity(counter)
    doubled = counter * 2

x = tf.placeholder(tf.float32, [])
add_x = tf.assign_add(total, x)
both = tf.group(add_x, increment, name="both")
with tf.control_dependencies([both]):
    done = tf.no_op(name="done")
a, b = tf.tuple([tf.constant(1.0) + x, tf.constant(2.0) * x])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run(after)
    second = sess.run(doubled)
    sess.run(done, {x: 1.5})
    sess.run(done, {x: 2.0})
    results = {
        "first": first,
        "second": second,
        "counter": sess.run(counter),
        "total": sess.run(total),
        "tuple": sess.run([a, b], {x: 3.0}),
        "both_type": both.type,
        "done_inputs": sorted(op.name for op in done.control_inputs),
    }
