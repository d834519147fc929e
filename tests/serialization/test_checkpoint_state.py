"""The `checkpoint` state file: TensorFlow's exact bytes, path handling, latest_checkpoint."""

import os
import shutil
from pathlib import Path

import pytest

from tagraph.serialization.checkpoint_state import (
    CheckpointState, checkpoint_exists, generate_checkpoint_state_proto, get_checkpoint_state,
    latest_checkpoint, remove_checkpoint, update_checkpoint_state, update_checkpoint_state_internal,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "tf"
SEED_DIR = DATA / "seed_checkpoint"
DTYPES_DIR = DATA / "dtypes_checkpoint"


def test_relative_paths_match_tensorflow_bytes(tmp_path):
    # Saver(save_relative_paths=True) with an absolute save path
    d = str(tmp_path)
    update_checkpoint_state(d, os.path.join(d, "model.ckpt"), [os.path.join(d, "model.ckpt")],
                            save_relative_paths=True)
    assert (tmp_path / "checkpoint").read_bytes() == (SEED_DIR / "checkpoint").read_bytes()
    update_checkpoint_state_internal(
        d, os.path.join(d, "model-3"), [os.path.join(d, "model-2"), os.path.join(d, "model-3")],
        save_relative_paths=True)
    assert (tmp_path / "checkpoint").read_bytes() == (DTYPES_DIR / "checkpoint").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint"]  # no temporary file left


def test_relative_save_dir_writes_paths_relative_to_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("train")
    update_checkpoint_state("train", "train/model.ckpt")
    assert (tmp_path / "train" / "checkpoint").read_bytes() == (SEED_DIR / "checkpoint").read_bytes()
    # a bare file name: the state file lands in the current directory
    update_checkpoint_state("", "model.ckpt")
    assert (tmp_path / "checkpoint").read_bytes() == (SEED_DIR / "checkpoint").read_bytes()


def test_absolute_paths_timestamps_and_custom_filename(tmp_path):
    d = str(tmp_path)
    update_checkpoint_state(d, d + "/m-2", [d + "/m-1"], latest_filename="latest",
                            all_model_checkpoint_timestamps=[1.5, 1700000000.25], last_preserved_timestamp=12.0)
    text = (tmp_path / "latest").read_text()
    assert text == (
        'model_checkpoint_path: "%s/m-2"\n'
        'all_model_checkpoint_paths: "%s/m-1"\n'
        'all_model_checkpoint_paths: "%s/m-2"\n'
        "all_model_checkpoint_timestamps: 1.5\n"
        "all_model_checkpoint_timestamps: 1700000000.25\n"
        "last_preserved_timestamp: 12.0\n" % (d, d, d))
    state = get_checkpoint_state(d, "latest")
    assert list(state.all_model_checkpoint_timestamps) == [1.5, 1700000000.25]
    assert get_checkpoint_state(d) is None  # no "checkpoint" file


def test_generate_checks_timestamps_and_appends_latest():
    state = generate_checkpoint_state_proto("/abs", "/abs/b", ["/abs/a"])
    assert list(state.all_model_checkpoint_paths) == ["/abs/a", "/abs/b"]
    paths = ["/abs/a"]
    generate_checkpoint_state_proto("/abs", "/abs/b", paths)
    assert paths == ["/abs/a"]  # the caller's list is left alone
    with pytest.raises(ValueError, match="timestamps"):
        generate_checkpoint_state_proto("/abs", "/abs/b", ["/abs/a"], all_model_checkpoint_timestamps=[1.0])


def test_conflicting_save_path_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="conflicts"):
        update_checkpoint_state(str(tmp_path), os.path.join(str(tmp_path), "checkpoint"))
    assert not (tmp_path / "checkpoint").exists()


def test_get_checkpoint_state_resolves_relative_paths():
    state = get_checkpoint_state(str(DTYPES_DIR))
    assert isinstance(state, CheckpointState)
    assert state.model_checkpoint_path == os.path.join(str(DTYPES_DIR), "model-3")
    assert list(state.all_model_checkpoint_paths) == [
        os.path.join(str(DTYPES_DIR), "model-2"), os.path.join(str(DTYPES_DIR), "model-3")]
    assert get_checkpoint_state(SEED_DIR).model_checkpoint_path == os.path.join(str(SEED_DIR), "model.ckpt")


def test_latest_checkpoint_needs_the_index(tmp_path):
    assert latest_checkpoint(str(SEED_DIR)) == os.path.join(str(SEED_DIR), "model.ckpt")
    assert latest_checkpoint(str(DTYPES_DIR)) == os.path.join(str(DTYPES_DIR), "model-3")
    shutil.copyfile(DTYPES_DIR / "checkpoint", tmp_path / "checkpoint")
    assert latest_checkpoint(str(tmp_path)) is None  # state names model-3, but its files are gone
    (tmp_path / "model-3.index").write_bytes(b"")
    assert latest_checkpoint(str(tmp_path)) == os.path.join(str(tmp_path), "model-3")
    assert latest_checkpoint(str(tmp_path / "nowhere")) is None


def test_unreadable_or_invalid_state_files(tmp_path, caplog):
    (tmp_path / "checkpoint").write_text("this is { not text format")
    assert get_checkpoint_state(str(tmp_path)) is None
    assert latest_checkpoint(str(tmp_path)) is None
    (tmp_path / "checkpoint").write_bytes(b'model_checkpoint_path: "\xff\xfe"\n')
    assert get_checkpoint_state(str(tmp_path)) is None
    (tmp_path / "checkpoint").write_text('all_model_checkpoint_paths: "a"\n')
    with pytest.raises(ValueError, match="Invalid checkpoint state"):
        get_checkpoint_state(str(tmp_path))


def test_checkpoint_exists_and_remove(tmp_path):
    prefix = str(tmp_path / "model.ckpt-7")
    assert not checkpoint_exists(prefix)
    for suffix in (".index", ".data-00000-of-00002", ".data-00001-of-00002", ".meta"):
        Path(prefix + suffix).write_bytes(b"x")
    Path(str(tmp_path / "model.ckpt-70.index")).write_bytes(b"x")
    assert checkpoint_exists(prefix) and checkpoint_exists(Path(prefix))
    remove_checkpoint(prefix)
    assert not checkpoint_exists(prefix)
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt-70.index"]
