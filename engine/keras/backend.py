"""``tg.keras.backend``: Keras's backend as TensorFlow 1's graph mode runs it.

    phase = tg.keras.backend.learning_phase()      # keras_learning_phase: a bool placeholder, False by default
    sess = tg.keras.backend.get_session()          # initialises the variables Keras layers made
    K = tg.keras.backend
    f = K.function([x], [K.mean(K.square(y), axis=-1)])
    f([batch])                                     # [array(...)], run in get_session()

backend_state  the per-graph state: layer name counts, the learning phase, Keras's session, floatx
backend_math   the functions over tensors Keras's backend offers (mean, dot, switch, function, ...)
"""
from tagraph.engine.keras import backend_math as _math
from tagraph.engine.keras import backend_state as _state
from tagraph.engine.keras.backend_math import *  # noqa: F401,F403
from tagraph.engine.keras.backend_state import *  # noqa: F401,F403
from tagraph.engine.keras.backend_state import global_learning_phase_is_set  # noqa: F401

__all__ = sorted(set(_state.__all__) | set(_math.__all__))
