"""The shared check of a registered gradient against central differences (math and nn op tests)."""
import numpy as np

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import get_gradient_fn


def check_gradient(device, build, args, dynamic=False, rtol=1e-6, atol=1e-8, soft=False):
    """The gradient registered for the op ``build`` makes, fed an upstream gradient, against central
    differences of ``sum(upstream * op(args))`` in float64."""
    args = [np.asarray(a, np.float64) for a in args]
    rng = np.random.default_rng(7)
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.float64, [None] * a.ndim if dynamic else a.shape) for a in args]
        y = build(*phs)
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) if soft else tg.Session() as sess:
            def forward(values):
                return np.asarray(sess.run(y, dict(zip(phs, values))))
            y0 = forward(args)
            up = rng.standard_normal(y0.shape)
            g = tg.placeholder(tg.float64, [None] * y0.ndim if dynamic else y0.shape)
            grads = get_gradient_fn(y.op.type)(y.op, g)
            assert len(grads) == len(y.op.inputs)
            wanted = [grads[list(y.op.inputs).index(p)] for p in phs]
            for w, a in zip(wanted, args):
                assert w.shape.is_compatible_with(a.shape)
            feed = dict(zip(phs, args))
            feed[g] = up
            got = sess.run(wanted, feed)
            eps = 1e-6
            for k, a in enumerate(args):
                numeric = np.zeros_like(a)
                for j in range(a.size):
                    plus, minus = [v.copy() for v in args], [v.copy() for v in args]
                    plus[k].flat[j] += eps
                    minus[k].flat[j] -= eps
                    numeric.flat[j] = np.sum(up * (forward(plus) - forward(minus))) / (2 * eps)
                np.testing.assert_allclose(got[k], numeric, rtol=rtol, atol=atol * max(1.0, np.abs(numeric).max()))
