# File handling with tf.gfile and tf.io.gfile, and tf.logging.
import os
import tempfile

import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

root = tempfile.mkdtemp()
run_dir = os.path.join(root, "run", "logs")
tf.gfile.MakeDirs(run_dir)
tf.gfile.MakeDirs(run_dir)                                  # already there: no error
path = os.path.join(run_dir, "labels.txt")
with tf.gfile.GFile(path, "w") as f:
    f.write("cat\n")
    f.write("dog\n")
with tf.gfile.Open(path, "a") as f:
    f.write("cow\n")
with tf.gfile.GFile(path, "rb") as f:
    raw = f.read()
with tf.gfile.GFile(path) as f:
    lines = [line for line in f]
with tf.gfile.GFile(path) as f:
    size = f.size()
    head = f.read(3)
    f.seek(4)
    rest = f.readline()
tf.gfile.Copy(path, os.path.join(run_dir, "copy.txt"))
try:
    tf.gfile.Copy(path, os.path.join(run_dir, "copy.txt"))
    copy_again = "no error"
except tf.errors.AlreadyExistsError:
    copy_again = "AlreadyExistsError"
tf.gfile.Rename(os.path.join(run_dir, "copy.txt"), os.path.join(run_dir, "moved.txt"))
tf.io.gfile.makedirs(os.path.join(root, "run", "other"))
with tf.io.gfile.GFile(os.path.join(root, "run", "other", "x.bin"), "wb") as f:
    f.write(b"\x00\x01\x02")
listing = sorted(tf.gfile.ListDirectory(run_dir))
globbed = sorted(os.path.basename(p) for p in tf.gfile.Glob(os.path.join(run_dir, "*.txt")))
walked = sorted((os.path.relpath(d, root), sorted(subdirs), sorted(files)) for d, subdirs, files in tf.gfile.Walk(root))
stat = tf.gfile.Stat(path)
exists_before = [tf.gfile.Exists(path), tf.io.gfile.exists(os.path.join(run_dir, "moved.txt")),
                 tf.gfile.IsDirectory(run_dir), tf.io.gfile.isdir(path)]
tf.gfile.Remove(os.path.join(run_dir, "moved.txt"))
tf.gfile.DeleteRecursively(os.path.join(root, "run", "other"))
try:
    tf.gfile.ListDirectory(os.path.join(root, "missing"))
    missing = "no error"
except tf.errors.NotFoundError:
    missing = "NotFoundError"

tf.logging.set_verbosity(tf.logging.INFO)
tf.logging.info("wrote %d lines to %s", len(lines), path)
tf.logging.log_every_n(tf.logging.INFO, "every %d", 2, 2)
tf.logging.warning("a warning")
verbosity = tf.logging.get_verbosity()
tf.logging.set_verbosity(tf.logging.WARN)

results = {
    "raw": raw,
    "lines": lines,
    "size": size,
    "head": head,
    "rest": rest,
    "copy_again": copy_again,
    "listing": listing,
    "globbed": globbed,
    "walked": walked,
    "stat": [stat.length, stat.is_directory],
    "exists_before": exists_before,
    "exists_after": [tf.gfile.Exists(os.path.join(run_dir, "moved.txt")),
                     tf.gfile.Exists(os.path.join(root, "run", "other"))],
    "missing": missing,
    "levels": [tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.ERROR, tf.logging.FATAL],
    "verbosity": [verbosity, tf.logging.get_verbosity()],
    "join": tf.io.gfile.join("a", "b", "c.txt"),
}
