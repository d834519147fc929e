"""Command-line flags of the server: batching, tags (and the GPU choice), graceful shutdown, bad configs."""
import concurrent.futures
import json
import pathlib
import re
import shutil
import signal
import time

import grpc
import numpy as np
import pytest

from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto
from tagraph.protos import predict_pb2, prediction_service_pb2_grpc

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"


@pytest.fixture
def hpt_base(tmp_path):
    shutil.copytree(TF_DATA / "half_plus_two", tmp_path / "hpt" / "1")
    return tmp_path / "hpt"


def _request(x, name="hpt"):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = name
    req.inputs["x"].CopyFrom(make_tensor_proto(np.asarray(x, np.float32)))
    return req


def test_batching_merges_concurrent_requests(start_server, hpt_base, tmp_path):
    params = tmp_path / "batching.config"
    params.write_text("max_batch_size { value: 8 }\nbatch_timeout_micros { value: 200000 }\n"
                      "max_enqueued_batches { value: 4 }\nnum_batch_threads { value: 1 }\n")
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base, "--enable_batching",
                           "--batching_parameters_file=%s" % params, "--metrics_path=/metrics"])
    stub = prediction_service_pb2_grpc.PredictionServiceStub(server.channel)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(stub.Predict, _request([[float(i)]])) for i in range(8)]
        results = [make_ndarray(f.result(timeout=10).outputs["y"]).tolist() for f in futures]
    assert results == [[[0.5 * i + 2]] for i in range(8)]        # each request gets its own row back
    _, text = server.get("/metrics")
    count = float(re.search(r'^tagraph_serving_batch_size_count\{model="hpt",signature="serving_default"\} (\S+)$',
                            text, re.M).group(1))
    total = float(re.search(r'^tagraph_serving_batch_size_sum\{model="hpt",signature="serving_default"\} (\S+)$',
                            text, re.M).group(1))
    assert total == 8 and count < 8, text                         # rows were merged into fewer runs

    status, doc = server.post_json("/v1/models/hpt:predict", {"instances": [[1.0]] * 9})
    assert (status, doc) == (400, {"error": "Task size 9 is larger than maximum input batch size 8"})
    assert "Batching enabled: max_batch_size=8 batch_timeout_micros=200000" in server.log()

    # SIGTERM lets a request that is waiting in a batch finish, then the process exits cleanly; the
    # gRPC health service tells watchers the server is going away.
    from tagraph.serving import extra_protos
    watch = server.channel.unary_stream(
        "/grpc.health.v1.Health/Watch", request_serializer=extra_protos.HealthCheckRequest.SerializeToString,
        response_deserializer=extra_protos.HealthCheckResponse.FromString)
    stream = watch(extra_protos.HealthCheckRequest(service="hpt"), timeout=20)
    health = [next(stream).status]
    pending = stub.Predict.future(_request([[4.0]]))
    time.sleep(0.05)
    server.proc.send_signal(signal.SIGTERM)
    try:
        for resp in stream:
            health.append(resp.status)
    except grpc.RpcError:
        pass
    assert make_ndarray(pending.result(timeout=20).outputs["y"]).tolist() == [[4.0]]
    assert server.proc.wait(20) == 0
    assert "Received SIGTERM" in server.log() and "Server stopped" in server.log()
    assert health[0] == extra_protos.HEALTH_SERVING and extra_protos.HEALTH_NOT_SERVING in health


def test_saved_model_tags_flag(start_server, hpt_base):
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base, "--saved_model_tags=serve,gpu"])
    assert "Reading meta graph with tags { gpu serve } (requested by --saved_model_tags)" in server.log()
    # The GPU-pinned graph runs on this CPU-only machine through soft placement.
    assert server.post_json("/v1/models/hpt:predict", {"instances": [[2.0]]}) == (200, {"predictions": [[3.0]]})


def test_gpu_graph_is_chosen_where_a_gpu_is_present(start_server, hpt_base):
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base],
                          env={"TAGRAPH_SIMULATED_GPUS": "1"})
    assert "Reading meta graph with tags { serve gpu } (a GPU is present)" in server.log()


def test_unknown_tags_fail_the_load_and_sigterm_still_stops_the_retrying_server(start_server, hpt_base):
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base, "--saved_model_tags=bogus",
                           "--max_num_load_retries=100", "--load_retry_interval_micros=5000000", "--open_ports_early"],
                          wait_ready=False)
    server.wait_for(lambda: "Retrying load of {name: hpt version: 1} in 5 s (retry 1 of 100)" in server.log(),
                    what="the failed load")
    assert "MetaGraphDef associated with tags {bogus} could not be found in SavedModel" in server.log()
    status, text = server.get("/readyz")
    assert status == 503 and json.loads(text)["status"] == "not ready"
    status, doc = server.post_json("/v1/models/hpt:predict", {"instances": [[2.0]]})
    assert (status, doc) == (503, {"error": "Servable hpt is loading: no version of it is available yet"})
    status, text = server.get("/v1/models/hpt")
    version = json.loads(text)["model_version_status"][0]
    assert version["state"] == "LOADING" and version["status"]["error_code"] == "NOT_FOUND"
    server.proc.send_signal(signal.SIGTERM)       # while start-up still waits for the load
    assert server.proc.wait(20) == 0


@pytest.mark.parametrize("args, message", [
    ([], "Both --model_base_path and --model_config_file are empty"),
    (["--model_config_file=/nonexistent/models.config"], "Cannot read model config file /nonexistent/models.config"),
    (["--model_name=m", "--model_base_path=/x", "--enable_batching", "--batching_parameters_file=BATCH"],
     "Cannot parse batching parameters file"),
    (["--model_name=m", "--model_base_path=/x", "--grpc_channel_arguments=nokey"], "is not key=value"),
])
def test_bad_configuration_exits_with_a_message(tmp_path, caplog, args, message):
    from tagraph.serving.main import main
    batch = tmp_path / "batch.config"
    batch.write_text("max_batch_size: 3")
    args = [a.replace("BATCH", str(batch)) for a in args]
    assert main(["--host=127.0.0.1", "--port=0"] + args) == 1
    assert message in caplog.text


def test_version_flag(capsys):
    from tagraph.serving.main import main
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("tagraph-model-server")
