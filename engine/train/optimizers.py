"""TensorFlow 1's optimizers, with its hyperparameters, defaults, slot names and update ops.

    tg.train.GradientDescentOptimizer(0.1)
    tg.train.MomentumOptimizer(0.1, momentum=0.9, use_nesterov=True)     # slot "<var>/Momentum"
    tg.train.AdamOptimizer(1e-3)            # slots "<var>/Adam", "<var>/Adam_1"; beta1_power, beta2_power
    tg.train.AdagradOptimizer(0.1)          # slot "<var>/Adagrad", initial_accumulator_value=0.1
    tg.train.RMSPropOptimizer(1e-3)         # slots "<var>/RMSProp" (rms, starts at 1), "<var>/RMSProp_1" (momentum)

Each has TensorFlow 1's sparse update too, taken for an IndexedSlices gradient (an embedding's): the
SparseApply*/ResourceSparseApply* op of its rule on the rows named; GradientDescent subtracts the scaled
rows with ScatterSub (ResourceScatterAdd of their negation); Adam, as TensorFlow 1's, decays all of m and v
and scatter-adds the new rows' terms, then updates all of the variable.
"""
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.ops import math_ops, state_ops
from tagraph.engine.ops import training_ops  # noqa: F401  (registers the Apply*/ResourceApply* kernels)
from tagraph.engine.ops.control_flow_ops import group
from tagraph.engine.train.optimizer import Optimizer
from tagraph.engine.variables.init_ops import constant_initializer, ones_initializer

__all__ = ["GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer", "AdagradOptimizer", "RMSPropOptimizer"]


def _cast(x, dtype):
    return math_ops.cast(x, dtype.base_dtype)


def _apply(op_type, inputs, attrs):
    g = get_default_graph()
    op = g.create_op(op_type, inputs, attrs, name=op_type)
    return op


def _resource(var):
    return var.handle


def _ref(var):
    return var._ref()


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._call_if_callable(self._learning_rate),
                                                       name="learning_rate")

    def _apply_dense(self, grad, var):
        return _apply("ApplyGradientDescent", [_ref(var), _cast(self._learning_rate_tensor, var.dtype), grad],
                      {"use_locking": self._use_locking})

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyGradientDescent",
                      [_resource(var), _cast(self._learning_rate_tensor, grad.dtype), grad],
                      {"use_locking": self._use_locking})

    # Repeated rows add up in a scatter: no summing of duplicates first.
    def _resource_apply_sparse_duplicate_indices(self, grad, var, indices):
        delta = -grad * _cast(self._learning_rate_tensor, grad.dtype)
        return _apply("ResourceScatterAdd", [_resource(var), indices, delta], {})

    def _apply_sparse_duplicate_indices(self, grad, var):
        delta = grad.values * _cast(self._learning_rate_tensor, var.dtype)
        return state_ops.scatter_sub(var, grad.indices, delta, use_locking=self._use_locking)


class MomentumOptimizer(Optimizer):
    """accum = accum * momentum + gradient; var -= learning_rate * accum (or Nesterov's form)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._call_if_callable(self._learning_rate),
                                                       name="learning_rate")
        self._momentum_tensor = convert_to_tensor(self._call_if_callable(self._momentum), name="momentum")

    def _args(self, grad, var, kind):
        mom = self.get_slot(var, "momentum")
        dt = var.dtype if kind is _ref else grad.dtype
        return [kind(var), kind(mom), _cast(self._learning_rate_tensor, dt), grad, _cast(self._momentum_tensor, dt)]

    def _attrs(self):
        return {"use_locking": self._use_locking, "use_nesterov": self._use_nesterov}

    def _apply_dense(self, grad, var):
        return _apply("ApplyMomentum", self._args(grad, var, _ref), self._attrs())

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyMomentum", self._args(grad, var, _resource), self._attrs())

    def _sparse_args(self, values, indices, var, kind):
        var_t, mom_t, lr, _, momentum = self._args(values, var, kind)
        return [var_t, mom_t, lr, values, indices, momentum]

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyMomentum", self._sparse_args(grad.values, grad.indices, var, _ref), self._attrs())

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply("ResourceSparseApplyMomentum", self._sparse_args(grad, indices, var, _resource), self._attrs())


class AdamOptimizer(Optimizer):
    """Adam (Kingma and Ba), with TensorFlow 1's epsilon placement ("epsilon hat")."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon
        self._lr_t = self._beta1_t = self._beta2_t = self._epsilon_t = None

    def _get_beta_accumulators(self):
        g = get_default_graph()
        return self._get_non_slot_variable("beta1_power", graph=g), self._get_non_slot_variable("beta2_power", graph=g)

    def _create_slots(self, var_list):
        # The beta accumulators sit with the first variable by name, so that every worker agrees.
        first_var = min(var_list, key=lambda x: x.name)
        self._create_non_slot_variable(initial_value=self._beta1, name="beta1_power", colocate_with=first_var)
        self._create_non_slot_variable(initial_value=self._beta2, name="beta2_power", colocate_with=first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = convert_to_tensor(self._call_if_callable(self._lr), name="learning_rate")
        self._beta1_t = convert_to_tensor(self._call_if_callable(self._beta1), name="beta1")
        self._beta2_t = convert_to_tensor(self._call_if_callable(self._beta2), name="beta2")
        self._epsilon_t = convert_to_tensor(self._call_if_callable(self._epsilon), name="epsilon")

    def _args(self, grad, var, kind):
        m = self.get_slot(var, "m")
        v = self.get_slot(var, "v")
        beta1_power, beta2_power = self._get_beta_accumulators()
        dt = var.dtype if kind is _ref else grad.dtype
        return [kind(var), kind(m), kind(v), _cast(beta1_power, dt), _cast(beta2_power, dt), _cast(self._lr_t, dt),
                _cast(self._beta1_t, dt), _cast(self._beta2_t, dt), _cast(self._epsilon_t, dt), grad]

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdam", self._args(grad, var, _ref), {"use_locking": self._use_locking})

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyAdam", self._args(grad, var, _resource), {"use_locking": self._use_locking})

    def _apply_sparse_shared(self, grad, var, indices, scatter_add):
        dt = var.dtype.base_dtype
        beta1_power, beta2_power = (_cast(b, dt) for b in self._get_beta_accumulators())
        lr_t, beta1_t, beta2_t, epsilon_t = (_cast(t, dt) for t in (self._lr_t, self._beta1_t, self._beta2_t,
                                                                    self._epsilon_t))
        g = get_default_graph()
        lr = (lr_t * math_ops.sqrt(1 - beta2_power) / (1 - beta1_power))
        # m_t = beta1 * m + (1 - beta1) * g_t: all of m decays, the gradient's rows are added.
        m = self.get_slot(var, "m")
        m_scaled_g_values = grad * (1 - beta1_t)
        m_t = state_ops.assign(m, m * beta1_t, use_locking=self._use_locking)
        with g.control_dependencies([m_t]):
            m_t = scatter_add(m, indices, m_scaled_g_values)
        # v_t = beta2 * v + (1 - beta2) * (g_t * g_t)
        v = self.get_slot(var, "v")
        v_scaled_g_values = (grad * grad) * (1 - beta2_t)
        v_t = state_ops.assign(v, v * beta2_t, use_locking=self._use_locking)
        with g.control_dependencies([v_t]):
            v_t = scatter_add(v, indices, v_scaled_g_values)
        v_sqrt = math_ops.sqrt(v_t)
        var_update = state_ops.assign_sub(var, lr * m_t / (v_sqrt + epsilon_t), use_locking=self._use_locking)
        return group(*[var_update, m_t, v_t])

    def _apply_sparse(self, grad, var):
        return self._apply_sparse_shared(
            grad.values, var, grad.indices,
            lambda x, i, v: state_ops.scatter_add(x, i, v, use_locking=self._use_locking))

    def _resource_scatter_add(self, x, i, v):
        g = get_default_graph()
        with g.control_dependencies([_apply("ResourceScatterAdd", [_resource(x), i, v], {})]):
            return x.value()

    def _resource_apply_sparse(self, grad, var, indices):
        return self._apply_sparse_shared(grad, var, indices, self._resource_scatter_add)

    def _finish(self, update_ops, name_scope):
        g = get_default_graph()
        with g.control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            with g.colocate_with(beta1_power.op):
                update_beta1 = beta1_power.assign(beta1_power * self._beta1_t, use_locking=self._use_locking,
                                                  read_value=False)
                update_beta2 = beta2_power.assign(beta2_power * self._beta2_t, use_locking=self._use_locking,
                                                  read_value=False)
        return group(*(list(update_ops) + [update_beta1, update_beta2]), name=name_scope)


class AdagradOptimizer(Optimizer):
    """accum += gradient^2; var -= learning_rate * gradient / sqrt(accum)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: %s" % initial_accumulator_value)
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            dtype = v.dtype.base_dtype
            init = constant_initializer(self._initial_accumulator_value, dtype=dtype)
            self._get_or_make_slot_with_initializer(v, init, v.get_shape(), dtype, "accumulator", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._call_if_callable(self._learning_rate),
                                                       name="learning_rate")

    def _args(self, grad, var, kind):
        acc = self.get_slot(var, "accumulator")
        dt = var.dtype if kind is _ref else grad.dtype
        return [kind(var), kind(acc), _cast(self._learning_rate_tensor, dt), grad]

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdagrad", self._args(grad, var, _ref), {"use_locking": self._use_locking})

    def _resource_apply_dense(self, grad, var):
        return _apply("ResourceApplyAdagrad", self._args(grad, var, _resource), {"use_locking": self._use_locking})

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyAdagrad", self._args(grad.values, var, _ref) + [grad.indices],
                      {"use_locking": self._use_locking})

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply("ResourceSparseApplyAdagrad", self._args(grad, var, _resource) + [indices],
                      {"use_locking": self._use_locking})


class RMSPropOptimizer(Optimizer):
    """ms = decay * ms + (1 - decay) * g^2; mom = momentum * mom + lr * g / sqrt(ms + epsilon); var -= mom.

    With ``centered``, the mean gradient mg is tracked too and ``ms - mg^2`` replaces ``ms``.
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            dtype = v.dtype.base_dtype
            self._get_or_make_slot_with_initializer(v, ones_initializer(dtype=dtype), v.get_shape(), dtype, "rms",
                                                    self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._call_if_callable(self._learning_rate),
                                                       name="learning_rate")
        self._decay_tensor = convert_to_tensor(self._call_if_callable(self._decay), name="decay")
        self._momentum_tensor = convert_to_tensor(self._call_if_callable(self._momentum), name="momentum")
        self._epsilon_tensor = convert_to_tensor(self._call_if_callable(self._epsilon), name="epsilon")

    def _args(self, grad, var, kind):
        dt = var.dtype if kind is _ref else grad.dtype
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        slots = [kind(self.get_slot(var, "mg")), kind(rms), kind(mom)] if self._centered else [kind(rms), kind(mom)]
        return [kind(var)] + slots + [_cast(self._learning_rate_tensor, dt), _cast(self._decay_tensor, dt),
                                      _cast(self._momentum_tensor, dt), _cast(self._epsilon_tensor, dt), grad]

    def _op(self, prefix):
        return prefix + ("CenteredRMSProp" if self._centered else "RMSProp")

    def _apply_dense(self, grad, var):
        return _apply(self._op("Apply"), self._args(grad, var, _ref), {"use_locking": self._use_locking})

    def _resource_apply_dense(self, grad, var):
        return _apply(self._op("ResourceApply"), self._args(grad, var, _resource), {"use_locking": self._use_locking})

    def _apply_sparse(self, grad, var):
        return _apply(self._op("SparseApply"), self._args(grad.values, var, _ref) + [grad.indices],
                      {"use_locking": self._use_locking})

    def _resource_apply_sparse(self, grad, var, indices):
        return _apply(self._op("ResourceSparseApply"), self._args(grad, var, _resource) + [indices],
                      {"use_locking": self._use_locking})
