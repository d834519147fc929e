"""A real S3-protocol server for the object-store tests: moto's ThreadedMotoServer in this process, on a free
loopback port, with the environment pointing s3fs (and any child process) at it and at nothing else.

    from object_store_server import s3_server, new_bucket   # the fixture, imported into the test module

    def test_x(s3_server):
        root = new_bucket()                                  # "s3://tagraph-test-1a2b3c4d", created
"""
import contextlib
import logging
import socket
import urllib.request
import uuid

import pytest
from moto.server import ThreadedMotoServer

from tagraph.engine.framework import file_io

# The credentials moto accepts while authentication is off (its default); nothing here reaches a real AWS.
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
       # No lookups of ~/.aws, of the instance metadata service, nor retries against a dead endpoint.
       "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/tagraph-test/credentials",
       "AWS_CONFIG_FILE": "/nonexistent/tagraph-test/config", "AWS_EC2_METADATA_DISABLED": "true",
       "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "S3_ENDPOINT", "S3_USE_HTTPS", "S3_VERIFY_SSL",
         "AWS_REGION")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """The endpoint URL of a moto S3 server for this test module; AWS_* point at it meanwhile."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # one access-log line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = "http://127.0.0.1:%d" % port
    with pytest.MonkeyPatch.context() as mp:
        for name in UNSET:
            mp.delenv(name, raising=False)
        for name, value in ENV.items():
            mp.setenv(name, value)
        mp.setenv("AWS_ENDPOINT_URL", endpoint)
        try:
            yield endpoint
        finally:
            server.stop()


def new_bucket(prefix="tagraph-test"):
    """A new, empty bucket's URL."""
    url = "s3://%s-%s" % (prefix, uuid.uuid4().hex[:10])
    file_io.makedirs(url)
    return url


@contextlib.contextmanager
def authentication_required(endpoint):
    """Makes the server check credentials (moto's IAM emulation) while inside: unknown keys get HTTP 403."""
    def set_count(value):
        req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=value, method="POST",
                                     headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
    set_count(b"0")
    try:
        yield
    finally:
        set_count(b"inf")
