"""Hostile GraphDefs: unknown ops, wrong or missing attributes, dangling and out-of-range inputs, cycles,
odd node names, Consts whose shape and content disagree, and Fill / Tile / Range / BroadcastTo asked for
astronomically many elements. ``import_graph_def`` may refuse with tg.errors.* or ValueError (what
TensorFlow's import_graph_def documents); running any imported op may fail only with tg.errors.*.

Sizes asked of the kernels are either small or far beyond any machine (>= 10**12 elements), never in
between: a mid-size request (a few GiB) that no guard refuses would really be allocated. Whether Fill
refuses before allocating is checked separately (``test_fill_refuses_before_allocating``)."""

import numpy as np
import pytest
from hypothesis import event, given, strategies as st

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.framework.allocation_limits import allocation_limit
from tagraph.engine.framework.op_builder import op_defs
from tagraph.protos import attr_value_pb2, graph_pb2, node_def_pb2, tensor_pb2

from fuzz_harness import check, fuzz_settings

OPS = ["Const", "Const", "Const", "Placeholder", "PlaceholderWithDefault", "Identity", "AddV2", "Mul", "MatMul",
       "Fill", "Fill", "Reshape", "ZerosLike", "OnesLike", "Tile", "Range", "BroadcastTo", "NoOp", "Cast",
       "ConcatV2", "Pack", "Shape", "Size", "Sum", "ExpandDims", "Squeeze", "Transpose", "GatherV2", "Slice",
       "StridedSlice", "OneHot", "Pad", "RealDiv", "Select", "Where", "Unique", "Split", "Relu", "Softmax",
       "ArgMax", "TopKV2", "VariableV2", "Assign", "VarHandleOp", "ReadVariableOp", "AssignVariableOp",
       "StringJoin", "Unpack", "Pow", "FloorMod", "FloorDiv", "Cumsum", "ReverseV2", "ParseExampleV2", "Switch",
       "Merge", "RandomUniform", "BogusOp", "Conv2D", "MaxPool"]
NAMES = ["a", "b", "c", "d", "e", "f", "scope/g", "h_1", "x:0", "", "a b", "..", "A"]
DTYPES = [1, 1, 3, 3, 9, 7, 10, 2, 6, 4, 19, 0, 101, 21, 20, 300]
# Element counts asked of kernels: small, or astronomical (see the module docstring).
SIZES = st.one_of(st.integers(-2, 4), st.sampled_from([10**12, 2**40, 2**62, 2**63 - 1]))


@st.composite
def tensor_protos(draw, dtype=None):
    dt = dtype if dtype is not None else draw(st.sampled_from(DTYPES))
    p = tensor_pb2.TensorProto(dtype=dt)
    dims = draw(st.lists(SIZES.filter(lambda d: d >= -1), max_size=3))
    for d in dims:
        p.tensor_shape.dim.add(size=d)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        p.tensor_content = draw(st.binary(max_size=48))
    elif kind == 1:
        p.int_val.extend(draw(st.lists(st.one_of(st.integers(-2, 4), st.just(2**31 - 1)), max_size=4)))
        p.int64_val.extend(draw(st.lists(SIZES, max_size=4)))
    elif kind == 2:
        p.float_val.extend(draw(st.lists(_FLOATS, max_size=4)))
    else:
        p.string_val.extend(draw(st.lists(st.binary(max_size=6), max_size=3)))
        p.bool_val.extend(draw(st.lists(st.booleans(), max_size=3)))
    return p


def _scalar_attr(draw, kind):
    av = attr_value_pb2.AttrValue()
    if kind == "type":
        av.type = draw(st.sampled_from(DTYPES))
    elif kind == "int":
        av.i = draw(st.sampled_from([-1, 0, 1, 1, 2, 2, 3, 4, 2**31, 2**62]))
    elif kind == "float":
        av.f = draw(_FLOATS)
    elif kind == "bool":
        av.b = draw(st.booleans())
    elif kind == "string":
        av.s = draw(st.sampled_from([b"", b"SAME", b"VALID", b"NHWC", b"x", b"\xff"]))
    elif kind == "shape":
        if draw(st.booleans()):
            av.shape.unknown_rank = True
        for d in draw(st.lists(SIZES.filter(lambda d: d >= -1), max_size=3)):
            av.shape.dim.add(size=d)
    elif kind == "tensor":
        av.tensor.CopyFrom(draw(tensor_protos()))
    elif kind == "func":
        av.func.name = "f"
    return av


def _attr(draw, kind):
    if kind.startswith("list("):
        inner = kind[5:-1]
        av = attr_value_pb2.AttrValue()
        av.list.SetInParent()
        for _ in range(draw(st.integers(0, 3))):
            item = _scalar_attr(draw, inner)
            field = {"type": "type", "int": "i", "float": "f", "bool": "b", "string": "s", "shape": "shape",
                     "tensor": "tensor", "func": "func"}[inner]
            value = getattr(item, field)
            target = getattr(av.list, field)
            if field in ("shape", "tensor", "func"):
                target.add().CopyFrom(value)
            else:
                target.append(value)
        return av
    return _scalar_attr(draw, kind)


_KINDS = ["type", "int", "float", "bool", "string", "shape", "tensor", "list(int)", "list(type)"]


@st.composite
def random_graph_defs(draw):
    """Anything goes: ops, attributes and inputs drawn independently (almost all are refused at import)."""
    defs = op_defs()
    gd = graph_pb2.GraphDef()
    n = draw(st.integers(1, 6))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=n, max_size=n))
    for name in names:
        nd = gd.node.add(name=name, op=draw(st.sampled_from(OPS)))
        op_def = defs.get(nd.op)
        if op_def is not None:
            for a in op_def.attr:
                choice = draw(st.integers(0, 9))
                if choice == 0:
                    continue                                    # missing
                kind = a.type if choice > 1 else draw(st.sampled_from(_KINDS))  # 1: wrong type
                nd.attr[a.name].CopyFrom(_attr(draw, kind))
            expected = len(op_def.input_arg) + draw(st.integers(-1, 2))
        else:
            expected = draw(st.integers(0, 2))
        for _ in range(max(0, expected)):
            src = draw(st.sampled_from(names + ["dangling"]))
            nd.input.append(src + draw(st.sampled_from(["", "", ":1", ":2", ":-1", ":x"])))
        if draw(st.integers(0, 4)) == 0:
            nd.input.append("^" + draw(st.sampled_from(names + ["dangling"])))
    return gd


_GOOD_DTYPES = [1, 1, 3, 3, 9, 9, 7, 10, 2]
# Few, coarse floats: a tiny Range delta would ask for a mid-size (GiB) array.
_FLOATS = st.sampled_from([-2.5, -1.0, 0.0, 0.5, 1.0, 3.0, float("inf"), float("nan")])


def _small_const(draw, name, dt=None):
    nd = node_def_pb2.NodeDef(name=name, op="Const")
    dt = dt if dt is not None else draw(st.sampled_from(_GOOD_DTYPES))
    nd.attr["dtype"].type = dt
    t = nd.attr["value"].tensor
    t.dtype = dt
    n = draw(st.integers(0, 3))
    if draw(st.booleans()):
        t.tensor_shape.dim.add(size=n)
    else:
        n = 1
    # int32 values stay small: a single int32 dimension can only be mid-size (up to 2**31), never astronomical.
    if dt == 9:
        t.int64_val.extend(draw(st.lists(SIZES, min_size=n, max_size=n)))
    elif dt == 3:
        t.int_val.extend(draw(st.lists(st.integers(-2, 4), min_size=n, max_size=n)))
    elif dt in (1, 2):
        (t.float_val if dt == 1 else t.double_val).extend(draw(st.lists(_FLOATS, min_size=n, max_size=n)))
    elif dt == 7:
        t.string_val.extend(draw(st.lists(st.binary(max_size=4), min_size=n, max_size=n)))
    else:
        t.bool_val.extend(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return nd, dt


def _wanted_types(arg, op_def, nd):
    """The DataTypes (base enums) an input argument accepts here, or None for any."""
    if arg.type:
        return {arg.type % 100}
    if arg.type_attr:
        if arg.type_attr in nd.attr:
            return {nd.attr[arg.type_attr].type % 100}
        for a in op_def.attr:
            if a.name == arg.type_attr and a.HasField("allowed_values"):
                return set(a.allowed_values.list.type)
    return None


@st.composite
def plausible_graph_defs(draw):
    """Well-formed graphs (inputs wired to earlier nodes of accepted types, required attributes set), then
    zero to two hostile edits: an unknown op, a wrong or invalid attribute, a dangling or out-of-range input,
    a cycle, a duplicate name, a Const claiming a huge shape or holding content that does not fit."""
    from tagraph.engine.framework.op_builder import output_types
    defs = op_defs()
    gd = graph_pb2.GraphDef()
    made = []                                                   # (name, DataType enum of output 0)

    def source(wanted, ref):
        fits = [(n, d) for n, d in made if (wanted is None or d % 100 in wanted) and (d > 100 or not ref)]
        if fits and draw(st.integers(0, 3)):
            return draw(st.sampled_from(fits))
        good = sorted(set(_GOOD_DTYPES) & wanted) if wanted is not None else _GOOD_DTYPES
        if not good:
            return draw(st.sampled_from(made)) if made else ("dangling", 1)
        nd, dt = _small_const(draw, "k%d" % len(gd.node), draw(st.sampled_from(good)))
        gd.node.add().CopyFrom(nd)
        made.append((nd.name, dt))
        return made[-1]

    for i in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from([o for o in OPS if o != "BogusOp"]))
        op_def = defs[op]
        nd = gd.node.add(name="n%d" % i, op=op)
        if op == "Const":
            c, dt = _small_const(draw, nd.name)
            nd.CopyFrom(c)
            made.append((nd.name, dt))
            continue
        for arg in op_def.input_arg:
            count = draw(st.integers(1, 2)) if arg.number_attr else (
                draw(st.integers(0, 2)) if arg.type_list_attr else 1)
            for _ in range(count):
                name, dt = source(_wanted_types(arg, op_def, nd), arg.is_ref)
                nd.input.append(name)
                if arg.type_attr and arg.type_attr not in nd.attr:
                    nd.attr[arg.type_attr].type = dt % 100
                if arg.type_list_attr:
                    nd.attr[arg.type_list_attr].list.type.append(dt % 100)
            if arg.number_attr:
                nd.attr[arg.number_attr].i = count
            if arg.type_list_attr and not count:
                nd.attr[arg.type_list_attr].list.SetInParent()
        for a in op_def.attr:
            if a.name in nd.attr or (a.HasField("default_value") and draw(st.integers(0, 4))):
                continue
            if a.type == "type":
                allowed = list(a.allowed_values.list.type) if a.HasField("allowed_values") else _GOOD_DTYPES
                nd.attr[a.name].type = draw(st.sampled_from(allowed))
            else:
                nd.attr[a.name].CopyFrom(_attr(draw, a.type))
        outs = []
        if all(0 <= nd.attr[arg.number_attr].i <= 64 for arg in op_def.output_arg if arg.number_attr):
            try:
                outs = output_types(op_def, nd.attr)
            except Exception:  # noqa: BLE001 - an attribute the generator got wrong: no usable output
                pass
        if outs:
            made.append((nd.name, outs[0].as_datatype_enum))

    nodes = list(gd.node)
    for _ in range(draw(st.integers(0, 2))):
        nd = draw(st.sampled_from(nodes))
        edit = draw(st.integers(0, 12))
        if edit == 0:
            nd.op = "BogusOp"
        elif edit >= 9:
            continue                                             # (fewer edits: more graphs run)
        elif edit == 1 and nd.attr:
            key = draw(st.sampled_from(sorted(nd.attr)))
            nd.attr[key].CopyFrom(_attr(draw, draw(st.sampled_from(_KINDS))))
        elif edit == 2 and nd.attr:
            key = draw(st.sampled_from(sorted(nd.attr)))
            if nd.attr[key].WhichOneof("value") == "type":
                nd.attr[key].type = draw(st.sampled_from([0, 21, 101, 300, 2**31 - 1]))
        elif edit == 3:
            nd.input.append(draw(st.sampled_from(["dangling", nodes[0].name + ":7", "^dangling"])))
        elif edit == 4:
            nd.input.append(draw(st.sampled_from(nodes)).name)   # maybe a cycle, maybe a wrong arity
        elif edit == 5 and nd.input:
            nd.input[0] = nd.name                                # a self-loop
        elif edit == 6:
            nd.name = nodes[0].name                              # a duplicate name
        elif edit == 7 and nd.op == "Const":
            t = nd.attr["value"].tensor
            t.tensor_shape.dim.add(size=draw(st.sampled_from([10**12, 2**62, 0, 7])))
        elif edit == 8 and nd.op == "Const":
            nd.attr["value"].tensor.tensor_content = draw(st.binary(max_size=12))
    return gd


def graph_defs():
    return st.one_of(plausible_graph_defs(), plausible_graph_defs(), plausible_graph_defs(), random_graph_defs())


def _import(gd):
    graph = tg.Graph()
    with graph.as_default():
        tg.import_graph_def(gd, name="")
    return graph


def _run_all(graph):
    results = []
    with tg.Session(graph=graph) as sess:
        for op in list(graph.get_operations()):
            fetch = op.outputs[0] if op.outputs else op
            try:
                results.append(sess.run(fetch))
            except errors.OpError as e:
                results.append(e)
    return results


@fuzz_settings(300)
@given(graph_defs())
def test_hostile_graph_def_import_and_run(gd):
    size = gd.ByteSize()
    graph = check("GraphDef import", _import, gd, input_size=size, allowed=(errors.OpError, ValueError))
    event("import: %s" % ("ok" if isinstance(graph, tg.Graph) else type(graph).__name__))
    if not isinstance(graph, tg.Graph):
        return
    results = check("GraphDef run", _run_all, graph, input_size=size)
    if isinstance(results, list):
        event("ran: %d of %d ops without error" % (sum(not isinstance(r, Exception) for r in results),
                                                     len(results)))


def _const(name, dtype, dims, **values):
    nd = node_def_pb2.NodeDef(name=name, op="Const")
    nd.attr["dtype"].type = dtype
    t = nd.attr["value"].tensor
    t.dtype = dtype
    for d in dims:
        t.tensor_shape.dim.add(size=d)
    for k, v in values.items():
        getattr(t, k).extend(v) if k != "tensor_content" else setattr(t, k, v)
    return nd


def _graph(*nodes):
    gd = graph_pb2.GraphDef()
    gd.node.extend(nodes)
    return gd


# --- concrete hostile graphs (regression tests) -----------------------------------------------------------

def test_const_claiming_10_12_elements_fails_before_allocating():
    graph = _import(_graph(_const("c", 1, [10**6, 10**6], float_val=[1.0])))
    with allocation_limit(64 << 20), tg.Session(graph=graph) as sess:
        with pytest.raises((errors.ResourceExhaustedError, errors.InvalidArgumentError)):
            sess.run("c:0")


def test_const_with_content_that_does_not_fit_its_shape():
    graph = _import(_graph(_const("c", 1, [3], tensor_content=b"\0" * 8)))
    with tg.Session(graph=graph) as sess:
        with pytest.raises(errors.InvalidArgumentError):
            sess.run("c:0")


def _fill_graph(dims, dtype=1):
    dims_node = _const("dims", 9, [len(dims)], int64_val=dims)
    value = _const("value", dtype, [], float_val=[1.0]) if dtype == 1 else _const("value", dtype, [], int_val=[1])
    fill = node_def_pb2.NodeDef(name="fill", op="Fill", input=["dims", "value"])
    fill.attr["T"].type = dtype
    fill.attr["index_type"].type = 9
    return _graph(dims_node, value, fill)


def test_fill_of_10_12_elements_fails_with_a_documented_error():
    graph = _import(_fill_graph([10**6, 10**6]))
    with allocation_limit(64 << 20), tg.Session(graph=graph) as sess:
        with pytest.raises((errors.ResourceExhaustedError, errors.InvalidArgumentError)):
            sess.run("fill:0")


def test_fill_refuses_before_allocating():
    # 2**40 float32 elements: numpy refuses to map 4 TiB, so without a guard this is numpy's MemoryError
    # (turned into ResourceExhaustedError by the session) and with the guard it is check_allocation's refusal;
    # only the guard also refuses a request of a few GiB, which numpy would allocate.
    graph = _import(_fill_graph([2**40]))
    with allocation_limit(64 << 20), tg.Session(graph=graph) as sess:
        with pytest.raises(errors.ResourceExhaustedError, match="one allocation may take"):
            sess.run("fill:0")


def test_cycle_is_refused():
    a = node_def_pb2.NodeDef(name="a", op="Identity", input=["b"])
    a.attr["T"].type = 1
    b = node_def_pb2.NodeDef(name="b", op="Identity", input=["a"])
    b.attr["T"].type = 1
    with pytest.raises((errors.InvalidArgumentError, ValueError)):
        _import(_graph(a, b))


def test_dangling_input_is_refused():
    a = node_def_pb2.NodeDef(name="a", op="Identity", input=["nowhere"])
    a.attr["T"].type = 1
    with pytest.raises(ValueError):
        _import(_graph(a))


def test_unknown_op_is_not_found():
    with pytest.raises(errors.NotFoundError):
        _import(_graph(node_def_pb2.NodeDef(name="a", op="BogusOp")))


def test_wrong_attribute_type_is_invalid_argument():
    c = _const("c", 1, [], float_val=[1.0])
    c.attr["dtype"].Clear()
    c.attr["dtype"].i = 1
    with pytest.raises(errors.InvalidArgumentError):
        _import(_graph(c))


def test_valid_graph_still_runs():
    a = _const("a", 1, [2], float_val=[1.0, 2.0])
    add = node_def_pb2.NodeDef(name="add", op="AddV2", input=["a", "a"])
    add.attr["T"].type = 1
    graph = _import(_graph(a, add))
    with tg.Session(graph=graph) as sess:
        np.testing.assert_array_equal(sess.run("add:0"), [2.0, 4.0])


def test_split_with_an_empty_axis_tensor_is_a_value_error():
    # Found by this fuzzer: Split's shape function indexed the empty axis constant (IndexError).
    axis = _const("axis", 3, [0])
    value = _const("value", 1, [2], float_val=[1.0, 2.0])
    split = node_def_pb2.NodeDef(name="split", op="Split", input=["axis", "value"])
    split.attr["T"].type = 1
    split.attr["num_split"].i = 1
    with pytest.raises(ValueError):
        _import(_graph(axis, value, split))


def test_huge_number_attribute_is_refused_before_making_outputs():
    # Found by this fuzzer: Unpack with num=2**31 built a list of 2**31 output dtypes (16 GiB) at import.
    value = _const("value", 1, [2], float_val=[1.0, 2.0])
    unpack = node_def_pb2.NodeDef(name="u", op="Unpack", input=["value"])
    unpack.attr["T"].type = 1
    unpack.attr["num"].i = 2**31
    with pytest.raises(errors.InvalidArgumentError):
        _import(_graph(value, unpack))


def test_invalid_datatype_in_a_type_attribute_is_invalid_argument():
    # Found by this fuzzer: a type attribute holding enum 300 raised TypeError from deep inside the import.
    c = _const("c", 1, [], float_val=[1.0])
    ident = node_def_pb2.NodeDef(name="i", op="Identity", input=["c"])
    ident.attr["T"].type = 300
    with pytest.raises(errors.InvalidArgumentError):
        _import(_graph(c, ident))


def test_non_ref_tensor_into_a_ref_input_is_invalid_argument():
    # Found by this fuzzer: Assign fed a Const as its `ref` imported, then its kernel crashed (AttributeError).
    c = _const("c", 1, [], float_val=[1.0])
    assign = node_def_pb2.NodeDef(name="a", op="Assign", input=["c", "c"])
    assign.attr["T"].type = 1
    with pytest.raises(errors.InvalidArgumentError, match="float32_ref"):
        _import(_graph(c, assign))


def test_cast_of_a_resource_handle_is_a_documented_error():
    handle = node_def_pb2.NodeDef(name="h", op="VarHandleOp")
    handle.attr["dtype"].type = 1
    handle.attr["shape"].shape.unknown_rank = True
    cast = node_def_pb2.NodeDef(name="cast", op="Cast", input=["h"])
    cast.attr["SrcT"].type = 20
    cast.attr["DstT"].type = 1
    graph = _import(_graph(handle, cast))
    with tg.Session(graph=graph) as sess:
        with pytest.raises((errors.UnimplementedError, errors.InvalidArgumentError)):
            sess.run("cast:0")


def test_reference_type_in_a_type_attribute_is_invalid_argument():
    # Found by this fuzzer: a Const of dtype float_ref imported, and its ndarray reached a kernel expecting a ref.
    c = _const("c", 101, [], float_val=[1.0])
    with pytest.raises(errors.InvalidArgumentError, match="reference type"):
        _import(_graph(c))
