# Variables: assign ops and their return values, scatter updates, initialized_value, initializers, and the
# uninitialized-variable report.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

v = tf.Variable([1.0, 2.0, 3.0], name="v")
counter = tf.Variable(0, name="counter")
table = tf.Variable(np.zeros((4, 2), np.float32), name="table")
derived = tf.Variable(v.initialized_value() * 2.0, name="derived")
late = tf.Variable(5.0, name="late")
local = tf.Variable(7, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])

assign = tf.assign(v, [4.0, 5.0, 6.0])
assign_add = v.assign_add([1.0, 1.0, 1.0])
assign_sub = tf.assign_sub(v, [0.5, 0.5, 0.5])
increment = tf.assign_add(counter, 1)
scatter_update = tf.scatter_update(table, [0, 2], [[1.0, 1.0], [2.0, 2.0]])
scatter_add = tf.scatter_add(table, [2, 2], [[1.0, 0.0], [0.0, 3.0]])
scatter_sub = tf.scatter_sub(table, [3], [[4.0, 4.0]])

with tf.Session() as sess:
    results = {"uninitialized": sess.run(tf.report_uninitialized_variables())}
    sess.run(tf.variables_initializer([v, counter, table, derived]))
    results["partly"] = sess.run(tf.report_uninitialized_variables())
    results["is_initialized"] = sess.run([tf.is_variable_initialized(v), tf.is_variable_initialized(late)])
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    results.update({
        "derived": sess.run(derived),
        "assign": sess.run(assign),
        "assign_add": sess.run(assign_add),
        "assign_sub": sess.run(assign_sub),
        "increments": [sess.run(increment) for _ in range(2)],
        "scatter_update": sess.run(scatter_update),
        "scatter_add": sess.run(scatter_add),
        "scatter_sub": sess.run(scatter_sub),
        "load": None,
        "names": [x.name for x in tf.global_variables()],
        "local_names": [x.name for x in tf.local_variables()],
        "trainable": [x.name for x in tf.trainable_variables()],
        "shapes": [x.shape.as_list() for x in tf.global_variables()],
        "dtype": [v.dtype.name, counter.dtype.name],
        "initializer_type": v.initializer.type,
    })
    late.load(11.0, sess)
    results["load"] = sess.run(late)
    try:
        sess.run(tf.assign(v, [1.0, 2.0]))
    except (tf.errors.InvalidArgumentError, ValueError) as e:
        results["bad_assign"] = type(e).__name__
