"""``tf.gfile``/``tf.io.gfile`` on local files and ``tf.logging`` on the logging module, as TensorFlow's
behave (what the gfile_logging program compares with TensorFlow, and the corners it does not reach)."""
import inspect
import logging

import pytest

import tagraph.compat.v1 as tf


@pytest.fixture
def restore_loggers():
    loggers = [logging.getLogger(name) for name in ("tensorflow", "tagraph")]
    saved = [(lg.level, list(lg.handlers)) for lg in loggers]
    yield
    for lg, (level, handlers) in zip(loggers, saved):
        lg.setLevel(level)
        lg.handlers[:] = handlers


def test_gfile_opens_lazily_and_fails_with_tensorflows_errors(tmp_path):
    missing = tmp_path / "missing.txt"
    f = tf.gfile.GFile(str(missing))                  # TensorFlow opens on first use, not here
    with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
        f.read()
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.GFile(str(tmp_path / "no" / "dir.txt"), "w").write("x")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.gfile.GFile(str(missing), "x")
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.Remove(str(missing))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.Stat(str(missing))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.DeleteRecursively(str(missing))
    tf.gfile.MkDir(str(tmp_path / "d"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.MkDir(str(tmp_path / "d"))


def test_gfile_reads_and_writes_bytes_underneath(tmp_path):
    path = str(tmp_path / "f.txt")
    with tf.gfile.GFile(path, "wb") as f:
        f.write("text into a binary file\r\n")              # TensorFlow takes str or bytes in any mode
        f.write(b"\xc3\xa9\n")
    with tf.gfile.GFile(path) as f:
        assert f.read() == "text into a binary file\r\né\n"   # no newline translation
    with tf.gfile.GFile(path, "rb") as f:
        assert f.readlines() == [b"text into a binary file\r\n", b"\xc3\xa9\n"]
        f.seek(position=5)
        assert f.tell() == 5 and f.read(4) == b"into"
        assert f.size() == 28 and f.name == path and f.mode == "rb"
    with tf.io.gfile.GFile(path, "a") as f:
        f.write("end")
    assert tf.io.gfile.stat(path).length == 31 and tf.gfile.Stat(str(tmp_path)).is_directory


def test_rename_and_copy_refuse_to_overwrite_unless_asked(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    for p, text in ((a, "A"), (b, "B")):
        with tf.gfile.GFile(p, "w") as f:
            f.write(text)
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.Rename(a, b)
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.io.gfile.copy(a, b)
    tf.gfile.Copy(a, b, overwrite=True)
    assert tf.gfile.GFile(b).read() == "A"
    tf.io.gfile.rename(b, a, overwrite=True)
    assert tf.gfile.ListDirectory(str(tmp_path)) == ["a"]
    tf.gfile.DeleteRecursively(a)                             # a file, too
    assert not tf.gfile.Exists(a)


def test_walk_orders(tmp_path):
    (tmp_path / "x" / "y").mkdir(parents=True)
    top_down = [d for d, _, _ in tf.gfile.Walk(str(tmp_path))]
    bottom_up = [d for d, _, _ in tf.gfile.Walk(str(tmp_path), in_order=False)]
    assert top_down == bottom_up[::-1] and top_down[0] == str(tmp_path)
    assert list(tf.io.gfile.walk(str(tmp_path / "missing"))) == []


def test_tensorflow_1_argument_names():
    assert list(inspect.signature(tf.gfile.Rename).parameters) == ["oldname", "newname", "overwrite"]
    assert list(inspect.signature(tf.gfile.Copy).parameters) == ["oldpath", "newpath", "overwrite"]
    assert list(inspect.signature(tf.gfile.Exists).parameters) == ["filename"]
    assert list(inspect.signature(tf.io.gfile.rename).parameters) == ["src", "dst", "overwrite"]
    assert tf.gfile.Open is tf.gfile.FastGFile is tf.gfile.GFile is tf.io.gfile.GFile


def test_logging_goes_to_the_tensorflow_logger(caplog, restore_loggers):
    tf.logging.set_verbosity(tf.logging.INFO)
    assert tf.logging.get_verbosity() == logging.INFO == tf.logging.INFO
    assert logging.getLogger("tagraph").level == logging.INFO       # tagraph's own messages follow
    tf.logging.info("step %d", 3)
    tf.logging.debug("hidden")                          # below the verbosity
    tf.logging.vlog(logging.ERROR, "vlog %s", "x")
    for i in range(5):
        tf.logging.log_every_n(tf.logging.INFO, "every %d", 2, i)
        tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
    tf.logging.log_if(tf.logging.WARN, "if", False)
    tf.logging.TaskLevelStatusMessage("status")
    logged = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert logged == [("tensorflow", "INFO", "step 3"), ("tensorflow", "ERROR", "vlog x"),
                      ("tensorflow", "INFO", "every 0"), ("tensorflow", "INFO", "first 0"),
                      ("tensorflow", "INFO", "first 1"), ("tensorflow", "INFO", "every 2"),
                      ("tensorflow", "INFO", "every 4"), ("tensorflow", "ERROR", "status")]
    assert tf.get_logger() is logging.getLogger("tensorflow")
    tf.logging.flush()


def test_estimator_progress_shows_at_info(caplog, restore_loggers):
    tf.logging.set_verbosity(tf.logging.INFO)
    logging.getLogger("tagraph.estimator").info("loss = 0.5, step = 10")
    logging.getLogger("tagraph.estimator").debug("not shown")
    assert [r.getMessage() for r in caplog.records] == ["loss = 0.5, step = 10"]
