"""``tf.train``: optimizers and the global step (``tagraph.engine.train``), the Saver and checkpoint
functions (``tagraph.serialization``), ``Example`` and its features, ``SaverDef``, ``ClusterDef`` and
``JobDef`` (``tagraph.protos``), and the training loop: MonitoredTrainingSession, Scaffold, the
SessionRunHooks, SessionManager, Coordinator, warm_start (``tagraph.estimator``, as in TensorFlow).

    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    saver = tf.train.Saver()
    saver.restore(sess, tf.train.latest_checkpoint("/tmp/train"))
"""
import tagraph.engine as _tg
import tagraph.estimator as _estimator
import tagraph.serialization as _serialization
from tagraph.compat import namespace as _namespace
from tagraph.protos import cluster_pb2 as _cluster_pb2
from tagraph.protos import example_pb2 as _example_pb2
from tagraph.protos import feature_pb2 as _feature_pb2
from tagraph.protos import saver_pb2 as _saver_pb2
from tagraph.serialization import checkpoint_state as _checkpoint_state

_namespace.install(globals(), "tf.train", sources=(_tg.train, _serialization, _checkpoint_state, _example_pb2,
                                                   _feature_pb2, _saver_pb2, _cluster_pb2, _estimator, _tg.summary))
