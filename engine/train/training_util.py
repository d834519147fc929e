"""The global step: an int64 scalar variable named ``global_step`` counting training steps.

    step = tg.train.get_or_create_global_step()
    train_op = tg.train.AdamOptimizer().minimize(loss, global_step=step)   # adds 1 per run
"""
import logging

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, get_default_graph
from tagraph.engine.variables.init_ops import zeros_initializer
from tagraph.engine.variables.variables import Variable, get_variable

__all__ = ["get_global_step", "get_or_create_global_step", "create_global_step", "assert_global_step", "global_step"]

logger = logging.getLogger("tagraph.train")


def assert_global_step(global_step_tensor):
    """Raises TypeError unless ``global_step_tensor`` is an integer scalar variable or tensor."""
    if not (isinstance(global_step_tensor, (Variable, Tensor))):
        raise TypeError("Existing \"global_step\" must be a Variable or Tensor: %s." % (global_step_tensor,))
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError("Existing \"global_step\" does not have integer type: %s" % global_step_tensor.dtype.name)
    shape = global_step_tensor.shape if isinstance(global_step_tensor, Variable) else global_step_tensor.get_shape()
    if shape.rank != 0 and shape.is_fully_defined():
        raise TypeError("Existing \"global_step\" is not scalar: %s" % shape)


def get_global_step(graph=None):
    """The global step variable of ``graph`` (the default graph), or None if it has none."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
        # A resource variable's name names its handle; the Variable object is what callers want.
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
            if getattr(v, "op", None) is step.op:
                step = v
                break
    else:
        logger.error("Multiple tensors in global_step collection.")
        return None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Creates the global step: int64, shape [], initialised to 0, in GLOBAL_VARIABLES and GLOBAL_STEP."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default() as g, g.name_scope(None):
        return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64, initializer=zeros_initializer(),
                            trainable=False, collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The global step of ``graph``, created first if missing."""
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = create_global_step(graph)
    return step


def global_step(sess, global_step_tensor):
    """The global step's current value as a Python int."""
    return int(sess.run(global_step_tensor))
