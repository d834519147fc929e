"""get_local_variable: get_variable for LOCAL_VARIABLES, never trainable, initialized by
local_variables_initializer, and reused through variable scopes as get_variable is."""
import numpy as np
import pytest

import tagraph.compat.v1 as tf


def test_a_local_variable_is_local_and_not_trainable():
    with tf.Graph().as_default():
        with tf.variable_scope("metrics"):
            count = tf.get_local_variable("count", [2], initializer=tf.ones_initializer(), trainable=True,
                                          collections=["mine"])
        assert count.name == "metrics/count:0"
        assert tf.local_variables() == [count] and tf.get_collection("mine") == [count]
        assert tf.global_variables() == [] and tf.trainable_variables() == []
        with tf.variable_scope("metrics", reuse=True):
            assert tf.get_local_variable("count") is count
        with tf.variable_scope("metrics"), pytest.raises(ValueError, match="already exists"):
            tf.get_local_variable("count", [2])
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            np.testing.assert_array_equal(sess.run(count), [1.0, 1.0])
