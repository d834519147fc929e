"""The guide's "Choose variables to save and restore": a list, a dict, several savers, a partial restore.

    python examples/choose_variables.py [DIR]

Continues from save_restore_variables.py (it writes DIR/model.ckpt first if it is not there: v1 = [1 1 1],
v2 = [-1 -1 -1 -1 -1]). Shown in turn:

1. the guide's snippet: a Saver of ``{"v2": v2}`` restores v2 only; v1 is initialized by hand;
2. a list of variables: each saved under its own name;
3. a dict: checkpoint names chosen freely, so that "v1" from the checkpoint is restored into ``params``;
4. several savers over different subsets in one graph, one variable in two of them;
5. a partial restore: a bigger model takes v1 and v2 from the checkpoint and initializes the rest with
   ``variables_initializer``, after which no variable is left uninitialized.
"""
import os

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, list_variables

from _guide import section, workdir
from save_restore_variables import ensure_checkpoint


def dict_snippet(ckpt):
    tg.reset_default_graph()
    # Create some variables.
    v1 = tg.get_variable("v1", [3], initializer=tg.zeros_initializer)
    v2 = tg.get_variable("v2", [5], initializer=tg.zeros_initializer)

    # Add ops to save and restore only `v2` using the name "v2"
    saver = Saver({"v2": v2})

    # Use the saver object normally after that.
    with tg.Session() as sess:
        # Initialize v1 since the saver will not.
        v1.initializer.run()
        saver.restore(sess, ckpt)

        print("v1 : %s" % v1.eval())
        print("v2 : %s" % v2.eval())
        return v1.eval(), v2.eval()


def list_of_variables(directory):
    tg.reset_default_graph()
    v1 = tg.get_variable("v1", [3], initializer=tg.constant_initializer(7.0))
    v2 = tg.get_variable("v2", [5], initializer=tg.zeros_initializer)
    saver = Saver([v1])                       # stored under its own name, "v1"; v2 is not saved
    with tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        path = saver.save(sess, os.path.join(directory, "only_v1.ckpt"))
    print("Saver([v1]) wrote %s with: %s" % (os.path.basename(path), list_variables(path)))
    return list_variables(path)


def renamed(ckpt):
    tg.reset_default_graph()
    params = tg.get_variable("params", [3])
    saver = Saver({"v1": params})             # the checkpoint's "v1" goes into the variable named "params"
    with tg.Session() as sess:
        saver.restore(sess, ckpt)
        print("params (restored from the checkpoint's v1) : %s" % params.eval())
        return params.eval()


def several_savers(directory):
    tg.reset_default_graph()
    v1 = tg.get_variable("v1", [3], initializer=tg.constant_initializer(1.0))
    v2 = tg.get_variable("v2", [5], initializer=tg.constant_initializer(2.0))
    saver_a = Saver([v1])                     # one subset ...
    saver_b = Saver({"first": v1, "second": v2})   # ... another, under other names; v1 is in both
    with tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        a = saver_a.save(sess, os.path.join(directory, "a.ckpt"))
        b = saver_b.save(sess, os.path.join(directory, "b.ckpt"))
        sess.run(v1.assign([9.0, 9.0, 9.0]))
        print("after v1.assign(9): v1 : %s" % v1.eval())
        saver_b.restore(sess, b)              # a variable changes only when a restore runs
        print("after saver_b.restore: v1 : %s" % v1.eval())
        print("a.ckpt holds %s; b.ckpt holds %s" % (list_variables(a), list_variables(b)))
        return v1.eval()


def partial_restore(ckpt):
    tg.reset_default_graph()
    v1 = tg.get_variable("v1", [3])
    v2 = tg.get_variable("v2", [5])
    v3 = tg.get_variable("v3", [2, 2], initializer=tg.ones_initializer)    # new: not in the checkpoint
    saver = Saver([v1, v2])
    with tg.Session() as sess:
        saver.restore(sess, ckpt)
        uninitialized = [n.decode() if isinstance(n, bytes) else str(n)
                         for n in sess.run(tg.report_uninitialized_variables())]
        print("after restoring v1, v2, still uninitialized: %s" % uninitialized)
        sess.run(tg.variables_initializer([v3]))        # initialize the rest
        uninitialized = list(sess.run(tg.report_uninitialized_variables()))
        print("after variables_initializer([v3]), uninitialized: %s" % uninitialized)
        print("v1 : %s\nv2 : %s\nv3 : %s" % (v1.eval(), v2.eval(), v3.eval().tolist()))
        return uninitialized


def main(argv=None):
    directory = workdir(argv)
    ckpt = ensure_checkpoint(directory)
    section("Saver({\"v2\": v2}): restore v2 only, initialize v1")
    v1, v2 = dict_snippet(ckpt)
    assert np.array_equal(v1, [0, 0, 0]) and np.array_equal(v2, [-1] * 5)
    section("Saver([v1]): a list of variables, saved under their own names")
    list_of_variables(directory)
    section("Saver({\"v1\": params}): restore a checkpoint's variable into another name")
    renamed(ckpt)
    section("Several savers, one variable in two of them")
    several_savers(directory)
    section("Partial restore, then initialize the rest")
    partial_restore(ckpt)


if __name__ == "__main__":
    main()
