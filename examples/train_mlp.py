"""Train an MLP on a generated data set, checkpointing as it goes; kill it and run it again to resume.

    python examples/train_mlp.py --model-dir /tmp/mlp            # trains to step 1500, >= 97% accuracy
    python examples/train_mlp.py --model-dir /tmp/mlp --kill-at 700   # dies abruptly at step 700 ...
    python examples/train_mlp.py --model-dir /tmp/mlp            # ... and resumes from step 600

The data: four interleaved spiral arms in the plane (2,000 training points, 1,000 held out), each arm a
class, with a little noise. The model: tg.layers.dense 2-64-64-4 with ReLU, sparse softmax cross entropy,
Adam (learning rate 0.01), batches of 100 drawn by a generator seeded by the global step, so a resumed run
sees the batches an uninterrupted one would. Every ``--save-every`` steps (default 100) the variables,
Adam's slots and beta powers, and the global step go to ``model.ckpt-<step>``; on start the latest
checkpoint, if any, is restored and training continues from its step. A run killed between checkpoints
loses only the steps since the last one. The stated result: held-out accuracy of at least 97% at step 1500.
"""
import argparse
import os
import sys

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, latest_checkpoint

STATED_ACCURACY = 0.97


def spirals(n, seed):
    """``n`` points on four spiral arms (labels 0..3), with Gaussian noise."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 4, n)
    t = rng.uniform(0.25, 1.0, n)
    angle = 3.0 * np.pi * t + labels * (np.pi / 2)
    pts = np.stack([t * np.cos(angle), t * np.sin(angle)], 1) + rng.normal(0, 0.025, (n, 2))
    return pts.astype(np.float32), labels.astype(np.int32)


def build():
    x = tg.placeholder(tg.float32, [None, 2], name="x")
    y = tg.placeholder(tg.int32, [None], name="y")
    h = tg.layers.dense(x, 64, activation=tg.nn.relu)
    h = tg.layers.dense(h, 64, activation=tg.nn.relu)
    logits = tg.layers.dense(h, 4, name="logits")
    loss = tg.losses.sparse_softmax_cross_entropy(y, logits)
    step = tg.train.get_or_create_global_step()
    train_op = tg.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
    accuracy = tg.reduce_mean(tg.cast(tg.equal(tg.argmax(logits, 1, output_type=tg.int32), y), tg.float32))
    return x, y, loss, step, train_op, accuracy


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", default="/tmp/tagraph_train_mlp")
    p.add_argument("--steps", type=int, default=1500, help="train until the global step reaches this")
    p.add_argument("--save-every", type=int, default=100)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--kill-at", type=int, default=None, help="exit abruptly (os._exit) at this step")
    args = p.parse_args(argv)
    os.makedirs(args.model_dir, exist_ok=True)
    prefix = os.path.join(args.model_dir, "model.ckpt")
    train_x, train_y = spirals(2000, seed=0)
    test_x, test_y = spirals(1000, seed=1)
    with tg.Graph().as_default():
        tg.set_random_seed(0)
        x, y, loss, step, train_op, accuracy = build()
        saver = Saver(max_to_keep=3)
        with tg.Session() as sess:
            ckpt = latest_checkpoint(args.model_dir)
            if ckpt:
                saver.restore(sess, ckpt)
                print("restored %s (step %d)" % (ckpt, tg.train.global_step(sess, step)))
            else:
                sess.run(tg.global_variables_initializer())
            current = tg.train.global_step(sess, step)
            while current < args.steps:
                # The batch depends only on the step, so a resumed run continues the same sequence.
                idx = np.random.RandomState(current).randint(0, len(train_x), args.batch)
                _, current = sess.run([train_op, step], {x: train_x[idx], y: train_y[idx]})
                current = int(current)
                if current % args.save_every == 0:
                    saver.save(sess, prefix, global_step=current)
                if current % 250 == 0:
                    print("step %5d  loss %.4f  test accuracy %.4f" % (
                        current, sess.run(loss, {x: train_x, y: train_y}), sess.run(accuracy, {x: test_x, y: test_y})))
                if args.kill_at is not None and current >= args.kill_at:
                    sys.stdout.flush()
                    os._exit(17)      # no cleanup, as a killed process gets none
            acc = float(sess.run(accuracy, {x: test_x, y: test_y}))
            saver.save(sess, prefix, global_step=current)
    print("final step %d  test accuracy %.4f  (stated: >= %.2f)" % (current, acc, STATED_ACCURACY))
    return acc


if __name__ == "__main__":
    sys.exit(0 if main() >= STATED_ACCURACY else 1)
