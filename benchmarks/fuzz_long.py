"""The long fuzz run behind ``make fuzz``: every fuzz target of tests/fuzz, many times more examples.

    python benchmarks/fuzz_long.py                       # 20x the suite's examples, random seed
    python benchmarks/fuzz_long.py --scale 100 --workers 2 --seed 1234 -k graph_def

Runs pytest on tests/fuzz with ``TAGRAPH_FUZZ_SCALE`` (the suite's ``max_examples`` multiplied; the
examples are random, not the suite's derandomized ones, and the seed is printed so a failure can be
replayed with ``--seed``), then prints a table of the cases run per parser and any known findings
(bugs listed in tests/fuzz/fuzz_harness.py KNOWN_FINDINGS, waiting for their module's owner). The exit
status is pytest's: 0 when every input ended in a documented error or a correct result, within the time
and memory bounds. Each worker's address space is capped (``--address-space-gib``) so that a runaway
allocation fails the run rather than the machine.
"""
import argparse
import collections
import glob
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cap(gib):
    def apply():
        limit = int(gib * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=20.0, help="multiplier of each target's max_examples")
    p.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: run in one process)")
    p.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    p.add_argument("--address-space-gib", type=float, default=16.0, help="RLIMIT_AS of each worker")
    p.add_argument("-k", default=None, help="pytest -k expression selecting targets")
    args = p.parse_args(argv)

    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    stats = tempfile.mkdtemp(prefix="tagraph-fuzz-stats-")
    env = dict(os.environ, TAGRAPH_FUZZ_SCALE=str(args.scale), TAGRAPH_FUZZ_STATS=stats,
               NUMBA_ENABLE_CUDASIM="1")
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=%d" % seed,
           os.path.join(ROOT, "tests", "fuzz")]
    if args.workers > 0:
        cmd[4:4] = ["-n", str(args.workers)]
    if args.k:
        cmd += ["-k", args.k]
    print("fuzz_long: scale %gx, seed %d, %s" % (args.scale, seed, " ".join(cmd[3:])), flush=True)
    started = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT, env=env, preexec_fn=_cap(args.address_space_gib))
    elapsed = time.monotonic() - started

    cases = collections.Counter()
    findings = collections.Counter()
    for path in glob.glob(os.path.join(stats, "cases-*.json")):
        with open(path) as f:
            doc = json.load(f)
        cases.update(doc.get("cases", {}))
        findings.update(doc.get("known_findings", {}))
    width = max([len(k) for k in cases] + [20])
    print()
    print("%-*s  %10s" % (width, "parser (fuzz target)", "cases"))
    print("%s  %s" % ("-" * width, "-" * 10))
    for name in sorted(cases):
        print("%-*s  %10d" % (width, name, cases[name]))
    print("%-*s  %10d" % (width, "total", sum(cases.values())))
    if findings:
        print("\nknown findings hit (not failures; see KNOWN_FINDINGS in tests/fuzz/fuzz_harness.py):")
        for name, n in sorted(findings.items()):
            print("  %6d  %s" % (n, name))
    print("\n%s in %.0f s (seed %d): pytest exit status %d" % ("PASSED" if rc == 0 else "FAILED", elapsed, seed, rc))
    return rc


if __name__ == "__main__":
    sys.exit(main())
