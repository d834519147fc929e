"""``tf.logging``: TensorFlow 1's logging functions, on the standard ``logging`` module as TensorFlow's are.

    tf.logging.set_verbosity(tf.logging.INFO)
    tf.logging.info("step %d: loss %.3f", step, loss)

Messages go to the ``tensorflow`` logger, as in TensorFlow, so logging set up for TensorFlow programs keeps
working. ``set_verbosity`` also sets the level of the ``tagraph`` logger, which stands in for TensorFlow's
own messages (the Estimator's "loss = ..., step = ..." at INFO). Like TensorFlow's, the first use adds a
stderr handler to those loggers when the root logger has none, so that INFO messages show once asked for.
"""
import logging as _logging
import sys as _sys
import threading as _threading

from tagraph.compat import namespace as _namespace

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_TAGRAPH_LOGGER = "tagraph"
_lock = _threading.Lock()
_configured = False
_counts = {}


def get_logger():
    """The ``tensorflow`` logger (``tf.get_logger``)."""
    global _configured
    logger = _logging.getLogger("tensorflow")
    with _lock:
        if not _configured:
            _configured = True
            # TensorFlow's rule: configure nothing when the program configured the root logger.
            if not _logging.getLogger().handlers:
                handler = _logging.StreamHandler(_sys.stderr)
                handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT, None))
                for name in ("tensorflow", _TAGRAPH_LOGGER):
                    _logging.getLogger(name).addHandler(handler)
    return logger


def log(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    get_logger().debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    get_logger().info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    get_logger().warning(msg, *args, **kwargs)


def error(msg, *args, **kwargs):
    get_logger().error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    get_logger().fatal(msg, *args, **kwargs)


warn = warning


def vlog(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, **kwargs)


def TaskLevelStatusMessage(msg):  # noqa: N802 - TensorFlow's name
    error(msg)


def flush():
    for handler in get_logger().handlers:
        handler.flush()


def _count_at_caller():
    """How many times the line calling log_every_n/log_first_n has called it, this call included."""
    frame = _sys._getframe(2)
    key = (frame.f_code.co_filename, frame.f_lineno)
    with _lock:
        _counts[key] = _counts.get(key, 0) + 1
        return _counts[key]


def log_every_n(level, msg, n, *args):
    """Logs on this line's 1st, (n+1)th, (2n+1)th, ... call."""
    if (_count_at_caller() - 1) % n == 0:
        log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Logs on this line's first n calls only."""
    if _count_at_caller() <= n:
        log(level, msg, *args)


def log_if(level, msg, condition, *args):
    if condition:
        log(level, msg, *args)


def get_verbosity():
    return get_logger().getEffectiveLevel()


def set_verbosity(v):
    get_logger().setLevel(v)
    _logging.getLogger(_TAGRAPH_LOGGER).setLevel(v)


_namespace.install(globals(), "tf.logging")
