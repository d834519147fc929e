"""Nested structures as ``tf.nest`` handles them: lists, tuples, namedtuples and dicts (any Mapping, taken in
sorted-key order) are structures; everything else, strings and None included, is an atom.

    flatten({"b": [1, 2], "a": 3})                  # [3, 1, 2]
    pack_sequence_as({"b": [0, 0], "a": 0}, [3, 1, 2])  # {"b": [1, 2], "a": 3}
    map_structure(lambda x, y: x + y, (1, [2]), (10, [20]))   # (11, [22])

The errors are TensorFlow's, word for word: ValueError for a different nesting, count or key set, TypeError
for different sequence types (with ``check_types``).
"""
import collections.abc

__all__ = ["is_nested", "flatten", "pack_sequence_as", "map_structure", "assert_same_structure"]


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(seq):
    """Whether ``seq`` is a structure (list, tuple, namedtuple or Mapping) rather than an atom."""
    return isinstance(seq, (list, tuple, collections.abc.Mapping))


def _sorted_keys(mapping):
    return sorted(mapping)      # keys that do not sort raise Python's TypeError, as in TensorFlow


def _children(seq):
    if isinstance(seq, collections.abc.Mapping):
        return [seq[k] for k in _sorted_keys(seq)]
    return list(seq)


def flatten(structure, expand_composites=False):
    """The atoms of ``structure``, depth first (a Mapping's values in sorted-key order); ``[x]`` for an atom."""
    if not is_nested(structure):
        return [structure]
    return [atom for child in _children(structure) for atom in flatten(child)]


def _rebuild(like, children):
    if isinstance(like, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(like), children))
        return type(like)((k, by_key[k]) for k in like)
    if _is_namedtuple(like):
        return type(like)(*children)
    return type(like)(children)


def _pack(structure, atoms):
    if not is_nested(structure):
        return next(atoms)
    return _rebuild(structure, [_pack(child, atoms) for child in _children(structure)])


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``structure`` rebuilt with the atoms of ``flat_sequence``, in :func:`flatten`'s order."""
    if not is_nested(flat_sequence):
        raise TypeError("Attempted to pack value:\n  %s\ninto a structure, but found incompatible type `%s` instead."
                        % (flat_sequence, type(flat_sequence)))
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError("The target structure is of type `%s`\n  %s\nHowever the input is a sequence (%s) of "
                             "length %d.\n  %s\nnest cannot guarantee that it is safe to map one to the other."
                             % (type(structure), structure, type(flat_sequence), len(flat_sequence), flat_sequence))
        return flat_sequence[0]
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError("Could not pack sequence. Structure had %d atoms, but flat_sequence had %d items.  "
                         "Structure: %s, flat_sequence: %s." % (n, len(flat_sequence), structure, flat_sequence))
    return _pack(structure, iter(flat_sequence))


def _describe(x):
    return "type=%s str=%s" % (type(x).__name__, x)


def _mismatch(a, b, check_types):
    """(exception class, what differs) of the first difference between ``a`` and ``b``, or None."""
    if is_nested(a) != is_nested(b):
        seq, atom = (a, b) if is_nested(a) else (b, a)
        return ValueError, 'Substructure "%s" is a sequence, while substructure "%s" is not' % (
            _describe(seq), _describe(atom))
    if not is_nested(a):
        return None
    if len(a) != len(b):
        return ValueError, ("The two structures don't have the same number of elements. First structure: %s. "
                            "Second structure: %s" % (_describe(a), _describe(b)))
    mappings = isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping)
    same_namedtuple = (_is_namedtuple(a) and _is_namedtuple(b) and type(a).__name__ == type(b).__name__
                       and type(a)._fields == type(b)._fields)
    if check_types and type(a) is not type(b) and not mappings and not same_namedtuple:
        return TypeError, ("The two namedtuples don't have the same sequence type. First structure %s has type %s, "
                           "while second structure %s has type %s" % (_describe(a), type(a).__name__, _describe(b),
                                                                       type(b).__name__))
    if isinstance(a, collections.abc.Mapping) and set(a) != set(b):
        return ValueError, ("The two dictionaries don't have the same set of keys. First structure has keys %s, "
                            "while second structure has keys %s" % (_describe(list(a)), _describe(list(b))))
    for x, y in zip(_children(a), _children(b)):
        found = _mismatch(x, y, check_types)
        if found:
            return found
    return None


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ValueError (or TypeError, for different sequence types with ``check_types``) unless ``nest1``
    and ``nest2`` nest alike."""
    found = _mismatch(nest1, nest2, check_types)
    if found is None:
        return
    error, detail = found
    shape1 = map_structure(lambda _: ".", nest1) if is_nested(nest1) else "."
    shape2 = map_structure(lambda _: ".", nest2) if is_nested(nest2) else "."
    raise error("The two structures don't have the same nested structure.\n\nFirst structure: %s\n\nSecond "
                "structure: %s\n\nMore specifically: %s\nEntire first structure:\n%s\nEntire second structure:\n%s"
                % (_describe(nest1), _describe(nest2), detail, _entire(shape1), _entire(shape2)))


def _entire(shape):
    return str(shape).replace("'.'", ".")


def map_structure(func, *structure, **kwargs):
    """``func`` applied to the atoms at each position of the ``structure``s (which must nest alike), in the
    first one's structure. ``check_types`` (default True) as in :func:`assert_same_structure`."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError("Only valid keyword arguments are `check_types` and `expand_composites`, not: `%s`"
                         % ("`, `".join(kwargs)))
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flat = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*atoms) for atoms in zip(*flat)])
