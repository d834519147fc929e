"""Input functions over numpy arrays and Python generators, as TensorFlow 1 had them.

    input_fn = numpy_input_fn({"x": x_train}, y_train, batch_size=32, num_epochs=None, shuffle=True)
    estimator.train(input_fn, steps=100)

    def examples():                       # one dict per example
        for row, label in zip(x_train, y_train):
            yield {"x": row, "y": label}
    estimator.train(generator_input_fn(examples, target_key="y", batch_size=32, num_epochs=5), steps=100)

Each returns an input_fn that, called, gives a generator of ``(features, labels)`` numpy batches; the
Estimator feeds them step by step.
"""
import numpy as np

__all__ = ["numpy_input_fn", "generator_input_fn"]


def _as_arrays(value, what):
    if isinstance(value, dict):
        if not value:
            raise ValueError("%s cannot be an empty dict" % what)
        out = {}
        for k, v in value.items():
            a = np.asarray(v)
            if a.ndim == 0:
                raise ValueError("%s[%r] must have a first (example) dimension, got a scalar" % (what, k))
            out[k] = a
        return out
    a = np.asarray(value)
    if a.dtype == object and not isinstance(value, np.ndarray):
        raise TypeError("%s must be a dict of numpy arrays or a numpy array; got %s" % (what, type(value).__name__))
    if a.ndim == 0:
        raise ValueError("%s must have a first (example) dimension, got a scalar" % what)
    return a


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000,
                   num_threads=1, seed=None):
    """An input_fn yielding ``(features, labels)`` batches of ``x`` (an array or dict of arrays) and ``y``.

    ``num_epochs=None`` repeats forever; ``shuffle`` must be given explicitly, as in TensorFlow, and
    reshuffles every epoch (reproducibly with ``seed``). The last batch of an epoch may be smaller.
    ``queue_capacity`` and ``num_threads`` are accepted for TensorFlow's signature and unused.

        input_fn = numpy_input_fn({"x": x}, y, batch_size=32, num_epochs=1, shuffle=False)
    """
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided explicitly as a bool, got %r" % (shuffle,))
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError("batch_size must be a positive integer, got %r" % (batch_size,))
    if num_epochs is not None and (not isinstance(num_epochs, (int, np.integer)) or num_epochs <= 0):
        raise ValueError("num_epochs must be None or a positive integer, got %r" % (num_epochs,))
    features = _as_arrays(x, "x")
    labels = None if y is None else _as_arrays(y, "y")
    if isinstance(features, dict) and isinstance(labels, dict):
        both = sorted(set(features) & set(labels))
        if both:
            raise ValueError("%s duplicate keys are found in both x and y: %s" % (len(both), both))
    lengths = {}
    for name, part in (("x", features), ("y", labels)):
        if isinstance(part, dict):
            lengths.update({"%s[%r]" % (name, k): len(v) for k, v in part.items()})
        elif part is not None:
            lengths[name] = len(part)
    if len(set(lengths.values())) != 1:
        raise ValueError("Length of tensors in x and y is mismatched. All elements in x and y must have the "
                         "same length: %s" % lengths)
    n = next(iter(lengths.values()))

    def take(part, idx):
        if part is None:
            return None
        if isinstance(part, dict):
            return {k: v[idx] for k, v in part.items()}
        return part[idx]

    def input_fn():
        rng = np.random.RandomState(seed)
        epoch = 0
        while num_epochs is None or epoch < num_epochs:
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                yield take(features, idx), take(labels, idx)
            epoch += 1
            if n == 0:
                return
    return input_fn


def generator_input_fn(x, target_key=None, batch_size=128, num_epochs=1, shuffle=True, queue_capacity=1000,
                       num_threads=1, pad_value=None, seed=None):
    """An input_fn batching the examples a generator function yields (TensorFlow contrib's generator_input_fn).

    ``x()`` returns a generator of dicts, one per example, of numpy-convertible values of the same shape
    across examples. ``target_key`` (a key or a list of keys) names the labels, taken out of the features.
    ``shuffle`` draws from a buffer of ``queue_capacity`` examples. ``x`` is called again for each epoch.

        input_fn = generator_input_fn(lambda: ({"x": r, "y": l} for r, l in rows), target_key="y")
    """
    if not callable(x):
        raise TypeError("x must be a generator function; got %r" % (x,))
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError("batch_size must be a positive integer, got %r" % (batch_size,))
    if num_epochs is not None and (not isinstance(num_epochs, (int, np.integer)) or num_epochs <= 0):
        raise ValueError("num_epochs must be None or a positive integer, got %r" % (num_epochs,))
    if pad_value is not None:
        raise NotImplementedError("generator_input_fn: pad_value (padding variable-length features) is not "
                                  "supported; yield features of one shape")
    keys = [target_key] if isinstance(target_key, str) else list(target_key or [])

    def examples(rng):
        epoch = 0
        while num_epochs is None or epoch < num_epochs:
            gen = x()
            buffer = []
            empty = True
            for ex in gen:
                empty = False
                if not isinstance(ex, dict):
                    raise TypeError("x() must yield dicts of features, got %s" % type(ex).__name__)
                if not shuffle:
                    yield ex
                    continue
                buffer.append(ex)
                if len(buffer) >= queue_capacity:
                    i = rng.randint(len(buffer))
                    buffer[i], buffer[-1] = buffer[-1], buffer[i]
                    yield buffer.pop()
            rng.shuffle(buffer)
            yield from buffer
            epoch += 1
            if empty:
                return

    def batch(rows):
        names = list(rows[0])
        for r in rows:
            if list(r) != names and set(r) != set(names):
                raise ValueError("Examples have different keys: %s vs %s" % (sorted(names), sorted(r)))
        missing = [k for k in keys if k not in names]
        if missing:
            raise KeyError("target_key %s is not among the generator's keys %s" % (missing, sorted(names)))
        cols = {k: np.stack([np.asarray(r[k]) for r in rows]) for k in names}
        labels = None
        if keys:
            labels = cols[keys[0]] if isinstance(target_key, str) else {k: cols[k] for k in keys}
            for k in keys:
                del cols[k]
        return cols, labels

    def input_fn():
        rng = np.random.RandomState(seed)
        rows = []
        for ex in examples(rng):
            rows.append(ex)
            if len(rows) == batch_size:
                yield batch(rows)
                rows = []
        if rows:
            yield batch(rows)
    return input_fn
