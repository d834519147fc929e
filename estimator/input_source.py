"""What an Estimator's input_fn returned, fed to its graph one batch per run.

An input_fn (called with whichever of ``params``, ``mode`` and ``config`` it declares) returns one of:

- ``(features, labels)`` of numpy arrays (``features`` an array or a dict of arrays; ``labels`` may be
  None), or ``features`` alone: one batch. Training uses it at every step; evaluate and predict use it once.
- a generator (or any iterator) of such batches, e.g. ``numpy_input_fn``'s: each step takes the next one,
  and the run ends when it is exhausted (or at ``steps``).
- a ``tg.data.Dataset`` of ``(features, labels)`` (or of features): its elements, one per step, until
  it ends (OutOfRangeError), as in TensorFlow; the iterator is initialized when a session is made.
- ``(features, labels)`` of Tensors it built in the Estimator's graph (``tg.constant(x)``): every step
  runs them; evaluate and predict run one step unless given ``steps``.

numpy batches are fed through placeholders shaped like the first batch, with the batch dimension unknown,
by an :class:`InputHook` among the session's hooks; when the batches run out it raises OutOfRangeError,
which ends a MonitoredSession's loop cleanly, as an exhausted input pipeline does in TensorFlow.

    source = InputSource(input_fn_output, repeat_single=True)
    features, labels, feed_of = source.build(with_labels=True)     # in the Estimator's graph
    hooks.append(InputHook(source, feed_of))
"""
import inspect
import re

import numpy as np

import tagraph.engine as tg
from tagraph.engine.framework import dtypes, errors
from tagraph.estimator.session_run_hook import SessionRunArgs, SessionRunHook

__all__ = ["InputSource", "InputHook", "EXHAUSTED"]


EXHAUSTED = object()


def _is_tensor(x):
    return isinstance(x, tg.Tensor) or getattr(type(x), "_tg_sparse_tensor", False)


def _leaves(x):
    if isinstance(x, dict):
        return list(x.values())
    return [x]


def _split(batch):
    """(features, labels) of one batch: a 2-tuple is that; anything else is features alone."""
    if isinstance(batch, tuple) and len(batch) == 2 and not hasattr(batch, "_fields"):
        return batch
    return batch, None


_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.\-/]")


class InputSource:
    """What an input_fn returned, as placeholders (or its own tensors) and a stream of feed dicts."""

    def __init__(self, out, repeat_single):
        self._first = None
        self._iter = None
        self.tensors = None
        self.dataset = None
        self.iterator = None
        if isinstance(out, tg.data.Dataset):
            # Its iterator is made in build(), in the graph; the session's runs end with its OutOfRangeError.
            self.dataset = out
            self.endless = False
        elif inspect.isgenerator(out) or (hasattr(out, "__next__") and not isinstance(out, (tuple, dict))):
            self._iter = iter(out)
            first = next(self._iter, None)
            if first is None:
                raise ValueError("input_fn produced no data")
            self._first = _split(first)
            self.endless = False
        else:
            features, labels = _split(out)
            if any(_is_tensor(t) for t in _leaves(features) + ([] if labels is None else _leaves(labels))):
                self.tensors = (features, labels)
            self._first = (features, labels)
            self.endless = True
        self._repeat = repeat_single
        self._pending = self._first

    def build(self, with_labels):
        if self.dataset is not None:
            self.iterator = tg.data.make_initializable_iterator(self.dataset)
            features, labels = _split(self.iterator.get_next())
            return features, (labels if with_labels else None), (lambda f, l: None)
        features, labels = self._first
        if self.tensors is not None:
            return features, (labels if with_labels else None), (lambda f, l: None)
        return _placeholders(features, labels if with_labels else None)

    def next_feed(self, feed_of):
        """The next feed dict (None where the input is the graph's own tensors), or EXHAUSTED."""
        if self.dataset is not None:
            return None
        if self._pending is not None:
            batch, self._pending = self._pending, None
        elif self._iter is not None:
            nxt = next(self._iter, None)
            if nxt is None:
                return EXHAUSTED
            batch = _split(nxt)
        elif self.endless and self._repeat:
            batch = self._first
        else:
            return EXHAUSTED
        return feed_of(*batch)


def _placeholders(features, labels):
    """Placeholders shaped like a batch (first dimension unknown), and a function making feed dicts."""
    def ph(value, name):
        if _is_tensor(value):
            raise ValueError("input_fn mixes Tensors and numpy values (%r); give one or the other" % (name,))
        a = np.asarray(value)
        if a.ndim == 0:
            raise ValueError("input_fn gave a scalar for %r: a batch needs a first (batch) dimension" % (name,))
        dt = dtypes.string if a.dtype.kind in "USO" else dtypes.as_dtype(a.dtype)
        base = _NAME_CHARS.sub("_", name).strip("/") or "input"
        if not base[0].isalnum() and base[0] != ".":
            base = "input_" + base
        return tg.placeholder(dt, [None] + list(a.shape[1:]), name=base)

    if isinstance(features, dict):
        if not features:
            raise ValueError("input_fn gave an empty features dict")
        f_ph = {k: ph(v, str(k)) for k, v in features.items()}
    else:
        f_ph = ph(features, "feature")
    if labels is None:
        l_ph = None
    elif isinstance(labels, dict):
        l_ph = {k: ph(v, str(k)) for k, v in labels.items()}
    else:
        l_ph = ph(labels, "label")

    def feed_of(f, lab):
        feed = {}
        if isinstance(f_ph, dict):
            if not isinstance(f, dict) or set(f) != set(f_ph):
                raise ValueError("A batch has features %s, the first had %s"
                                 % (sorted(f) if isinstance(f, dict) else type(f).__name__, sorted(f_ph)))
            for k, t in f_ph.items():
                feed[t] = f[k]
        else:
            feed[f_ph] = f
        if l_ph is not None:
            if lab is None:
                raise ValueError("A batch has no labels, the first had")
            if isinstance(l_ph, dict):
                for k, t in l_ph.items():
                    feed[t] = lab[k]
            else:
                feed[l_ph] = lab
        return feed
    return f_ph, l_ph, feed_of


class InputHook(SessionRunHook):
    """Feeds the next batch of an InputSource to each run; OutOfRangeError once there is none. For a
    Dataset: initializes its iterator when the session is made (TensorFlow's _DatasetInitializerHook)."""

    def __init__(self, source, feed_of):
        self._source, self._feed_of = source, feed_of

    def after_create_session(self, session, coord):
        if self._source.iterator is not None:
            session.run(self._source.iterator.initializer)

    def before_run(self, run_context):
        feed = self._source.next_feed(self._feed_of)
        if feed is EXHAUSTED:
            raise errors.OutOfRangeError(None, None, "End of sequence: the input_fn has no more batches")
        return SessionRunArgs(None, feed_dict=feed) if feed else None
