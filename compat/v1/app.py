"""``tf.app``: ``tf.app.flags`` (also ``tf.flags``) and ``tf.app.run``, on absl-py as TensorFlow's are.

    FLAGS = tf.app.flags.FLAGS
    tf.app.flags.DEFINE_integer("steps", 100, "training steps")

    def main(argv):
        ...

    if __name__ == "__main__":
        tf.app.run()

absl-py is optional (the ``compat`` extra: ``pip install 'tagraph[compat]'``). Without it, ``tf.app.flags``,
``tf.flags`` and ``tf.app.run`` raise an ``ImportError`` that says so; the rest of ``tagraph.compat.v1``
works.
"""
import sys as _sys

from tagraph.compat import namespace as _namespace

try:
    from absl import app as _absl_app
    from absl import flags as _absl_flags
except ImportError:             # the optional dependency is missing: see _missing_absl
    _absl_app = _absl_flags = None


def _missing_absl(name):
    def error():
        return ImportError("%s needs absl-py, which is not installed: pip install 'tagraph[compat]' (or pip "
                           "install absl-py)" % name, name="absl")
    return error


def _parse_flags_tolerate_undef(argv):
    # TensorFlow's tf.app.run parses only the flags it knows, leaving the others in argv for main.
    return _absl_flags.FLAGS(_sys.argv if argv is None else argv, known_only=True)


def _run(main=None, argv=None):
    """Parses the flags, then calls ``main(argv)`` (``__main__.main`` by default) and exits with its value."""
    main = main or _sys.modules["__main__"].main
    _absl_app.run(main=main, argv=argv, flags_parser=_parse_flags_tolerate_undef)


if _absl_flags is not None:
    flags = _absl_flags
    run = _run

_namespace.install(globals(), "tf.app", unavailable={"flags": _missing_absl("tf.app.flags"),
                                                     "run": _missing_absl("tf.app.run")})
