"""What every ``saved_model_cli`` command shares: the program name, its one-line errors, and its output."""
import sys

__all__ = ["PROG", "CliError", "Out", "flush"]

PROG = "tagraph-saved-model-cli"


class CliError(Exception):
    """An error reported as one line, ``<name>: <message>``, named as TensorFlow's CLI names it."""

    def __init__(self, message, name="RuntimeError"):
        super().__init__(message)
        self.name = name


class Out(list):
    """What a command prints, kept until it ends: ``append(line)`` prints a line, ``raw(text)`` prints text."""

    def append(self, line):
        super().append(line + "\n")

    def raw(self, text):
        super().append(text)


def flush(out):
    if out:
        sys.stdout.write("".join(out))
        out.clear()
    sys.stdout.flush()
