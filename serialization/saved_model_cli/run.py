"""``saved_model_cli run``: checks every input, then runs one signature and prints or saves its outputs."""
import io
import logging
import os

import numpy as np

from tagraph.devices import registry
from tagraph.devices.kind import host_kind, kind_for_tags
from tagraph.engine.framework.config import ConfigProto
from tagraph.serialization.atomic_file import write_atomic
from tagraph.serialization.saved_model.signature_runner import SignatureRunner
from tagraph.serialization.saved_model_cli.common import CliError
from tagraph.serialization.saved_model_cli.expressions import _ExprEvaluator
from tagraph.serialization.saved_model_cli.inputs import (_check_input_files, _create_example_string,
                                                          _load_input_files, _split_exprs,
                                                          preprocess_inputs_arg_string)
from tagraph.serialization.saved_model_cli.reader import (_get_meta_graph_def, _sanitize_nonempty_str_list,
                                                          _signature_not_found, read_saved_model)

__all__ = ["run"]


def _safe_output_name(key):
    return (key and key not in (".", "..") and "/" not in key and "\\" not in key and "\0" not in key
            and os.path.basename(key) == key)


def run(args, out, warn):
    """``run``: checks the flags and inputs (nothing is loaded before), runs the signature, prints or saves."""
    if not args.inputs and not args.input_exprs and not args.input_examples:
        raise CliError("At least one of --inputs, --input_exprs or --input_examples must be required",
                       "AttributeError")
    if args.tf_debug:
        raise CliError("--tf_debug (the TensorFlow Debugger, tfdbg) is not supported in tagraph; run without it "
                       "(tagraph has no interactive debugger session to wrap)", "NotImplementedError")
    # 1. Everything that can be checked without loading anything: flag syntax, the pickle policy (by file
    #    name), and the expressions: all are checked before any is evaluated, and every allocation is costed
    #    before it is made.
    inputs = preprocess_inputs_arg_string(args.inputs)
    exprs = _split_exprs(args.input_exprs, "--input_exprs")
    examples = _split_exprs(args.input_examples, "--input_examples")
    expr_eval = _ExprEvaluator(allow_calls=True)
    example_eval = _ExprEvaluator(allow_calls=False)
    parsed_exprs = [(k, e, expr_eval.parse(e)) for k, e in exprs]
    parsed_examples = [(k, e, example_eval.parse(e)) for k, e in examples]
    kinds = _check_input_files(inputs, args.allow_pickle)
    expr_values = {}
    for key, text, node in parsed_exprs:
        expr_values[key] = expr_eval.evaluate(node, text)
    example_values = {}
    for key, text, node in parsed_examples:
        value = example_eval.evaluate(node, text)
        if not isinstance(value, list):
            raise CliError('tf.Example input must be a list of dictionaries, but "%s" is %s'
                           % (value, type(value)), "ValueError")
        example_values[key] = np.array([_create_example_string(ex) for ex in value], dtype=object)

    # 2. The signature (protos only), so that a wrong key fails before inputs are built.
    tags = _sanitize_nonempty_str_list(args.tag_set.split(","), "tag_set")
    saved_model = read_saved_model(args.dir)
    meta_graph_def = _get_meta_graph_def(saved_model, ",".join(tags))
    if args.signature_def not in meta_graph_def.signature_def:
        raise _signature_not_found(meta_graph_def, args.signature_def)
    signature = meta_graph_def.signature_def[args.signature_def]
    for key in list(inputs) + list(expr_values) + list(example_values):
        if key not in signature.inputs:
            raise CliError('"%s" is not a valid input key. Please choose from %s, or use --show option.'
                           % (key, '"' + '", "'.join(sorted(signature.inputs.keys())) + '"'), "ValueError")
    output_keys = sorted(signature.outputs.keys())
    if args.outdir:
        for key in output_keys:
            if not _safe_output_name(key):
                raise CliError("Output key %r is not a plain file name; refusing to write it under --outdir %s"
                               % (key, args.outdir), "ValueError")
            path = os.path.join(args.outdir, key + ".npy")
            if not args.overwrite and os.path.exists(path):
                raise CliError('Output file %s already exists. Add "--overwrite" to overwrite the existing '
                               'output files.' % path)

    # 3. Load the files; --input_exprs overrides --inputs, --input_examples overrides both (TensorFlow's rule).
    feed = _load_input_files(inputs, kinds, args.allow_pickle, warn)
    for key, value in expr_values.items():
        if key in feed:
            warn("input_key %s has been specified with both --inputs and --input_exprs options. Value in "
                 "--input_exprs will be used." % key)
        feed[key] = value
    for key, value in example_values.items():
        if key in feed:
            warn("input_key %s has been specified in multiple options. Value in --input_examples will be used."
                 % key)
        feed[key] = value

    # 4. Run.
    outputs = _run_signature(args.dir, tags, args.signature_def, feed, output_keys, warn, args.verbose)
    if args.outdir:
        for key in output_keys:
            if isinstance(outputs[key], tuple):  # a SparseTensorValue(indices, values, dense_shape)
                raise CliError("Output %s is sparse (indices, values, dense_shape): it cannot be written as one "
                               ".npy file; run without --outdir to print it" % key, "ValueError")
    for key in output_keys:
        output = outputs[key]
        out.append("Result for output key %s:\n%s" % (key, output))
        if args.outdir:
            os.makedirs(args.outdir, exist_ok=True)
            path = os.path.join(args.outdir, key + ".npy")
            if not args.overwrite and os.path.exists(path):
                raise CliError('Output file %s already exists. Add "--overwrite" to overwrite the existing '
                               'output files.' % path)
            _save_npy_atomic(path, output)
            out.append("Output %s is saved to %s" % (key, path))


def _save_npy_atomic(path, array):
    array = np.asarray(array)
    buf = io.BytesIO()
    # String outputs are object arrays of bytes, which .npy stores pickled (as TensorFlow's np.save does).
    np.save(buf, array, allow_pickle=array.dtype == object)
    write_atomic(path, buf.getvalue())


def _run_signature(saved_model_dir, tags, signature_key, feed, output_keys, warn, verbose=False):
    """Loads the MetaGraphDef tagged ``tags`` and runs one signature: {input key: value} -> {output key: array}.

    The device follows the tag-set: the graph's own placements are honoured with soft placement, so a
    ``gpu`` tag-set runs on the GPU when there is one, and on the CPU (said on stderr) when there is not.
    """
    kind = kind_for_tags(tags)
    if kind is not None and kind.device_type not in {d.device_type for d in registry.list_devices()}:
        warn("the MetaGraphDef tagged %s pins nodes to a %s, and no %s is present: running it on the %s "
             "with soft placement" % (tags, kind.device_type, kind.device_type, host_kind().device_type))
    with _SoftPlacementSummary(warn, verbose):
        with SignatureRunner(saved_model_dir, tags=tags, config=ConfigProto(allow_soft_placement=True)) as runner:
            return runner.run(feed, signature_key, output_keys)


class _SoftPlacementSummary:
    """Turns the placer's one-line-per-node soft placement warnings into one line (all of them with --verbose)."""

    def __init__(self, warn, verbose=False):
        self._warn, self._verbose = warn, verbose
        self._logger = logging.getLogger("tagraph.placement")
        self._records = []
        outer = self

        class _Collect(logging.Handler):
            def emit(self, record):
                outer._records.append(record)

        self._handler = _Collect(logging.WARNING)

    def __enter__(self):
        self._propagate = self._logger.propagate
        self._logger.addHandler(self._handler)
        self._logger.propagate = False
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self._handler)
        self._logger.propagate = self._propagate
        soft = [r for r in self._records if r.getMessage().startswith("Soft placement")]
        for r in self._records:
            if r not in soft or self._verbose:
                self._warn(r.getMessage())
        if soft and not self._verbose:
            targets = sorted({str(r.args[-1]) for r in soft if r.args})
            self._warn("soft placement moved %d node%s off the device%s asked for, onto %s (--verbose lists them)"
                       % (len(soft), "s" if len(soft) > 1 else "", "s" if len(soft) > 1 else "",
                          ", ".join(targets) or "another device"))
        return False
