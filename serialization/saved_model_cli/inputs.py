"""``saved_model_cli run``'s inputs: the ``--inputs`` files (.npy and .npz, pickles only with --allow_pickle),
the ``--input_exprs`` and ``--input_examples`` flag syntax, and tf.Example literals."""
import re

from tagraph.protos import example_pb2
from tagraph.serialization.saved_model_cli.common import CliError

__all__ = ["preprocess_inputs_arg_string"]


def preprocess_inputs_arg_string(inputs_str):
    """``'x1=a.npy;x2=b.npz[x]'`` -> ``{'x1': ('a.npy', None), 'x2': ('b.npz', 'x')}`` (TensorFlow's rules)."""
    input_dict = {}
    for input_raw in filter(bool, inputs_str.split(";")):
        match = re.match(r"([^=]+)=([^\[\]]+)\[([^\[\]]+)\]$", input_raw)
        if match:
            input_dict[match.group(1)] = match.group(2), match.group(3)
            continue
        match = re.match(r"([^=]+)=([^\[\]]+)$", input_raw)
        if match:
            input_dict[match.group(1)] = match.group(2), None
            continue
        raise CliError('--inputs "%s" format is incorrect. Please follow"<input_key>=<filename>", or'
                       '"<input_key>=<filename>[<variable_name>]"' % input_raw)
    return input_dict


def _split_exprs(exprs_str, flag):
    out = []
    for input_raw in filter(bool, exprs_str.split(";")):
        if "=" not in input_raw:
            raise CliError('%s "%s" format is incorrect. Please follow"<input_key>=<python expression>"'
                           % (flag, exprs_str))
        key, expr = input_raw.split("=", 1)
        out.append((key, expr))
    return out


_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def _input_file_kind(filename):
    """'npy', 'npz' or 'pickle', from the extension; only .npy/.npz names are opened (to check the magic)."""
    lower = filename.lower()
    if not lower.endswith((".npy", ".npz")):
        return "pickle"
    try:
        with open(filename, "rb") as f:
            head = f.read(6)
    except OSError as e:
        raise CliError("Input file %s cannot be read: %s" % (filename, e.strerror or e), "OSError") from None
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _ZIP_MAGICS:
        return "npz"
    return "pickle"


def _refuse_pickle(key, filename, kind_reason):
    return CliError(
        "Input file %s (for input key %s) %s; loading it would unpickle it, and unpickling can run arbitrary "
        "code. tagraph loads .npy and .npz files only, unless --allow_pickle is given for a file you trust."
        % (filename, key, kind_reason), "ValueError")


def _check_input_files(inputs, allow_pickle):
    kinds = {}
    for key, (filename, _) in inputs.items():
        if not allow_pickle and not filename.lower().endswith((".npy", ".npz")):
            # Refused on its name alone: the file is not opened.
            raise _refuse_pickle(key, filename, "is not a .npy or .npz file")
        kind = _input_file_kind(filename)
        if kind == "pickle" and not allow_pickle:
            raise _refuse_pickle(key, filename, "is named like a numpy file but holds neither .npy nor .npz data "
                                 "(a pickle?)")
        kinds[key] = kind
    return kinds


def _load_input_files(inputs, kinds, allow_pickle, warn):
    import numpy as np  # lazy: numpy is loaded by `run` only, never by `show` or `scan`
    feed = {}
    for key, (filename, variable_name) in inputs.items():
        try:
            data = np.load(filename, allow_pickle=bool(allow_pickle))
            if isinstance(data, np.lib.npyio.NpzFile):
                with data:
                    if variable_name:
                        if variable_name not in data.files:
                            raise CliError('Input file %s does not contain variable with name "%s".'
                                           % (filename, variable_name))
                        feed[key] = data[variable_name]
                    else:
                        if len(data.files) != 1:
                            raise CliError("Input file %s contains more than one ndarrays. Please specify the "
                                           "name of ndarray to use." % filename)
                        feed[key] = data[data.files[0]]
            elif isinstance(data, np.ndarray):
                if variable_name:
                    warn('Input file %s contains a single ndarray. Name key "%s" ignored.'
                         % (filename, variable_name))
                feed[key] = data
            else:  # an unpickled object (--allow_pickle)
                if variable_name:
                    try:
                        feed[key] = data[variable_name]
                    except (KeyError, TypeError, IndexError):
                        raise CliError('Input file %s does not contain variable with name "%s".'
                                       % (filename, variable_name)) from None
                else:
                    feed[key] = data
        except CliError:
            raise
        except ValueError as e:
            if "allow_pickle" in str(e):
                raise _refuse_pickle(key, filename, "holds object arrays (pickled data)") from None
            raise CliError("Input file %s cannot be loaded: %s" % (filename, e), "ValueError") from None
        except OSError as e:
            raise CliError("Input file %s cannot be read: %s" % (filename, e.strerror or e), "OSError") from None
        except Exception as e:  # corrupt zip, truncated .npy, ... : say which file
            raise CliError("Input file %s cannot be loaded: %s: %s" % (filename, type(e).__name__, e),
                           "ValueError") from None
    return feed


def _create_example_string(example_dict):
    """A serialized tf.Example from ``{"feature": [values]}`` (TensorFlow's type inference)."""
    if not isinstance(example_dict, dict):
        raise CliError("tf.Example must be a dictionary of feature lists, but %r is %s"
                       % (example_dict, type(example_dict)), "ValueError")
    example = example_pb2.Example()
    for feature_name, feature_list in example_dict.items():
        if not isinstance(feature_name, str):
            raise CliError("feature names must be strings, but %r is %s" % (feature_name, type(feature_name)),
                           "ValueError")
        if not isinstance(feature_list, list):
            raise CliError('feature value must be a list, but %s: "%s" is %s'
                           % (feature_name, feature_list, type(feature_list)), "ValueError")
        if not feature_list:
            raise CliError('feature value must be a non-empty list, but %s is empty (its type, float, int or '
                           'str, is taken from its first value)' % feature_name, "ValueError")
        first = feature_list[0]
        feature = example.features.feature[feature_name]
        try:
            if isinstance(first, float):
                feature.float_list.value.extend(feature_list)
            elif isinstance(first, str):
                feature.bytes_list.value.extend([f.encode("utf8") for f in feature_list])
            elif isinstance(first, bytes):
                feature.bytes_list.value.extend(feature_list)
            elif isinstance(first, int):
                feature.int64_list.value.extend(feature_list)
            else:
                raise CliError("Type %s for value %s is not supported for tf.train.Feature."
                               % (type(first), first), "ValueError")
        except (TypeError, ValueError, AttributeError) as e:
            raise CliError("feature %s: the values %r do not all have the type of the first one (%s): %s"
                           % (feature_name, feature_list, type(first).__name__, e), "ValueError") from None
    return example.SerializeToString()
