"""Records what ``tf.nest`` gives, for tests/engine/framework/test_nest.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/compat/record_nest.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes ``nest.json``: per case, the repr of the result or the error class and message. The cases are defined
here, once, as functions of a nest module (``tf.nest`` or tagraph's); importing this file needs nothing.
"""
import collections
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

Point = collections.namedtuple("Point", "x y")
Other = collections.namedtuple("Other", "x y")
ORDERED = collections.OrderedDict([("b", 1), ("a", [2, 3])])

CASES = {
    "flatten_nested": lambda n: n.flatten([1, (2, [3, {"z": 4, "a": 5}]), Point(6, (7,))]),
    "flatten_atoms": lambda n: [n.flatten(None), n.flatten("ab"), n.flatten(3), n.flatten([]), n.flatten({})],
    "flatten_ordered_dict": lambda n: n.flatten(ORDERED),
    "flatten_int_keys": lambda n: n.flatten({1: "x", 0: "y", 2: ["z"]}),
    "flatten_unsortable_keys": lambda n: n.flatten({1: "x", "a": "y"}),
    "pack_dict_keeps_key_order": lambda n: n.pack_sequence_as({"b": 0, "a": [0, 0]}, [10, 20, 30]),
    "pack_ordered_dict": lambda n: n.pack_sequence_as(ORDERED, ["a0", "a1", "b"]),
    "pack_namedtuple": lambda n: n.pack_sequence_as(Point(1, [2, (3,)]), [7, 8, 9]),
    "pack_atom": lambda n: n.pack_sequence_as(1, [5]),
    "pack_atom_many": lambda n: n.pack_sequence_as(1, [1, 2]),
    "pack_not_a_sequence": lambda n: n.pack_sequence_as([1], 5),
    "pack_count": lambda n: n.pack_sequence_as([1, 2], [1]),
    "map_two": lambda n: n.map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)]),
    "map_dict": lambda n: n.map_structure(lambda x: x * 2, {"a": (1, 2), "b": [3]}),
    "map_none": lambda n: n.map_structure(lambda x: x, None),
    "map_nothing": lambda n: n.map_structure(lambda x: x),
    "map_count": lambda n: n.map_structure(lambda a, b: a, [1], [1, 2]),
    "map_types_off": lambda n: n.map_structure(lambda a, b: a + b, [1, 2], (3, 4), check_types=False),
    "same_nesting": lambda n: n.assert_same_structure([1, 2], [1, (2,)]),
    "same_count": lambda n: n.assert_same_structure([1], [1, 2]),
    "same_types": lambda n: n.assert_same_structure([1, 2], (1, 2)),
    "same_types_off": lambda n: n.assert_same_structure([1, 2], (1, 2), check_types=False),
    "same_keys": lambda n: n.assert_same_structure({"a": 1}, {"b": 1}),
    "same_deep": lambda n: n.assert_same_structure({"a": 1, "b": [2]}, {"a": 1, "b": [2, 3]}),
    "same_dict_kinds": lambda n: n.assert_same_structure({"b": 1, "a": 2}, ORDERED.__class__([("a", 0), ("b", 0)])),
    "same_namedtuple_lookalike": lambda n: n.assert_same_structure(Point(1, 2), Other(1, 2)),
    "same_namedtuple_vs_tuple": lambda n: n.assert_same_structure(Point(1, 2), (1, 2)),
    "same_atoms": lambda n: n.assert_same_structure("a", 3),
    "is_nested": lambda n: [n.is_nested(x) for x in ([1], (), {}, Point(1, 2), "a", None, 3, ORDERED)],
}


def run_case(nest, name):
    try:
        return {"result": repr(CASES[name](nest))}
    except Exception as e:  # noqa: BLE001 - the class and message are what is recorded
        return {"error": [type(e).__name__, str(e)]}


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    out = {name: run_case(tf.nest, name) for name in CASES}
    with open(os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "nest.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
