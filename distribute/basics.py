"""Starting and describing the job: ``init``, ``shutdown``, ``rank``, ``size``, ``local_rank``, ``local_size``,
``cross_rank``, ``cross_size``, as Horovod names them.

    import tagraph.distribute as hvd
    hvd.init()                      # every process of `mpiexec -n 4 python train.py`
    print(hvd.rank(), hvd.size())   # 0..3, 4

``init`` joins MPI through mpi4py (``pip install tagraph[mpi]``) and hands the communicator to the
collective kernels; a process started without ``mpiexec`` is a job of one. In a job of several, an
exception that ends one process aborts the whole job (MPI_Abort), as ``python -m mpi4py`` does, rather than
leave the others waiting for it. Ranks that share a host's CPUs share BLAS's threads: each gets its part.
"""
import logging
import sys

from tagraph.devices import cpu_threads
from tagraph.engine.ops import collective_ops

__all__ = ["init", "shutdown", "is_initialized", "rank", "size", "local_rank", "local_size", "cross_rank",
           "cross_size", "mpi_enabled", "mpi_built", "nccl_built", "mpi_threads_supported", "communicator"]

_log = logging.getLogger(__name__)
_STATE = {"comm": None}


def init(comm=None):
    """Joins the job: ``comm`` is an mpi4py communicator, a list of ranks of COMM_WORLD, or None (all of it).
    Calling it again with the job already joined does nothing.

        hvd.init()
    """
    if _STATE["comm"] is not None:
        return
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("tagraph.distribute needs mpi4py and an MPI library: pip install 'tagraph[mpi]' "
                          "(mpi4py and the mpich wheel)") from e
    from tagraph.distribute.mpi_communicator import MPICommunicator  # after mpi4py's check, for its message
    if comm is None:
        mpi_comm = MPI.COMM_WORLD
    elif isinstance(comm, (list, tuple)):
        group = MPI.COMM_WORLD.Get_group().Incl(list(comm))
        mpi_comm = MPI.COMM_WORLD.Create_group(group)
        if mpi_comm == MPI.COMM_NULL:
            raise ValueError("this process (rank %d of COMM_WORLD) is not among the ranks %s given to init()"
                             % (MPI.COMM_WORLD.Get_rank(), list(comm)))
    else:
        mpi_comm = comm
    communicator = MPICommunicator(mpi_comm)
    _STATE["comm"] = communicator
    if communicator.size > 1:
        _abort_job_on_uncaught_exception(MPI)
    _share_the_cpus(communicator.sharing_cpus)
    collective_ops.set_communicator(communicator)
    _log.info("tagraph.distribute: rank %d of %d (local rank %d of %d)", communicator.rank, communicator.size,
              communicator.local_rank, communicator.local_size)


def _share_the_cpus(processes):
    """Gives BLAS this process's share of the CPUs it shares with ``processes`` - 1 others of the job: each
    rank taking them all would run processes x CPUs threads, which spin and wait on each other (an MLP
    trained by 2 ranks on 2 cores: 4x slower per rank). A count a session's ConfigProto sets explicitly wins."""
    if processes <= 1:
        return
    current = cpu_threads.settings()
    if not current.explicit:
        cpu_threads.configure(intra_op=max(1, current.usable // processes), inter_op=current.inter_op)


def _abort_job_on_uncaught_exception(MPI):
    """A process that dies of an exception ends the job (``python -m mpi4py``'s behaviour): the others would
    otherwise wait for it in their next collective, or in MPI_Finalize, for ever."""
    previous = sys.excepthook
    if getattr(previous, "_tagraph_aborts_job", False):
        return

    def excepthook(kind, value, tb):
        previous(kind, value, tb)
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)
    excepthook._tagraph_aborts_job = True
    sys.excepthook = excepthook


def shutdown():
    """Leaves the job: collectives raise FailedPreconditionError until the next ``init``."""
    _STATE["comm"] = None
    collective_ops.set_communicator(None)


def is_initialized():
    return _STATE["comm"] is not None


def communicator():
    """The job's communicator (ValueError before ``init``)."""
    comm = _STATE["comm"]
    if comm is None:
        raise ValueError("tagraph.distribute has not been initialized; call tagraph.distribute.init() (hvd.init()) "
                         "first")
    return comm


def rank():
    """This process's rank in the job, 0 .. size() - 1."""
    return communicator().rank


def size():
    """The number of processes in the job."""
    return communicator().size


def local_rank():
    """This process's rank among the job's processes on this host (which GPU it should take)."""
    return communicator().local_rank


def local_size():
    """The number of the job's processes on this host."""
    return communicator().local_size


def cross_rank():
    """This host's rank among the job's hosts."""
    return communicator().cross_rank


def cross_size():
    """The number of hosts in the job."""
    return communicator().cross_size


def mpi_enabled():
    return is_initialized()


def mpi_built():
    try:
        import mpi4py  # noqa: F401
        return True
    except ImportError:
        return False


def nccl_built():
    try:
        from cupy.cuda import nccl
        return bool(getattr(nccl, "available", True))
    except ImportError:
        return False


def mpi_threads_supported():
    from mpi4py import MPI
    communicator()
    return MPI.Query_thread() == MPI.THREAD_MULTIPLE
