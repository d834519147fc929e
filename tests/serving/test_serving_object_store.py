"""The model server with its config file and base path on an object store (a real S3-protocol server, moto's, on
loopback): it serves the version there, and picks up a version uploaded while a client loops, with no failed
request and without ever loading it half-uploaded."""
import pathlib

from object_store_server import new_bucket, s3_server  # noqa: F401 - the fixture
from test_serving_hot_reload import ClientLoop

from tagraph.engine.framework import file_io

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"


def _upload(src, dst):
    """Uploads a SavedModel file by file, saved_model.pb first: the worst order for a server that looks only
    for it."""
    names = sorted((name for name, _ in file_io.list_files(str(src))), key=lambda n: n != "saved_model.pb")
    for name in names:
        file_io.copy(str(src / name), "%s/%s" % (dst, name))


def test_serves_from_s3_and_picks_up_a_version_uploaded_later(s3_server, start_server):  # noqa: F811
    bucket = new_bucket()
    base = bucket + "/models/m"
    _upload(TF_DATA / "model_base" / "0001", base + "/1")
    file_io.write_file(bucket + "/models.config", 'model_config_list { config { name: "m" base_path: "%s" '
                                                  'model_platform: "tensorflow" } }' % base)
    server = start_server(["--model_config_file=%s/models.config" % bucket, "--file_system_poll_wait_seconds=0.2"])
    client = ClientLoop(server)
    try:
        server.wait_for(lambda: len(client.seen) > 6, what="first answers")
        assert client.latest_grpc_version() == 1
        _upload(TF_DATA / "model_base" / "0002", base + "/2")
        server.wait_for(lambda: client.latest_grpc_version() == 2, what="version 2 to serve")
        n = len(client.seen)
        server.wait_for(lambda: len(client.seen) > n + 6, what="more answers")
    finally:
        client.stop()
    assert client.failures == []
    versions = [v for p, v, _ in client.seen if p == "grpc"]
    switch = versions.index(2)
    assert set(versions[:switch]) == {1} and set(versions[switch:]) == {2}
    assert {value for _, _, value in client.seen} == {4.0, 6.0}
    log = server.log()
    assert log.count("Successfully loaded servable version {name: m version: 2}") == 1
    assert "Loading servable: {name: m version: 2} failed" not in log
