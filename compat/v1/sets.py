"""``tf.sets``: set operations over the last dimension of tensors and SparseTensors, from tagraph.engine's
set ops (SetSize and the Dense/SparseToSparseSetOperation ops).

    tf.sets.intersection([[1, 2, 3]], [[3, 2, 7]])     # SparseTensor with values [2, 3]
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

intersection = set_intersection = _tg.set_intersection
union = set_union = _tg.set_union
difference = set_difference = _tg.set_difference
size = set_size = _tg.set_size

_namespace.install(globals(), "tf.sets")
