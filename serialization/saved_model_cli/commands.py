"""``main``: parses the command line, runs show, scan or run, and turns every error into one line."""
import sys

from tagraph.serialization.saved_model_cli.arguments import (_BOOL_FLAGS, _REQUIRED, _STR_DEFAULTS, _STR_FLAGS,
                                                             _UNSUPPORTED, create_parser)
from tagraph.serialization.saved_model_cli.common import PROG, CliError, Out, flush
from tagraph.serialization.saved_model_cli.scan import scan
from tagraph.serialization.saved_model_cli.show import show

__all__ = ["main"]


def main(argv=None):
    """Runs the CLI on ``argv`` (``sys.argv[1:]`` when None); returns the exit status (0 on success).

        >>> main(["show", "--dir", "/tmp/saved_model", "--tag_set", "serve"])   # prints the signature keys
        0
    """
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:  # --help, --version, usage errors: argparse has printed them
        return e.code


def _main(argv):
    parser, subparsers = create_parser()
    if not argv:
        parser.error("Too few arguments.")
    args, unknown = parser.parse_known_args(argv)
    if unknown and getattr(args, "command", None) not in _UNSUPPORTED:
        parser.error("unrecognized arguments: %s" % " ".join(unknown))
    for name in _STR_FLAGS:
        if not hasattr(args, name):
            setattr(args, name, _STR_DEFAULTS.get(name))
    for name in _BOOL_FLAGS:
        if not hasattr(args, name):
            setattr(args, name, False)
    if args.command is None:
        parser.error("Too few arguments.")
    if args.command in _UNSUPPORTED:
        print("%s: error: the %s command (%s) is not supported in tagraph." %
              (PROG, args.command, _UNSUPPORTED[args.command]), file=sys.stderr)
        return 2
    for name in _REQUIRED[args.command]:
        if getattr(args, name) is None:
            subparsers.choices[args.command].error(
                "flag --%s=None: Flag --%s must have a value other than None." % (name, name))

    out = Out()

    def warn(msg):
        print("%s: warning: %s" % (PROG, msg), file=sys.stderr)

    status = 0
    try:
        if args.command == "show":
            show(args, out)
        elif args.command == "scan":
            scan(args, out)
        else:
            from tagraph.serialization.saved_model_cli import run  # lazy: numpy and the engine, not for show/scan
            run.run(args, out, warn)
    except Exception as e:  # noqa: BLE001 - every error becomes one line (the traceback with --verbose)
        if args.verbose:
            import traceback
            traceback.print_exc()
        name = e.name if isinstance(e, CliError) else type(e).__name__
        message = " ".join(str(e).split()) if "\n" in str(e) else str(e)
        status = 1
        flush(out)
        print("%s: %s" % (name, message), file=sys.stderr)
        return status
    flush(out)
    return status
