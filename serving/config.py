"""TensorFlow Serving's configuration files: models, batching parameters, monitoring.

``--model_config_file`` holds a ``ModelServerConfig`` in protobuf text format, as TensorFlow Serving
reads it::

    model_config_list {
      config {
        name: "half_plus_two"
        base_path: "/models/half_plus_two"
        model_platform: "tensorflow"
        model_version_policy { specific { versions: 1 versions: 2 } }
        version_labels { key: "stable" value: 1 }
        version_labels { key: "canary" value: 2 }
      }
      config { name: "other" base_path: "/models/other" model_platform: "tensorflow" }
    }

``--batching_parameters_file`` holds ``BatchingParameters`` and ``--monitoring_config_file`` a
``MonitoringConfig``, both in text format too.

    config = read_model_server_config("/etc/models.config")
    models = model_configs(config)          # validated ModelConfig protos
"""
import os

from google.protobuf import text_format

from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import OpError
from tagraph.protos import model_server_config_pb2
from tagraph.serving import extra_protos
from tagraph.serving.batching import BatchingOptions
from tagraph.serving.status import ServingError

PLATFORM = "tensorflow"


class ConfigError(ValueError):
    """A configuration file or flag that cannot be used; the message says which and why."""


def read_text(path, what):
    """The text of a local file or a URL (``s3://``, ...: ``--model_config_file`` may live beside the models)."""
    if file_io.is_url(path):
        try:
            return file_io.read_file(path).decode("utf-8")
        except OpError as e:
            raise ConfigError("Cannot read %s %s: %s" % (what, path, e.message)) from None
        except UnicodeDecodeError as e:
            raise ConfigError("%s %s is not UTF-8 text: %s" % (what, path, e)) from None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise ConfigError("Cannot read %s %s: %s" % (what, path, e.strerror or e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError("%s %s is not UTF-8 text: %s" % (what, path, e)) from None


def _parse(text, message, what, path):
    try:
        text_format.Parse(text, message)
    except text_format.ParseError as e:
        raise ConfigError("Cannot parse %s %s as text format %s: %s"
                          % (what, path, message.DESCRIPTOR.name, e)) from None
    return message


def parse_model_server_config(text, path="<text>"):
    return _parse(text, model_server_config_pb2.ModelServerConfig(), "model config file", path)


def read_model_server_config(path):
    """The ModelServerConfig of a ``--model_config_file``."""
    return parse_model_server_config(read_text(path, "model config file"), path)


def single_model_config(name, base_path):
    """The config ``--model_name`` / ``--model_base_path`` stand for (serve the latest version)."""
    config = model_server_config_pb2.ModelServerConfig()
    model = config.model_config_list.config.add(name=name, base_path=base_path, model_platform=PLATFORM)
    model.model_version_policy.latest.num_versions = 1
    return config


def model_configs(config):
    """The validated ModelConfig list of a ModelServerConfig; relative base paths are made absolute.

    Raises ServingError(INVALID_ARGUMENT) with TensorFlow Serving's messages for what it refuses.
    """
    if config.WhichOneof("config") != "model_config_list":
        raise ServingError.invalid_argument("Invalid ServerModelConfig: only model_config_list is supported")
    out, names = [], set()
    for model in config.model_config_list.config:
        if not model.name:
            raise ServingError.invalid_argument("A model config has no name")
        if model.name in names:
            raise ServingError.invalid_argument("Illegal to list model %s multiple times in config list"
                                                % model.name)
        names.add(model.name)
        if not model.base_path:
            raise ServingError.invalid_argument("Expected model %s to have an absolute path or URI; got "
                                                "base_path()=" % model.name)
        platform = model.model_platform or PLATFORM
        if platform != PLATFORM:
            raise ServingError.invalid_argument("Model %s requests unsupported platform %s" % (model.name, platform))
        copy = type(model)()
        copy.CopyFrom(model)
        copy.model_platform = platform
        if not file_io.is_url(model.base_path):   # a URL (s3://, gs://, ...) is absolute already
            copy.base_path = os.path.abspath(os.path.expanduser(model.base_path))
        choice = copy.model_version_policy.WhichOneof("policy_choice")
        if choice is None:
            copy.model_version_policy.latest.num_versions = 1
        out.append(copy)
    return out


def read_batching_options(path):
    """BatchingOptions from a ``--batching_parameters_file`` (TensorFlow Serving's defaults if None)."""
    if not path:
        return BatchingOptions()
    params = _parse(read_text(path, "batching parameters file"), extra_protos.BatchingParameters(),
                    "batching parameters file", path)
    try:
        return BatchingOptions.from_proto(params)
    except ValueError as e:
        raise ConfigError("Invalid batching parameters in %s: %s" % (path, e)) from None


def read_monitoring_path(path):
    """The Prometheus path a ``--monitoring_config_file`` enables, or None."""
    config = _parse(read_text(path, "monitoring config file"), extra_protos.MonitoringConfig(),
                    "monitoring config file", path)
    prom = config.prometheus_config
    if not prom.enable:
        return None
    return prom.path or "/monitoring/prometheus/metrics"
