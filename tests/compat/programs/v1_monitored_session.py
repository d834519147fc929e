# MonitoredTrainingSession: a chief with a checkpoint dir, StopAtStepHook, custom hooks, then a restart resumes.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

model_dir = tempfile.mkdtemp()
xs = np.linspace(-1, 1, 8).astype(np.float32).reshape(-1, 1)
ys = 2.0 * xs + 1.0


class Recorder(tf.train.SessionRunHook):
    def __init__(self):
        self.begun = 0
        self.created = 0
        self.steps = []
        self.ended = 0

    def begin(self):
        self.begun += 1

    def after_create_session(self, session, coord):
        self.created += 1

    def before_run(self, run_context):
        return tf.train.SessionRunArgs({"step": tf.train.get_global_step()})

    def after_run(self, run_context, run_values):
        self.steps.append(run_values.results["step"])

    def end(self, session):
        self.ended += 1


def build():
    step = tf.train.get_or_create_global_step()
    x = tf.constant(xs)
    w = tf.get_variable("w", [1, 1], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - ys))
    train = tf.train.GradientDescentOptimizer(0.3).minimize(loss, global_step=step)
    return step, loss, train, w


results = {}
with tf.Graph().as_default():
    step, loss, train, w = build()
    hook = Recorder()
    losses = []
    with tf.train.MonitoredTrainingSession(checkpoint_dir=model_dir, save_checkpoint_steps=5,
                                           hooks=[tf.train.StopAtStepHook(last_step=7), hook],
                                           save_summaries_steps=None, log_step_count_steps=None) as sess:
        while not sess.should_stop():
            losses.append(sess.run([train, loss])[1])
    results["first"] = {"losses": np.array(losses), "hook_steps": hook.steps, "begun": hook.begun,
                        "created": hook.created, "ended": hook.ended}
results["checkpoint"] = os.path.basename(tf.train.latest_checkpoint(model_dir))

with tf.Graph().as_default():
    step, loss, train, w = build()
    with tf.train.MonitoredTrainingSession(checkpoint_dir=model_dir, save_checkpoint_steps=5,
                                           hooks=[tf.train.StopAtStepHook(num_steps=3)],
                                           save_summaries_steps=None, log_step_count_steps=None) as sess:
        resumed_at = sess.run(step)
        runs = 0
        while not sess.should_stop():
            sess.run(train)
            runs += 1
        results["second"] = {"resumed_at": resumed_at, "runs": runs}
results["final_checkpoint"] = os.path.basename(tf.train.latest_checkpoint(model_dir))
results["state_paths"] = [os.path.basename(p) for p in
                          tf.train.get_checkpoint_state(model_dir).all_model_checkpoint_paths]

with tf.Graph().as_default():
    step, loss, train, w = build()
    with tf.train.SingularMonitoredSession(checkpoint_dir=model_dir) as sess:
        results["singular"] = {"step": sess.run(step), "w": sess.run(w), "raw": sess.raw_session().run(step)}
