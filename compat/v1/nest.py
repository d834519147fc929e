"""``tf.nest``: nested structures (lists, tuples, namedtuples, dicts) flattened, packed and mapped, from
``tg.nest``.

    tf.nest.map_structure(lambda x: x * 2, {"a": [1, 2], "b": 3})     # {"a": [2, 4], "b": 6}
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.nest", sources=(_tg.nest,))
