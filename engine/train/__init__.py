"""``tg.train``: optimizers with TensorFlow 1's update rules and slot names, the global step, learning-rate
schedules and ExponentialMovingAverage.

    import tagraph.engine as tg
    step = tg.train.get_or_create_global_step()
    train_op = tg.train.AdamOptimizer(1e-3).minimize(loss, global_step=step)

Checkpointing (Saver, latest_checkpoint) is in ``tagraph.serialization``.
"""
from tagraph.engine.train.optimizer import (Optimizer, create_slot, create_slot_with_initializer,  # noqa: F401
                                            create_zeros_slot)
from tagraph.engine.train.optimizers import (GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer,  # noqa: F401
                                             AdagradOptimizer, RMSPropOptimizer)
from tagraph.engine.train.regularized_optimizers import (FtrlOptimizer, AdadeltaOptimizer,  # noqa: F401
                                                         ProximalAdagradOptimizer, ProximalGradientDescentOptimizer,
                                                         AdagradDAOptimizer)
from tagraph.engine.train.training_util import (get_global_step, get_or_create_global_step,  # noqa: F401
                                                create_global_step, assert_global_step, global_step)
from tagraph.engine.train.learning_rate_decay import (exponential_decay, piecewise_constant,  # noqa: F401
                                                      polynomial_decay, cosine_decay, inverse_time_decay,
                                                      natural_exp_decay)
from tagraph.engine.train.moving_averages import ExponentialMovingAverage  # noqa: F401
from tagraph.engine.train.towers import average_gradients, all_reduce_gradients  # noqa: F401

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer", "AdagradOptimizer",
           "RMSPropOptimizer", "FtrlOptimizer", "AdadeltaOptimizer", "ProximalAdagradOptimizer",
           "ProximalGradientDescentOptimizer", "AdagradDAOptimizer", "get_global_step", "get_or_create_global_step",
           "create_global_step",
           "assert_global_step", "global_step", "create_slot", "create_slot_with_initializer", "create_zeros_slot",
           "exponential_decay", "piecewise_constant", "polynomial_decay", "cosine_decay", "inverse_time_decay",
           "natural_exp_decay", "ExponentialMovingAverage", "average_gradients", "all_reduce_gradients"]
