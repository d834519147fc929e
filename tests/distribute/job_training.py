"""An `mpiexec -n N` job: the MLP of dist_mlp trained with DistributedOptimizer, each rank on its shard.

    mpiexec -n 2 python job_training.py OUT_DIR [--checkpoints]

Each rank starts from its own initial weights (seed 7 + rank), takes rank 0's through
broadcast_global_variables, trains, and saves OUT_DIR/rank<R>.npz. With --checkpoints it then trains in
Horovod's MonitoredTrainingSession pattern (only rank 0 has a checkpoint_dir, OUT_DIR/ckpt0) and resumes
from that checkpoint through tagraph.distribute.MonitoredTrainingSession, every rank passing its own
OUT_DIR/ckpt<R>, which ranks other than 0 must leave unwritten.
"""
import os
import sys

import numpy as np

import tagraph.distribute as hvd
import tagraph.engine as tg
from tagraph.estimator import FinalOpsHook, MonitoredTrainingSession, StopAtStepHook
from tagraph.serialization import latest_checkpoint, load_checkpoint

import dist_mlp


def plain_session(xs, ys, rank, size, out):
    with tg.Graph().as_default():
        x, y, loss, variables = dist_mlp.build(init_seed=7 + rank)
        opt = hvd.DistributedOptimizer(tg.train.GradientDescentOptimizer(dist_mlp.LEARNING_RATE))
        step = opt.minimize(loss)
        bcast = hvd.broadcast_global_variables(0)
        feed = {x: dist_mlp.shard(xs, rank, size), y: dist_mlp.shard(ys, rank, size)}
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            out["initial"] = sess.run(variables)
            sess.run(bcast)
            out["broadcast"] = sess.run(variables)
            for _ in range(dist_mlp.STEPS):
                sess.run(step, feed)
            out["trained"] = sess.run(variables)


def monitored_sessions(xs, ys, rank, size, out_dir, out):
    feed_shard = (dist_mlp.shard(xs, rank, size), dist_mlp.shard(ys, rank, size))
    with tg.Graph().as_default():
        x, y, loss, variables = dist_mlp.build(init_seed=70 + rank)
        global_step = tg.train.get_or_create_global_step()
        opt = hvd.DistributedOptimizer(tg.train.GradientDescentOptimizer(dist_mlp.LEARNING_RATE))
        step = opt.minimize(loss, global_step=global_step)
        hooks = [hvd.BroadcastGlobalVariablesHook(0), StopAtStepHook(last_step=3)]
        ckpt = os.path.join(out_dir, "ckpt0") if hvd.rank() == 0 else None
        with MonitoredTrainingSession(checkpoint_dir=ckpt, hooks=hooks, save_summaries_steps=1) as sess:
            while not sess.should_stop():
                sess.run(step, {x: feed_shard[0], y: feed_shard[1]})
        out["saved"] = [v for v in _values(variables, ckpt)] if ckpt else []
    with tg.Graph().as_default():
        x, y, loss, variables = dist_mlp.build(init_seed=700 + rank)
        global_step = tg.train.get_or_create_global_step()
        opt = hvd.DistributedOptimizer(tg.train.GradientDescentOptimizer(dist_mlp.LEARNING_RATE))
        step = opt.minimize(loss, global_step=global_step)
        mine = os.path.join(out_dir, "ckpt%d" % rank)
        final = FinalOpsHook(variables)
        with hvd.MonitoredTrainingSession(checkpoint_dir=mine, hooks=[StopAtStepHook(last_step=5), final],
                                          save_summaries_steps=1) as sess:
            out["resumed"] = sess.run(variables)
            out["resumed_step"] = sess.run(global_step)
            while not sess.should_stop():
                sess.run(step, {x: feed_shard[0], y: feed_shard[1]})
        out["resumed_trained"] = final.final_ops_values


def _values(variables, ckpt):
    reader = load_checkpoint(latest_checkpoint(ckpt))
    return [reader.get_tensor(v.op.name) for v in variables]


def main(out_dir, checkpoints):
    hvd.init()
    rank, size = hvd.rank(), hvd.size()
    xs, ys = dist_mlp.data()
    out = {}
    plain_session(xs, ys, rank, size, out)
    if checkpoints:
        monitored_sessions(xs, ys, rank, size, out_dir, out)
    flat = {}
    for k, v in out.items():
        if isinstance(v, list):
            flat.update({"%s_%d" % (k, i): a for i, a in enumerate(v)})
        else:
            flat[k] = np.asarray(v)
    flat["size"] = np.asarray(size)
    np.savez(os.path.join(out_dir, "rank%d.npz" % rank), **flat)


if __name__ == "__main__":
    main(sys.argv[1], "--checkpoints" in sys.argv[2:])
