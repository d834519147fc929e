"""The job's communicator on MPI (mpi4py), with NCCL through CuPy for tensors on CUDA devices.

The collective kernels (tagraph.engine.ops.collective_ops) call it on contiguous arrays: host arrays go
through MPI's buffer interface (``Allreduce``, ``Allgatherv``, ``Bcast`` on the numpy buffers, never
pickled); CuPy arrays through one NCCL communicator per CUDA device, whose unique id travels over MPI.
Simulated GPUs, and processes that share one CUDA device (NCCL refuses two ranks on one device), get no
device collectives: the kernels copy through host memory and MPI instead.

    comm = MPICommunicator(MPI.COMM_WORLD)
    out = numpy.empty_like(x); comm.allreduce(x, out, "Add")
"""
import logging
import os
import socket
import time

import numpy as np

from tagraph.engine.framework import errors

__all__ = ["MPICommunicator"]

_log = logging.getLogger(__name__)
# Polls of a pending header exchange that only yield the core before the poller starts sleeping.
_YIELDING_POLLS = 5000


def _affinity():
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):        # not on Linux
        return list(range(os.cpu_count() or 1))


def _bytes(a):
    """A contiguous array's memory as a flat uint8 view (any dtype: bool, bfloat16, ...)."""
    return a.reshape(-1).view(np.uint8)


class MPICommunicator:
    """Collectives over an mpi4py communicator: ``rank``, ``size``, ``local_rank`` and ``local_size``
    (processes on this host), ``cross_rank`` and ``cross_size`` (hosts), ``sharing_cpus`` (processes of this
    host on this one's CPUs, itself included)."""

    def __init__(self, comm):
        from mpi4py import MPI
        self._mpi = MPI
        self._comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = local.Get_rank(), local.Get_size()
        mine = _affinity()
        # The processes of this host whose CPU set is this one's (all of them unless mpiexec binds them).
        self.sharing_cpus = sum(1 for other in local.allgather(mine) if other == mine)
        local.Free()
        cross = comm.Split(color=self.local_rank, key=self.rank)
        self.cross_rank, self.cross_size = cross.Get_rank(), cross.Get_size()
        cross.Free()
        self._ops = {"Add": MPI.SUM, "Min": MPI.MIN, "Max": MPI.MAX, "Mul": MPI.PROD}
        self._device_collectives = {}
        self._broken = None

    @property
    def mpi_comm(self):
        return self._comm

    def _check(self):
        if self._broken:
            raise errors.AbortedError(None, None, self._broken)

    def exchange_headers(self, header, timeout):
        """Every process's ``header`` (int64 vector), ``[size, len]``; DeadlineExceededError after ``timeout``
        seconds (0: wait for ever) without all of them.

        This is where a process waits for the slower ones. It polls, yielding its core and then sleeping up to
        half a millisecond between polls, instead of MPI's spinning wait: a spinning process takes the core a
        slower member of the job (or anything else on the host) needs to catch up.
        """
        self._check()
        table = np.empty((self.size, header.size), np.int64)
        # Always the nonblocking all-gather: MPI does not match a blocking collective with a nonblocking one,
        # and only some members may have a timeout.
        request = self._comm.Iallgather(header, table)
        deadline = time.monotonic() + timeout if timeout and timeout > 0 else None
        polls, pause = 0, 2e-5
        while not request.Test():
            polls += 1
            if polls <= _YIELDING_POLLS:
                os.sched_yield()
                continue
            if deadline is not None and time.monotonic() > deadline:
                # The exchange cannot be cancelled: a later collective would pair with it. The job is over.
                self._broken = ("A collective timed out after %gs waiting for the other processes; this process's "
                                "communicator can no longer be used" % timeout)
                raise errors.DeadlineExceededError(None, None, "Collective has timed out waiting for other workers "
                                                   "(timeout_seconds=%g)." % timeout)
            time.sleep(pause)
            pause = min(pause * 2, 5e-4)
        return table

    def allreduce(self, send, recv, merge_op):
        self._check()
        self._comm.Allreduce(send, recv, op=self._ops[merge_op])

    def allgather(self, send, recv, counts):
        """``recv`` gets every process's ``send`` (``counts[r]`` rows from process r) in process order."""
        self._check()
        row = send.dtype.itemsize * int(np.prod(send.shape[1:], dtype=np.int64))
        sizes = [c * row for c in counts]
        displs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()
        self._comm.Allgatherv([_bytes(send), self._mpi.BYTE], [_bytes(recv), (sizes, displs), self._mpi.BYTE])

    def broadcast(self, buf, root):
        self._check()
        self._comm.Bcast([_bytes(buf), self._mpi.BYTE], root=root)

    def device_collectives(self, device):
        """NCCL collectives for the arrays of ``device`` (a DeviceInfo), or None for copies through the host.

        Every process calls this at the same collective (the kernels have agreed that all of them run it
        on a device), so creating the NCCL communicator here is a collective step too.
        """
        if device.is_simulated:
            return None
        index = getattr(device.backend, "index", None)
        if index not in self._device_collectives:
            self._device_collectives[index] = _nccl_collectives(self, device.backend)
        return self._device_collectives[index]


def _nccl_collectives(comm, backend):
    try:
        from cupy.cuda import nccl
        available = nccl.available if hasattr(nccl, "available") else True
    except ImportError:
        available = False
    where = (socket.gethostname(), getattr(backend, "pci_bus_id", str(backend.index)))
    places = comm.mpi_comm.allgather((available, where))
    if not all(a for a, _ in places):
        _log.info("NCCL is not available in every process: GPU collectives copy through host memory")
        return None
    if len({w for _, w in places}) != len(places):
        _log.info("Processes share a CUDA device, which NCCL does not allow: GPU collectives copy through host "
                  "memory; give each process its own GPU (CUDA_VISIBLE_DEVICES=local_rank)")
        return None
    return NCCLCollectives(comm, backend, nccl)


class NCCLCollectives:
    """allreduce/allgather/broadcast on CuPy arrays of one device, through NCCL on CuPy's current stream."""

    def __init__(self, comm, backend, nccl):
        self._nccl = nccl
        self._backend = backend
        uid = nccl.get_unique_id() if comm.rank == 0 else None
        uid = comm.mpi_comm.bcast(uid, root=0)
        with backend.device_context():
            self._comm = nccl.NcclCommunicator(comm.size, uid, comm.rank)
        self.rank, self.size = comm.rank, comm.size
        self._ops = {"Add": nccl.NCCL_SUM, "Min": nccl.NCCL_MIN, "Max": nccl.NCCL_MAX, "Mul": nccl.NCCL_PROD}
        self._types = {np.dtype(np.float16): nccl.NCCL_FLOAT16, np.dtype(np.float32): nccl.NCCL_FLOAT32,
                       np.dtype(np.float64): nccl.NCCL_FLOAT64, np.dtype(np.int32): nccl.NCCL_INT32,
                       np.dtype(np.int64): nccl.NCCL_INT64}
        if hasattr(nccl, "NCCL_BFLOAT16"):
            try:
                from ml_dtypes import bfloat16
                self._types[np.dtype(bfloat16)] = nccl.NCCL_BFLOAT16
            except ImportError:
                pass

    def _stream(self):
        return self._backend.xp.cuda.get_current_stream().ptr

    def supports(self, dtype):
        return np.dtype(dtype) in self._types

    def allreduce(self, send, recv, merge_op):
        with self._backend.device_context():
            self._comm.allReduce(send.data.ptr, recv.data.ptr, send.size, self._types[send.dtype],
                                 self._ops[merge_op], self._stream())

    def allgather(self, send, recv, counts):
        nccl = self._nccl
        row = send.dtype.itemsize * int(np.prod(send.shape[1:], dtype=np.int64))
        with self._backend.device_context():
            stream = self._stream()
            if len(set(counts)) == 1:
                self._comm.allGather(send.data.ptr, recv.data.ptr, counts[0] * row, nccl.NCCL_UINT8, stream)
                return
            # Rows that differ per process: one broadcast from each, grouped into one NCCL launch.
            nccl.groupStart()
            offset = 0
            for r, c in enumerate(counts):
                src = send.data.ptr if r == self.rank else recv.data.ptr + offset
                self._comm.broadcast(src, recv.data.ptr + offset, c * row, nccl.NCCL_UINT8, r, stream)
                offset += c * row
            nccl.groupEnd()

    def broadcast(self, buf, root):
        with self._backend.device_context():
            self._comm.bcast(buf.data.ptr, buf.nbytes, self._nccl.NCCL_UINT8, root, self._stream())
