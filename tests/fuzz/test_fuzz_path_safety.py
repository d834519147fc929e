"""safe_join: names from files and requests cannot leave their directory (``..``, absolute paths, symlinks)."""
import os

import pytest
from hypothesis import given, strategies as st

from tagraph.engine.framework import errors
from tagraph.serialization.path_safety import is_safe_name, safe_join

from fuzz_harness import check, fuzz_settings, work_dir


@pytest.fixture
def tree(tmp_path):
    base = tmp_path / "model" / "assets"
    base.mkdir(parents=True)
    (base / "vocab.txt").write_text("a\n")
    (base / "sub").mkdir()
    (tmp_path / "secret").write_text("s")
    os.symlink(tmp_path / "secret", base / "link_out")              # escapes
    os.symlink(base / "vocab.txt", base / "link_in")                # stays inside
    os.symlink(tmp_path, base / "dir_out")                          # a directory outside
    os.symlink("/", base / "root")
    return base


@pytest.mark.parametrize("name", ["vocab.txt", "sub/x.txt", "new_file", "link_in", "./vocab.txt", "a..b", "..a"])
def test_plain_names_are_joined(tree, name):
    assert safe_join(tree, name) == os.path.normpath(os.path.join(tree, name))


@pytest.mark.parametrize("name", [
    "..", "../secret", "sub/../../secret", "../model/assets/vocab.txt", "/etc/passwd", "//etc", "\\etc\\passwd",
    "sub\\..\\..\\x", "", ".", "a\x00b", "link_out", "dir_out/secret", "root/etc/passwd", b"../x", "sub/..",
])
def test_escaping_names_are_refused(tree, name):
    with pytest.raises(errors.InvalidArgumentError):
        safe_join(tree, name)


@pytest.mark.parametrize("name", ["1", "stable", "my-model"])
def test_single_names(tree, name):
    assert safe_join(tree, name, allow_subdirs=False).endswith(name)


@pytest.mark.parametrize("name", ["a/b", "sub/x", "."])
def test_single_names_refuse_directories(tree, name):
    assert not is_safe_name(tree, name, allow_subdirs=False)


@fuzz_settings(300)
@given(st.lists(st.sampled_from(["..", ".", "sub", "vocab.txt", "link_out", "link_in", "dir_out", "root", "",
                                 "x", "\x00", "\\", "~", "%2e%2e"]), max_size=5),
       st.booleans())
def test_generated_names_never_leave_the_directory(names, absolute):
    base = _FUZZ_TREE
    name = ("/" if absolute else "") + "/".join(names)
    out = check("path names (safe_join)", safe_join, base, name, input_size=len(name))
    if isinstance(out, str):
        root = os.path.realpath(base)
        target = os.path.realpath(out)
        assert os.path.commonpath([root, target]) == root and target != root


def _make_fuzz_tree():
    top = work_dir("tagraph-fuzz-paths-")
    base = os.path.join(top, "model", "assets")
    os.makedirs(os.path.join(base, "sub"))
    open(os.path.join(base, "vocab.txt"), "w").close()
    open(os.path.join(top, "secret"), "w").close()
    os.symlink(os.path.join(top, "secret"), os.path.join(base, "link_out"))
    os.symlink(os.path.join(base, "vocab.txt"), os.path.join(base, "link_in"))
    os.symlink(top, os.path.join(base, "dir_out"))
    os.symlink("/", os.path.join(base, "root"))
    return base


_FUZZ_TREE = _make_fuzz_tree()



_TF_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "tf")


def test_loader_refuses_an_asset_symlink_pointing_outside(tmp_path):
    import shutil
    import tagraph.engine as tg
    from tagraph.serialization.saved_model import loader
    export = tmp_path / "hpt"
    shutil.copytree(os.path.join(_TF_DATA, "half_plus_two"), export)
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of the model\n")
    vocab = export / "assets" / "vocab.txt"
    vocab.unlink()
    os.symlink(outside, vocab)
    with tg.Session(graph=tg.Graph()) as sess:
        with pytest.raises(errors.InvalidArgumentError):
            loader.load(sess, ["serve"], str(export))


def test_loader_refuses_an_asset_name_with_dotdot(tmp_path):
    from tagraph.protos import meta_graph_pb2
    from tagraph.serialization.saved_model import loader
    mg = meta_graph_pb2.MetaGraphDef()
    a = mg.asset_file_def.add(filename="../../etc/passwd")
    a.tensor_info.name = "asset:0"
    with pytest.raises(errors.InvalidArgumentError):
        loader.get_asset_tensors(str(tmp_path), mg)
