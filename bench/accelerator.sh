#!/usr/bin/env bash
# The benchmark on an accelerator (GPU/TPU): the four training workloads scaled up (batch sizes
# and samples x LAMINA_BENCH_SCALE, default 8) for lamina, Keras 3 and the hand-written loops,
# evaluate/predict, single-batch latency, cold/warm time to first step, then lamina's fast-path
# test module. Each part writes its own Markdown file as soon as it ends, so a run cut short still
# leaves what it measured.
#
#   bash bench/accelerator.sh                      # on the accelerator machine
#   OUT=/tmp/acc QUICK=1 JAX_PLATFORMS=cpu bash bench/accelerator.sh   # a check on a CPU
#
# Environment: PYTHON (default python3), OUT (default bench/results/accelerator), QUICK=1 (few
# samples and rounds), LAMINA_BENCH_SCALE (default 8), WHEELS (a folder of wheels to install
# Keras from when it is missing; default .whl), PARTS (default "tests fit inference startup").
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-bench/results/accelerator}
PARTS=${PARTS:-tests fit inference startup}
export LAMINA_BENCH_SCALE=${LAMINA_BENCH_SCALE:-8}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
# The Keras and startup rows run in child processes while the parent holds the device: do not
# let each JAX process grab most of the accelerator's memory up front.
export XLA_PYTHON_CLIENT_PREALLOCATE=${XLA_PYTHON_CLIENT_PREALLOCATE:-false}
mkdir -p "$OUT"

if ! KERAS_BACKEND=jax "$PY" -c "import keras" 2>/dev/null; then
  wheels=${WHEELS:-.whl}
  if [ -d "$wheels" ]; then
    "$PY" -m pip install -q --no-index --find-links "$wheels" keras >"$OUT/pip.log" 2>&1 \
      || echo "note: could not install keras from $wheels (see $OUT/pip.log); Keras rows skipped"
  else
    echo "note: keras is not installed and no wheel folder ($wheels); the Keras rows are skipped"
  fi
fi

"$PY" - <<'PY' | tee "$OUT/environment.txt"
import jax
print("jax", jax.__version__, "backend", jax.default_backend())
for d in jax.devices():
    print(" ", d, getattr(d, "device_kind", ""))
PY

quick=()
[ "${QUICK:-0}" = 1 ] && quick=(--quick)
status=0
run() {  # run NAME ARGS...: one bench_fit.py invocation, its table in $OUT/NAME.md
  local name=$1; shift
  echo "== $name: bench_fit.py $*"
  "$PY" bench/bench_fit.py "${quick[@]}" "$@" --json "$OUT/$name.json" >"$OUT/$name.md" \
    2>"$OUT/$name.log" || { echo "   failed (see $OUT/$name.log)"; status=1; }
  [ -s "$OUT/$name.md" ] && cat "$OUT/$name.md"
}

for part in $PARTS; do
  case $part in
    fit)
      for wl in mlp wide cnn lstm; do
        run "fit-$wl" --workloads "$wl" --rounds 3 --warmup 1 --slow-scan --device-data \
          --no-inference --no-micro --no-startup
      done ;;
    inference)
      run inference --workloads mlp --no-fit --rounds 3 --warmup 1 --no-startup \
        --calls 100 ;;
    startup)
      run startup --workloads mlp,cnn --no-fit --no-inference --no-micro ;;
    tests)
      echo "== fast-path tests (tests/test_fast_paths.py)"
      "$PY" -m pytest tests/test_fast_paths.py -q -p no:cacheprovider 2>&1 \
        | tee "$OUT/fast_paths.log" | tail -n 15
      [ "${PIPESTATUS[0]}" = 0 ] || status=1 ;;
    *) echo "unknown part $part (choose from: fit inference startup tests)"; status=2 ;;
  esac
done
echo "results in $OUT"
exit $status
