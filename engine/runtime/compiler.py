"""The plan compiler: from fetches and feeds to a runnable plan, in one place for every runner.

    plan = compile_plan(session, fetch_leaves, rebuild, feed_keys)
    values = plan.run(feed_values, session_state)

It interprets the fetches and feed keys as graph elements, prunes the graph to what the fetches need,
places the ops (the session's placer; a placement holds for the session's life), and hands the pruned,
placed ops to a runner, which resolves each op's kernel, host memory and transfers through
:mod:`tagraph.engine.runtime.plan`:

- the straight-line runner (:mod:`straight_line`) for acyclic graphs: one flat list of kernel calls;
- the dataflow runner (:mod:`dataflow`) for graphs with control flow (Switch, Merge, Enter, Exit,
  NextIteration): what runs depends on values, and loops run a number of times known only while they run.
"""
from tagraph.engine.framework.graph import Operation, Tensor
from tagraph.engine.runtime.dataflow import DataflowPlan
from tagraph.engine.runtime.plan import CONTROL_FLOW_OPS, prune
from tagraph.engine.runtime.straight_line import StraightLinePlan

__all__ = ["compile_plan"]


def compile_plan(session, fetch_leaves, rebuild, feed_keys):
    """A plan for ``fetch_leaves`` (names, Tensors, Operations) given values for ``feed_keys``.

    ``rebuild`` turns the list of fetched values back into the caller's structure. A SparseTensor feed
    key stands for its three component tensors.
    """
    graph = session.graph
    fetch_elems = []
    for leaf in fetch_leaves:
        try:
            elem = graph.as_graph_element(leaf, allow_tensor=True, allow_operation=True)
        except (KeyError, ValueError, TypeError) as e:
            raise type(e)("Fetch argument %r cannot be interpreted as a Tensor. (%s)" % (leaf, e)) from None
        fetch_elems.append(elem)

    n_feed_args = len(feed_keys)
    # A SparseTensor key feeds its three components: feed i of the caller is split into these.
    sparse_feeds = None
    if any(getattr(type(k), "_tg_sparse_tensor", False) for k in feed_keys):
        sparse_feeds = [getattr(type(k), "_tg_sparse_tensor", False) for k in feed_keys]
        feed_keys = [part for k in feed_keys
                     for part in (tuple(k) if getattr(type(k), "_tg_sparse_tensor", False) else (k,))]
    feeds = []
    for k in feed_keys:
        try:
            t = graph.as_graph_element(k, allow_tensor=True, allow_operation=False)
        except (KeyError, ValueError) as e:
            raise type(e)("Cannot interpret feed_dict key as Tensor: %s" % (e,)) from None
        except TypeError as e:
            raise TypeError("Cannot interpret feed_dict key as Tensor: %s" % (e,)) from None
        feeds.append(t)

    targets = [e for e in fetch_elems if isinstance(e, Operation)]
    fetch_tensors = [e for e in fetch_elems if isinstance(e, Tensor)]
    ops = prune(fetch_tensors, targets, set(feeds))
    placement = session._placer.place(ops, session._placement, graph)
    runner = StraightLinePlan if CONTROL_FLOW_OPS.isdisjoint([op._type for op in ops]) else DataflowPlan
    return runner(session, ops, placement, feeds, fetch_elems, rebuild, sparse_feeds, n_feed_args)
