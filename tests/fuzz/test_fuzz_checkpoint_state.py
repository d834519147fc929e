"""The ``checkpoint`` state file (a CheckpointState in text format): get_checkpoint_state returns the state,
None for a file it cannot parse, or raises ValueError when the file names no model_checkpoint_path (as
TensorFlow documents); latest_checkpoint returns a prefix or None."""
import os
import pathlib
import shutil

from hypothesis import given, strategies as st

from tagraph.engine.framework import errors
from tagraph.serialization import checkpoint_state

from fuzz_harness import work_dir, check, fuzz_settings, mutate, mutations

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"
_WORK = work_dir("tagraph-fuzz-state-")
SEEDS = [(TF_DATA / "seed_checkpoint" / "checkpoint").read_bytes(),
         (TF_DATA / "dtypes_checkpoint" / "checkpoint").read_bytes(),
         b'model_checkpoint_path: "/abs/model-9"\nall_model_checkpoint_paths: "/abs/model-9"\n'
         b'all_model_checkpoint_timestamps: 1.5e9\nlast_preserved_timestamp: 1.4e9\n']

_WORDS = st.sampled_from([
    "model_checkpoint_path", "all_model_checkpoint_paths", "all_model_checkpoint_timestamps",
    "last_preserved_timestamp", "unknown_field", ":", '"', "'", "\\", "\\x", "\\777", "{", "}", "<", ">", "[", "]",
    "#", "\n", " ", "1e999", "nan", "-", "0x", "\x00", "\u00e9", "..", "/", "model.ckpt", ",", ";"])


def _state(text):
    d = os.path.join(_WORK, "d")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "checkpoint"), "wb") as f:
        f.write(text)
    return d


def _read(directory):
    state = checkpoint_state.get_checkpoint_state(directory)
    if state is not None:
        assert state.model_checkpoint_path
    latest = checkpoint_state.latest_checkpoint(directory)
    assert latest is None or isinstance(latest, str)
    return state


@fuzz_settings(200)
@given(st.sampled_from(SEEDS), mutations(st))
def test_state_file_mutated(seed, ops):
    data = mutate(seed, ops)
    check("checkpoint state file", _read, _state(data), input_size=len(data),
          allowed=(errors.OpError, ValueError))


@fuzz_settings(200)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=30))
def test_state_file_token_soup(words):
    data = "".join(words).encode("utf-8", "surrogatepass")
    check("checkpoint state file", _read, _state(data), input_size=len(data),
          allowed=(errors.OpError, ValueError))


def teardown_module(module):
    shutil.rmtree(_WORK, ignore_errors=True)
