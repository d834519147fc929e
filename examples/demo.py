"""`make demo`: tagraph's main job end to end, from training to answers from the model server.

    python examples/demo.py [DIR] [--steps N]    # DIR: where to write (default: a new temporary folder, kept)

1. Makes a data set: three interleaved spiral arms in the plane, one class each (1,500 points to train on,
   600 held out); the training points are written as tf.Examples to ``spirals.tfrecord``.
2. Trains a classifier on it (an MLP 2-32-32-3, Adam) on the GPU when one is present, else on the CPU,
   and says which, reading its batches through tg.data (TFRecordDataset -> map(parse_single_example) ->
   cache -> shuffle -> batch -> repeat, a one-shot iterator); a checkpoint is written every 100 steps
   (``model.ckpt-<step>``, the last three kept).
3. Exports a SavedModel whose two MetaGraphDefs, tagged ``serve`` (every node on the CPU) and
   ``serve,gpu`` (compute nodes on GPU:0), share one variables checkpoint (``export_for_devices``), as
   version 1 under a model base path; and shows which tag-set this machine would load (``load_best``).
4. Shows it with ``tagraph-saved-model-cli show --all``.
5. Starts ``tagraph-model-server`` on free loopback ports, serving that base path.
6. Sends predict requests over REST (TensorFlow Serving's JSON API) and over gRPC (its PredictionService),
   prints the answers and checks them against the in-process session.
7. Stops the server (SIGTERM) and says how long it all took.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from _guide import ModelServer, run_cli, workdir  # noqa: E402

CLASSES = 3
STEPS = 600
SAVE_EVERY = 100
BATCH = 100
MODEL_NAME = "spirals"
STARTED = time.monotonic()
TOTAL_STEPS = 7


def step(n, title):
    print("\n[%d/%d] %s  (%.1f s)" % (n, TOTAL_STEPS, title, time.monotonic() - STARTED), flush=True)


def say(text):
    print("      " + text.replace("\n", "\n      "), flush=True)


def spirals(n, seed):
    """``n`` points on three spiral arms (labels 0, 1, 2), with a little noise."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, CLASSES, n)
    t = rng.uniform(0.15, 1.0, n)
    angle = 2.5 * np.pi * t + labels * (2 * np.pi / CLASSES)
    points = np.stack([t * np.cos(angle), t * np.sin(angle)], 1) + rng.normal(0, 0.02, (n, 2))
    return points.astype(np.float32), labels.astype(np.int32)


def mlp(x):
    """The classifier's layers; the same variable names in the training and the serving graph."""
    import tagraph.engine as tg
    h = tg.layers.dense(x, 32, activation=tg.nn.relu, name="hidden1")
    h = tg.layers.dense(h, 32, activation=tg.nn.relu, name="hidden2")
    return tg.layers.dense(h, CLASSES, name="logits")


def choose_device():
    from tagraph.devices import gpu_available, list_devices
    if gpu_available():
        gpu = next(d for d in list_devices() if d.device_type == "GPU")
        kind = "a simulated GPU (TAGRAPH_SIMULATED_GPUS)" if gpu.is_simulated else "the GPU"
        return "/device:GPU:0", "%s: %s" % (kind, gpu.physical_description or gpu.name)
    return "/device:CPU:0", "the CPU (no GPU found: CuPy sees no CUDA device)"


def write_tfrecord(path, points, labels):
    """The points as tf.Examples (``xy``: 2 floats, ``label``: an int64) in a TFRecord file."""
    from tagraph.engine.framework.tfrecord import TFRecordWriter
    from tagraph.protos import example_pb2
    with TFRecordWriter(path) as writer:
        for point, label in zip(points.tolist(), labels.tolist()):
            example = example_pb2.Example()
            example.features.feature["xy"].float_list.value.extend(point)
            example.features.feature["label"].int64_list.value.append(label)
            writer.write(example.SerializeToString())


def input_batches(path):
    """(points, labels) batches of BATCH from the TFRecord file, shuffled, repeated forever. The parsed
    examples are cached in memory after the first pass: parsing each one again every pass would cost
    more than the training step."""
    import tagraph.engine as tg
    features = {"xy": tg.FixedLenFeature([2], tg.float32), "label": tg.FixedLenFeature([], tg.int64)}
    dataset = (tg.data.TFRecordDataset(path)
               .map(lambda record: tg.parse_single_example(record, features))
               .cache().shuffle(1500, seed=0).batch(BATCH).repeat())
    batch = tg.data.make_one_shot_iterator(dataset).get_next()
    return batch["xy"], tg.cast(batch["label"], tg.int32)


def train(directory, device, steps=STEPS):
    """Trains on ``device`` from the TFRecord file's batches, checkpointing every SAVE_EVERY steps; returns
    the latest checkpoint path. The held-out points are fed in place of the batches to evaluate."""
    import tagraph.engine as tg
    from tagraph.serialization import Saver, latest_checkpoint
    train_x, train_y = spirals(1500, seed=0)
    test_x, test_y = spirals(600, seed=1)
    records = os.path.join(directory, "spirals.tfrecord")
    write_tfrecord(records, train_x, train_y)
    say("wrote %d training examples to %s" % (len(train_x), os.path.basename(records)))
    model_dir = os.path.join(directory, "train")
    os.makedirs(model_dir, exist_ok=True)
    with tg.Graph().as_default():
        tg.set_random_seed(0)
        batch_x, batch_y = input_batches(records)       # the input pipeline stays on the CPU
        with tg.device(device):
            x = tg.placeholder_with_default(batch_x, [None, 2], name="x")
            y = tg.placeholder_with_default(batch_y, [None], name="y")
            logits = mlp(x)
            loss = tg.losses.sparse_softmax_cross_entropy(y, logits)
            global_step = tg.train.get_or_create_global_step()
            train_op = tg.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step)
            correct = tg.equal(tg.argmax(logits, 1, output_type=tg.int32), y)
            accuracy = tg.reduce_mean(tg.cast(correct, tg.float32))
        saver = Saver(max_to_keep=3)
        # Soft placement: an op with no kernel on the GPU runs on the CPU instead of failing.
        config = tg.ConfigProto(allow_soft_placement=True)
        with tg.Session(config=config) as sess:
            latest = latest_checkpoint(model_dir)
            if latest:
                saver.restore(sess, latest)
                say("resumed from %s" % os.path.basename(latest))
            else:
                sess.run(tg.global_variables_initializer())
            current = int(sess.run(global_step))
            t0 = time.monotonic()
            while current < steps:
                _, current = sess.run([train_op, global_step])
                current = int(current)
                if current % SAVE_EVERY == 0 or current >= steps:
                    path = saver.save(sess, os.path.join(model_dir, "model.ckpt"), global_step=current)
                    l, acc = sess.run([loss, accuracy], {x: test_x, y: test_y})
                    say("step %4d  loss %.4f  held-out accuracy %.3f  -> %s  (%.0f steps/s)" % (
                        current, l, acc, os.path.basename(path), current / max(time.monotonic() - t0, 1e-9)))
            acc = float(sess.run(accuracy, {x: test_x, y: test_y}))
    kept = sorted(f[:-6] for f in os.listdir(model_dir) if f.endswith(".index"))
    say("checkpoints kept: %s (max_to_keep=3); `checkpoint` names the latest" % ", ".join(kept))
    return latest_checkpoint(model_dir), acc


def export(directory, checkpoint):
    """Restores ``checkpoint`` into a serving graph and exports serve + serve,gpu; returns (base, export dir)."""
    import tagraph.engine as tg
    from tagraph.serialization import Saver
    from tagraph.serialization.saved_model import device_export, loader, signature_def_utils
    base = os.path.join(directory, "models", MODEL_NAME)
    export_dir = os.path.join(base, "1")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        logits = mlp(x)
        probabilities = tg.nn.softmax(logits, name="probabilities")
        class_ids = tg.argmax(logits, 1, output_type=tg.int32, name="class_ids")
        signature = signature_def_utils.predict_signature_def(
            inputs={"x": x}, outputs={"probabilities": probabilities, "class_ids": class_ids})
        with tg.Session() as sess:
            Saver().restore(sess, checkpoint)
            device_export.export_for_devices(sess, export_dir, signature_def_map={"serving_default": signature})
    say("SavedModel written to %s" % os.path.relpath(export_dir, directory))
    for mg in loader.SavedModelLoader(export_dir).saved_model.meta_graphs:
        devices = {}
        for node in mg.graph_def.node:
            kind = "on the GPU" if "GPU" in node.device.upper() else "on the CPU" if node.device else \
                "colocated with another node"
            devices[kind] = devices.get(kind, 0) + 1
        say("tag-set %-12s %3d nodes: %s" % ("{%s}" % ", ".join(mg.meta_info_def.tags), len(mg.graph_def.node),
                                             ", ".join("%d %s" % (n, k) for k, n in sorted(devices.items()))))
    files = sorted(os.path.join(r, f)[len(export_dir) + 1:] for r, _, fs in os.walk(export_dir) for f in fs)
    say("files: %s  (one variables checkpoint for both)" % ", ".join(files))
    best = device_export.load_best(None, export_dir)
    try:
        say("load_best on this machine picks {%s}" % ", ".join(best.tags))
    finally:
        best.session.close()
    return base, export_dir


def local_predictions(export_dir, points):
    from tagraph.serialization.saved_model import SignatureRunner
    with SignatureRunner(export_dir, tags=["serve"]) as runner:
        return runner.run({"x": points})


def rest_predict(server, points):
    doc = {"instances": [[round(v, 4) for v in p] for p in points.tolist()]}
    say("POST %s/v1/models/%s:predict" % (server.rest_url, MODEL_NAME))
    say("     %s" % json.dumps(doc))
    answer = server.post("/v1/models/%s:predict" % MODEL_NAME, doc)
    for point, prediction in zip(points.tolist(), answer["predictions"]):
        say("  x = [%6.3f, %6.3f] -> class %d, probabilities [%s]" % (
            point[0], point[1], prediction["class_ids"],
            ", ".join("%.3f" % p for p in prediction["probabilities"])))
    return (np.array([p["class_ids"] for p in answer["predictions"]]),
            np.array([p["probabilities"] for p in answer["predictions"]], np.float32))


def grpc_predict(server, points):
    import grpc
    from tagraph.engine.tensor_util import make_ndarray, make_tensor_proto
    from tagraph.protos import predict_pb2, prediction_service_pb2_grpc
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL_NAME
    request.model_spec.signature_name = "serving_default"
    request.inputs["x"].CopyFrom(make_tensor_proto(points))
    say("PredictionService/Predict at %s (model_spec.name=%r, inputs x: float32 %s)"
        % (server.grpc_address, MODEL_NAME, list(points.shape)))
    with grpc.insecure_channel(server.grpc_address) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        response = stub.Predict(request, 10.0)
    class_ids = make_ndarray(response.outputs["class_ids"])
    probabilities = make_ndarray(response.outputs["probabilities"])
    say("  model_spec: name %r, version %d, signature %r" % (
        response.model_spec.name, response.model_spec.version.value, response.model_spec.signature_name))
    say("  class_ids: %s" % class_ids.tolist())
    say("  probabilities:\n%s" % np.array2string(probabilities, precision=3, suppress_small=True))
    return class_ids, probabilities


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir", nargs="?", default="", help="where to write (default: a new temporary folder)")
    p.add_argument("--steps", type=int, default=STEPS, help="training steps (default %(default)s)")
    args = p.parse_args(argv)
    print("tagraph demo: train, checkpoint, export (serve + serve,gpu), inspect, serve, predict", flush=True)
    directory = workdir([args.dir], prefix="tagraph_demo_")
    import tagraph.engine  # noqa: F401  (the first import takes a moment: numpy, protobuf, the op registry)

    step(1, "Data: three spiral arms in the plane, 1,500 points to train on (a TFRecord file), 600 held out")
    device, described = choose_device()

    step(2, "Training an MLP 2-32-32-3 with Adam on %s" % described)
    checkpoint, accuracy = train(directory, device, args.steps)
    say("final held-out accuracy %.3f" % accuracy)

    step(3, "Exporting a SavedModel with tag-sets {serve} and {serve, gpu} sharing one checkpoint")
    base, export_dir = export(directory, checkpoint)

    step(4, "tagraph-saved-model-cli show --all")
    run_cli("tagraph-saved-model-cli", ["show", "--dir", os.path.relpath(export_dir, directory), "--all"], directory)

    step(5, "Starting tagraph-model-server")
    server = ModelServer(MODEL_NAME, base, os.path.join(directory, "model_server.log"))
    say("$ " + " ".join(server.command_line()))
    points = np.array([[0.5, 0.1], [-0.3, 0.4], [-0.2, -0.5], [0.05, -0.9]], np.float32)
    expected = local_predictions(export_dir, points)
    with server:
        loaded = [line.split("] ", 1)[-1] for line in server.log().splitlines() if "meta graph with tags" in line]
        say("ready: gRPC on %s, REST on %s" % (server.grpc_address, server.rest_url))
        for line in loaded:
            say("server log: %s" % line)

        step(6, "Predict requests over REST and gRPC")
        rest_ids, rest_probs = rest_predict(server, points)
        grpc_ids, grpc_probs = grpc_predict(server, points)
        agree = (rest_ids.tolist() == grpc_ids.tolist() == expected["class_ids"].tolist()
                 and np.allclose(rest_probs, expected["probabilities"], atol=1e-5)
                 and np.allclose(grpc_probs, expected["probabilities"], atol=1e-6))
        say("REST and gRPC answers %s the in-process session's" % ("match" if agree else "DIFFER FROM"))

        step(7, "Stopping the server (SIGTERM)")
    say("exit status %s; its log: %s" % (server.proc.returncode, server.log_path))
    print("\nDone in %.1f s. Everything is in %s" % (time.monotonic() - STARTED, directory), flush=True)
    ok = agree and server.proc.returncode == 0 and (accuracy >= 0.9 or args.steps < STEPS)
    if not ok:
        print("demo FAILED: answers agree %s, server exit %s, accuracy %.3f" % (agree, server.proc.returncode,
                                                                               accuracy))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
