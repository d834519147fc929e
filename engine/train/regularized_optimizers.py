"""TensorFlow 1's regularized optimizers, with its hyperparameters, defaults, slot names and update ops.

    tg.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01)   # slots "<var>/Ftrl" (accum), "<var>/Ftrl_1"
    tg.train.AdadeltaOptimizer(1.0, rho=0.95)         # slots "<var>/Adadelta" (accum), "<var>/Adadelta_1"
    tg.train.ProximalAdagradOptimizer(0.1, l1_regularization_strength=0.001)   # slot "<var>/ProximalAdagrad"
    tg.train.ProximalGradientDescentOptimizer(0.1, l2_regularization_strength=0.01)   # no slots
    tg.train.AdagradDAOptimizer(0.1, global_step)     # slots "<var>/AdagradDA", "<var>/AdagradDA_1"

Each updates a variable with its Apply* op (ResourceApply* for resource variables) and takes an IndexedSlices
gradient (an embedding's) through SparseApply*/ResourceSparseApply*, once its repeated rows are summed.
Ftrl with ``l2_shrinkage_regularization_strength`` > 0 uses the V2 ops; its ``beta`` joins the l2 strength as
``l2 + beta / (2 * learning_rate)``. AdagradDA reads ``global_step + 1`` at each update (pass the step that
``minimize`` increments).
"""
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops import regularized_training_ops  # noqa: F401  (registers the update kernels)
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.train.optimizer import Optimizer
from tagraph.engine.variables.init_ops import constant_initializer

__all__ = ["FtrlOptimizer", "AdadeltaOptimizer", "ProximalAdagradOptimizer", "ProximalGradientDescentOptimizer",
           "AdagradDAOptimizer"]


def _apply(op_type, inputs, use_locking, **attrs):
    return get_default_graph().create_op(op_type, inputs, dict(attrs, use_locking=use_locking), name=op_type)


def _cast(x, dtype):
    return math_ops.cast(x, dtype.base_dtype)


def _targets(var, slots, resource):
    return [v.handle if resource else v._ref() for v in [var] + slots]


class FtrlOptimizer(Optimizer):
    """FTRL-proximal (McMahan et al., 2013), with online l2 and shrinkage-type l2."""

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
                 accum_name=None, linear_name=None, l2_shrinkage_regularization_strength=0.0, beta=None):
        super().__init__(use_locking, name)
        if initial_accumulator_value < 0.0:
            raise ValueError("initial_accumulator_value %f needs to be positive or zero" % initial_accumulator_value)
        if learning_rate_power > 0.0:
            raise ValueError("learning_rate_power %f needs to be negative or zero" % learning_rate_power)
        if l1_regularization_strength < 0.0:
            raise ValueError("l1_regularization_strength %f needs to be positive or zero" % l1_regularization_strength)
        if l2_regularization_strength < 0.0:
            raise ValueError("l2_regularization_strength %f needs to be positive or zero" % l2_regularization_strength)
        if l2_shrinkage_regularization_strength < 0.0:
            raise ValueError("l2_shrinkage_regularization_strength %f needs to be positive or zero"
                             % l2_shrinkage_regularization_strength)
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._beta = 0.0 if beta is None else beta
        self._l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self._accum_name = accum_name
        self._linear_name = linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            dtype = v.dtype.base_dtype
            init = constant_initializer(self._initial_accumulator_value, dtype=dtype)
            self._get_or_make_slot_with_initializer(v, init, v.get_shape(), dtype, "accum",
                                                    self._accum_name or self._name)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _prepare(self):
        lr = self._call_if_callable(self._learning_rate)
        self._learning_rate_tensor = convert_to_tensor(lr, name="learning_rate")
        self._l1_regularization_strength_tensor = convert_to_tensor(self._l1_regularization_strength,
                                                                    name="l1_regularization_strength")
        # beta joins the l2 strength: l2 + beta / (2 * lr), the learning rate kept away from zero.
        self._adjusted_l2_regularization_strength_tensor = convert_to_tensor(
            self._l2_regularization_strength + self._beta / (2. * math_ops.maximum(lr, 1e-36)),
            name="adjusted_l2_regularization_strength")
        self._l2_shrinkage_regularization_strength_tensor = convert_to_tensor(
            self._l2_shrinkage_regularization_strength, name="l2_shrinkage_regularization_strength")
        self._learning_rate_power_tensor = convert_to_tensor(self._learning_rate_power, name="learning_rate_power")

    def _shrinking(self):
        return self._l2_shrinkage_regularization_strength > 0.0

    def _scalars(self, dtype):
        lr, l1, l2 = (_cast(t, dtype) for t in (self._learning_rate_tensor, self._l1_regularization_strength_tensor,
                                                self._adjusted_l2_regularization_strength_tensor))
        shrinkage = [_cast(self._l2_shrinkage_regularization_strength_tensor, dtype)] if self._shrinking() else []
        return [lr, l1, l2] + shrinkage + [_cast(self._learning_rate_power_tensor, dtype)]

    def _op(self, prefix):
        return prefix + ("FtrlV2" if self._shrinking() else "Ftrl")

    def _slots_of(self, var):
        return [self.get_slot(var, "accum"), self.get_slot(var, "linear")]

    def _apply_dense(self, grad, var):
        return _apply(self._op("Apply"), _targets(var, self._slots_of(var), False) + [grad] + self._scalars(var.dtype),
                      self._use_locking)

    def _resource_apply_dense(self, grad, var):
        return _apply(self._op("ResourceApply"),
                      _targets(var, self._slots_of(var), True) + [grad] + self._scalars(var.dtype), self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply(self._op("SparseApply"), _targets(var, self._slots_of(var), False) +
                      [grad.values, grad.indices] + self._scalars(var.dtype), self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply(self._op("ResourceSparseApply"), _targets(var, self._slots_of(var), True) +
                      [grad, indices] + self._scalars(grad.dtype), self._use_locking)


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler, 2012): steps scaled by the ratio of running RMS of updates and of gradients."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False, name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon
        self._lr_t = self._rho_t = self._epsilon_t = None

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = convert_to_tensor(self._call_if_callable(self._lr), name="lr")
        self._rho_t = convert_to_tensor(self._call_if_callable(self._rho), name="rho")
        self._epsilon_t = convert_to_tensor(self._call_if_callable(self._epsilon), name="epsilon")

    def _args(self, var, dtype, resource):
        slots = [self.get_slot(var, "accum"), self.get_slot(var, "accum_update")]
        return _targets(var, slots, resource) + [_cast(t, dtype) for t in (self._lr_t, self._rho_t, self._epsilon_t)]

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdadelta", self._args(var, var.dtype, False) + [grad], self._use_locking)

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyAdadelta", self._args(var, grad.dtype, True) + [grad], self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyAdadelta", self._args(var, var.dtype, False) + [grad.values, grad.indices],
                      self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply("ResourceSparseApplyAdadelta", self._args(var, grad.dtype, True) + [grad, indices],
                      self._use_locking)


class _ProximalOptimizer(Optimizer):
    """The learning rate and the l1/l2 strengths the proximal update ops take, in their order."""

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._call_if_callable(self._learning_rate),
                                                       name="learning_rate")
        self._l1_regularization_strength_tensor = convert_to_tensor(self._l1_regularization_strength,
                                                                    name="l1_regularization_strength")
        self._l2_regularization_strength_tensor = convert_to_tensor(self._l2_regularization_strength,
                                                                    name="l2_regularization_strength")

    def _scalars(self, dtype=None):
        ts = [self._learning_rate_tensor, self._l1_regularization_strength_tensor,
              self._l2_regularization_strength_tensor]
        return ts if dtype is None else [_cast(t, dtype) for t in ts]


class ProximalAdagradOptimizer(_ProximalOptimizer):
    """Adagrad's step, then the proximal (FOBOS) step of the l1 and l2 penalties."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False, name="ProximalAdagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: %s" % initial_accumulator_value)
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength

    def _create_slots(self, var_list):
        g = get_default_graph()
        for v in var_list:
            with g.colocate_with(v.op):
                val = constant(self._initial_accumulator_value, shape=v.get_shape(), dtype=v.dtype.base_dtype)
            self._get_or_make_slot(v, val, "accumulator", self._name)

    def _apply_dense(self, grad, var):
        return _apply("ApplyProximalAdagrad", _targets(var, [self.get_slot(var, "accumulator")], False) +
                      self._scalars() + [grad], self._use_locking)

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyProximalAdagrad", _targets(var, [self.get_slot(var, "accumulator")], True) +
                      self._scalars() + [grad], self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyProximalAdagrad", _targets(var, [self.get_slot(var, "accumulator")], False) +
                      self._scalars() + [grad.values, grad.indices], self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply("ResourceSparseApplyProximalAdagrad",
                      _targets(var, [self.get_slot(var, "accumulator")], True) + self._scalars(grad.dtype) +
                      [grad, indices], self._use_locking)


class ProximalGradientDescentOptimizer(_ProximalOptimizer):
    """var -= learning_rate * gradient, then the proximal (FOBOS) step of the l1 and l2 penalties."""

    def __init__(self, learning_rate, l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalGradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength

    def _apply_dense(self, grad, var):
        return _apply("ApplyProximalGradientDescent", [var._ref()] + self._scalars() + [grad], self._use_locking)

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyProximalGradientDescent", [var.handle] + self._scalars() + [grad],
                      self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyProximalGradientDescent",
                      [var._ref()] + self._scalars() + [grad.values, grad.indices], self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply("ResourceSparseApplyProximalGradientDescent",
                      [var.handle] + self._scalars(grad.dtype) + [grad, indices], self._use_locking)


class AdagradDAOptimizer(Optimizer):
    """Adagrad dual averaging (Duchi et al., 2011): the variable is recomputed from the accumulated gradient
    and its squares at each step, which needs the global step."""

    def __init__(self, learning_rate, global_step, initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="AdagradDA"):
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError("initial_gradient_squared_accumulator_value must be positive: %s"
                             % initial_gradient_squared_accumulator_value)
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_gradient_squared_accumulator_value = initial_gradient_squared_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._global_step = global_step
        self._global_step_on_worker = None

    def _create_slots(self, var_list):
        g = get_default_graph()
        for v in var_list:
            with g.colocate_with(v.op):
                g_val = constant(0.0, shape=v.get_shape(), dtype=v.dtype.base_dtype)
                gg_val = constant(self._initial_gradient_squared_accumulator_value, shape=v.get_shape(),
                                  dtype=v.dtype.base_dtype)
            self._get_or_make_slot(v, g_val, "gradient_accumulator", self._name)
            self._get_or_make_slot(v, gg_val, "gradient_squared_accumulator", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._call_if_callable(self._learning_rate),
                                                       name="learning_rate")
        # The update reads the step it makes: global_step + 1, read once for every variable.
        with get_default_graph().colocate_with(self._learning_rate_tensor.op):
            self._global_step_on_worker = array_ops.identity(self._global_step) + 1

    def _args(self, grad_and_indices, var, dtype, resource):
        slots = [self.get_slot(var, "gradient_accumulator"), self.get_slot(var, "gradient_squared_accumulator")]
        g = get_default_graph()
        with g.device(var.device):
            global_step = array_ops.identity(self._global_step_on_worker)
        return _targets(var, slots, resource) + grad_and_indices + [
            _cast(self._learning_rate_tensor, dtype), _cast(self._l1_regularization_strength, dtype),
            _cast(self._l2_regularization_strength, dtype), global_step]

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdagradDA", self._args([grad], var, var.dtype, False), self._use_locking)

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyAdagradDA", self._args([grad], var, grad.dtype, True), self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyAdagradDA", self._args([grad.values, grad.indices], var, var.dtype, False),
                      self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply("ResourceSparseApplyAdagradDA", self._args([grad, indices], var, grad.dtype, True),
                      self._use_locking)
