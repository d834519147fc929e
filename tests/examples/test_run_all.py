"""benchmarks/run_all.py (`make bench`): it reads every benchmark's figures and prints them in one table.

The readers are checked on output each benchmark printed; one real benchmark (the quickest) runs end to end.
"""
import importlib.util
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUN_ALL = ROOT / "benchmarks" / "run_all.py"


def load_run_all():
    spec = importlib.util.spec_from_file_location("run_all", RUN_ALL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLES = {
    "function_call": """case                     tagraph us        TF us      TF/ours
inline                        27.41       189.48         6.9x
call                          31.64       237.74         7.5x
added by the call             4.23 us (target <= 10 us: met)
""",
    "keras_lstm": """Keras LSTM(64) over 50 steps, batch 32: 4 alternating rounds, each the median of 10 calls (outputs agree); best rounds compared, load average 0.8
               ms/batch   median round
tagraph            5.00           5.31
TensorFlow         2.92           3.10
ratio 0.58x TensorFlow's speed (target >= 1.0x: NOT met)
""",
    "op_chain": """chain of N elementwise ops on [4] float32, ms (best of 3 rounds)
ops      engine        build_ms   first_ms     run_ms
1000     tagraph          74.22     267.84      0.018
1000     TensorFlow      520.91     189.49      0.319
1000 ops build: 7.02x TensorFlow's speed (target >= 1x: met)
1000 ops first: 0.71x TensorFlow's speed (target >= 1x: NOT met)
1000 ops run: 18.02x TensorFlow's speed (target >= 1x: met)
""",
    "cpu_inference": """MLP 784-512-512-10, median us per Session.run (best of 3 rounds), 2 CPUs
batch    engine         quiet_us      busy_us
1        tagraph            55.8         56.4
speed vs onnxruntime b1: 0.78x (target >= 0.7x: met)
speed vs onnxruntime b256: 0.81x (target >= 1x: NOT met)
busy slowdown b256: tagraph 3.19x, onnxruntime 1.58x, TensorFlow 1.55x (target: tagraph's <= TensorFlow's: NOT met)
""",
    "session_overhead": """case         tagraph us     target        TF us    TF/ours
const              2.20       10.0         93.6      42.5x
chain10           12.30       30.0        150.2      12.2x
targets met
""",
    "train_step": """MLP 784-512-512-10, batch 256, Adam, CPU (2 cores), OpenBLAS threads: default, load average 6.2
             best steps/s       median
tagraph             30.50        20.00
TensorFlow          86.20        80.00
ratio                0.35x  (target >= 0.9x: NOT met)
""",
    "train_hooks": """MLP 784-512-512-10, batch 256, Adam, CPU (2 cores), 3 rounds of 100 steps, load average 2.0
hooked: SummarySaverHook every step (the loss), CheckpointSaverHook every 100 steps (5 checkpoints kept at the end)
                       median ms/step        steps/s
plain                           6.367          157.1
monitored, no hooks             6.330          158.0
hooked                          6.622          151.0
monitored session alone: -0.6%
TensorFlow: plain 4.100 ms/step, hooked 4.400 ms/step: +7.3%
hooks/no hooks: 1.040x, +4.0% (target <= +5%: met)
""",
    "layers_cnn": """tf.layers CNN (conv 32 5x5, pool, conv 64 5x5, pool, dense 1024, dense 10), batch 64, Adam, CPU (2 cores), \
OpenBLAS threads: default, load average 1.4
TensorFlow's model built with tf.compat.v1.layers
             best steps/s       median
tagraph              9.46         8.80
TensorFlow          25.03        17.28
ratio                0.38x  (target >= 1.0x: NOT met)
""",
    "sparse_update": """Adagrad on a 1000000 x 64 float32 embedding, 1000 rows touched per sparse step, CPU (2 cores), load average 1.2
                          best ms  median ms
sparse step                 0.970      1.050
dense step                257.000    262.000
TensorFlow sparse step      0.870      0.900
dense / sparse            265.0x  (target > 100x: met)
""",
    "everyday_ops": """everyday ops, CPU (2 cores), load average 3.1, best of 3 rounds; init_10m: 10.0M parameters
case                   tagraph ms  TensorFlow ms    speed
einsum_bmm                  5.100          4.882    0.96x  (target >= 1.0x: NOT met)
sort                       45.000        197.912    4.40x  (target >= 1.0x: met)
init_10m                   40.000              -        -  (set TAGRAPH_TF_PYTHON to compare)
""",
    "input_pipeline": """TFRecordDataset of 2048 MNIST-sized Examples (784 floats + label), batch 256, CPU (2 cores), load average 1.9
             parsing    best records/s       median
tagraph      single              25700        24000
tagraph      batched             69800        65000
TensorFlow   single              45900        44000
TensorFlow   batched            346000       330000
training step (MLP 784-128-10, SGD, batch 256, best of 3 rounds of 30 steps): from memory 7.97 ms, fed by the pipeline 12.86 ms: +61.3% (target <= +5%: NOT met)
TensorFlow's training step, the same way: from memory 1.56 ms, fed by the pipeline 2.19 ms: +40.0%; fed by the pipeline, tagraph's step is 0.17x TensorFlow's speed
ratio single   0.56x (target >= 1.00x: NOT met)
ratio batched  0.20x (target >= 1.00x: NOT met)
""",
    "string_hash": """to_hash_bucket_fast on 1000000 strings (1 to 28 bytes, 10% non-ASCII), num_buckets 1048576, CPU (2 cores), load average 5.2
                best ms  median ms
tagraph            34.6       47.1
TensorFlow         73.4       76.3
buckets equal TensorFlow's: yes
ratio 2.12x TensorFlow's speed (target >= 1.0x: met)
""",
    "device_matmul": """MLP 784-512-512-10, float32, batch 256, median of 10 runs (feed from host, fetch to host)
device                                              batch     ms/batch    samples/s    GFLOP/s  transfers
/job:localhost/replica:0/task:0/device:CPU:0          256        2.209       115899      155.0          -
/job:localhost/replica:0/task:0/device:GPU:0            8          n/a          n/a        n/a 1 up/1 down  matches the CPU
No real GPU: no GPU/CPU ratio to report.
""",
    "checkpoint_io": """checkpoint I/O: 64 float32 variables of 256 x 1024 = 64 MiB, in /tmp/x, 3 repeats

                      median s    best s      GB/s     x raw     x raw   target
raw write                0.040     0.039      1.67      1.00      1.00
tagraph save             0.057     0.056      1.19      1.40      1.42   <= 1.2x  MISSED
TensorFlow save          0.090     0.089      0.75      2.25      2.28
raw read                 0.029     0.022      2.28      1.00      1.00
tagraph restore          0.036     0.024      1.86      1.23      1.09   <= 1.3x  met
""",
    "load_latency": """cold start to first prediction of half_plus_two serving_default (3 runs, median)
               wall s     min s     CPU s   peak MB  import s    load s     run s
tagraph         0.398     0.349     0.470      40.7     0.298     0.029    0.0005
tensorflow      5.290     5.035     3.642     494.1     4.042     0.035    0.0132
target: 0.4 s, 150 MB -> met
""",
    "saved_model_cli": """command                                     min s   median s median CPU s
tagraph show --all (process)                0.351      0.358        0.433
TensorFlow show --all (process)             3.185      3.528        3.088

tagraph show --all median 0.358 s MISSES the 0.3 s target
""",
    "image_resize": """tf.image.resize_bilinear, 64x224x224x3 float32 (legacy pixel centres), fed and fetched, CPU (2 cores), \
load average 4.1
results equal TensorFlow's (checksums 299: 8.58228e+06, 112: 1.20452e+06)
to               tagraph ms       median        TF ms        ratio
299x299                25.6         46.3         22.3        0.87x  (target >= 1.0x: NOT met)
112x112                 6.6         13.1         12.0        1.82x  (target >= 1.0x: met)
""",
    "rnn_lstm": """dynamic_rnn LSTMCell(256), batch 64, 50 steps of 128 features, CPU (2 cores), OpenBLAS threads: \
default, load average 2.7
                       tagraph best       median      TF best       median
inference ms/batch            29.11        48.45        27.23        37.10
training ms/step             147.57       179.39        95.96       140.47
ratio infer     0.94x TensorFlow's speed (target >= 1.0x: NOT met)
ratio train     0.65x TensorFlow's speed (target >= 1.0x: NOT met)
""",
    "distribute_allreduce": """2 cores, load average 5.1 at the start

all-reduce of 64 MiB float32 (Sum), median of 10 calls, each side's slowest rank
ranks      tagraph ms      mpi4py ms tagraph GB/s  mpi4py GB/s
2               94.84          91.72         0.71         0.73
4              161.78         150.92         0.41         0.44
allreduce 64 MiB, 2 ranks: 0.97x mpi4py's bandwidth (0.71 GB/s) (target >= 0.90x: met)
allreduce 64 MiB, 4 ranks: 0.93x mpi4py's bandwidth (0.41 GB/s) (target >= 0.90x: met)

weak scaling: MLP 784-512-512-10, batch 128 per rank, SGD through DistributedOptimizer, 1 BLAS thread per rank, 2 cores
ranks    per-rank samples/s   efficiency
1                   21299.5         1.00
2                    8080.4         0.38
4                    3987.1         0.19
weak scaling 2 ranks: 38% of 1 rank's per-rank throughput on 2 cores (target >= 85%: NOT met)
weak scaling 4 ranks: 19% of 1 rank's per-rank throughput on 2 cores (no target)

load average 5.7 at the end
""",
    "serving": """target gRPC p50 <= 1.0 ms, simple model, concurrency 1: 0.603 ms  MET
target >= 3000 req/s, MLP with batching, gRPC, concurrency 16: 1798 req/s  MISSED
reference: a gRPC server that only echoes the MLP request, concurrency 16: 2043 req/s (Python gRPC's own ceiling)
""",
}

EXPECTED = {
    "function_call": [("4.2 us added (TF call 238 us)", "<= 10 us", "met")],
    "keras_lstm": [("5.00 ms (TF 2.92 ms) = 0.58x TF", ">= 1x TensorFlow", "MISSED")],
    "op_chain": [("7.02x TF", ">= 1x TensorFlow", "met"), ("0.71x TF", ">= 1x TensorFlow", "MISSED"),
                 ("18.02x TF", ">= 1x TensorFlow", "met")],
    "cpu_inference": [("0.78x onnxruntime's speed", ">= 0.7x", "met"), ("0.81x onnxruntime's speed", ">= 1x", "MISSED"),
                      ("3.19x slower (TF 1.55x)", "<= TensorFlow's slowdown", "MISSED")],
    "session_overhead": [("2.2 us (TF 94 us)", "<= 10 us", "met"), ("12.3 us (TF 150 us)", "<= 30 us", "met")],
    "train_step": [("30.5 steps/s (TF 86.2) = 0.35x TF", ">= 0.9x TensorFlow", "MISSED")],
    "input_pipeline": [("25700 records/s (TF 45900) = 0.56x TF", ">= 1x TensorFlow", "MISSED"),
                       ("69800 records/s (TF 346000) = 0.20x TF", ">= 1x TensorFlow", "MISSED"),
                       ("12.86 ms vs 7.97 ms (+61.3%) (TF 2.19 ms vs 1.56 ms, +40.0%)", "<= +5%", "MISSED")],
    "sparse_update": [("0.97 ms sparse vs 257 ms dense = 265x (TF sparse 0.87 ms)", "> 100x", "met")],
    "everyday_ops": [("5.10 ms (TF 4.88 ms) = 0.96x TF", ">= 1x TensorFlow", "MISSED"),
                     ("45.00 ms (TF 197.91 ms) = 4.40x TF", ">= 1x TensorFlow", "met"),
                     ("40.00 ms", ">= 1x TensorFlow", "n/a: no TensorFlow (TAGRAPH_TF_PYTHON)")],
    "string_hash": [("34.6 ms (TF 73.4 ms) = 2.12x TF", ">= 1x TensorFlow", "met")],
    "train_hooks": [("+4.0% slower (TF +7.3%)", "<= +5%", "met")],
    "layers_cnn": [("9.5 steps/s (TF 25.0) = 0.38x TF", ">= 1x TensorFlow", "MISSED")],
    "device_matmul": [("2.21 ms/batch", "-", "-"), ("no GPU", ">= 5x", "n/a: no GPU (simulated GPU matches the CPU)")],
    "checkpoint_io": [("1.42x raw write (1.19 GB/s) (TF 2.28x)", "<= 1.2x raw write", "MISSED"),
                      ("1.09x raw read (1.86 GB/s)", "<= 1.3x raw read", "met")],
    "load_latency": [("0.398 s, CPU 0.47 s (TF 5.29 s)", "<= 0.4 s", "met"), ("41 MB (TF 494 MB)", "<= 150 MB", "met")],
    "saved_model_cli": [("0.358 s, CPU 0.43 s (TF 3.53 s)", "<= 0.3 s", "MISSED")],
    "image_resize": [("25.6 ms (TF 22.3 ms) = 0.87x TF", ">= 1x TensorFlow", "MISSED"),
                     ("6.6 ms (TF 12.0 ms) = 1.82x TF", ">= 1x TensorFlow", "met")],
    "serving": [("0.603 ms", "<= 1 ms", "met"), ("1798 req/s (echo-only server: 2043)", ">= 3000 req/s", "MISSED")],
    "rnn_lstm": [("29.1 ms (TF 27.2 ms) = 0.94x TF", ">= 1x TensorFlow", "MISSED"),
                 ("147.6 ms (TF 96.0 ms) = 0.65x TF", ">= 1x TensorFlow", "MISSED")],
    "distribute_allreduce": [("0.97x mpi4py (0.71 GB/s)", ">= 0.9x mpi4py", "met"),
                             ("0.93x mpi4py (0.41 GB/s)", ">= 0.9x mpi4py", "met"),
                             ("38% of 1 rank's per-rank rate", ">= 85%", "MISSED"),
                             ("19% of 1 rank's per-rank rate", "none (more ranks than cores)", "-")],
}


def test_every_benchmark_script_has_a_reader():
    run_all = load_run_all()
    scripts = sorted(p.stem for p in RUN_ALL.parent.glob("*.py") if p.name != "run_all.py")
    unread = set(scripts) - set(run_all.BENCHMARKS) - set(run_all.NOT_BENCHMARKS)
    assert not unread, "benchmarks/%s: add a reader to run_all.BENCHMARKS (or a reason to NOT_BENCHMARKS)" % unread
    assert set(run_all.BENCHMARKS) <= set(scripts)
    assert not set(run_all.BENCHMARKS) & set(run_all.NOT_BENCHMARKS)


def test_readers_take_each_benchmarks_figures():
    run_all = load_run_all()
    for name, (reader, _) in run_all.BENCHMARKS.items():
        got = [tuple(r[1:]) for r in reader(SAMPLES[name])]
        assert got == EXPECTED[name], (name, got)


def test_a_benchmark_runs_end_to_end_into_the_table():
    proc = subprocess.run([sys.executable, str(RUN_ALL), "--only", "session_overhead", "--markdown"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "=== session_overhead" in proc.stdout and "=== Summary (quick settings" in proc.stdout
    table = [line for line in proc.stdout.splitlines() if line.startswith("| session_overhead |")]
    assert len(table) == 2 and all(line.endswith(("| met |", "| MISSED |")) for line in table), proc.stdout
