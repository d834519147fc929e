"""Session configuration: TensorFlow's own ConfigProto and RunOptions/RunMetadata messages.

    config = tg.ConfigProto(allow_soft_placement=True, log_device_placement=True, device_count={"GPU": 1})
    sess = tg.Session(config=config)
"""
from tagraph.protos.config_pb2 import ConfigProto, GPUOptions, RunOptions, RunMetadata  # noqa: F401
