"""tagraph.distribute: data-parallel training over processes, with Horovod's API, on MPI.

    import tagraph.distribute as hvd
    hvd.init()
    opt = hvd.DistributedOptimizer(tg.train.GradientDescentOptimizer(0.1))
    train_op = opt.minimize(loss)                                # gradients averaged over the processes
    hooks = [hvd.BroadcastGlobalVariablesHook(0)]
    ckpt = "/tmp/train" if hvd.rank() == 0 else None             # only rank 0 writes
    with MonitoredTrainingSession(checkpoint_dir=ckpt, hooks=hooks) as sess: ...

Run it with ``mpiexec -n 4 python train.py`` (``pip install 'tagraph[mpi]'`` brings mpi4py and MPICH's
``mpiexec``). The collectives are TensorFlow's graph ops (``CollectiveReduceV2``, ``CollectiveGatherV2``,
``CollectiveBcastSendV2``/``CollectiveBcastRecvV2``): host tensors travel through MPI, CUDA tensors through
NCCL where each process has its own GPU (pin it: ``CUDA_VISIBLE_DEVICES`` = ``local_rank()``).
"""
from tagraph.distribute.basics import (init, shutdown, is_initialized, rank, size, local_rank, local_size,  # noqa: F401
                                       cross_rank, cross_size, mpi_enabled, mpi_built, nccl_built,
                                       mpi_threads_supported)
from tagraph.distribute.collectives import (Average, Sum, Adasum, Min, Max, Product, Compression,  # noqa: F401
                                            allreduce, grouped_allreduce, allgather, broadcast, broadcast_variables,
                                            broadcast_global_variables)
from tagraph.distribute.optimizer import DistributedOptimizer  # noqa: F401
from tagraph.distribute.hooks import BroadcastGlobalVariablesHook, MonitoredTrainingSession  # noqa: F401

__all__ = ["init", "shutdown", "is_initialized", "rank", "size", "local_rank", "local_size", "cross_rank",
           "cross_size", "mpi_enabled", "mpi_built", "nccl_built", "mpi_threads_supported",
           "Average", "Sum", "Adasum", "Min", "Max", "Product", "Compression", "allreduce", "grouped_allreduce",
           "allgather", "broadcast", "broadcast_variables", "broadcast_global_variables", "DistributedOptimizer",
           "BroadcastGlobalVariablesHook", "MonitoredTrainingSession"]
