"""TensorFlow 1's ExponentialMovingAverage: shadow variables that track the moving averages of variables,
named as TensorFlow names them (``<variable>/ExponentialMovingAverage``), so that checkpoints carry the same
names and ``variables_to_restore()`` restores averaged weights into the model in either engine.

    ema = tg.train.ExponentialMovingAverage(0.999, num_updates=step)
    with tg.control_dependencies([train_op]):
        train_op = ema.apply(tg.trainable_variables())
    ...
    # At evaluation, load the averages into the variables themselves (TensorFlow 1's guide's pattern):
    saver = Saver(ema.variables_to_restore())
    saver.restore(sess, path)
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.control_flow_ops import group
from tagraph.engine.train.optimizer import create_slot, create_zeros_slot
from tagraph.engine.variables.variables import Variable, global_variables, trainable_variables

__all__ = ["ExponentialMovingAverage", "assign_moving_average"]

_FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """``variable -= (variable - value) * (1 - decay)``; returns the variable's new value.

    Only the plain update is built: TensorFlow's zero-debiased form (``zero_debias=True``) needs its extra
    ``biased`` and ``local_step`` variables, which tagraph does not create yet, so it is refused.
    """
    if zero_debias:
        raise NotImplementedError("assign_moving_average(zero_debias=True) is not supported yet; "
                                  "pass zero_debias=False")
    g = get_default_graph()
    with g.name_scope(name or "AssignMovingAvg") as scope:
        decay = convert_to_tensor(1.0 - decay, name="decay")
        if decay.dtype.base_dtype != variable.dtype.base_dtype:
            decay = math_ops.cast(decay, variable.dtype.base_dtype)
        return variable.assign_sub((variable.value() - value) * decay, name=scope)


class ExponentialMovingAverage:
    """Maintains moving averages of variables: ``shadow = decay * shadow + (1 - decay) * variable`` per
    ``apply()`` run, ``decay`` capped by ``(1 + num_updates) / (10 + num_updates)`` when ``num_updates`` is
    given (faster moving averages early in training).

        ema = tg.train.ExponentialMovingAverage(0.99)
        update = ema.apply([w, b])        # creates "w/ExponentialMovingAverage", "b/ExponentialMovingAverage"
        ema.average(w)                    # the shadow variable
    """

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}

    @property
    def name(self):
        return self._name

    def apply(self, var_list=None):
        """Creates the shadow variables of ``var_list`` (default: the trainable variables) on first sight and
        returns an op that updates every one of them."""
        var_list = trainable_variables() if var_list is None else list(var_list)
        g = get_default_graph()
        for var in var_list:
            if var.dtype.base_dtype not in _FLOATS:
                raise TypeError("The variables must be half, float, or double: %s" % var.name)
            if var in self._averages:
                continue
            if isinstance(var, Variable):
                # TensorFlow starts the shadow at the variable's initialized value; the initial-value
                # tensor gives the same value when both initializers run in one session.run, as
                # global_variables_initializer runs them.
                avg = create_slot(var, var.initial_value, self._name, colocate_with_primary=True)
                g.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
            else:
                if self._zero_debias:
                    raise NotImplementedError("ExponentialMovingAverage(zero_debias=True) of tensors is not "
                                              "supported yet")
                avg = create_zeros_slot(var, self._name, colocate_with_primary=True)
            self._averages[var] = avg
        with g.name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, name="decay")
            if self._num_updates is not None:
                num_updates = self._cast_num_updates()
                decay = math_ops.minimum(decay, (1.0 + num_updates) / (10.0 + num_updates))
            updates = [assign_moving_average(self._averages[var], var, decay, zero_debias=False)
                       for var in var_list]
            return group(*updates, name=scope)

    def _cast_num_updates(self):
        # TensorFlow reads a variable num_updates inside the cast's own scope ("num_updates/ReadVariableOp").
        g = get_default_graph()
        with g.name_scope("num_updates") as scope:
            n = convert_to_tensor(self._num_updates, name="x")
            if n.dtype.base_dtype == dtypes.float32:
                return n
            return make_op("Cast", [n], {"DstT": dtypes.float32, "Truncate": False}, name=scope)

    def average(self, var):
        """The shadow variable of ``var``, or None before ``apply`` saw it."""
        return self._averages.get(var)

    def average_name(self, var):
        """The name the shadow variable of ``var`` has (or will have): ``<var op name>/<name>``."""
        if var in self._averages:
            return self._averages[var].op.name
        return var.op.name + "/" + self._name

    def variables_to_restore(self, moving_avg_variables=None):
        """A Saver's ``var_list`` mapping each averaged variable's shadow name to the variable itself (so
        restoring loads the averages into the model), and every other global variable to its own name."""
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + get_default_graph().get_collection(
                GraphKeys.MOVING_AVERAGE_VARIABLES)
        averaged = list(dict.fromkeys(moving_avg_variables))
        name_map = {self.average_name(v): v for v in averaged}
        ids = {id(v) for v in averaged}
        for v in global_variables():
            if id(v) not in ids and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map
