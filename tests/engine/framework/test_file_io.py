"""file_io: every function gives the same answers and errors on a local folder, on fsspec's in-memory store and
on a real S3-protocol server (moto's, on loopback); plus what only object stores have: uploads that land
whole, credentials, endpoints, and the errors naming the ``[cloud]`` extra."""
import os
import sys
import time
import uuid

import pytest
from object_store_server import authentication_required, free_port, new_bucket, s3_server  # noqa: F401

from tagraph.engine.framework import errors, file_io


@pytest.fixture(params=["local", "memory", "s3"])
def root(request, tmp_path):
    """An empty directory: a local folder, a memory:// prefix, an S3 bucket."""
    if request.param == "local":
        path = str(tmp_path / "root")
        os.makedirs(path)
        yield path
    elif request.param == "memory":
        url = "memory://tagraph-test-%s" % uuid.uuid4().hex[:10]
        file_io.makedirs(url)
        yield url
        file_io.rmtree(url)
    else:
        request.getfixturevalue("s3_server")
        yield new_bucket()


@pytest.fixture
def store(request):
    """An empty directory on an object store only (memory://, s3://)."""
    if request.param == "memory":
        url = "memory://tagraph-test-%s" % uuid.uuid4().hex[:10]
        file_io.makedirs(url)
        return url
    request.getfixturevalue("s3_server")
    return new_bucket()


def _tree(root):
    """root/a/b/c.txt, root/a/d.txt, root/e.bin."""
    file_io.makedirs(file_io.join(root, "a", "b"))
    file_io.write_file(file_io.join(root, "a", "b", "c.txt"), b"ccc")
    file_io.write_file(file_io.join(root, "a", "d.txt"), "dd")
    file_io.write_file(file_io.join(root, "e.bin"), b"\x00\x01\x02\x03\x04")


def test_write_read_exists_isfile_isdir_stat(root):
    path = file_io.join(root, "x", "data.bin")
    file_io.makedirs(file_io.join(root, "x"))
    file_io.write_file(path, b"\x00hello\xff")
    assert file_io.read_file(path) == b"\x00hello\xff"
    assert file_io.exists(path) and file_io.isfile(path) and not file_io.isdir(path)
    assert file_io.exists(file_io.join(root, "x")) and file_io.isdir(file_io.join(root, "x"))
    assert not file_io.isfile(file_io.join(root, "x"))
    st = file_io.stat(path)
    assert st.length == 7 and not st.is_directory
    assert abs(st.mtime_nsec / 1e9 - time.time()) < 600
    assert file_io.stat(file_io.join(root, "x")).is_directory
    file_io.write_file(path, "text é")   # replaced; str is written as UTF-8
    assert file_io.read_file(path) == "text é".encode()


def test_missing_paths_raise_not_found(root):
    missing = file_io.join(root, "no", "such.file")
    assert not file_io.exists(missing) and not file_io.isfile(missing) and not file_io.isdir(missing)
    assert file_io.glob(file_io.join(root, "no", "*")) == []
    for fn in (file_io.read_file, file_io.stat, file_io.remove, file_io.listdir, file_io.rmtree,
               lambda p: file_io.open(p, "rb"), lambda p: file_io.GFile(p).read()):
        with pytest.raises(errors.NotFoundError, match="such"):
            fn(missing)
    with pytest.raises(errors.NotFoundError):
        file_io.copy(missing, file_io.join(root, "copy"))
    with pytest.raises(errors.NotFoundError):
        file_io.rename(missing, file_io.join(root, "moved"))


def test_listdir_glob_walk_list_files(root):
    _tree(root)
    assert sorted(file_io.listdir(root)) == ["a", "e.bin"]
    assert sorted(file_io.listdir(file_io.join(root, "a"))) == ["b", "d.txt"]
    assert file_io.glob(file_io.join(root, "a", "*.txt")) == [file_io.join(root, "a", "d.txt")]
    assert file_io.glob(file_io.join(root, "*")) == [file_io.join(root, "a"), file_io.join(root, "e.bin")]
    assert file_io.glob(file_io.join(root, "a", "?", "c.tx[st]")) == [file_io.join(root, "a", "b", "c.txt")]
    walked = {os.path.relpath(d, root) if not file_io.is_url(root) else d[len(root):].strip("/") or ".":
              (sorted(dirs), sorted(files)) for d, dirs, files in file_io.walk(root)}
    assert walked == {".": (["a"], ["e.bin"]), "a": (["b"], ["d.txt"]), "a/b": ([], ["c.txt"])}
    listed = [(name, st.length) for name, st in file_io.list_files(root)]
    assert listed == [("a/b/c.txt", 3), ("a/d.txt", 2), ("e.bin", 5)]
    with pytest.raises(errors.NotFoundError, match="Could not find directory"):
        file_io.listdir(file_io.join(root, "e.bin"))


def test_rename_and_copy_refuse_to_overwrite_unless_asked(root):
    a, b, c = (file_io.join(root, n) for n in ("a.txt", "b.txt", "c.txt"))
    file_io.write_file(a, b"A")
    file_io.write_file(b, b"B")
    with pytest.raises(errors.AlreadyExistsError, match="b.txt"):
        file_io.rename(a, b)
    with pytest.raises(errors.AlreadyExistsError, match="b.txt"):
        file_io.copy(a, b)
    file_io.copy(a, c)
    assert file_io.read_file(c) == b"A" and file_io.read_file(a) == b"A"
    file_io.rename(a, b, overwrite=True)
    assert file_io.read_file(b) == b"A" and not file_io.exists(a)
    file_io.copy(c, b, overwrite=True)
    file_io.rename(c, a)
    assert file_io.read_file(a) == b"A" and not file_io.exists(c)
    _tree(file_io.join(root, "t"))    # a whole directory moves too
    file_io.rename(file_io.join(root, "t"), file_io.join(root, "u"))
    assert not file_io.exists(file_io.join(root, "t"))
    assert file_io.read_file(file_io.join(root, "u", "a", "b", "c.txt")) == b"ccc"


def test_makedirs_mkdir_remove_rmtree(root):
    deep = file_io.join(root, "p", "q", "r")
    file_io.makedirs(deep)
    file_io.makedirs(deep)          # existing is fine
    file_io.write_file(file_io.join(deep, "f"), b"1")
    with pytest.raises(errors.AlreadyExistsError):
        file_io.mkdir(root)
    file_io.remove(file_io.join(deep, "f"))
    assert not file_io.exists(file_io.join(deep, "f"))
    _tree(file_io.join(root, "p"))
    file_io.rmtree(file_io.join(root, "p"))
    assert not file_io.exists(file_io.join(root, "p"))
    assert file_io.listdir(root) == []


def test_gfile_text_binary_append_lines_seek(root):
    path = file_io.join(root, "labels.txt")
    with file_io.GFile(path, "w") as f:
        f.write("cat\r\n")
        f.write(b"dog\n")
    with file_io.GFile(path, "a") as f:
        f.write("ému\n")
    with file_io.GFile(path) as f:
        assert f.read() == "cat\r\ndog\nému\n"     # no newline translation
    with file_io.GFile(path, "rb") as f:
        assert list(f) == [b"cat\r\n", b"dog\n", "ému\n".encode()]
        f.seek(5)
        assert f.tell() == 5 and f.readline() == b"dog\n"
        assert f.size() == len("cat\r\ndog\nému\n".encode())
    with file_io.GFile(path, "r") as f:
        assert f.readlines() == ["cat\r\n", "dog\n", "ému\n"]
    with pytest.raises(errors.InvalidArgumentError, match="mode"):
        file_io.GFile(path, "q")


@pytest.mark.parametrize("store", ["memory", "s3"], indirect=True)
def test_an_upload_lands_whole_on_close_or_not_at_all(store):
    path = file_io.join(store, "big.bin")
    with pytest.raises(RuntimeError):
        with file_io.open(path, "wb") as f:
            f.write(b"x" * 1000)
            raise RuntimeError("writer dies")
    assert not file_io.exists(path)      # nothing of a failed writer is visible
    f = file_io.open(path, "wb")
    f.write(b"part")
    assert not file_io.exists(path)      # not before close
    f.write(b" two")
    assert f.tell() == 8
    f.close()
    assert file_io.read_file(path) == b"part two"
    f = file_io.open(path, "wb")
    f.write(b"new")
    f.discard()
    assert file_io.read_file(path) == b"part two"


def test_copy_and_rename_across_stores(s3_server, tmp_path):  # noqa: F811 - the fixture
    bucket = new_bucket()
    local = str(tmp_path / "a.bin")
    with open(local, "wb") as f:
        f.write(b"across")
    file_io.copy(local, bucket + "/a.bin")
    file_io.rename(bucket + "/a.bin", "memory://tagraph-across/a.bin")
    assert not file_io.exists(bucket + "/a.bin")
    file_io.copy("memory://tagraph-across/a.bin", str(tmp_path / "b.bin"))
    assert open(tmp_path / "b.bin", "rb").read() == b"across"
    file_io.rmtree("memory://tagraph-across")


def test_scheme_and_join():
    assert file_io.scheme("S3://b/k") == "s3" and file_io.scheme("gs://b") == "gs"
    assert file_io.scheme("file:///tmp/x") == "" and file_io.scheme("/tmp/a://b") == ""
    assert file_io.scheme(b"memory://x") == "memory" and not file_io.is_url("relative/path")
    assert file_io.join("s3://b/run", "model.ckpt") == "s3://b/run/model.ckpt"
    assert file_io.join("/tmp", "x") == os.path.join("/tmp", "x")


def test_file_urls_are_local_paths(tmp_path):
    file_io.write_file("file://%s/f" % tmp_path, b"local")
    assert open(tmp_path / "f", "rb").read() == b"local"
    assert file_io.listdir("file://%s" % tmp_path) == ["f"]


def test_an_unknown_scheme_is_unimplemented(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for fn in (file_io.exists, file_io.read_file, lambda p: file_io.write_file(p, b"x")):
        with pytest.raises(errors.UnimplementedError, match="File system scheme 'nosuch' not implemented"):
            fn("nosuch://bucket/key")
    assert os.listdir(tmp_path) == []    # nothing written to a local folder called "nosuch:"


def test_without_fsspec_a_url_names_the_cloud_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)
    monkeypatch.setattr(file_io, "_filesystems", {})
    with pytest.raises(ImportError, match=r"s3://b/k.*fsspec.*pip install 'tagraph\[cloud\]'"):
        file_io.exists("s3://b/k")


def test_without_the_protocol_package_a_url_names_the_cloud_extra(monkeypatch):
    import importlib
    registry = importlib.import_module("fsspec.registry")
    monkeypatch.setitem(sys.modules, "s3fs", None)
    monkeypatch.delitem(registry._registry, "s3", raising=False)
    monkeypatch.setattr(file_io, "_filesystems", {})
    with pytest.raises(ImportError, match=r"s3:// file system is not installed.*pip install 'tagraph\[cloud\]'"):
        file_io.read_file("s3://b/k")


def test_refused_credentials_are_permission_denied(s3_server, monkeypatch):  # noqa: F811
    bucket = new_bucket()
    file_io.write_file(bucket + "/k", b"secret")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
    with authentication_required(s3_server):
        for fn in (file_io.read_file, lambda p: file_io.write_file(p, b"x"), file_io.stat):
            with pytest.raises(errors.PermissionDeniedError, match=r"s3://.*/k: permission denied.*credentials"):
                fn(bucket + "/k")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    assert file_io.read_file(bucket + "/k") == b"secret"


def test_missing_credentials_are_unauthenticated(s3_server, monkeypatch):  # noqa: F811
    bucket = new_bucket()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(errors.UnauthenticatedError, match="no valid credentials.*AWS_ACCESS_KEY_ID"):
        file_io.read_file(bucket + "/k")


def test_tensorflows_s3_endpoint_variables_are_honoured(s3_server, monkeypatch):  # noqa: F811
    bucket = new_bucket()
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("S3_ENDPOINT", s3_server[len("http://"):])    # host:port, as TensorFlow takes it
    monkeypatch.setenv("S3_USE_HTTPS", "0")
    file_io.write_file(bucket + "/via-s3-endpoint", b"ok")
    assert file_io.read_file(bucket + "/via-s3-endpoint") == b"ok"


def test_an_unreachable_endpoint_is_unavailable(s3_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:%d" % free_port())
    with pytest.raises(errors.UnavailableError, match="cannot be reached"):
        file_io.read_file("s3://tagraph-nowhere/k")
