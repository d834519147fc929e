"""``saved_model_cli``'s command line: TensorFlow's flags and help texts, before or after the command."""
import argparse

from tagraph.serialization.saved_model_cli.common import PROG
from tagraph.serialization.saved_model_cli.expressions import ALLOWED_NUMPY_CALLS

__all__ = ["create_parser"]

_FLAG_HELP = {
    "dir": "Directory containing the SavedModel.",
    "all": "If set, outputs all available information in the given SavedModel.",
    "tag_set": "Comma-separated set of tags that identify variant graphs in the SavedModel.",
    "signature_def": "Specifies a SignatureDef (by key) within the SavedModel to display input(s) and output(s) "
                     "for.",
    "list_ops": "If set, will output ops used by a MetaGraphDef specified by tag_set.",
    "inputs": "Specifies input data files to pass to numpy.load(). Format should be '<input_key>=<filename>' or "
              "'<input_key>=<filename>[<variable_name>]', separated by ';'. File formats are limited to .npy and "
              ".npz (and pickle with --allow_pickle).",
    "input_exprs": "Specifies Python literal expressions or numpy constructor calls. Format should be "
                   "\"<input_key>='<python_expression>'\", separated by ';'. Allowed calls: %s, and "
                   "np.<dtype>(...), on literals; never passed to eval()." % ", ".join(ALLOWED_NUMPY_CALLS),
    "input_examples": "Specifies tf.train.Example objects as inputs. Format should be "
                      "'<input_key>=[{feature0:value_list,feature1:value_list}]', where input keys are separated "
                      "by ';'. Overrides duplicate input keys provided with the --inputs and --input_exprs flags.",
    "outdir": "If specified, writes CLI output to the given directory.",
    "overwrite": "If set, overwrites output file if it already exists.",
    "tf_debug": "The TensorFlow Debugger (tfdbg) is not supported in tagraph; setting this is an error.",
    "allow_pickle": "tagraph's addition: allow --inputs files that are pickles. Unpickling can run arbitrary "
                    "code; only for files you trust.",
    "op_denylist": "If specified, detects and reports the given ops. List of ops should be comma-separated. If "
                   "not specified, the default list of ops is [WriteFile, ReadFile, PrintV2]. To specify an empty "
                   "list, pass in the empty string.",
    "verbose": "tagraph's addition: on an error, print the traceback as well.",
}
_BOOL_FLAGS = ("all", "list_ops", "overwrite", "tf_debug", "allow_pickle", "verbose")
_STR_FLAGS = ("dir", "tag_set", "signature_def", "inputs", "input_exprs", "input_examples", "outdir",
              "op_denylist")
_STR_DEFAULTS = {"inputs": "", "input_exprs": "", "input_examples": ""}
_REQUIRED = {"show": ["dir"], "run": ["dir", "tag_set", "signature_def"], "scan": ["dir"]}

_DESCRIPTIONS = {
    "show": ("Usage examples:\n"
             "To show all tag-sets in a SavedModel:\n"
             "$saved_model_cli show --dir /tmp/saved_model\n\n"
             "To show all available SignatureDef keys in a MetaGraphDef specified by its tag-set:\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve\n\n"
             "For a MetaGraphDef with multiple tags in the tag-set, all tags must be passed in, separated by "
             "';':\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve,gpu\n\n"
             "To show all inputs and outputs TensorInfo for a specific SignatureDef specified by the "
             "SignatureDef key in a MetaGraph.\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve --signature_def serving_default\n\n"
             "To show all ops in a MetaGraph.\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve --list_ops\n\n"
             "To show all available information in the SavedModel:\n"
             "$saved_model_cli show --dir /tmp/saved_model --all").replace("$saved_model_cli", "$" + PROG),
    "run": ("Usage example:\n"
            "To run input tensors from files through a MetaGraphDef and save the output tensors to files:\n"
            "$saved_model_cli run --dir /tmp/saved_model --tag_set serve \\\n"
            "   --signature_def serving_default \\\n"
            "   --inputs 'input1_key=/tmp/124.npz[x];input2_key=/tmp/123.npy' \\\n"
            "   --input_exprs 'input3_key=np.ones(2)' \\\n"
            "   --input_examples 'input4_key=[{\"id\":[26],\"weights\":[0.5, 0.5]}]' \\\n"
            "   --outdir=/out\n").replace("$saved_model_cli", "$" + PROG),
    "scan": ("Usage example:\n"
             "To scan for default denylisted ops in SavedModel:\n"
             "$saved_model_cli scan --dir /tmp/saved_model\n"
             "To scan for a specific set of ops in SavedModel:\n"
             "$saved_model_cli scan --dir /tmp/saved_model --op_denylist OpName,OpName,OpName\n"
             "To scan a specific MetaGraph, pass in --tag_set\n").replace("$saved_model_cli", "$" + PROG),
}
_UNSUPPORTED = {
    "convert": "TensorRT conversion",
    "freeze_model": "freezing for XLA ahead-of-time compilation",
    "aot_compile_cpu": "XLA ahead-of-time compilation",
}


def _add_flags(parser):
    # Flags go before or after the command, as absl's do; SUPPRESS keeps a subcommand's parser from
    # overwriting a value given before the command.
    for name in _STR_FLAGS:
        parser.add_argument("--" + name, default=argparse.SUPPRESS, help=_FLAG_HELP[name])
    for name in _BOOL_FLAGS:
        parser.add_argument("--" + name, action="store_true", default=argparse.SUPPRESS, help=_FLAG_HELP[name])
        parser.add_argument("--no" + name, dest=name, action="store_false", default=argparse.SUPPRESS,
                            help=argparse.SUPPRESS)


def create_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, description="saved_model_cli: Command-line interface for SavedModel (tagraph)")
    parser.add_argument("-v", "--version", action="version", version="0.1.0")
    _add_flags(parser)
    subparsers = parser.add_subparsers(title="commands", description="valid commands", help="additional help",
                                       dest="command")
    for name in ("show", "run", "scan"):
        sub = subparsers.add_parser(name, description=_DESCRIPTIONS[name],
                                    formatter_class=argparse.RawTextHelpFormatter)
        _add_flags(sub)
    for name, what in _UNSUPPORTED.items():
        subparsers.add_parser(name, description="Not supported in tagraph (%s)." % what)
    return parser, subparsers
