"""TensorFlow 1's guide for moving averages, end to end: train with ExponentialMovingAverage, restore the averages
into the plain variables with ``variables_to_restore()``, export, and the model server serves the averaged
weights (tests/engine/train/test_moving_averages.py checks the averages themselves against TensorFlow's)."""
import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, saved_model

X = np.float32([[1.0, 2.0], [-3.0, 0.5]])


def _model():
    x = tg.placeholder(tg.float32, [None, 2], name="x")
    w = tg.get_variable("w", [2, 1], initializer=tg.constant_initializer([[0.5], [-1.0]]))
    b = tg.get_variable("b", [1], initializer=tg.zeros_initializer())
    return x, w, b, tg.matmul(x, w) + b


def test_an_exported_averaged_model_serves_the_averages(tmp_path, start_server):
    ckpt = str(tmp_path / "train" / "model.ckpt")
    with tg.Graph().as_default():
        x, w, b, y = _model()
        loss = tg.reduce_mean(tg.square(y - 3.0))
        step = tg.train.GradientDescentOptimizer(0.05).minimize(loss)
        ema = tg.train.ExponentialMovingAverage(0.9)
        with tg.control_dependencies([step]):
            train = ema.apply([w, b])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for _ in range(30):
                sess.run(train, {x: X})
            raw_w, raw_b, avg_w, avg_b = sess.run([w, b, ema.average(w), ema.average(b)])
            Saver().save(sess, ckpt)
    assert not np.allclose(raw_w, avg_w, rtol=1e-3)            # the two models differ, so the check can fail

    export = tmp_path / "models" / "ema" / "1"
    with tg.Graph().as_default():
        x, w, b, y = _model()
        ema = tg.train.ExponentialMovingAverage(0.9)
        with tg.Session() as sess:
            Saver(ema.variables_to_restore()).restore(sess, ckpt)
            saved_model.simple_save(sess, str(export), inputs={"x": x}, outputs={"y": y})

    server = start_server(["--model_name=ema", "--model_base_path=%s" % export.parent])
    status, doc = server.post_json("/v1/models/ema:predict", {"instances": X.tolist()})
    assert status == 200, doc
    np.testing.assert_allclose(doc["predictions"], X @ avg_w + avg_b, rtol=1e-6)
    assert not np.allclose(doc["predictions"], X @ raw_w + raw_b, rtol=1e-3)
