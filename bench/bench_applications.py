"""keras.applications bench: time to the first training step, steady throughput, peak memory.

For `ResNet50` and `EfficientNetB0` (`include_top=False`, random weights, 128x128x3 input) with
a small head (global average pooling + `Dense(10)`), batch 16, Adam, sparse categorical
crossentropy - once with lamina and once with Keras 3 (JAX backend). Every (library, model) pair
runs in its own fresh process, so the times include nothing cached by another run and the peak
resident memory (`ru_maxrss`) is that run's alone.

- time to first step: build the model + compile + the first `train_on_batch` (wall seconds,
  after the library is imported);
- steady throughput: images per second over `--steps` further `train_on_batch` calls;
- peak memory: the process's peak resident set size, in MiB.

Usage:
    python bench/bench_applications.py [--steps 10] [--models ResNet50,EfficientNetB0]
    python bench/bench_applications.py --no-keras
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))


def measure(library: str, model_name: str, steps: int, batch: int, size: int) -> dict:
    """Runs one (library, model) measurement in this process and returns the numbers."""
    import numpy as np

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
    model.train_on_batch(x, y)  # one more untimed step
    t1 = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    float(np.asarray(loss))
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "library": library,
        "model": model_name,
        "import_s": imported - started,
        "build_compile_s": built - t0,
        "first_step_s": first - t0,
        "images_per_s": steps * batch / (t2 - t1),
        "peak_mib": peak,
        "first_loss": first_loss,
        "params": int(model.count_params()),
    }


def _child(library: str, model_name: str, args) -> dict:
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=ROOT)
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


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ResNet50,EfficientNetB0")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--child", choices=["lamina", "keras"])
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    models = args.models.split(",")
    if args.child:
        print(json.dumps(measure(args.child, models[0], args.steps, args.batch, args.size)))
        return []
    rows = []
    for model_name in models:
        for library in ["lamina"] + ([] if args.no_keras else ["keras"]):
            rows.append(_child(library, model_name, args))
    print(
        f"{'model':<15}{'library':<8}{'params':>11}{'1st step s':>12}{'(build+compile)':>17}"
        f"{'img/s':>9}{'peak MiB':>10}"
    )
    for r in rows:
        print(
            f"{r['model']:<15}{r['library']:<8}{r['params']:>11,}{r['first_step_s']:>12.1f}"
            f"{r['build_compile_s']:>17.1f}{r['images_per_s']:>9.1f}{r['peak_mib']:>10.0f}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
