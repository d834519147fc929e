"""Prints what a checkpoint holds, exactly as TensorFlow's ``inspect_checkpoint`` tool prints it.

    from tagraph.serialization import inspect_checkpoint as chkp
    chkp.print_tensors_in_checkpoint_file("/tmp/model.ckpt", tensor_name="", all_tensors=True)
    # tensor: v1 (float32) [3]
    # [1. 1. 1.]
    # tensor: v2 (float32) [5]
    # [-1. -1. -1. -1. -1.]
    # # Total number of params: 8

Command line (TensorFlow's flags)::

    tagraph-inspect-checkpoint --file_name=/tmp/model.ckpt [--tensor_name=v1] [--all_tensors]
        [--all_tensor_names] [--count_exclude_pattern=REGEX] [--printoptions threshold=100000 ...]
"""
import argparse
import re
import sys

import numpy as np

from tagraph.engine.framework import errors
from tagraph.serialization.checkpoint_utils import NewCheckpointReader

__all__ = ["print_tensors_in_checkpoint_file", "parse_numpy_printoption", "main"]


def _count_total_params(reader, count_exclude_pattern=""):
    var_to_shape_map = reader.get_variable_to_shape_map()
    if count_exclude_pattern:
        regex_pattern = re.compile(count_exclude_pattern)
        kept = {}
        exclude_num_tensors = 0
        exclude_num_params = 0
        for v in var_to_shape_map:
            if regex_pattern.search(v):
                exclude_num_tensors += 1
                exclude_num_params += np.prod(var_to_shape_map[v])
            else:
                kept[v] = var_to_shape_map[v]
        var_to_shape_map = kept
        print("# Excluding %d tensors (%d params) that match %s when counting." % (
            exclude_num_tensors, exclude_num_params, count_exclude_pattern))
    var_sizes = [np.prod(var_to_shape_map[v]) for v in var_to_shape_map]
    return np.sum(var_sizes, dtype=int)


def _print_tensors(file_name, tensor_name, all_tensors, all_tensor_names, count_exclude_pattern):
    """TensorFlow's printing; returns the error it reported (a missing tensor included), or None."""
    try:
        reader = NewCheckpointReader(file_name)
        if all_tensors or all_tensor_names:
            var_to_shape_map = reader.get_variable_to_shape_map()
            var_to_dtype_map = reader.get_variable_to_dtype_map()
            for key, value in sorted(var_to_shape_map.items()):
                print("tensor: %s (%s) %s" % (key, var_to_dtype_map[key].name, value))
                if all_tensors:
                    try:
                        print(reader.get_tensor(key))
                    except errors.UnimplementedError:
                        print("<not convertible to a numpy dtype>")
        elif not tensor_name:
            print(reader.debug_string().decode("utf-8", errors="ignore"))
        else:
            if not reader.has_tensor(tensor_name):
                print("Tensor %s not found in checkpoint" % tensor_name)
                return errors.NotFoundError(None, None, "Tensor %s not found in checkpoint" % tensor_name)
            var_to_shape_map = reader.get_variable_to_shape_map()
            var_to_dtype_map = reader.get_variable_to_dtype_map()
            print("tensor: %s (%s) %s" % (tensor_name, var_to_dtype_map[tensor_name].name,
                                          var_to_shape_map[tensor_name]))
            print(reader.get_tensor(tensor_name))
        print("# Total number of params: %d" % _count_total_params(
            reader, count_exclude_pattern=count_exclude_pattern))
    except Exception as e:  # noqa: BLE001 - TensorFlow's tool reports every error as a message
        print(str(e))
        if "corrupted compressed block contents" in str(e):
            print("It's likely that your checkpoint file has been compressed with SNAPPY.")
        if "Data loss" in str(e) and any(ext in file_name for ext in [".index", ".meta", ".data"]):
            proposed_file = ".".join(file_name.split(".")[0:-1])
            v2_file_error_template = """
It's likely that this is a V2 checkpoint and you need to provide the filename
*prefix*.  Try removing the '.' and extension.  Try:
inspect checkpoint --file_name = {}"""
            print(v2_file_error_template.format(proposed_file))
        return e
    return None


def print_tensors_in_checkpoint_file(file_name, tensor_name, all_tensors, all_tensor_names=False,
                                     count_exclude_pattern=""):
    """Prints the tensors of a checkpoint, as TensorFlow does.

    No ``tensor_name``: the names, dtypes and shapes (``v1 (DT_FLOAT) [3]``); ``tensor_name``: that
    tensor's value; ``all_tensors``: every name and value; ``all_tensor_names``: every name. Then the
    total number of parameters (those matching the regex ``count_exclude_pattern`` left out). Errors
    are printed, not raised, as TensorFlow's tool does.
    """
    _print_tensors(file_name, tensor_name, all_tensors, all_tensor_names, count_exclude_pattern)


class _ArgumentError(Exception):
    pass


def _parse_bool(v_str):
    # absl's BooleanParser, which TensorFlow's tool uses for boolean print options.
    low = v_str.lower()
    if low in ("true", "t", "1"):
        return True
    if low in ("false", "f", "0"):
        return False
    raise ValueError("Non-boolean argument to boolean flag %s" % v_str)


def parse_numpy_printoption(kv_str):
    """Sets one numpy print option from ``"k=v"`` (``threshold=100000``); ArgumentTypeError if it cannot."""
    k_v_str = kv_str.split("=", 1)
    if len(k_v_str) != 2 or not k_v_str[0]:
        raise argparse.ArgumentTypeError("'%s' is not in the form k=v." % kv_str)
    k, v_str = k_v_str
    printoptions = np.get_printoptions()
    if k not in printoptions:
        raise argparse.ArgumentTypeError("'%s' is not a valid printoption." % k)
    v_type = type(printoptions[k])
    if v_type is type(None):
        raise argparse.ArgumentTypeError("Setting '%s' from the command line is not supported." % k)
    try:
        v = v_type(v_str) if v_type is not bool else _parse_bool(v_str)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    np.set_printoptions(**{k: v})


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _ArgumentError(message)


def _make_parser():
    parser = _Parser(prog="tagraph-inspect-checkpoint",
                     description="Prints the tensors of a TensorFlow checkpoint (tensor bundle V2).")
    parser.register("type", "bool", lambda v: v.lower() == "true")
    parser.add_argument("--file_name", type=str, default="",
                        help="Checkpoint filename. Note, if using Checkpoint V2 format, file_name is the shared "
                             "prefix between all files in the checkpoint.")
    parser.add_argument("--tensor_name", type=str, default="", help="Name of the tensor to inspect")
    parser.add_argument("--count_exclude_pattern", type=str, default="",
                        help="Pattern to exclude tensors, e.g., from optimizers, when counting.")
    parser.add_argument("--all_tensors", nargs="?", const=True, type="bool", default=False,
                        help="If True, print the names and values of all the tensors.")
    parser.add_argument("--all_tensor_names", nargs="?", const=True, type="bool", default=False,
                        help="If True, print the names of all the tensors.")
    parser.add_argument("--printoptions", nargs="*", type=parse_numpy_printoption,
                        help="Argument for numpy.set_printoptions(), in the form 'k=v'.")
    return parser


def main(argv=None):
    """``tagraph-inspect-checkpoint``: TensorFlow's flags. Returns the exit status: 0, or 1 after a one-line
    message when the flags, the checkpoint or the tensor asked for are wrong."""
    args = sys.argv[1:] if argv is None else list(argv)
    saved_printoptions = np.get_printoptions()
    try:
        try:
            flags, unparsed = _make_parser().parse_known_args(args)
        except _ArgumentError as e:
            print("tagraph-inspect-checkpoint: error: %s" % e, file=sys.stderr)
            return 1
        if unparsed:
            print("tagraph-inspect-checkpoint: error: unknown command line flag %r" % unparsed[0], file=sys.stderr)
            return 1
        if not flags.file_name:
            print("Usage: inspect_checkpoint --file_name=checkpoint_file_name "
                  "[--tensor_name=tensor_to_print] "
                  "[--all_tensors] "
                  "[--all_tensor_names] "
                  "[--count_exclude_pattern] "
                  "[--printoptions]")
            return 1
        error = _print_tensors(flags.file_name, flags.tensor_name, flags.all_tensors, flags.all_tensor_names,
                               flags.count_exclude_pattern)
        return 1 if error is not None else 0
    except KeyboardInterrupt:
        return 130
    finally:
        sys.stdout.flush()
        np.set_printoptions(**saved_printoptions)


if __name__ == "__main__":
    sys.exit(main())
