"""Control-flow contexts to and from TensorFlow's WhileContextDef and CondContextDef (control_flow.proto): the
``while_context`` and ``cond_context`` collections of a MetaGraphDef.

    defs = [context_to_proto(c) for c in graph.get_collection("while_context")]        # export
    ctxts = contexts_from_proto(graph, defs, import_scope="imported")                  # import

TensorFlow 1 keeps each outermost ``while_loop`` and ``cond`` of a graph in those collections, nested ones
inside them (``nested_contexts``), and rebuilds them when it imports a meta graph, so that ``tf.gradients``
can go through a loop it did not build. A context's ``values_def`` names the tensors made in it (whose ops
then belong to it) and, in ``external_values``, the value inside of each outside tensor it uses (the Enter
of a loop invariant, the Switch of a value a branch reads). Import follows TensorFlow: the ops of the outer
context are claimed first and a nested context's ops are claimed again by it; a name that is not in the
graph is a KeyError, as in TensorFlow.

Export writes what TensorFlow writes, derived from the ops themselves (the context each op was built in),
so that TensorFlow's importer rebuilds a loop that tagraph built, or imported, and its ``tf.gradients``
goes through it. A cond's Switch of an outside value is listed by each branch that reads it; on import
it becomes the cond's, each output in the branch it is live in, as tagraph's ``cond`` builds it.
"""
from tagraph.engine.ops.control_flow_context import (ENTER_OPS, EXIT_OPS, SWITCH_OPS, CondContext, WhileContext,
                                                     _in_context, context_of, output_context, set_context)
from tagraph.protos import attr_value_pb2, control_flow_pb2

__all__ = ["context_to_proto", "contexts_from_proto", "export_index"]


# --- export ----------------------------------------------------------------------------------------------

class _Index:
    """Every context of a graph's ops: the ops in each, the tensor names each has seen, the contexts nested
    in each. What a context has seen is what TensorFlow's ``_values`` holds: the outputs of its ops, of
    the ops of every cond nested in it (a cond tells all its outer contexts), and the Exits of the loops
    directly in it (``ExitResult``); TensorFlow's importer and its gradient rely on that."""

    def __init__(self, graph):
        self.values = {}      # id(context) -> {tensor name seen}
        self.ops = {}         # id(context) -> [op that belongs to it]
        self.children = {}    # id(context) or None -> [context nested in it], in the order of their first op
        self._seen = set()
        for op in graph.get_operations():
            branches = getattr(op, "_cond_branch_contexts", None)
            if branches is not None:
                # A Switch shared by both branches of a cond: each output is its branch's, when read.
                for i, t in enumerate(op.outputs):
                    if t._consumers:
                        self.ops.setdefault(id(branches[i]), []).append(op)
                        self._add(branches[i], [t.name], everywhere=True)
                continue
            ctxt = context_of(op)
            if ctxt is None:
                continue
            self.ops.setdefault(id(ctxt), []).append(op)
            names = [t.name for t in op.outputs]
            self._add(ctxt, names, everywhere=not ctxt.is_while)
            if ctxt.is_while and op.type in EXIT_OPS and ctxt.outer_context is not None:
                self._add(ctxt.outer_context, names, everywhere=False)

    def _add(self, ctxt, names, everywhere):
        self._note(ctxt)
        while ctxt is not None:
            self.values.setdefault(id(ctxt), set()).update(names)
            if not everywhere:
                break
            ctxt = ctxt.outer_context

    def _note(self, ctxt):
        while ctxt is not None and id(ctxt) not in self._seen:
            self._seen.add(id(ctxt))
            outer = ctxt.outer_context
            self.children.setdefault(id(outer) if outer is not None else None, []).append(ctxt)
            ctxt = outer


def _external_values(ctxt, index):
    """{outside tensor name: its value inside ``ctxt``}, as TensorFlow's ``_external_values``: what the
    context recorded (an imported one: what TensorFlow wrote), then each Enter of a loop invariant and each
    Switch of a value a branch reads whose inside value it did not record."""
    out = {k.name: v.name for k, v in ctxt._external.items()}
    inside = set(out.values())
    derived = []
    for op in index.ops.get(id(ctxt), []):
        if ctxt.is_while:
            if op.type in ENTER_OPS and op.get_attr("is_constant"):
                derived.append((op.inputs[0].name, op.outputs[0].name))
        elif op.type in SWITCH_OPS and not _in_context(output_context(op.inputs[0]), ctxt):
            derived.append((op.inputs[0].name, op.outputs[ctxt.branch].name))
    if not ctxt.is_while:
        derived.append((ctxt.pred.name, ctxt.pred.name))
    for k, v in derived:
        if k not in out and v not in inside:
            out[k] = v
    return out


def _values_def(ctxt, index, extra=()):
    external = _external_values(ctxt, index)
    names = set(index.values.get(id(ctxt), ()))
    names.update(extra)
    names.update(external)
    vd = control_flow_pb2.ValuesDef()
    vd.values.extend(sorted(names))
    for k in sorted(external):
        vd.external_values[k] = external[k]
    return vd


def _cond_name(ctxt):
    name = getattr(ctxt, "name", None)
    if name:
        return name
    return ctxt.pivot.op.name.rpartition("/")[0] + "/cond_text" + ("" if ctxt.branch else "_1")


def _to_proto(ctxt, index):
    if ctxt.is_while:
        d = control_flow_pb2.WhileContextDef(
            context_name=ctxt.name, parallel_iterations=ctxt.parallel_iterations, back_prop=ctxt.back_prop,
            swap_memory=ctxt.swap_memory, pivot_name=ctxt.pivot.name, pivot_for_pred_name=ctxt.pivot_for_pred.name,
            pivot_for_body_name=ctxt.pivot_for_body.name)
        d.loop_exit_names.extend(t.name for t in ctxt.loop_exits)
        d.loop_enter_names.extend(t.name for t in ctxt.loop_enters)
        if ctxt.maximum_iterations is not None and hasattr(ctxt.maximum_iterations, "name"):
            d.maximum_iterations_name = ctxt.maximum_iterations.name
        d.values_def.CopyFrom(_values_def(ctxt, index))
    else:
        d = control_flow_pb2.CondContextDef(context_name=_cond_name(ctxt), pred_name=ctxt.pred.name,
                                            pivot_name=ctxt.pivot.name, branch=ctxt.branch)
        d.values_def.CopyFrom(_values_def(ctxt, index, extra=[ctxt.pivot.name]))
    for child in index.children.get(id(ctxt), []):
        nested = d.nested_contexts.add()
        (nested.while_ctxt if child.is_while else nested.cond_ctxt).CopyFrom(_to_proto(child, index))
    return d


def context_to_proto(ctxt, index=None):
    """The WhileContextDef (for a WhileContext) or CondContextDef of ``ctxt``, with its nested contexts, as
    TensorFlow's ``to_proto`` writes it."""
    return _to_proto(ctxt, index if index is not None else _Index(ctxt.graph))


def export_index(graph):
    """What :func:`context_to_proto` derives from the graph, computed once for several contexts."""
    return _Index(graph)


# --- import ----------------------------------------------------------------------------------------------

class _Importer:
    def __init__(self, graph, import_scope):
        self.graph = graph
        self.prefix = (import_scope.rstrip("/") + "/") if import_scope else ""
        self.cond_claims = {}    # Switch op -> {output index: CondContext} of the conds that list its outputs
        self.conds = []

    def element(self, kind, ctxt_name, field, name):
        try:
            return self.graph.as_graph_element(self.prefix + name)
        except KeyError as e:
            raise KeyError("%s %r names %s %r, which is not in the imported graph: %s"
                           % (kind, ctxt_name, field, self.prefix + name, e.args[0] if e.args else e)) from None

    def values(self, kind, ctxt, d):
        """Claims the ops of the values made in ``ctxt`` and records its external values."""
        vd = d.values_def
        external = dict(vd.external_values)
        for name in sorted(set(vd.values) - set(external)):
            t = self.element(kind, d.context_name, "value", name)
            op = t if not hasattr(t, "op") else t.op
            set_context(op, ctxt)
            if not ctxt.is_while and op.type in SWITCH_OPS and hasattr(t, "op"):
                self.cond_claims.setdefault(op, {})[t.value_index] = ctxt
        for key in sorted(external):
            val = self.element(kind, d.context_name, "external value", external[key])
            try:
                outside = self.graph.as_graph_element(self.prefix + key)
            except (KeyError, ValueError):
                continue  # TensorFlow keeps the key as a name only; it is never resolved
            if hasattr(outside, "op") and hasattr(val, "op"):
                ctxt._external[outside] = val

    def while_context(self, d, outer):
        kind = "while_context"
        name = self.prefix + d.context_name
        max_iter = (self.element(kind, d.context_name, "maximum_iterations_name", d.maximum_iterations_name)
                    if d.maximum_iterations_name else None)
        ctxt = WhileContext(self.graph, name, d.parallel_iterations, d.back_prop, d.swap_memory, max_iter, outer)
        ctxt.pivot = self.element(kind, d.context_name, "pivot_name", d.pivot_name)
        ctxt.pivot_for_pred = self.element(kind, d.context_name, "pivot_for_pred_name", d.pivot_for_pred_name)
        ctxt.pivot_for_body = self.element(kind, d.context_name, "pivot_for_body_name", d.pivot_for_body_name)
        ctxt.loop_exits = [self.element(kind, d.context_name, "loop_exit_names", n) for n in d.loop_exit_names]
        ctxt.loop_enters = [self.element(kind, d.context_name, "loop_enter_names", n) for n in d.loop_enter_names]
        self.values(kind, ctxt, d)
        if self.prefix:
            # The frame is the context's name, which the scope changed (two imports must not share a frame).
            frame = attr_value_pb2.AttrValue(s=name.encode())
            for op in self.graph.get_operations():
                if context_of(op) is ctxt and op.type in ENTER_OPS:
                    op._set_attr("frame_name", frame)
        self.nested(d, ctxt)
        return ctxt

    def cond_context(self, d, outer):
        kind = "cond_context"
        pred = self.element(kind, d.context_name, "pred_name", d.pred_name)
        pivot = self.element(kind, d.context_name, "pivot_name", d.pivot_name)
        if d.branch not in (0, 1):
            raise ValueError("cond_context %r has branch %d; a branch is 0 (false) or 1 (true)"
                             % (d.context_name, d.branch))
        ctxt = CondContext(self.graph, pred, pivot, d.branch, outer, name=self.prefix + d.context_name)
        self.conds.append(ctxt)
        self.values(kind, ctxt, d)
        self.nested(d, ctxt)
        return ctxt

    def nested(self, d, ctxt):
        for nd in d.nested_contexts:
            which = nd.WhichOneof("ctxt")
            if which == "while_ctxt":
                self.while_context(nd.while_ctxt, ctxt)
            elif which == "cond_ctxt":
                self.cond_context(nd.cond_ctxt, ctxt)
            else:
                raise NotImplementedError("Unknown ControlFlowContextDef field: %s" % which)

    def share_switches(self):
        """Each Switch that sends a value into a branch of a cond (on the cond's predicate) is made the
        cond's, as tagraph's cond builds it: the op in the cond's outer context, each output in the branch
        it is live in. TensorFlow gives each branch a Switch of its own and lists it in that branch only;
        its other output is live when the other branch runs, which is where the gradient's zeros for it
        must take their shape."""
        pairs = {}
        for ctxt in self.conds:
            pairs.setdefault((ctxt.pred, id(ctxt.outer_context)), {})[ctxt.branch] = ctxt
        for op, claims in self.cond_claims.items():
            ctxt = next(iter(claims.values()))
            pair = pairs.get((ctxt.pred, id(ctxt.outer_context)), {})
            if len(op.inputs) != 2 or op.inputs[1] is not ctxt.pred or len(pair) != 2:
                continue
            set_context(op, ctxt.outer_context)
            op._cond_branch_contexts = (pair[0], pair[1])


def contexts_from_proto(graph, context_defs, import_scope=None):
    """The WhileContexts and CondContexts the WhileContextDefs and CondContextDefs describe, each with its
    nested contexts, rebuilt over ``graph``'s imported ops (their names prefixed with ``import_scope``); the
    ops they name then belong to them. KeyError when one names a tensor or op not in the graph.

        ctxts = contexts_from_proto(graph, [WhileContextDef.FromString(b) for b in raw], "imported")
    """
    imp = _Importer(graph, import_scope)
    out = []
    for d in context_defs:
        if isinstance(d, control_flow_pb2.WhileContextDef):
            out.append(imp.while_context(d, None))
        elif isinstance(d, control_flow_pb2.CondContextDef):
            out.append(imp.cond_context(d, None))
        else:
            raise TypeError("contexts_from_proto takes WhileContextDefs and CondContextDefs, got %s"
                            % type(d).__name__)
    imp.share_switches()
    return out
