"""Input functions over numpy arrays.

    input_fn = numpy_input_fn({"x": x_train}, y_train, batch_size=32, num_epochs=None, shuffle=True)
    estimator.train(input_fn, steps=100)
"""
import numpy as np


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000,
                   num_threads=1, seed=None):
    """An input_fn yielding ``(features, labels)`` batches of ``x`` (an array or dict of arrays) and ``y``.

    ``num_epochs=None`` repeats forever; ``shuffle`` must be given explicitly, as in TensorFlow.
    """
    if shuffle is None:
        raise ValueError("shuffle must be provided explicitly as a bool")
    if batch_size <= 0:
        raise ValueError("batch_size must be positive, got %r" % (batch_size,))
    features = dict(x) if isinstance(x, dict) else {"__x__": x}
    if not features:
        raise ValueError("x cannot be an empty dict")
    lengths = {k: len(v) for k, v in features.items()}
    if y is not None:
        ys = dict(y) if isinstance(y, dict) else {"__y__": y}
        lengths.update({k: len(v) for k, v in ys.items()})
    if len(set(lengths.values())) != 1:
        raise ValueError("Length of tensors in x and y is mismatched: %s" % lengths)
    n = next(iter(lengths.values()))

    def input_fn():
        rng = np.random.RandomState(seed)
        epoch = 0
        while num_epochs is None or epoch < num_epochs:
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                feats = {k: np.asarray(v)[idx] for k, v in features.items()}
                feats = feats["__x__"] if "__x__" in feats else feats
                if y is None:
                    yield feats, None
                elif isinstance(y, dict):
                    yield feats, {k: np.asarray(v)[idx] for k, v in y.items()}
                else:
                    yield feats, np.asarray(y)[idx]
            epoch += 1
    return input_fn
