"""``tf.sparse``: the sparse tensor type and the sparse ops tagraph has.

Named one by one: ``tf.sparse.add``, ``concat``, ``reshape``, ... are sparse ops, not the dense ops of
the same name in ``tf``.

    sp = tf.sparse.placeholder(tf.float32)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

SparseTensor = _tg.SparseTensor
placeholder = _tg.sparse_placeholder
reorder = _tg.sparse_reorder

_namespace.install(globals(), "tf.sparse")
