"""The guide's "Save variables" and "Restore variables": two variables, changed, saved, read back.

    python examples/save_restore_variables.py [DIR]      # writes DIR/model.ckpt.{index,data-00000-of-00001}

The save half builds v1 (three zeros) and v2 (five zeros), adds one to v1 and takes one from v2, and
saves both with a Saver to ``DIR/model.ckpt``. The restore half starts from an empty graph, declares the
same variables with no initializer, and restores them: no initializer is run, the values come from the
checkpoint. ``model.ckpt`` is a prefix, not a file: the checkpoint is its ``.index`` and ``.data-*`` files.
"""
import os
import sys

import tagraph.engine as tg
from tagraph.serialization import Saver

from _guide import section, workdir


def save(directory):
    """The guide's save snippet; returns the checkpoint prefix."""
    tg.reset_default_graph()
    # Create some variables.
    v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
    v2 = tg.get_variable("v2", shape=[5], initializer=tg.zeros_initializer)

    inc_v1 = v1.assign(v1 + 1)
    dec_v2 = v2.assign(v2 - 1)

    # Add an op to initialize the variables.
    init_op = tg.global_variables_initializer()

    # Add ops to save and restore all the variables.
    saver = Saver()

    # Later, launch the model, initialize the variables, do some work, and save the variables to disk.
    with tg.Session() as sess:
        sess.run(init_op)
        # Do some work with the model.
        inc_v1.op.run()
        dec_v2.op.run()
        # Save the variables to disk.
        save_path = saver.save(sess, os.path.join(directory, "model.ckpt"))
        print("Model saved in path: %s" % save_path)
    return save_path


def restore(directory):
    """The guide's restore snippet; returns (v1, v2) as restored."""
    tg.reset_default_graph()

    # Create some variables.
    v1 = tg.get_variable("v1", shape=[3])
    v2 = tg.get_variable("v2", shape=[5])

    # Add ops to save and restore all the variables.
    saver = Saver()

    # Later, launch the model, use the saver to restore variables from disk, and do some work with the model.
    with tg.Session() as sess:
        # Restore variables from disk.
        saver.restore(sess, os.path.join(directory, "model.ckpt"))
        print("Model restored.")
        # Check the values of the variables
        print("v1 : %s" % v1.eval())
        print("v2 : %s" % v2.eval())
        return v1.eval(), v2.eval()


def ensure_checkpoint(directory):
    """Writes DIR/model.ckpt with the save snippet unless it is there (for the examples that follow it)."""
    if not os.path.exists(os.path.join(directory, "model.ckpt.index")):
        save(directory)
    return os.path.join(directory, "model.ckpt")


def main(argv=None):
    directory = workdir(argv)
    section("Save variables")
    save(directory)
    print("files: %s" % ", ".join(sorted(f for f in os.listdir(directory) if not f.startswith("."))))
    section("Restore variables")
    return restore(directory)


if __name__ == "__main__":
    main()
    sys.exit(0)
