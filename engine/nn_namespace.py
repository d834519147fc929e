"""``tg.nn``: the nn op families' namespace (tagraph.engine.ops.nn) joined by the recurrent networks.

The RNN cells are tf.layers layers, a layer above tg.nn's ops, so they join the namespace here, above both.

    cell = tg.nn.rnn_cell.LSTMCell(16)
    outputs, state = tg.nn.dynamic_rnn(cell, inputs, dtype=tg.float32)
"""
from tagraph.engine.layers import rnn as _rnn, rnn_cell as _rnn_cell
from tagraph.engine.ops import nn

__all__ = ["nn"]

nn.rnn_cell = _rnn_cell
for _name in _rnn.__all__:
    setattr(nn, _name, getattr(_rnn, _name))
nn.__all__ = sorted(set(nn.__all__) | {"rnn_cell"} | set(_rnn.__all__))
del _name
