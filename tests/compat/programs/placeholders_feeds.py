# Placeholders with unknown dimensions, feed_dict by tensor and by name, defaults, fetch structures.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

x = tf.placeholder(tf.float32, shape=[None, 2], name="x")
scale = tf.placeholder_with_default(tf.constant(2.0), shape=[], name="scale")
y = tf.reduce_sum(x, axis=1) * scale
rows = tf.shape(x)[0]
v = tf.Variable([1.0, 2.0], name="v")
v_plus = v + 1.0
sp = tf.sparse_placeholder(tf.float32, name="sp")
sp_sum = tf.reduce_sum(sp.values)
label = tf.placeholder(tf.string, [None])
joined = tf.string_join([label, tf.constant("!")])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    data = np.arange(6, dtype=np.float32).reshape(3, 2)
    results = {
        "static_shape": x.get_shape().as_list(),
        "y_default": sess.run(y, feed_dict={x: data}),
        "y_scaled": sess.run(y, feed_dict={x: data, scale: 0.5}),
        "by_name": sess.run("x:0", feed_dict={"x:0": data[:1]}),
        "rows": sess.run(rows, {x: data}),
        "fed_variable": sess.run(v_plus, {v: [10.0, 20.0]}),
        "variable_after": sess.run(v),
        "dict_fetch": sess.run({"y": y, "rows": rows}, {x: data}),
        "tuple_fetch": sess.run((y, [rows, scale]), {x: data}),
        "sparse": sess.run(sp_sum, {sp: tf.SparseTensorValue([[0, 0], [1, 1]], [1.5, 2.5], [2, 2])}),
        "strings": sess.run(joined, {label: ["a", "bc"]}),
        "y_static": y.get_shape().as_list(),
        "dtypes": [x.dtype.name, rows.dtype.name, label.dtype.name],
    }
