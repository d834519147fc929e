"""deploy/: the Kubernetes manifests validate strictly against a fixed Kubernetes version, agree with the
model server (ports, flags, probe routes, metric names), and the server started as the image starts it,
with the pods' arguments, answers the probes; the images build where Docker runs."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

from tagraph.serving.main import build_parser  # noqa: E402
from tagraph.serving.metrics import Metrics  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
KUBERNETES_VERSION = "1.32.0"
HALF_PLUS_TWO = ROOT / "tests" / "data" / "tf" / "half_plus_two"


def _documents(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _all(kind):
    return [d for p in MANIFESTS for d in _documents(p) if d["kind"] == kind]


def _containers():
    return [(d, c) for d in _all("Deployment") for c in d["spec"]["template"]["spec"]["containers"]]


def _flags(container):
    return build_parser().parse_args(container["args"])


def _port(container, name_or_number):
    if isinstance(name_or_number, int):
        return name_or_number
    return next(p["containerPort"] for p in container["ports"] if p["name"] == name_or_number)


def _probes(container):
    return {kind: container[kind] for kind in ("livenessProbe", "readinessProbe", "startupProbe") if kind in container}


def test_there_are_the_manifests_of_a_replicated_server():
    kinds = sorted(d["kind"] for p in MANIFESTS for d in _documents(p))
    assert kinds == ["ConfigMap", "Deployment", "Deployment", "HorizontalPodAutoscaler", "Service"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_validates_strictly(path):
    for doc in _documents(path):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_strict_validation_catches_a_misspelt_field():
    doc = _all("Deployment")[0]
    container = doc["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("deployment,container", _containers(), ids=lambda x: x.get("name", ""))
def test_ports_probes_and_scrape_settings_match_the_server_flags(deployment, container):
    flags = _flags(container)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": flags.port, "http": flags.rest_api_port}
    # The ports must open before the model loads, or liveness fails during a slow load from object storage.
    assert flags.open_ports_early
    probes = _probes(container)
    assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in probes.values():
        assert _port(container, probe["httpGet"]["port"]) == flags.rest_api_port
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == flags.metrics_path
    assert int(annotations["prometheus.io/port"]) == flags.rest_api_port
    assert flags.shutdown_grace_seconds < deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    env = {e["name"]: e for e in container["env"]}
    assert env["MODEL_BASE_PATH"]["value"].startswith("s3://") and env["MODEL_NAME"]["value"]
    assert set(container["resources"]["requests"]) >= {"cpu", "memory"}
    assert set(container["resources"]["limits"]) >= {"cpu", "memory"}


def test_service_reaches_the_deployment_ports():
    (service,) = _all("Service")
    deployment = next(d for d in _all("Deployment") if d["metadata"]["name"] == service["metadata"]["name"])
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    flags = _flags(container)
    by_name = {p["name"]: p for p in service["spec"]["ports"]}
    assert _port(container, by_name["grpc"]["targetPort"]) == flags.port
    assert _port(container, by_name["http"]["targetPort"]) == flags.rest_api_port


def test_autoscaler_scales_the_deployment_on_cpu_and_a_metric_the_server_exposes():
    (hpa,) = _all("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert target["kind"] == "Deployment"
    assert target["name"] in [d["metadata"]["name"] for d in _all("Deployment")]
    metrics = {m["type"]: m for m in hpa["spec"]["metrics"]}
    assert metrics["Resource"]["resource"]["name"] == "cpu"
    pods_metric = metrics["Pods"]["pods"]["metric"]["name"]
    # The adapter rule turns a series of the server into the HPA's metric: the series must be one the
    # server writes, and the rule's renaming must give the HPA's name.
    (config_map,) = _all("ConfigMap")
    (rule,) = yaml.safe_load(config_map["data"]["config.yaml"])["rules"]
    series = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", rule["seriesQuery"]).group(1)
    m = Metrics()
    m.request_started("rest")
    m.request_finished("model", 1, "serving_default", "predict", "rest", "OK", 0.001)
    assert re.search(r"^%s\{" % re.escape(series), m.exposition(), re.M), series
    renamed = re.sub(rule["name"]["matches"], rule["name"]["as"].replace("${1}", r"\1"), series)
    assert renamed == pods_metric


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.cuda"])
def test_images_install_the_serving_extras_and_start_the_server(dockerfile):
    text = (DEPLOY / dockerfile).read_text()
    assert re.search(r"pip install .*\[serve,cloud(,gpu)?\]", text)
    assert 'ENTRYPOINT ["/usr/local/bin/tagraph_serving_entrypoint.sh"]' in text
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    flags = build_parser().parse_args(cmd)
    assert (flags.port, flags.rest_api_port) == (8500, 8501)
    exposed = {int(p) for line in re.findall(r"^EXPOSE (.*)$", text, re.M) for p in line.split()}
    assert exposed == {flags.port, flags.rest_api_port}
    assert "NUMBA_CACHE_DIR=" in text        # the unprivileged user can write Numba's kernel cache
    if dockerfile.endswith("cuda"):
        assert re.search(r"^FROM nvidia/cuda:\$\{CUDA_VERSION\}-runtime-", text, re.M)
    for name in ("protos", "devices", "engine", "serialization", "estimator", "serving", "compat"):
        assert "COPY %s %s" % (name, name) in text, name


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_entrypoint_with_the_pod_args_serves_the_probes_and_metrics(tmp_path):
    deployment, container = _containers()[0]
    grpc_port, rest_port = _free_port(), _free_port()
    # The pod's arguments, on free loopback ports.
    args = [a for a in container["args"] if not a.startswith(("--port=", "--rest_api_port="))]
    args += ["--host=127.0.0.1", "--port=%d" % grpc_port, "--rest_api_port=%d" % rest_port]
    env = {e["name"]: e.get("value", "") for e in container["env"] if "value" in e}
    env["MODEL_BASE_PATH"] = str(tmp_path / "models") + "/"
    shutil.copytree(HALF_PLUS_TWO, tmp_path / "models" / env["MODEL_NAME"] / "1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(["sh", str(DEPLOY / "entrypoint.sh")] + args, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, **env))
    base = "http://127.0.0.1:%d" % rest_port
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and ready != 200:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                ready = _get(base + "/readyz")[0]
            except OSError:
                time.sleep(0.1)
        assert ready == 200, (tmp_path / "server.log").read_text()
        for probe in _probes(container).values():
            assert _get(base + probe["httpGet"]["path"])[0] == 200, probe
        req = urllib.request.Request(base + "/v1/models/%s:predict" % env["MODEL_NAME"],
                                     data=json.dumps({"instances": [[1.0], [2.0]]}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["predictions"] == [[2.5], [3.0]]
        status, text = _get(base + deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"])
        assert status == 200 and 'tagraph_serving_requests_total{' in text
    finally:
        proc.terminate()
        assert proc.wait(30) == 0, (tmp_path / "server.log").read_text()
        log.close()


def _docker_runs():
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _docker_runs(), reason="no Docker daemon reachable here (docker info fails); the image "
                    "build runs where one is")
def test_cpu_image_builds_and_runs_the_server():
    tag = "tagraph-model-server:test-%d" % os.getpid()
    build = subprocess.run(["docker", "build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(ROOT)],
                           capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    try:
        run = subprocess.run(["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0 and "tagraph-model-server" in run.stdout, run.stdout + run.stderr
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
