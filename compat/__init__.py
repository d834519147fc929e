"""tagraph.compat: TensorFlow's ``tf.compat`` namespaces over tagraph's layers.

    import tagraph.compat.v1 as tf        # a TensorFlow 1 program, with this one line changed

``v1`` is laid out as ``tf.compat.v1`` and re-exports tagraph's layers (``tagraph.engine``,
``tagraph.serialization``, ``tagraph.estimator``, ``tagraph.protos``) under TensorFlow 1's names; it
implements nothing of its own beyond thin file-system wrappers (``tf.gfile``), ``tf.logging`` on the
standard ``logging`` module and ``tf.app.flags`` on absl-py. A TensorFlow 1 name it does not have yet raises
:class:`~tagraph.compat.namespace.NotSupportedYetError` when it is looked up (see ``namespace``).
"""
__all__ = ["v1", "namespace"]
