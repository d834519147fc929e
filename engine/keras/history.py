"""Which Keras layer call made a tensor: recorded for the tensors that come from ``tg.keras.Input`` through
Keras layers, so that ``tg.keras.Model(inputs, outputs)`` can find and replay the calls between them."""
import weakref

__all__ = ["keras_history", "set_keras_history"]

_HISTORY = weakref.WeakKeyDictionary()      # tensor -> (layer, node index, tensor index)


def keras_history(tensor):
    """``(layer, node index, tensor index)`` of a tensor a Keras layer made from ``Input`` tensors, else None."""
    try:
        return _HISTORY.get(tensor)
    except TypeError:
        return None


def set_keras_history(tensor, layer, node_index, tensor_index):
    _HISTORY[tensor] = (layer, node_index, tensor_index)
