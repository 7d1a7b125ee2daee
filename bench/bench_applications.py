"""keras.applications bench: time to the first training step, steady throughput, peak memory.

For `ResNet50` and `EfficientNetB0` (`include_top=False`, random weights, 128x128x3 input) with
a small head (global average pooling + `Dense(10)`), batch 16, Adam, sparse categorical
crossentropy - once with lamina and once with Keras 3 (JAX backend). Every measurement runs in
its own fresh process, so the times include nothing compiled by another run and the peak
resident memory (`VmHWM`) is that run's alone. The libraries alternate, run by run.

- time to first step: build the model + compile + the first `train_on_batch` (wall seconds,
  after the library is imported); cold: lamina's persistent compilation cache is off
  (`LAMINA_COMPILATION_CACHE=0`; Keras has none);
- warm (`--warm`): lamina with its compilation cache in a fresh temporary folder, run twice;
  the second run is reported;
- programs / compile s / trace s: XLA programs compiled from the start of the build to the end
  of the first step (counted with `jax.monitoring`), the seconds XLA spent compiling them and
  the seconds spent tracing Python to jaxprs;
- steady throughput: images per second over `--steps` further `train_on_batch` calls;
- peak memory: the process's peak resident set size, in MiB.

Usage:
    python bench/bench_applications.py [--steps 5] [--repeats 1] [--warm]
                                       [--models ResNet50,EfficientNetB0] [--no-keras]
    python bench/bench_applications.py --interleaved [--steps 2]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))


def _peak_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(library: str, model_name: str, steps: int, batch: int, size: int) -> dict:
    """Runs one (library, model) measurement in this process and returns the numbers."""
    import jax.monitoring
    import numpy as np

    counts: collections.Counter = collections.Counter()
    seconds: collections.Counter = collections.Counter()

    def on_duration(event, duration, **kwargs):
        counts[event] += 1
        seconds[event] += duration

    jax.monitoring.register_event_duration_secs_listener(on_duration)
    started = time.perf_counter()
    if library == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
    else:
        import lamina as keras
    imported = time.perf_counter()
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
    y = rng.integers(0, 10, (batch,)).astype("int32")

    counts.clear()
    seconds.clear()
    t0 = time.perf_counter()
    base = getattr(keras.applications, model_name)(
        include_top=False, weights=None, input_shape=(size, size, 3)
    )
    inputs = keras.Input((size, size, 3))
    features = keras.layers.GlobalAveragePooling2D()(base(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10)(features))
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    built = time.perf_counter()
    first_loss = float(np.asarray(model.train_on_batch(x, y)))
    first = time.perf_counter()
    compile_event = "/jax/core/compile/backend_compile_duration"
    programs = counts[compile_event]
    compile_s = seconds[compile_event]
    trace_s = seconds["/jax/core/compile/jaxpr_trace_duration"]
    model.train_on_batch(x, y)  # one more untimed step
    t1 = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    float(np.asarray(loss))
    t2 = time.perf_counter()
    return {
        "library": library,
        "model": model_name,
        "import_s": imported - started,
        "build_compile_s": built - t0,
        "first_step_s": first - t0,
        "programs": programs,
        "compile_s": compile_s,
        "trace_s": trace_s,
        "images_per_s": steps * batch / (t2 - t1),
        "peak_mib": _peak_mib(),
        "first_loss": first_loss,
        "params": int(model.count_params()),
    }


def interleaved(model_name: str, steps: int, batch: int, size: int, rounds: int = 4) -> dict:
    """Steady training throughput of lamina and Keras built in one process and stepped in
    alternation (`rounds` rounds of `steps` steps each, after two warm-up steps): both see the
    same machine load, which separate processes on a shared machine do not."""
    import numpy as np

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    import lamina

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
    y = rng.integers(0, 10, (batch,)).astype("int32")

    def build(lib):
        base = getattr(lib.applications, model_name)(
            include_top=False, weights=None, input_shape=(size, size, 3)
        )
        inputs = lib.Input((size, size, 3))
        features = lib.layers.GlobalAveragePooling2D()(base(inputs))
        model = lib.Model(inputs, lib.layers.Dense(10)(features))
        model.compile(
            optimizer=lib.optimizers.Adam(1e-3),
            loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        model.train_on_batch(x, y)
        model.train_on_batch(x, y)
        return model

    models = {"lamina": build(lamina), "keras": build(keras)}
    per_step: dict = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                loss = model.train_on_batch(x, y)
            float(np.asarray(loss))
            per_step[name].append((time.perf_counter() - t0) / steps)
    return {
        "model": model_name,
        **{f"{name}_images_per_s": batch / statistics.median(v) for name, v in per_step.items()},
    }


def _child(library: str, model_name: str, args, cache: str = "0") -> dict:
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=ROOT, LAMINA_COMPILATION_CACHE=cache)
    cmd = [
        sys.executable,
        HERE,
        "--child",
        library,
        "--models",
        model_name,
        "--steps",
        str(args.steps),
        "--batch",
        str(args.batch),
        "--size",
        str(args.size),
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_row(rows: list[dict]) -> dict:
    out = dict(rows[0])
    for key, value in rows[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in rows)
    out["runs"] = len(rows)
    return out


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ResNet50,EfficientNetB0")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="also lamina with a warm cache")
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument(
        "--interleaved",
        action="store_true",
        help="only steady throughput, lamina and Keras alternating in one process",
    )
    parser.add_argument("--child", choices=["lamina", "keras"])
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    models = args.models.split(",")
    if args.child:
        print(json.dumps(measure(args.child, models[0], args.steps, args.batch, args.size)))
        return []
    if args.interleaved:
        rows = [interleaved(m, args.steps, args.batch, args.size) for m in models]
        for r in rows:
            ratio = r["lamina_images_per_s"] / r["keras_images_per_s"]
            print(
                f"{r['model']:<17} lamina {r['lamina_images_per_s']:.2f} img/s   Keras "
                f"{r['keras_images_per_s']:.2f} img/s   lamina/Keras {ratio:.2f}"
            )
        return rows
    variants = [("lamina", "cold")] + ([] if args.no_keras else [("keras", "cold")])
    if args.warm:
        variants.append(("lamina", "warm"))
    results: dict = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as cache_root:
        for repeat in range(args.repeats):
            for model_name in models:
                for library, kind in variants:
                    if kind == "warm":
                        cache = os.path.join(cache_root, f"{model_name}-{repeat}")
                        _child(library, model_name, args, cache)  # fills the cache
                    else:
                        cache = "0"
                    row = _child(library, model_name, args, cache)
                    row["cache"] = kind
                    results[(model_name, library, kind)].append(row)
    rows = [_median_row(runs) for runs in results.values()]
    print(
        f"{'model':<17}{'library':<8}{'cache':<6}{'params':>11}{'1st step s':>11}"
        f"{'(build+compile)':>16}{'programs':>9}{'compile s':>10}{'trace s':>8}{'img/s':>7}"
        f"{'peak MiB':>9}"
    )
    for r in rows:
        print(
            f"{r['model']:<17}{r['library']:<8}{r['cache']:<6}{r['params']:>11,}"
            f"{r['first_step_s']:>11.1f}{r['build_compile_s']:>16.1f}{r['programs']:>9}"
            f"{r['compile_s']:>10.1f}{r['trace_s']:>8.1f}{r['images_per_s']:>7.2f}"
            f"{r['peak_mib']:>9.0f}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
