"""``tg.train``: optimizers with TensorFlow 1's update rules and slot names, the global step, learning-rate
schedules and ExponentialMovingAverage.

    import tagraph.engine as tg
    step = tg.train.get_or_create_global_step()
    train_op = tg.train.AdamOptimizer(1e-3).minimize(loss, global_step=step)

Checkpointing (Saver, latest_checkpoint) is in ``tagraph.serialization``.
"""
from tagraph.engine.lazy_exports import lazy_namespace as _lazy_namespace

_EXPORTS = {
    "tagraph.engine.train.optimizer": "Optimizer create_slot create_slot_with_initializer create_zeros_slot",
    "tagraph.engine.train.optimizers": "GradientDescentOptimizer MomentumOptimizer AdamOptimizer AdagradOptimizer "
                                       "RMSPropOptimizer",
    "tagraph.engine.train.regularized_optimizers": "FtrlOptimizer AdadeltaOptimizer ProximalAdagradOptimizer "
                                                   "ProximalGradientDescentOptimizer AdagradDAOptimizer",
    "tagraph.engine.train.training_util": "get_global_step get_or_create_global_step create_global_step "
                                          "assert_global_step global_step",
    "tagraph.engine.train.learning_rate_decay": "*",
    "tagraph.engine.train.moving_averages": "ExponentialMovingAverage",
    "tagraph.engine.train.towers": "average_gradients all_reduce_gradients",
    "tagraph.engine.train.queue_runner": "QueueRunner add_queue_runner start_queue_runners",
    "tagraph.engine.train.input_producers": "*",
    "tagraph.engine.train.batching": "*",
    "tagraph.engine.train.device_setter": "replica_device_setter ClusterSpec",
}

__getattr__, __dir__, __all__ = _lazy_namespace(__name__, _EXPORTS)
