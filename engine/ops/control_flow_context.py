"""Control-flow contexts: the branch of a ``cond`` or the ``while_loop`` each op was built in, TensorFlow
1's CondContext and WhileContext.

    ctxt = while_context_of(op)                  # the loop ``op`` runs in, or None
    with entered(graph, grad_ctxt):              # ops made here run inside the loop grad_ctxt
        y = x * w                                # x and w reach it through Enters (or stacks)

``tg.cond`` and ``tg.while_loop`` (control_flow_ops.py) build their ops, rewrite them so they run in
the right place, and then record on each op the context it belongs to. The gradient of a loop
(engine/train/control_flow_state.py) needs these records: which forward loop a value comes from, the
predicate that guards a branch, the pivots an op without inputs hangs on. It also builds loops of its
own, piece by piece: the backward loop, the counter and the pushes it adds to the forward loop.

Those are built with :func:`entered`: the ops made inside the block are added to the context when the
block ends, in the order they were made, which is what TensorFlow's context does as each op is made
(``ControlFlowContext.AddOp``). An input from outside a loop reaches the op through a constant Enter
(recursively, through every loop in between); a forward loop's value used by its gradient loop through
the stack that saves its history (``grad_state.get_real_value``); an input from outside a branch
through a Switch on the branch's predicate. An op with no input from inside (a constant) gets a control
input from the context's pivot, so that it runs when, and as often as, the context does. An op already
claimed by an inner block keeps its context.

The outermost loops and conds are also kept in the graph's ``while_context`` and ``cond_context``
collections, as TensorFlow keeps them; control_flow_context_proto.py writes them to a MetaGraphDef as
TensorFlow's WhileContextDef and CondContextDef, and rebuilds them, for the ops of an imported graph, from
the ones TensorFlow writes.
"""
import contextlib

from tagraph.engine.framework.op_builder import make_op

__all__ = ["WhileContext", "CondContext", "context_of", "set_context", "current_context", "entered",
           "output_context", "while_context_of", "is_loop_exit", "is_loop_switch", "is_switch",
           "loop_constant_enter", "update_input", "outside_control_flow", "built_outside"]

SWITCH_OPS = frozenset(["Switch", "RefSwitch"])
MERGE_OPS = frozenset(["Merge", "RefMerge"])
ENTER_OPS = frozenset(["Enter", "RefEnter"])
EXIT_OPS = frozenset(["Exit", "RefExit"])
NEXT_ITERATION_OPS = frozenset(["NextIteration", "RefNextIteration"])
_IDENTITY_OPS = frozenset(["Identity", "RefIdentity"])

_ATTR = "_control_flow_context"          # on an Operation: its context (None: outside every one)
_GRAPH_ATTR = "_tg_control_flow_context"  # on a Graph: the context ops are being built in


def context_of(op):
    return getattr(op, _ATTR, None)


def set_context(op, ctxt):
    setattr(op, _ATTR, ctxt)


def _claimed(op):
    return hasattr(op, _ATTR)


_OUTSIDE_ATTR = "_tg_built_outside_control_flow"


@contextlib.contextmanager
def outside_control_flow(graph):
    """Ops made in the block run outside every cond and loop, after no control dependency (TensorFlow's
    ``init_scope``): a variable made while a loop's body or a branch is built exists once, in the outermost
    frame, and only its reads go into the loop (through Enters)."""
    start = len(graph._ops)
    outer = current_context(graph)
    set_current_context(graph, None)
    try:
        with graph.control_dependencies(None):
            yield
    finally:
        set_current_context(graph, outer)
        for op in graph._ops[start:]:
            if not _claimed(op):
                set_context(op, None)
            setattr(op, _OUTSIDE_ATTR, True)


def built_outside(op):
    """Whether ``op`` was made in an ``outside_control_flow`` block (a cond or loop being built leaves it
    alone)."""
    return getattr(op, _OUTSIDE_ATTR, False)


def current_context(graph):
    """The context the graph is building in now (inside ``entered``, a cond's branch or a loop's body)."""
    return getattr(graph, _GRAPH_ATTR, None)


def set_current_context(graph, ctxt):
    setattr(graph, _GRAPH_ATTR, ctxt)


def is_switch(op):
    return op.type in SWITCH_OPS


def is_loop_exit(op):
    return op.type in EXIT_OPS


def is_loop_switch(op):
    """A loop's Switch (on its LoopCond), as opposed to a cond's."""
    return op.type in SWITCH_OPS and op._inputs[1].op.type == "LoopCond"


def loop_constant_enter(t):
    """The constant Enter ``t`` forwards (through Switches and Identities), or None: then ``t`` is not a
    loop invariant (TensorFlow's GetLoopConstantEnter)."""
    op = t.op
    while op.type in SWITCH_OPS or op.type in _IDENTITY_OPS:
        op = op._inputs[0].op
    return op if op.type in ENTER_OPS and op.get_attr("is_constant") else None


def _op_output_context(op):
    ctxt = context_of(op)
    return ctxt.outer_context if ctxt is not None and op.type in EXIT_OPS else ctxt


def output_context(t):
    """The context tensor ``t`` is available in: a loop's Exit gives its value outside the loop, and a
    cond's Switch of an outside value gives it to the branch of each output."""
    branches = getattr(t.op, "_cond_branch_contexts", None)
    if branches is not None:
        return branches[t.value_index]
    return _op_output_context(t.op)


def while_context_of(x):
    """The innermost loop an op (or a context) is in, or None."""
    ctxt = context_of(x) if hasattr(x, "_inputs") else x
    while ctxt is not None and not ctxt.is_while:
        ctxt = ctxt.outer_context
    return ctxt


def _in_context(ctxt, target):
    """Whether ``ctxt`` is ``target`` or nested in it through conds only (values of a nested loop are not
    available outside it but through its Exits)."""
    while ctxt is not None:
        if ctxt is target:
            return True
        if ctxt.is_while:
            return False
        ctxt = ctxt.outer_context
    return False


def _op_in_context(op, target):
    ctxt = context_of(op)
    while ctxt is not None:
        if ctxt is target:
            return True
        ctxt = ctxt.outer_context
    return False


def update_input(op, index, tensor):
    """Replaces ``op``'s ``index``-th input (TensorFlow's Operation._update_input)."""
    old = op._inputs[index]
    if old is tensor:
        return
    op._inputs[index] = tensor
    try:
        old._consumers.remove(op)
    except ValueError:
        pass
    tensor._consumers.append(op)


class entered:  # noqa: N801  (used as a statement: ``with entered(g, ctxt):``)
    """A block whose new ops belong to ``ctxt`` (None: outside every context). With ``adopt`` false they
    are only marked as ``ctxt``'s, not rewritten (TensorFlow's ``_set_control_flow_context``)."""

    def __init__(self, graph, ctxt, adopt=True):
        self.graph, self.ctxt, self.adopt = graph, ctxt, adopt

    def __enter__(self):
        g = self.graph
        blocks = g.__dict__.setdefault("_tg_entered_blocks", [])
        if blocks:
            # What the enclosing block made so far is its context's before this block makes more, as if
            # each op had been added when it was made.
            blocks[-1]._flush()
        blocks.append(self)
        self._old = current_context(g)
        self._start = len(g._ops)
        set_current_context(g, self.ctxt)
        return self.ctxt

    def _flush(self):
        new = [op for op in self.graph._ops[self._start:] if not _claimed(op)]
        # All of them are the context's before any is added: an input made later (a Merge's back edge) is
        # inside too.
        for op in new:
            set_context(op, self.ctxt)
        if self.ctxt is not None and self.adopt:
            saved = current_context(self.graph)
            set_current_context(self.graph, self.ctxt)
            try:
                for op in new:
                    with self.graph.name_scope(op.name + "/"):
                        self.ctxt.add_op(op)
            finally:
                set_current_context(self.graph, saved)

    def __exit__(self, exc_type, exc, tb):
        blocks = self.graph._tg_entered_blocks
        try:
            if exc_type is None:
                self._flush()
        finally:
            blocks.remove(self)
            set_current_context(self.graph, self._old)
        return False


class _Context:
    """What both kinds share: the outer context, the tensors made known from outside, and the value
    inside of each outside tensor used here."""

    is_while = False

    def __init__(self, graph, outer_context):
        self.graph = graph
        self.outer_context = outer_context
        self._known = set()
        self._external = {}

    def add_name(self, t):
        """Makes ``t`` usable here as is (TensorFlow's AddName): the Enter a loop's gradient makes of a
        value from outside takes it directly."""
        self._known.add(t)

    def knows(self, t):
        return t in self._known or _in_context(output_context(t), self)

    def _remove_external_control_edges(self, op):
        """Drops ``op``'s control inputs from outside this context's loop; returns (kept, dropped)."""
        while_ctxt = while_context_of(self)
        if while_ctxt is None:
            return list(op._control_inputs), []
        internal, external = [], []
        for c in op._control_inputs:
            ctxt = _op_output_context(c)
            (internal if ctxt is not None and while_context_of(ctxt) is while_ctxt else external).append(c)
        for c in external:
            op._control_inputs.remove(c)
            try:
                c._control_outputs.remove(op)
            except ValueError:
                pass
        return internal, external


class CondContext(_Context):
    """One branch of a cond: its predicate, its pivot (an op that runs only when the branch is taken) and
    which branch it is (1: true)."""

    def __init__(self, graph, pred, pivot, branch, outer_context, name=None):
        super().__init__(graph, outer_context)
        self.pred = pred
        self.pivot = pivot
        self.branch = branch
        self.name = name     # TensorFlow's ``cond/cond_text`` (true) and ``cond/cond_text_1`` (false)

    def __repr__(self):
        return "<CondContext %s>" % self.name

    @property
    def grad_state(self):
        w = while_context_of(self)
        return w.grad_state if w is not None else None

    @property
    def back_prop(self):
        w = while_context_of(self)
        return w.back_prop if w is not None else False

    def control_pivot(self):
        return self.pivot

    def add_value(self, val):
        """``val`` as this branch sees it: through a Switch on the predicate when it comes from outside."""
        got = self._external.get(val)
        if got is not None:
            return got
        if self.knows(val):
            return val
        result = val
        if self.outer_context is not None:
            result = self.outer_context.add_value(val)
        with self.graph.control_dependencies(None):
            sw = self.graph.create_op("RefSwitch" if val.dtype._enum > 100 else "Switch", [result, self.pred], {},
                                      name="Switch")
        set_context(sw, self)
        got = self._external[val] = sw.outputs[self.branch]
        return got

    def add_op(self, op):
        set_context(op, self)
        if not op._inputs:
            self._remove_external_control_edges(op)
            if not any(_op_in_context(c, self) for c in op._control_inputs):
                op._add_control_input(self.pivot.op)
            return
        for i, x in enumerate(list(op._inputs)):
            if op.type in MERGE_OPS and x.op.type in NEXT_ITERATION_OPS:
                continue
            real = self.add_value(x)
            if real is not x:
                update_input(op, i, real)
        self._remove_external_control_edges(op)

    _add_op_internal = add_op


class WhileContext(_Context):
    """One while loop: its frame name, its pivots (the LoopCond output, the first Merge, the first body
    Identity), its Enters and Exits, and for a gradient loop the ``grad_state`` that built it."""

    is_while = True

    def __init__(self, graph, name, parallel_iterations=10, back_prop=True, swap_memory=False,
                 maximum_iterations=None, outer_context=None, grad_state=None):
        super().__init__(graph, outer_context)
        self.name = name
        self.parallel_iterations = parallel_iterations
        self.back_prop = back_prop
        self.swap_memory = swap_memory
        self.maximum_iterations = maximum_iterations
        self.grad_state = grad_state
        self.pivot = None
        self.pivot_for_pred = None
        self.pivot_for_body = None
        self.loop_enters = []
        self.loop_exits = []

    def __repr__(self):
        return "<WhileContext %s>" % self.name

    def control_pivot(self):
        return self.pivot_for_body if self.pivot_for_body is not None else self.pivot_for_pred

    def enter(self, t, is_constant, name="Enter"):
        """An Enter of ``t`` into this loop's frame (a RefEnter for a reference, as TensorFlow's)."""
        with self.graph.control_dependencies(None):
            op = self.graph.create_op("RefEnter" if t.dtype._enum > 100 else "Enter", [t],
                                      {"frame_name": self.name, "is_constant": is_constant,
                                       "parallel_iterations": self.parallel_iterations}, name=name)
        return op.outputs[0]

    def add_value(self, val):
        """``val`` as the loop sees it: a constant Enter of it (through every enclosing loop), or, in a
        gradient loop, for a value of its forward loop, the value popped from the stack of its history."""
        got = self._external.get(val)
        if got is not None:
            return got
        if self.knows(val):
            return val
        building = current_context(self.graph)
        building = while_context_of(building) if building is not None else None
        if building is not None and building.grad_state is not None:
            forward = while_context_of(val.op)
            if forward is not None and is_loop_exit(val.op):
                forward = while_context_of(forward.outer_context) if forward.outer_context is not None else None
            if forward is building.grad_state.forward_context:
                got = self._external[val] = building.grad_state.get_real_value(val)
                return got
        result = val
        if self.outer_context is not None:
            result = self.outer_context.add_value(val)
        enter = self.enter(result, True)
        set_context(enter.op, self)
        self._external[val] = enter
        return enter

    def add_op(self, op):
        # A Shape, Size or Rank of a forward value is computed in the forward loop, so that its history,
        # not the value's, is what the gradient loop saves.
        if op.type in ("Shape", "Size", "Rank"):
            building = while_context_of(current_context(self.graph)) if current_context(self.graph) else None
            if building is not None and building.grad_state is not None:
                src = op._inputs[0]
                if while_context_of(src.op) is building.grad_state.forward_context and not is_loop_exit(src.op):
                    forward = output_context(src)
                    forward._add_op_internal(op)
                    return
        self._add_op_internal(op)

    def _add_op_internal(self, op):
        set_context(op, self)
        if not op._inputs:
            internal, external = self._remove_external_control_edges(op)
            if not internal:
                op._add_control_input(self.control_pivot().op)
        else:
            for i, x in enumerate(list(op._inputs)):
                real = self.add_value(x)
                if real is not x:
                    update_input(op, i, real)
            _, external = self._remove_external_control_edges(op)
            # An op fed by loop invariants only would also run in the iteration that ends the loop.
            if not op._control_inputs and all(x.op.type in ENTER_OPS and x.op.get_attr("is_constant")
                                              for x in op._inputs):
                op._add_control_input(self.control_pivot().op)
        if external:
            # A control input from outside becomes a data dependency pulled in through an Identity.
            with self.graph.control_dependencies(None), entered(self.graph, self):
                ids = [make_op("Identity", [c._outputs[0]], name="Identity").op for c in external if c._outputs]
            for c in ids:
                op._add_control_input(c)
