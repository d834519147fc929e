"""Progress of a long save or restore, for the person watching a training run.

A checkpoint of a large model takes seconds to write or read. The training loop wraps each save and
restore in :class:`Progress`: nothing is said when it is quick; after ``PROGRESS_AFTER_SECS`` a line "Still
saving checkpoint ... (6 s, 812.0 MiB so far)" is logged every few seconds, and one when it is done. The
lines are warnings so that they reach stderr without any logging set up (Python's last-resort handler),
as a stalled-looking run should.

    with Progress("saving checkpoint /tmp/m/model.ckpt-100", lambda: bytes_under_prefix("/tmp/m/model.ckpt-100")):
        saver.save(sess, "/tmp/m/model.ckpt", global_step=100)
"""
import logging
import os
import threading
import time

__all__ = ["Progress", "bytes_under_prefix", "PROGRESS_AFTER_SECS"]

logger = logging.getLogger("tagraph.estimator.progress")

PROGRESS_AFTER_SECS = 3.0


class Progress:
    """A context that reports, from a watcher thread, on an operation still running in the caller's thread
    after ``every`` seconds, with the bytes so far when ``bytes_done()`` can tell them."""

    def __init__(self, doing, bytes_done=None, every=None):
        self._doing, self._bytes_done = doing, bytes_done
        self._every = PROGRESS_AFTER_SECS if every is None else every
        self._done = threading.Event()
        self._start = None
        self._reported = False
        self._thread = threading.Thread(target=self._watch, name="tagraph-progress", daemon=True)

    def _watch(self):
        while not self._done.wait(self._every):
            elapsed = time.monotonic() - self._start
            written = None
            if self._bytes_done is not None:
                try:
                    written = self._bytes_done()
                except OSError:
                    written = None
            self._reported = True
            if written:
                logger.warning("Still %s (%.0f s, %.1f MiB so far)", self._doing, elapsed, written / 2.0 ** 20)
            else:
                logger.warning("Still %s (%.0f s)", self._doing, elapsed)

    def __enter__(self):
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._done.set()
        self._thread.join()
        if self._reported and exc_type is None:
            logger.warning("Done %s in %.1f s", self._doing, time.monotonic() - self._start)


def bytes_under_prefix(prefix):
    """Bytes written so far for the checkpoint ``prefix``: its files, and the shards in its ``_temp``
    folder, temporary names included."""
    folder, base = os.path.split(prefix)
    total = 0
    with os.scandir(folder or ".") as entries:
        for e in entries:
            if not (e.name.startswith(base + ".") or e.name.startswith(base + "_temp")):
                continue
            try:
                if e.is_dir():
                    with os.scandir(e.path) as parts:
                        total += sum(p.stat().st_size for p in parts if p.is_file())
                else:
                    total += e.stat().st_size
            except OSError:
                pass   # renamed or removed while we looked: the save moved on
    return total
