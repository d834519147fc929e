"""Session configuration: TensorFlow's own ConfigProto and RunOptions/RunMetadata messages.

    config = tg.ConfigProto(allow_soft_placement=True, log_device_placement=True, device_count={"GPU": 1})
    sess = tg.Session(config=config)

What a Session reads from a ConfigProto (see :mod:`tagraph.devices.placer`):

- ``allow_soft_placement``: an op whose requested device is missing, or has no kernel for it, runs on
  a device that can run it (the first of the requested type, else the CPU), logged once per op;
  without it the session raises ``InvalidArgumentError`` naming the op, the device and the devices there.
- ``log_device_placement``: "Device mapping:" when the session starts, then one
  ``<node>: (<op type>): <device>`` line per node as it is placed, on the ``tagraph.placement`` logger.
- ``device_count``: at most this many devices of a kind (``{"GPU": 0}`` hides every GPU; the CPU stays).
"""
from tagraph.protos.config_pb2 import ConfigProto, GPUOptions, RunOptions, RunMetadata  # noqa: F401

__all__ = ["ConfigProto", "GPUOptions", "RunOptions", "RunMetadata"]
