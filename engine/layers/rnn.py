"""``tg.nn.dynamic_rnn``, ``static_rnn``, ``bidirectional_dynamic_rnn`` and ``static_bidirectional_rnn``:
TensorFlow 1's recurrent networks over the cells of ``tg.nn.rnn_cell``, built as TensorFlow 1 builds them.

    cell = tg.nn.rnn_cell.LSTMCell(64)
    outputs, state = tg.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tg.float32)
    # outputs [batch, time, 64]; state LSTMStateTuple(c, h) at each sequence's last step

``dynamic_rnn`` is a ``while_loop`` (control flow v1) over a TensorArray of the time steps, the cell called
once in its body, the outputs written to a TensorArray stacked after the loop; with ``sequence_length``,
steps past a sequence's end give zeros and keep its state (``Select`` on ``time >= sequence_length``), and
the loop stops at the longest sequence. ``static_rnn`` unrolls the cell over a Python list of inputs.
Variables are made under the ``rnn`` scope (``bidirectional_rnn/fw``, ``bidirectional_rnn/bw``), so
``rnn/lstm_cell/kernel`` and ``rnn/lstm_cell/bias`` are TensorFlow's names for the same model.
``tg.gradients`` differentiates the loop (engine/train/control_flow_grad.py), so the usual optimizers
train these models. ``swap_memory`` is accepted for TensorFlow's signature: saved values stay in host memory.
"""
import contextlib

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.layers.rnn_cell import assert_like_rnncell, concat_shape, size_dims
from tagraph.engine.ops import array_ops, comparison_ops, indexing_ops, joining_ops, math_ops, reduction_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import _flatten, _pack_as, cond, while_loop
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.tensor_array_ops import TensorArray
from tagraph.engine.variables.variables import VariableScope, variable_scope

__all__ = ["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn"]


def _is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _pack(structure, flat):
    return _pack_as(structure, flat) if _is_nested(structure) else flat[0]


@contextlib.contextmanager
def _rnn_scope(scope, default):
    """``variable_scope(scope or default)``; a scope object gets a new name scope named as its last part, as
    TensorFlow's variable_scope gives it (``bidirectional_rnn/fw/fw/while``)."""
    if not isinstance(scope, VariableScope):
        with variable_scope(scope or default) as vs:
            yield vs
        return
    with variable_scope(scope, auxiliary_name_scope=False) as vs, \
            get_default_graph().name_scope(scope.name.split("/")[-1] or None):
        yield vs


def _with_rank_at_least(shape, rank):
    if shape.rank is not None and shape.rank < rank:
        raise ValueError("Shape %s must have rank at least %d" % (shape, rank))
    return shape if shape.rank is not None else TensorShape([None] * rank)


def _transpose_batch_time(x):
    """``x`` with its first two dimensions swapped (nothing for rank < 2), keeping its static shape."""
    static = x.shape
    if static.rank is not None and static.rank < 2:
        return x
    x_rank = array_ops.rank(x)
    x_t = array_ops.transpose(x, joining_ops.concat(([1, 0], math_ops.range(2, x_rank)), axis=0))
    if static.rank is not None:
        x_t.set_shape(TensorShape([static.dims[1], static.dims[0]] + list(static.dims[2:])))
    return x_t


def _best_effort_input_batch_size(flat_input):
    for x in flat_input:
        shape = x.shape
        if shape.rank is None:
            continue
        if shape.rank < 2:
            raise ValueError("Input tensor should have rank >= 2. Received input=%s of rank %d" % (x, shape.rank))
        if shape.dims[1] is not None:
            return shape.dims[1]
    return array_ops.shape(flat_input[0])[1]


def _infer_state_dtype(explicit_dtype, state):
    if explicit_dtype is not None:
        return dtypes.as_dtype(explicit_dtype)
    if _is_nested(state):
        inferred = [t.dtype.base_dtype for t in _flatten(state)]
        if not inferred:
            raise ValueError("Unable to infer dtype from argument state=%s." % (state,))
        if any(d != inferred[0] for d in inferred):
            raise ValueError("Argument state=%s has tensors of different inferred dtypes. Unable to infer a single "
                             "representative dtype. Dtypes received: %s" % (state, [d.name for d in inferred]))
        return inferred[0]
    return state.dtype.base_dtype


def _initial_state(cell, initial_state, batch_size, dtype):
    if initial_state is not None:
        return initial_state
    if not dtype:
        raise ValueError("If no initial_state is provided, argument `dtype` must be specified")
    if getattr(cell, "get_initial_state", None) is not None:
        return cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
    return cell.zero_state(batch_size, dtype)


def _rnn_step(time, sequence_length, min_sequence_length, max_sequence_length, zero_output, state, call_cell,
              skip_conditionals=False):
    """One step of an RNN over a batch with ``sequence_length``: past a sequence's end its output is zero and
    its state is kept (TensorFlow's _rnn_step; without ``skip_conditionals`` the whole step is skipped past the
    longest sequence, and the Selects before the shortest one ends)."""
    flat_state = _flatten(state)
    flat_zero_output = _flatten(zero_output)
    g = get_default_graph()
    copy_cond = time >= sequence_length

    def copy_one_through(output, new_output):
        if isinstance(output, TensorArray) or output.shape.rank == 0:
            return new_output
        with g.colocate_with(new_output.op):
            return math_ops.where(copy_cond, output, new_output)

    def copy_some_through(flat_new_output, flat_new_state):
        return ([copy_one_through(z, o) for z, o in zip(flat_zero_output, flat_new_output)] +
                [copy_one_through(s, n) for s, n in zip(flat_state, flat_new_state)])

    def new_values():
        new_output, new_state = call_cell()
        _assert_same_structure(zero_output, new_output, "output")
        _assert_same_structure(state, new_state, "state")
        return _flatten(new_output), _flatten(new_state)

    if skip_conditionals:
        flat_new_output, flat_new_state = new_values()
        final = copy_some_through(flat_new_output, flat_new_state)
    else:
        def maybe_copy_some_through():
            flat_new_output, flat_new_state = new_values()
            return cond(time < min_sequence_length, lambda: flat_new_output + flat_new_state,
                        lambda: copy_some_through(flat_new_output, flat_new_state))

        final = cond(time >= max_sequence_length, lambda: flat_zero_output + flat_state, maybe_copy_some_through)
        if not isinstance(final, (list, tuple)):
            final = [final]
    final_output = final[:len(flat_zero_output)]
    final_state = final[len(flat_zero_output):]
    for out, z in zip(final_output, flat_zero_output):
        out.set_shape(z.shape)
    for sub, s in zip(final_state, flat_state):
        if not isinstance(sub, TensorArray):
            sub.set_shape(s.shape)
    return _pack(zero_output, final_output), _pack(state, final_state)


def _assert_same_structure(a, b, what):
    def shape_of(x):
        if isinstance(x, dict):
            return ("dict", tuple((k, shape_of(x[k])) for k in sorted(x)))
        if isinstance(x, (list, tuple)):
            return (len(x), tuple(shape_of(v) for v in x))
        return None
    if shape_of(a) != shape_of(b):
        raise ValueError("The cell's %s %r does not have the structure its size gives: %r" % (what, b, a))


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """The RNN of ``cell`` over ``inputs`` (``[batch, time, depth]``, or ``[time, batch, depth]`` with
    ``time_major``; or a nested structure of such), as a while loop: ``(outputs, final_state)``.

    ``sequence_length`` (a ``[batch]`` int vector) ends each sequence early: later outputs are zeros and the
    final state is the one at its last step. ``initial_state`` defaults to ``cell.zero_state`` in ``dtype``.

        outputs, state = tg.nn.dynamic_rnn(tg.nn.rnn_cell.GRUCell(32), x, dtype=tg.float32)
    """
    assert_like_rnncell("cell", cell)
    with _rnn_scope(scope, "rnn"):
        flat_input = _flatten(inputs)
        if not time_major:
            flat_input = [convert_to_tensor(x) for x in flat_input]
            flat_input = tuple(_transpose_batch_time(x) for x in flat_input)
        parallel_iterations = parallel_iterations or 32
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            if sequence_length.shape.rank not in (None, 1):
                raise ValueError("Argument sequence_length must be a vector of length batch_size. Received "
                                 "sequence_length=%s of shape: %s" % (sequence_length, sequence_length.shape))
            sequence_length = array_ops.identity(sequence_length, name="sequence_length")
        batch_size = _best_effort_input_batch_size(flat_input)
        state = _initial_state(cell, initial_state, batch_size, dtype)
        if sequence_length is not None:
            x_shape = array_ops.shape(sequence_length)
            packed_shape = joining_ops.stack([batch_size])
            check = Assert(reduction_ops.reduce_all(comparison_ops.equal(x_shape, packed_shape)),
                           ["Expected shape for Tensor %s is " % sequence_length.name, packed_shape,
                            " but saw shape: ", x_shape])
            with get_default_graph().control_dependencies([check]):
                sequence_length = array_ops.identity(sequence_length, name="CheckSeqLen")
        inputs = _pack(inputs, list(flat_input))
        outputs, final_state = _dynamic_rnn_loop(cell, inputs, state, parallel_iterations, swap_memory,
                                                 sequence_length, dtype)
        if not time_major:
            flat = [_transpose_batch_time(o) for o in _flatten(outputs)]
            outputs = _pack(outputs, flat)
        return outputs, final_state


def _dynamic_rnn_loop(cell, inputs, initial_state, parallel_iterations, swap_memory, sequence_length, dtype):
    state = initial_state
    flat_input = _flatten(inputs)
    flat_output_size = _flatten(cell.output_size)
    input_shape = array_ops.shape(flat_input[0])
    time_steps = input_shape[0]
    batch_size = _best_effort_input_batch_size(flat_input)
    got_shapes = []
    for x in flat_input:
        shape = x.shape
        if shape.rank is not None and shape.rank < 3:
            raise ValueError("Shape %s must have rank at least 3" % shape)
        got_shapes.append(shape)
    const_time_steps, const_batch_size = got_shapes[0].as_list()[:2] if got_shapes[0].rank is not None \
        else (None, None)
    for x, shape in zip(flat_input, got_shapes):
        if shape.rank is None or not TensorShape(shape.dims[2:]).is_fully_defined():
            raise ValueError("Input size (depth of inputs) must be accessible via shape inference, but saw value "
                             "None for input=%s." % x)
        if shape.dims[0] != const_time_steps:
            raise ValueError("Time steps is not the same for all the elements in the input in a batch. Received "
                             "time steps=%s for input=%s." % (shape.dims[0], x))
        if shape.dims[1] != const_batch_size:
            raise ValueError("Batch_size is not the same for all the elements in the input. Received batch "
                             "size=%s for input=%s." % (shape.dims[1], x))
    state_dtype = _infer_state_dtype(dtype, state)

    def create_zero_arrays(size):
        return array_ops.zeros(concat_shape(batch_size, size), state_dtype)

    flat_zero_output = tuple(create_zero_arrays(size) for size in flat_output_size)
    zero_output = _pack(cell.output_size, list(flat_zero_output))
    if sequence_length is not None:
        min_sequence_length = reduction_ops.reduce_min(sequence_length)
        max_sequence_length = reduction_ops.reduce_max(sequence_length)
    else:
        max_sequence_length = time_steps
    time = constant(0, dtype=dtypes.int32, name="time")
    g = get_default_graph()
    with g.name_scope("dynamic_rnn") as base_name:
        pass

    def create_ta(name, element_shape, dtype):
        return TensorArray(dtype=dtype, size=time_steps, element_shape=element_shape,
                           tensor_array_name=base_name + name)

    output_ta = tuple(create_ta("output_%d" % i, TensorShape([const_batch_size] + size_dims(size)),
                                state_dtype) for i, size in enumerate(flat_output_size))
    input_ta = tuple(create_ta("input_%d" % i, x.shape[1:], x.dtype.base_dtype) for i, x in enumerate(flat_input))
    input_ta = tuple(ta.unstack(x) for ta, x in zip(input_ta, flat_input))

    def time_step(time, output_ta_t, state):
        input_t = tuple(ta.read(time) for ta in input_ta)
        for x, shape in zip(input_t, got_shapes):
            x.set_shape(shape[1:])
        input_t = _pack(inputs, list(input_t))

        def call_cell():
            return cell(input_t, state)

        if sequence_length is not None:
            output, new_state = _rnn_step(time, sequence_length, min_sequence_length, max_sequence_length,
                                          zero_output, state, call_cell, skip_conditionals=True)
        else:
            output, new_state = call_cell()
        output_ta_t = tuple(ta.write(time, out) for ta, out in zip(output_ta_t, _flatten(output)))
        return time + 1, output_ta_t, new_state

    loop_bound = math_ops.minimum(time_steps, math_ops.maximum(1, max_sequence_length))
    _, output_final_ta, final_state = while_loop(
        lambda time, *_: time < loop_bound, time_step, loop_vars=(time, output_ta, state),
        parallel_iterations=parallel_iterations, maximum_iterations=time_steps, swap_memory=swap_memory)
    final_outputs = [ta.stack() for ta in output_final_ta]
    for output, size in zip(final_outputs, flat_output_size):
        static = concat_shape([const_time_steps, const_batch_size], size, static=True)
        if static is not None:
            output.set_shape(TensorShape(static))
    return _pack(cell.output_size, final_outputs), final_state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """The RNN of ``cell`` unrolled over ``inputs``, a list of ``[batch, depth]`` tensors (one per step):
    ``(outputs, final_state)``, ``outputs`` a list. With ``sequence_length``, each step is a cond that skips
    the cell past the longest sequence.

        outputs, state = tg.nn.static_rnn(tg.nn.rnn_cell.BasicRNNCell(8), tg.unstack(x, axis=1), dtype=tg.float32)
    """
    assert_like_rnncell("cell", cell)
    if not _is_nested(inputs):
        raise TypeError("Argument `inputs` must be a sequence. Received: %s" % (inputs,))
    if not inputs:
        raise ValueError("Argument `inputs` must not be empty.")
    outputs = []
    with _rnn_scope(scope, "rnn") as varscope:
        first_input = inputs
        while _is_nested(first_input):
            first_input = first_input[0]
        if first_input.shape.rank != 1:
            fixed_batch_size = _with_rank_at_least(first_input.shape, 2).dims[0]
            for flat_input in _flatten(inputs):
                shape = _with_rank_at_least(flat_input.shape, 2)
                if not TensorShape([fixed_batch_size]).is_compatible_with(TensorShape([shape.dims[0]])):
                    raise ValueError("Dimensions %s and %s are not compatible" % (fixed_batch_size, shape.dims[0]))
                for i, size in enumerate(shape.dims[1:]):
                    if size is None:
                        raise ValueError("Input size (dimension %d of input %s) must be accessible via shape "
                                         "inference, but saw value None." % (i, flat_input))
        else:
            fixed_batch_size = _with_rank_at_least(first_input.shape, 1).dims[0]
        batch_size = fixed_batch_size if fixed_batch_size else array_ops.shape(first_input)[0]
        state = _initial_state(cell, initial_state, batch_size, dtype)
        if sequence_length is not None:
            sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
            if sequence_length.shape.rank not in (None, 1):
                raise ValueError("Argument `sequence_length` must be a vector of length %s. Received "
                                 "sequence_length=%s." % (batch_size, sequence_length))

            def create_zero_output(size):
                output = array_ops.zeros(concat_shape(batch_size, size), _infer_state_dtype(dtype, state))
                static = concat_shape(fixed_batch_size, size, static=True) if fixed_batch_size is not None \
                    else [None] + size_dims(size)
                output.set_shape(TensorShape(static))
                return output

            flat_output_size = _flatten(cell.output_size)
            zero_output = _pack(cell.output_size, [create_zero_output(s) for s in flat_output_size])
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            min_sequence_length = reduction_ops.reduce_min(sequence_length)
            max_sequence_length = reduction_ops.reduce_max(sequence_length)
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()

            def call_cell(input_=input_, state=state):
                return cell(input_, state)

            if sequence_length is not None:
                output, state = _rnn_step(time, sequence_length, min_sequence_length, max_sequence_length,
                                          zero_output, state, call_cell)
            else:
                output, state = call_cell()
            outputs.append(output)
        return outputs, state


def _reverse(x, seq_lengths, seq_axis, batch_axis):
    if seq_lengths is not None:
        return indexing_ops.reverse_sequence(x, seq_lengths=seq_lengths, seq_axis=seq_axis, batch_axis=batch_axis)
    return joining_ops.reverse(x, axis=[seq_axis])


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """A forward ``dynamic_rnn`` of ``cell_fw`` and one of ``cell_bw`` over the reversed inputs (each sequence
    reversed within its length): ``((output_fw, output_bw), (state_fw, state_bw))``, ``output_bw`` in the
    inputs' time order. Variables under ``bidirectional_rnn/fw`` and ``bidirectional_rnn/bw``.

        (fw, bw), _ = tg.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, x, sequence_length=n, dtype=tg.float32)
        both = tg.concat([fw, bw], 2)
    """
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, output_state_fw = dynamic_rnn(
                cell=cell_fw, inputs=inputs, sequence_length=sequence_length, initial_state=initial_state_fw,
                dtype=dtype, parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            inputs_reverse = _pack(inputs, [_reverse(x, sequence_length, time_axis, batch_axis)
                                            for x in _flatten(inputs)])
            tmp, output_state_bw = dynamic_rnn(
                cell=cell_bw, inputs=inputs_reverse, sequence_length=sequence_length, initial_state=initial_state_bw,
                dtype=dtype, parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=bw_scope)
    output_bw = _reverse(tmp, sequence_length, time_axis, batch_axis)
    return (output_fw, output_bw), (output_state_fw, output_state_bw)


def _reverse_seq(input_seq, lengths):
    """The list ``input_seq`` reversed, each sequence within its length when ``lengths`` is given."""
    if lengths is None:
        return list(reversed(input_seq))
    flat_input_seq = tuple(_flatten(x) for x in input_seq)
    flat_results = [[] for _ in range(len(input_seq))]
    for sequence in zip(*flat_input_seq):
        rank = sequence[0].shape.rank
        input_shape = TensorShape(None) if rank is None else TensorShape([None] * rank)
        for x in sequence:
            if not input_shape.is_compatible_with(x.shape):
                raise ValueError("Shapes %s and %s are incompatible" % (input_shape, x.shape))
            x.set_shape(input_shape)
        s_joined = joining_ops.stack(sequence)
        s_reversed = indexing_ops.reverse_sequence(s_joined, lengths, 0, 1)
        result = joining_ops.unstack(s_reversed)
        for r, flat_result in zip(result, flat_results):
            r.set_shape(input_shape)
            flat_result.append(r)
    return [_pack(x, flat) for x, flat in zip(input_seq, flat_results)]


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None, dtype=None,
                             sequence_length=None, scope=None):
    """``static_rnn`` forward and over the reversed list: ``(outputs, state_fw, state_bw)``, each output the
    concatenation of both directions' at that step.

        outputs, fw, bw = tg.nn.static_bidirectional_rnn(cell_fw, cell_bw, steps, dtype=tg.float32)
    """
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not _is_nested(inputs):
        raise TypeError("Argument `inputs` must be a sequence. Received: %s" % (inputs,))
    if not inputs:
        raise ValueError("Argument `inputs` must not be empty.")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, output_state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length,
                                                    scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, sequence_length)
            tmp, output_state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype, sequence_length,
                                              scope=bw_scope)
    output_bw = _reverse_seq(tmp, sequence_length)
    flat_outputs = [joining_ops.concat([fw, bw], 1) for fw, bw in zip(_flatten(output_fw), _flatten(output_bw))]
    return _pack(output_fw, flat_outputs), output_state_fw, output_state_bw
