"""What Keras keeps per graph in TensorFlow 1's graph mode (part of ``tg.keras.backend``).

    phase = tg.keras.backend.learning_phase()      # keras_learning_phase: a bool placeholder, False by default
    sess.run(out, {x: batch, phase: True})          # Dropout and BatchNormalization in training mode
    sess = tg.keras.backend.get_session()           # initialises the variables Keras layers made

Layer names count per graph from 0 (``dense``, ``dense_1``), an ``Input``'s from 1 (``input_1``); the count
is the one tf.layers' layer objects take theirs from, as in TensorFlow.
"""
import weakref

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import get_default_graph, get_default_session, reset_default_graph
from tagraph.engine.layers import base as _layers_base
from tagraph.engine.ops import array_ops
from tagraph.engine.runtime.session import Session
from tagraph.engine.variables import variables as _variables

__all__ = ["learning_phase", "set_learning_phase", "get_session", "set_session", "clear_session", "get_uid",
           "reset_uids", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "unique_object_name", "track_variable", "placeholder"]

_LEARNING_PHASES = weakref.WeakKeyDictionary()  # graph -> the keras_learning_phase tensor
_KERAS_VARIABLES = weakref.WeakKeyDictionary()  # graph -> variables Keras made, not yet initialised by it
_STATE = {"phase": None, "session": None, "floatx": "float32", "epsilon": 1e-7,
          "image_data_format": "channels_last"}


def get_uid(prefix=""):
    """1, 2, 3, ... per ``prefix`` in the default graph, counted with tf.layers' layer names."""
    return _layers_base.layer_name_uid(prefix)


def reset_uids():
    _layers_base.reset_layer_name_uids(get_default_graph())


def unique_object_name(name, zero_based=True):
    """``name``, ``name_1``, ... (``zero_based``) or ``name_1``, ``name_2``, ... per default graph."""
    number = get_uid(name) - (1 if zero_based else 0)
    return "%s_%d" % (name, number) if number else name


def floatx():
    return _STATE["floatx"]


def set_floatx(value):
    if value not in ("float16", "float32", "float64"):
        raise ValueError("Unknown `floatx` value: %s. Expected one of {'float16', 'float32', 'float64'}" % value)
    _STATE["floatx"] = value


def epsilon():
    return _STATE["epsilon"]


def set_epsilon(value):
    _STATE["epsilon"] = float(value)


def image_data_format():
    return _STATE["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         "Received: data_format=%s" % data_format)
    _STATE["image_data_format"] = data_format


def learning_phase():
    """The learning phase: the value ``set_learning_phase`` gave, else the default graph's bool
    ``keras_learning_phase`` (a PlaceholderWithDefault, False unless fed)."""
    if _STATE["phase"] is not None:
        return _STATE["phase"]
    graph = get_default_graph()
    phase = _LEARNING_PHASES.get(graph)
    if phase is None:
        with graph.name_scope(None):
            phase = array_ops.placeholder_with_default(False, shape=(), name="keras_learning_phase")
        _LEARNING_PHASES[graph] = phase
    return phase


def set_learning_phase(value):
    """Fixes the learning phase to 0 (inference) or 1 (training) for the layers called after."""
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _STATE["phase"] = int(value)


def global_learning_phase_is_set():
    return _STATE["phase"] is not None


def track_variable(v):
    """Records a variable a Keras layer made, for ``get_session`` to initialise."""
    _KERAS_VARIABLES.setdefault(v.graph, []).append(v)


def get_session():
    """The default session if one is entered, else Keras's own one for the default graph (``set_session``'s,
    or a new one); as Keras does, the variables Keras layers made that are not initialised yet are
    initialised in it."""
    session = get_default_session()
    if session is None:
        session = _STATE["session"]
        if session is None or session.graph is not get_default_graph() or getattr(session, "_closed", False):
            session = _STATE["session"] = Session(graph=get_default_graph())
    pending = _KERAS_VARIABLES.pop(session.graph, [])
    if pending:
        flags = session.run([v.is_initialized() for v in pending])
        todo = [v for v, done in zip(pending, flags) if not done]
        if todo:
            session.run(_variables.variables_initializer(todo))
    return session


def set_session(session):
    """Makes ``session`` the one ``get_session`` returns when no session is entered."""
    _STATE["session"] = session


def clear_session():
    """As Keras's: forgets the learning phase, the layer name counts and Keras's session, and replaces the
    global default graph with a new one (an AssertionError inside a ``with graph.as_default()`` block)."""
    reset_default_graph()
    _STATE["phase"] = None
    _STATE["session"] = None
    _layers_base.reset_layer_name_uids()
    _LEARNING_PHASES.clear()


def placeholder(shape=None, ndim=None, dtype=None, name=None):
    """A placeholder of ``shape`` (or rank ``ndim``), Keras's float type by default."""
    if shape is None and ndim is not None:
        shape = (None,) * ndim
    return array_ops.placeholder(dtypes.as_dtype(dtype or floatx()), shape=shape, name=name)
