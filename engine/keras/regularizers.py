"""``tg.keras.regularizers``: L1, L2 and L1L2 weight penalties, as Keras computes them.

    dense = tg.keras.layers.Dense(4, kernel_regularizer=tg.keras.regularizers.l2(0.01))
    penalty = tg.add_n(dense.losses)      # 0.01 * sum(kernel ** 2), made under dense/kernel/Regularizer
"""
from tagraph.engine.ops import loss_ops, math_ops, reduction_ops
from tagraph.engine.ops.constant_op import constant

__all__ = ["Regularizer", "L1", "l1", "L2", "l2", "L1L2", "l1_l2", "get", "serialize"]


class Regularizer:
    """A callable ``penalty = regularizer(weight)``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``."""

    def __init__(self, l1=0.0, l2=0.0):  # noqa: E741 - Keras's argument names
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        penalty = constant(0.0, dtype=x.dtype.base_dtype)
        if self.l1:
            penalty += self.l1 * reduction_ops.reduce_sum(math_ops.abs(x))
        if self.l2:
            penalty += 2.0 * self.l2 * loss_ops.l2_loss(x)
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)``, Keras's default l1 = 0.01."""

    def __init__(self, l1=0.01, **kwargs):  # noqa: E741
        self.l1 = float(kwargs.pop("l", l1))
        if kwargs:
            raise TypeError("Unexpected keyword arguments: %s" % ", ".join(sorted(kwargs)))

    def __call__(self, x):
        return self.l1 * reduction_ops.reduce_sum(math_ops.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x ** 2)`` (as ``2 * l2 * l2_loss(x)``), Keras's default l2 = 0.01."""

    def __init__(self, l2=0.01, **kwargs):
        self.l2 = float(kwargs.pop("l", l2))
        if kwargs:
            raise TypeError("Unexpected keyword arguments: %s" % ", ".join(sorted(kwargs)))

    def __call__(self, x):
        return 2.0 * self.l2 * loss_ops.l2_loss(x)

    def get_config(self):
        return {"l2": self.l2}


l1 = L1
l2 = L2


def l1_l2(l1=0.01, l2=0.01):  # noqa: E741
    """``L1L2`` with Keras's defaults 0.01 and 0.01."""
    return L1L2(l1=l1, l2=l2)


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regularizer from its name (``"l2"``), a config dict, a regularizer or None."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return _lookup(identifier.get("class_name"))(**identifier.get("config", {}))
    if isinstance(identifier, str):
        return _lookup(identifier)()
    raise ValueError("Could not interpret regularizer identifier: %s" % (identifier,))


def _lookup(name):
    if name not in _BY_NAME:
        raise ValueError("Unknown regularizer: '%s'. Please ensure you are using a `keras.utils.custom_object_scope` "
                         "and that this object is included in the scope." % name)
    return _BY_NAME[name]


def serialize(regularizer):
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
