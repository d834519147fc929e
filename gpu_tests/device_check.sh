#!/usr/bin/env bash
# The GPU check of tagraph, for a bare machine with a CUDA GPU and no network.
#
#   bash gpu_tests/device_check.sh --prepare-wheels   # here (with the package index): fill gpu_tests/wheels/
#   bash gpu_tests/device_check.sh --dry-run          # here: the same stages on a simulated GPU, small sizes
#   bash gpu_tests/device_check.sh                    # on the GPU machine (gpu_tests/wheels/ carried along)
#
# The GPU machine's Python is expected to have CuPy (for whichever CUDA major its driver takes; nothing
# here names one), numba, numba-cuda, numpy, protobuf, grpcio and pytest. What else tagraph needs
# (google-crc32c, the serve extra's uvloop, setuptools and wheel to build tagraph itself, pytest-xdist)
# travels as wheels in gpu_tests/wheels/ (git-ignored; --prepare-wheels downloads them for CPython
# 3.10-3.14 on Linux, under 64 MiB). Nothing is installed into the machine's Python: the wheels that are
# missing there and tagraph itself (built from this tree) go into a scratch folder put on PYTHONPATH.
#
# Stages, each under `timeout`, all within DEVICE_CHECK_BUDGET_S (450 s on hardware: 7.5 minutes):
#   wheels     the wheel folder: its size, and (dry run) that it serves this Python offline
#   env        nvidia-smi, versions, the GPU as CuPy and numba.cuda see it
#   install    offline install of the missing wheels and of tagraph (pip --no-index --target)
#   gpu_tests  pytest gpu_tests (tests/' device tests, the CuPy backend, a serve,gpu SavedModel)
#   inference  benchmarks/device_matmul.py: MLP inference GPU vs CPU, host<->device transfers
#   train      device_check.py train: MLP training step GPU vs CPU, transfers, losses compared
#   serve      device_check.py serve: a serve,gpu SavedModel served (vs the serve graph), gRPC figures
#   ptx        tests/devices/test_cuda_ptx.py and the fused LSTM cell's PTX test: every Numba CUDA kernel
#              compiles for sm_80 and sm_90
#
# ONE report: $OUT/device_report.txt when $OUT is set, else gpu_tests/device_report.txt; rewritten after
# every stage, so a run cut short still leaves what it did. Exit status: 0 when every stage passed.
# Environment: PYTHON (the interpreter to use), DEVICE_CHECK_BUDGET_S, DEVICE_CHECK_GPU_WORKERS (pytest-xdist
# workers for gpu_tests, default 4; 0 for one process), DEVICE_CHECK_KEEP=1 (keep the scratch folder).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WHEELS=${DEVICE_CHECK_WHEELS:-$HERE/wheels}
MAX_WHEELS_MIB=60                  # the device tool carries at most 64 MiB of ignored files
PY_VERSIONS="3.10 3.11 3.12 3.13 3.14"
MODE=hardware
PREPARE=0

usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
for arg in "$@"; do
    case $arg in
        --dry-run) MODE=dry-run ;;
        --prepare-wheels) PREPARE=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "device_check: unknown argument $arg" >&2; usage >&2; exit 2 ;;
    esac
done

T0=$(date +%s)
log() { printf '[device_check %3ds] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

# --- --prepare-wheels (here, with the package index) ------------------------------------------------

prepare_wheels() {
    local py=${PYTHON:-$ROOT/.venv/bin/python}
    [ -x "$py" ] || py=python3
    log "preparing $WHEELS with $py"
    # What the GPU machine lacks: the project's dependencies, its serve extra and its build requirements,
    # less what that machine's Python already has; plus pytest-xdist to spread gpu_tests over processes.
    local lists
    lists=$("$py" - "$ROOT/pyproject.toml" <<'EOF'
import re, sys, tomllib
doc = tomllib.load(open(sys.argv[1], "rb"))
on_machine = {"numpy", "protobuf", "numba", "numba-cuda", "grpcio", "pytest", "cupy", "cupy-cuda12x", "cupy-cuda13x"}
name = lambda req: re.split(r"[ <>=!~;\[]", req, 1)[0].strip().lower().replace("_", "-")
required = [r for r in doc["project"]["dependencies"] + doc["build-system"]["requires"] if name(r) not in on_machine]
# (the build requirements are downloaded with their own dependencies: wheel needs packaging)
optional = [r for r in doc["project"].get("optional-dependencies", {}).get("serve", []) if name(r) not in on_machine]
optional += ["pytest-xdist", "execnet"]
build = list(doc["build-system"]["requires"])
print("|".join(r for r in required if r not in build))
print("|".join(optional))
print(" ".join(sorted({name(r) for r in required})))
print("|".join(build))
EOF
) || { log "could not read pyproject.toml"; return 1; }
    local required optional required_names build
    required=$(sed -n 1p <<<"$lists"); optional=$(sed -n 2p <<<"$lists"); required_names=$(sed -n 3p <<<"$lists")
    build=$(sed -n 4p <<<"$lists")
    rm -rf "$WHEELS"
    mkdir -p "$WHEELS"
    local v ok=0
    local -a req opt bld
    IFS='|' read -r -a req <<<"$required"
    IFS='|' read -r -a opt <<<"$optional"
    IFS='|' read -r -a bld <<<"$build"
    # setuptools, wheel and what they need (pure Python; with Python 3.10's backports): tagraph's build.
    "$py" -m pip download --quiet --only-binary=:all: --python-version 3.10 --implementation cp \
        --platform manylinux2014_x86_64 -d "$WHEELS" "${bld[@]}" || { log "WARNING: build requirements not found"; ok=1; }
    ls "$WHEELS"/*.whl | xargs -n1 basename | cut -d- -f1 | sort -u > "$WHEELS/BUILD.tmp" && mv "$WHEELS/BUILD.tmp" "$WHEELS/BUILD"
    local arch
    for v in $PY_VERSIONS; do
        # Required ones for x86_64 and aarch64 (small); optional ones for x86_64 only (uvloop is 4 MB a version).
        for arch in x86_64 aarch64; do
            [ ${#req[@]} -gt 0 ] || continue
            "$py" -m pip download --quiet --no-deps --only-binary=:all: --python-version "$v" --implementation cp \
                --platform "manylinux2014_$arch" --platform "manylinux_2_17_$arch" --platform "manylinux_2_28_$arch" \
                -d "$WHEELS" "${req[@]}" || { log "WARNING: required wheels for Python $v on $arch not all found"; ok=1; }
        done
        "$py" -m pip download --quiet --no-deps --only-binary=:all: --python-version "$v" --implementation cp \
            --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
            -d "$WHEELS" "${opt[@]}" || log "WARNING: optional wheels for Python $v not all found"
    done
    echo "$required_names" | tr ' ' '\n' > "$WHEELS/REQUIRED"
    local mib
    mib=$(du -sm "$WHEELS" | cut -f1)
    log "$WHEELS: $(ls "$WHEELS"/*.whl | wc -l) wheels, ${mib} MiB (limit ${MAX_WHEELS_MIB} MiB); required: $required_names"
    [ "$mib" -le "$MAX_WHEELS_MIB" ] || { log "ERROR: the wheel folder is over ${MAX_WHEELS_MIB} MiB"; return 1; }
    return $ok
}

if [ $PREPARE = 1 ]; then
    prepare_wheels || exit 1
    [ "$MODE" = dry-run ] || exit 0
fi

# --- the run ------------------------------------------------------------------------------------

if [ "$MODE" = dry-run ]; then
    BUDGET=${DEVICE_CHECK_BUDGET_S:-240}
    export TAGRAPH_SIMULATED_GPUS=1 NUMBA_ENABLE_CUDASIM=1
    PY=${PYTHON:-}
    if [ -z "$PY" ]; then
        if [ -x "$ROOT/.venv/bin/python" ]; then PY=$ROOT/.venv/bin/python; else PY=python3; fi
    fi
else
    BUDGET=${DEVICE_CHECK_BUDGET_S:-450}
    unset TAGRAPH_SIMULATED_GPUS NUMBA_ENABLE_CUDASIM
    PY=${PYTHON:-}
    if [ -z "$PY" ]; then
        for cand in python3 python; do
            if command -v "$cand" >/dev/null && "$cand" -c "import cupy" >/dev/null 2>&1; then PY=$cand; break; fi
        done
        PY=${PY:-python3}
    fi
fi
PY=$(command -v "$PY" || echo "$PY")
case $PY in /*) ;; */*) PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY") ;; esac   # absolute; no symlink resolved
DEADLINE=$(( T0 + BUDGET ))
if [ -n "${OUT:-}" ]; then REPORT=$OUT/device_report.txt; else REPORT=$HERE/device_report.txt; fi
mkdir -p "$(dirname "$REPORT")"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tagraph-device-check.XXXXXX")
SITE=$WORK/site
mkdir -p "$SITE" "$WORK/logs"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
export MODE PY ROOT HERE WHEELS WORK SITE MAX_WHEELS_MIB
cleanup() { if [ "${DEVICE_CHECK_KEEP:-0}" = 1 ]; then log "scratch kept: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

STAGES=()
declare -A STATUS TOOK NOTE
FAILED=0

# stage NAME CAP_SECONDS ON_HARDWARE COMMAND...: runs COMMAND under `timeout` (the smaller of CAP and what
# is left of the budget), its output to the console and to the stage's log; records pass/fail/timeout and
# rewrites the report. A stage is skipped when under 15 s of the budget remain.
stage() {
    local name=$1 cap=$2 hw=$3; shift 3
    STAGES+=("$name")
    local logf=$WORK/logs/$name.log now left t rc
    now=$(date +%s); left=$(( DEADLINE - now ))
    if [ "$MODE" = dry-run ]; then
        printf 'on hardware: %s\nhere:        %s\n\n' "$hw" "$*" > "$logf"
    else
        printf '$ %s\n\n' "$*" > "$logf"
    fi
    if [ "$left" -lt 15 ]; then
        STATUS[$name]="SKIPPED (out of time)"; TOOK[$name]=0; FAILED=1
        log "stage $name: skipped, ${left}s of the budget left"
        write_report; return 0
    fi
    t=$(( cap < left - 5 ? cap : left - 5 ))
    log "stage $name: running (timeout ${t}s)"
    timeout -k 10 "$t" "$@" 2>&1 | tee -a "$logf"
    rc=${PIPESTATUS[0]}
    TOOK[$name]=$(( $(date +%s) - now ))
    case $rc in
        0) STATUS[$name]=PASS ;;
        124|137) STATUS[$name]="TIMEOUT after ${t}s"; FAILED=1 ;;
        *) STATUS[$name]="FAIL (exit $rc)"; FAILED=1 ;;
    esac
    log "stage $name: ${STATUS[$name]} in ${TOOK[$name]}s"
    write_report
}

# A stage's log for the report: pytest's progress-dot lines dropped, at most 12 SKIPPED lines (then a
# count), and whole when short, else its head and tail.
excerpt() {
    local f=$1 head=$2 tail=$3 n
    awk '/^[.sxFEX]+ *(\[ *[0-9]+%\])?$/ { next }
         /^SKIPPED / { if (++skipped > 12) next }
         { print }
         END { if (skipped > 12) print "... and " skipped - 12 " more SKIPPED lines (" FILENAME ")" }' "$f" > "$f.trim"
    n=$(wc -l < "$f.trim")
    if [ "$n" -le $(( head + tail )) ]; then cat "$f.trim"; else
        head -n "$head" "$f.trim"; echo "... ($(( n - head - tail )) lines left out) ..."; tail -n "$tail" "$f.trim"
    fi
}

write_report() {
    local tmp=$REPORT.tmp name
    {
        echo "tagraph device check ($MODE): $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(( $(date +%s) - T0 ))s of a ${BUDGET}s budget"
        echo "host $(hostname 2>/dev/null || echo '?'), python $PY, tree $ROOT$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null | sed 's/^/ at /')"
        [ "$MODE" = dry-run ] && echo "DRY RUN: no GPU; TAGRAPH_SIMULATED_GPUS=1 on Numba's CUDA simulator, small sizes: the figures show that the paths work, not speeds"
        echo
        echo "== summary"
        for name in "${STAGES[@]}"; do
            printf '  %-10s %-22s %4ss  %s\n' "$name" "${STATUS[$name]:-running}" "${TOOK[$name]:-?}" "${NOTE[$name]:-}"
        done
        for name in "${STAGES[@]}"; do
            echo
            echo "== $name: ${STATUS[$name]:-running}"
            excerpt "$WORK/logs/$name.log" 150 100
        done
    } > "$tmp" 2>/dev/null
    mv -f "$tmp" "$REPORT"
}

# note STAGE EXTENDED-REGEX: the first matching line of the stage's log, for the summary.
note() {
    NOTE[$1]=$(grep -E -m1 "$2" "$WORK/logs/$1.log" | sed 's/^ *//; s/^summary: //; s/^=* *//; s/ *=*$//; s/  */ /g' | cut -c1-160)
    write_report
}

wheels_stage() {
    if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
        echo "no wheels in $WHEELS: run 'bash gpu_tests/device_check.sh --prepare-wheels' where the package index is reachable"
        return 1
    fi
    local mib
    mib=$(du -sm "$WHEELS" | cut -f1)
    echo "$(ls "$WHEELS"/*.whl | wc -l) wheels, ${mib} MiB (limit ${MAX_WHEELS_MIB} MiB) in $WHEELS"
    echo "required: $(tr '\n' ' ' < "$WHEELS/REQUIRED" 2>/dev/null); tagraph's build: $(tr '\n' ' ' < "$WHEELS/BUILD" 2>/dev/null)"
    (cd "$WHEELS" && ls -1 ./*.whl | sed 's|^\./|  |')
    [ "$mib" -le "$MAX_WHEELS_MIB" ] || { echo "ERROR: over ${MAX_WHEELS_MIB} MiB"; return 1; }
    if [ "$MODE" = dry-run ]; then
        echo "offline resolution, for this Python ($("$PY" -V 2>&1)), of every project in the folder:"
        local names
        names=$(ls "$WHEELS"/*.whl | xargs -n1 basename | cut -d- -f1 | sort -u | tr '\n' ' ')
        # shellcheck disable=SC2086
        env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
            "$PY" -m pip install --dry-run --ignore-installed --no-index --find-links "$WHEELS" --no-deps \
            --target "$WORK/dry-target" $names 2>&1 | grep -E "Would install|ERROR" | grep -q "Would install" \
            && echo "  every one resolves" || { echo "  ERROR: not every project resolves"; return 1; }
    fi
}

env_stage() {
    if [ "$MODE" = dry-run ]; then
        echo "nvidia-smi: not run (dry run, no GPU here)"
    elif command -v nvidia-smi >/dev/null; then
        timeout 30 nvidia-smi
        timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm --format=csv
    else
        echo "nvidia-smi: not found"
    fi
    echo
    "$PY" "$HERE/device_check.py" env
}

install_stage() {
    local pip=("$PY" -m pip install --disable-pip-version-check --no-warn-script-location --no-index
               --find-links "$WHEELS" --no-deps --target "$SITE")
    export PIP_CONFIG_FILE=/dev/null
    unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL
    local rc=0 name dist
    "$PY" -m pip --version || echo "no pip in this Python"
    # The wheels' projects this Python lacks (those only tagraph's build needs stay out).
    for name in $(ls "$WHEELS"/*.whl 2>/dev/null | xargs -n1 basename | cut -d- -f1 | sort -u); do
        grep -qx "$name" "$WHEELS/BUILD" 2>/dev/null && continue
        dist=${name//_/-}
        if "$PY" -c "import importlib.metadata as m; print('$dist', m.version('$dist'), '(already installed)')" 2>/dev/null; then
            continue
        fi
        if "${pip[@]}" --quiet "$dist"; then echo "$dist: installed from the wheel folder"
        elif grep -qx "$dist" "$WHEELS/REQUIRED" 2>/dev/null; then echo "$dist: REQUIRED, and no wheel fits this Python"; rc=1
        else echo "$dist: optional, and no wheel fits this Python: going on without it"; fi
    done
    # tagraph, built offline from a copy of this tree (setuptools and wheel from the folder).
    mkdir -p "$WORK/src"
    tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./gpu_tests/wheels --exclude=./build \
        --exclude='*.egg-info' --exclude=__pycache__ --exclude=.hypothesis -cf - . | tar -C "$WORK/src" -xf -
    if "${pip[@]}" --quiet "$WORK/src"; then
        echo "tagraph: built from this tree and installed into the scratch folder"
    else
        # Fallback: tagraph.<pkg> -> the tree's folders, as pyproject's package-dir maps them.
        echo "tagraph: the offline build FAILED; mapping tagraph.* onto the tree's folders instead"
        rc=1
        "$PY" - "$ROOT" "$SITE" <<'EOF'
import os, re, sys
root, site = sys.argv[1:]
line = open(os.path.join(root, "pyproject.toml")).read().split("package-dir", 1)[1].split("\n", 1)[0]
os.makedirs(os.path.join(site, "tagraph"), exist_ok=True)
for pkg, folder in re.findall(r'"tagraph\.(\w+)"\s*=\s*"([^"]+)"', line):
    os.symlink(os.path.join(root, folder), os.path.join(site, "tagraph", pkg))
    print("  tagraph.%s -> %s" % (pkg, folder))
EOF
    fi
    "$PY" -c "
import tagraph.engine, tagraph.serving, tagraph.devices, google_crc32c
where = tagraph.devices.__file__.rsplit('/devices/', 1)[0]
print('import check: tagraph.engine, tagraph.serving, google_crc32c import; tagraph from', where)
assert where.startswith('$SITE'), 'tagraph is not the copy just installed'
" || rc=1
    return $rc
}
export -f wheels_stage env_stage install_stage

log "mode $MODE, python $PY, budget ${BUDGET}s, report $REPORT"

stage wheels 60 "the size of gpu_tests/wheels/ (carried along with the tree)" bash -c wheels_stage
note wheels 'wheels, '

stage env 60 "nvidia-smi; python gpu_tests/device_check.py env" bash -c env_stage
note env '^  GPU 0:|^numba\.cuda '

stage install 120 "pip install --no-index --find-links gpu_tests/wheels --no-deps --target SCRATCH: missing wheels, tagraph" \
    bash -c install_stage
note install '^tagraph: '

WORKERS=${DEVICE_CHECK_GPU_WORKERS:-4}
XDIST=""
if [ "$MODE" = hardware ] && [ "$WORKERS" -gt 0 ] && "$PY" -c "import xdist" 2>/dev/null; then XDIST="-n $WORKERS"; fi
cd "$ROOT" || exit 1
# shellcheck disable=SC2086
stage gpu_tests 200 "python -m pytest -q -p no:cacheprovider -rfEs --tb=short --durations=10 -n $WORKERS gpu_tests" \
    "$PY" -m pytest -q -p no:cacheprovider -rfEs --tb=short --durations=10 $XDIST gpu_tests
note gpu_tests '( passed| failed| skipped| errors?)\b.* in [0-9.]+s'
if [ "$MODE" = hardware ] && [ "${STATUS[gpu_tests]}" = PASS ] && ! grep -qE '[0-9]+ passed' "$WORK/logs/gpu_tests.log"; then
    STATUS[gpu_tests]="FAIL (no test ran)"; FAILED=1; write_report      # every test skipped: no usable GPU
fi

if [ "$MODE" = dry-run ]; then
    INFER_ARGS="--batch 64 --iters 3"; TRAIN_ARGS="--batch 8 --steps 1 --warmup 1"
    SERVE_ARGS="--seconds 1 --warmup 0.5 --concurrency 1 --big-batch 8"
else
    INFER_ARGS="--batch 1024 --iters 30"; TRAIN_ARGS="--batch 256 --steps 20 --warmup 3"
    SERVE_ARGS="--seconds 3 --warmup 1 --concurrency 1,16 --big-batch 256"
fi
# shellcheck disable=SC2086
stage inference 90 "python benchmarks/device_matmul.py --batch 1024 --iters 30" "$PY" benchmarks/device_matmul.py $INFER_ARGS
note inference 'GPU/CPU speed ratio|matches the CPU|DIFFERS'

# shellcheck disable=SC2086
stage train 90 "python gpu_tests/device_check.py train --batch 256 --steps 20 --warmup 3" \
    "$PY" gpu_tests/device_check.py train $TRAIN_ARGS
note train '^summary: '

# shellcheck disable=SC2086
stage serve 120 "python gpu_tests/device_check.py serve --seconds 3 --warmup 1 --concurrency 1,16 --big-batch 256" \
    "$PY" gpu_tests/device_check.py serve $SERVE_ARGS
note serve '^summary: '

LSTM_PTX=tests/devices/test_gpu_lstm_cell.py::test_the_kernel_compiles_to_ptx_for_sm80_and_sm90
stage ptx 60 "python -m pytest -q -p no:cacheprovider -rs tests/devices/test_cuda_ptx.py $LSTM_PTX (the machine's NVVM)" \
    "$PY" -m pytest -q -p no:cacheprovider -rs tests/devices/test_cuda_ptx.py "$LSTM_PTX"
note ptx '( passed| failed| skipped).* in [0-9.]+s'

log "done in $(( $(date +%s) - T0 ))s: $(if [ $FAILED = 0 ]; then echo 'every stage passed'; else echo 'NOT every stage passed'; fi); report: $REPORT"
exit $FAILED
