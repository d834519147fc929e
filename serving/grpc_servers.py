"""The two gRPC servers the model server runs its services on, behind one start/stop interface.

Without batching, gRPC's thread-per-request server (lowest latency); with ``--enable_batching``, a
``grpc.aio`` server on the server's event loop (:mod:`tagraph.serving.event_loop`, shared with the REST
server; highest throughput: a request waiting for its batch holds no thread). Each class's docstring
gives the measurements behind the choice.

    server = AsyncGrpcServer(channel_options, executor, serving_loop)
    ports = server.start(lambda s: add_services(s, core, asynchronous=True), ["127.0.0.1:8500"])
    server.stop(grace=10)
"""
import grpc

__all__ = ["ThreadedGrpcServer", "AsyncGrpcServer"]


class ThreadedGrpcServer:
    """gRPC's thread-per-request server, used without batching: each request runs start to finish in its
    handler's thread, the lowest latency Python's gRPC offers (p50 ~0.65 ms on the small model, against
    0.73-0.94 ms through the event loop, which hands the model run to a thread and back)."""

    def __init__(self, options, executor, serving_loop=None):
        self._server = grpc.server(executor, options=options)

    def start(self, add_services_fn, addresses):
        """Binds ``addresses`` and starts serving; returns the bound ports. OSError if one cannot be bound."""
        add_services_fn(self._server)
        ports = [_bind(self._server, address) for address in addresses]
        self._server.start()
        return ports

    def stop(self, grace):
        """Refuses new calls and lets those in flight finish (up to ``grace`` seconds)."""
        self._server.stop(grace).wait()


def _bind(server, address):
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as e:
        raise OSError("Failed to start the gRPC server at %s: %s (is the port in use?)" % (address, e)) from None
    if port == 0 and not address.startswith("unix:") and not address.endswith(":0"):
        raise OSError("Failed to start the gRPC server at %s: the port is in use (--port)" % address)
    return port


class AsyncGrpcServer:
    """A ``grpc.aio`` server on the server's event loop, used with batching.

    Why: on gRPC's thread-per-request server every batched request blocks a thread until its batch has
    run, and waking 16 threads per batch (each then fighting for the GIL) cost more than the model
    itself: on two cores it managed ~1,700-2,200 batched MLP requests/s, this one ~3,200-3,500 in the same
    conditions. Predict runs on the loop (see grpc_service.AsyncPredictionService); the other methods
    run in ``executor``, as gRPC's aio server does for plain functions, so slow work (a config reload, a
    metadata dump) never holds the loop up.
    """

    def __init__(self, options, executor, serving_loop):
        self._options = options
        self._executor = executor
        self._loop = serving_loop
        self._server = None

    def start(self, add_services_fn, addresses):
        """Binds ``addresses`` and starts serving; returns the bound ports. OSError if one cannot be bound."""
        return self._loop.call(self._start(add_services_fn, addresses))

    async def _start(self, add_services_fn, addresses):
        self._server = grpc.aio.server(migration_thread_pool=self._executor, options=self._options)
        add_services_fn(self._server)
        ports = [_bind(self._server, address) for address in addresses]
        await self._server.start()
        return ports

    def stop(self, grace):
        """Refuses new calls and lets those in flight finish (up to ``grace`` seconds)."""
        if self._server is not None:
            self._loop.call(self._server.stop(grace))
