"""SessionManager: TensorFlow 1's ``tf.train.SessionManager``, which makes a session whose model is ready:
restored from the latest checkpoint when there is one, initialized otherwise, local state then set up.

    sm = SessionManager(ready_op=tg.report_uninitialized_variables(), local_init_op=local_init)
    sess = sm.prepare_session("", init_op=init, saver=saver, checkpoint_dir="/tmp/train")

"Ready" means the ``ready_op`` (a string vector of the names of uninitialized variables) is empty.
"""
import logging
import time

import numpy as np

from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.runtime.session import Session
from tagraph.estimator.progress import Progress
from tagraph.serialization.checkpoint_state import get_checkpoint_state

__all__ = ["SessionManager"]

logger = logging.getLogger("tagraph.estimator.session_manager")


def _maybe_name(obj):
    if obj is None:
        return "None"
    if hasattr(obj, "name"):
        return obj.name
    return "<no name for %s>" % type(obj)


def _restore(sess, saver, path):
    saved_model_init_ops = sess.graph.get_collection("saved_model_initializers")
    if saved_model_init_ops:
        sess.run(saved_model_init_ops)
    with Progress("restoring checkpoint %s" % path):
        saver.restore(sess, path)


class SessionManager:
    """Creates sessions restored from a checkpoint, or initialized, and checks that the model is ready.

    ``local_init_op`` runs in every new session once ``ready_for_local_init_op`` reports nothing
    uninitialized; ``ready_op`` then must report nothing uninitialized.
    """

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None, graph=None,
                 recovery_wait_secs=30, local_init_run_options=None, local_init_feed_dict=None):
        if graph is None:
            graph = get_default_graph()
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError("If you pass a ready_for_local_init_op you must also pass a local_init_op , "
                             "ready_for_local_init_op [%s]" % ready_for_local_init_op)
        self._local_init_op = local_init_op
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options = local_init_run_options
        self._local_init_feed_dict = local_init_feed_dict

    def _restore_checkpoint(self, master, saver=None, checkpoint_dir=None, checkpoint_filename_with_path=None,
                            wait_for_checkpoint=False, max_wait_secs=7200, config=None):
        """(a new session, whether it was restored from a checkpoint)."""
        sess = Session(master, graph=self._graph, config=config)
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and checkpoint_filename_with_path.")
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            _restore(sess, saver, checkpoint_filename_with_path)
            return sess, True
        wait_time = 0
        ckpt = get_checkpoint_state(checkpoint_dir)
        while not ckpt or not ckpt.model_checkpoint_path:
            if wait_for_checkpoint and wait_time < max_wait_secs:
                logger.info("Waiting for checkpoint to be available.")
                time.sleep(self._recovery_wait_secs)
                wait_time += self._recovery_wait_secs
                ckpt = get_checkpoint_state(checkpoint_dir)
            else:
                return sess, False
        _restore(sess, saver, ckpt.model_checkpoint_path)
        # The checkpoints of earlier runs count towards max_to_keep, and are deleted in turn.
        saver.recover_last_checkpoints(list(ckpt.all_model_checkpoint_paths))
        return sess, True

    def prepare_session(self, master, init_op=None, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False, max_wait_secs=7200,
                        config=None, init_feed_dict=None, init_fn=None):
        """A session restored from ``checkpoint_filename_with_path`` or ``checkpoint_dir``'s latest
        checkpoint, else initialized by ``init_op`` and ``init_fn(sess)``; RuntimeError if it is not ready."""
        sess, is_loaded_from_checkpoint = self._restore_checkpoint(
            master, saver, checkpoint_dir=checkpoint_dir, checkpoint_filename_with_path=checkpoint_filename_with_path,
            wait_for_checkpoint=wait_for_checkpoint, max_wait_secs=max_wait_secs, config=config)
        if not is_loaded_from_checkpoint:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        local_init_success, msg = self._try_run_local_init_op(sess)
        if not local_init_success:
            raise RuntimeError("Init operations did not make model ready for local_init.  Init op: %s, init fn: %s, "
                               "error: %s" % (_maybe_name(init_op), init_fn, msg))
        is_ready, msg = self._model_ready(sess)
        if not is_ready:
            raise RuntimeError("Init operations did not make model ready.  Init op: %s, init fn: %s, local_init_op: "
                               "%s, error: %s" % (_maybe_name(init_op), init_fn, self._local_init_op, msg))
        return sess

    def recover_session(self, master, saver=None, checkpoint_dir=None, checkpoint_filename_with_path=None,
                        wait_for_checkpoint=False, max_wait_secs=7200, config=None):
        """(a session, whether it was restored and is ready); nothing is initialized when it was not."""
        sess, is_loaded_from_checkpoint = self._restore_checkpoint(
            master, saver, checkpoint_dir=checkpoint_dir, checkpoint_filename_with_path=checkpoint_filename_with_path,
            wait_for_checkpoint=wait_for_checkpoint, max_wait_secs=max_wait_secs, config=config)
        local_init_success, msg = self._try_run_local_init_op(sess)
        if not is_loaded_from_checkpoint:
            return sess, False
        restoring_file = checkpoint_dir or checkpoint_filename_with_path
        if not local_init_success:
            logger.info("Restoring model from %s did not make model ready for local init: %s", restoring_file, msg)
            return sess, False
        is_ready, msg = self._model_ready(sess)
        if not is_ready:
            logger.info("Restoring model from %s did not make model ready: %s", restoring_file, msg)
            return sess, False
        logger.info("Restored model from %s", restoring_file)
        return sess, is_loaded_from_checkpoint

    def wait_for_session(self, master, config=None, max_wait_secs=float("Inf")):
        """A session once another process has made the model ready (DeadlineExceededError after
        ``max_wait_secs``)."""
        if max_wait_secs is None:
            max_wait_secs = float("Inf")
        deadline = time.time() + max_wait_secs
        while True:
            sess = Session(master, graph=self._graph, config=config)
            not_ready_msg = None
            local_init_success, not_ready_local_msg = self._try_run_local_init_op(sess)
            if local_init_success:
                is_ready, not_ready_msg = self._model_ready(sess)
                if is_ready:
                    return sess
            sess.close()
            if deadline - time.time() - self._recovery_wait_secs < 0:
                raise errors.DeadlineExceededError(None, None, "Session was not ready after waiting %d secs."
                                                   % (max_wait_secs,))
            logger.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, ready: %s",
                        not_ready_local_msg, not_ready_msg)
            time.sleep(self._recovery_wait_secs)

    def _model_ready(self, sess):
        return _ready(self._ready_op, sess, "Model not ready")

    def _model_ready_for_local_init(self, sess):
        return _ready(self._ready_for_local_init_op, sess, "Model not ready for local init")

    def _try_run_local_init_op(self, sess):
        if self._local_init_op is not None:
            is_ready_for_local_init, msg = self._model_ready_for_local_init(sess)
            if not is_ready_for_local_init:
                return False, msg
            logger.info("Running local_init_op.")
            sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict, options=self._local_init_run_options)
            logger.info("Done running local_init_op.")
        return True, None


def _ready(op, sess, msg):
    """(True, None) when ``op`` reports nothing uninitialized, else (False, which variables)."""
    if op is None:
        return True, None
    try:
        ready_value = sess.run(op)
    except errors.FailedPreconditionError as e:
        if "uninitialized" not in str(e):
            logger.warning("%s : error [%s]", msg, str(e))
            raise
        return False, str(e)
    ready_value = np.asarray(ready_value) if ready_value is not None else None
    if ready_value is None or ready_value.dtype == np.int32 or ready_value.size == 0:
        return True, None
    names = ", ".join(v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in ready_value.ravel())
    return False, "Variables not initialized: " + names
