"""The benchmark workloads: definitions, synthetic data, Keras-API model builders, timing helpers.

Imports NumPy only, so a subprocess can load it before timing `import lamina` / `import keras` /
`import jax`. `build_model` takes the Keras-API module (`lamina` or `keras`) as an argument: the
same code builds the model on both sides.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

LEARNING_RATE = 1e-3
# Keras's (and lamina's) Adam epsilon; optax's default is 1e-8.
EPSILON = 1e-7
CLASSES = 10

# CNN / LSTM hyper-parameters (the Keras examples' sizes).
CNN_FILTERS = (32, 64)
DROPOUT = 0.5
VOCAB = 10_000
EMBED = 64
UNITS = 64
SEQ_LEN = 100


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str  # "mlp" | "cnn" | "lstm"
    description: str
    batch_size: int
    samples: int
    quick_samples: int
    in_dim: int = 0  # MLP only
    hidden: tuple = ()  # MLP only
    # Default timed rounds of a full run (long epochs need fewer to give a stable median).
    rounds: int = 5
    # A convolution's gradient is ~10x slower inside `lax.scan` on XLA:CPU: the fused rows
    # (lamina steps_per_execution=N, whole-epoch scan) are skipped unless asked for.
    scan_is_slow: bool = False


WORKLOADS = {
    "mlp": Workload("mlp", "mlp", "overview MLP 32-64-64-10", 32, 60_000, 6_400, 32, (64, 64)),
    "wide": Workload(
        "wide", "mlp", "wide MLP 784-1024-1024-10", 256, 15_360, 1_536, 784, (1024, 1024)
    ),
    "cnn": Workload(
        "cnn",
        "cnn",
        "MNIST convnet (Conv32-Pool-Conv64-Pool-Dropout-Dense10)",
        128,
        3_840,
        512,
        rounds=3,
        scan_is_slow=True,
    ),
    "lstm": Workload(
        "lstm", "lstm", "Embedding(10000,64)-LSTM(64)-Dense10, length 100", 64, 3_200, 384, rounds=3
    ),
}


def _scaled(workloads: dict, scale: int) -> dict:
    """Batch size and samples per epoch of every workload times `scale` (same steps per
    epoch): on an accelerator the default batches are too small to measure anything but
    per-step overhead."""
    from dataclasses import replace

    return {
        name: replace(
            wl,
            batch_size=wl.batch_size * scale,
            samples=wl.samples * scale,
            quick_samples=wl.quick_samples * scale,
        )
        for name, wl in workloads.items()
    }


def _scale_from_env() -> int:
    import os

    raw = os.environ.get("LAMINA_BENCH_SCALE", "1")
    try:
        scale = int(raw)
    except ValueError:
        scale = 0
    if scale < 1:
        raise ValueError(f"LAMINA_BENCH_SCALE must be a positive integer; received {raw!r}")
    return scale


# `LAMINA_BENCH_SCALE=K` (read in every process, so the Keras and startup subprocesses agree)
# multiplies batch sizes and samples per epoch by K (bench/accelerator.sh uses it).
SCALE = _scale_from_env()
if SCALE != 1:
    WORKLOADS = _scaled(WORKLOADS, SCALE)


def trim(wl: Workload, samples: int | None) -> int:
    """Sample count rounded down to whole batches (every contender does the same steps)."""
    samples = samples or wl.samples
    samples -= samples % wl.batch_size
    if samples < wl.batch_size:
        raise ValueError(f"{wl.name}: need at least one batch ({wl.batch_size}) of samples.")
    return samples


def make_data(wl: Workload, samples: int, seed: int = 0):
    """Random inputs and one-hot labels (the same arrays in every process for a given seed)."""
    rng = np.random.default_rng(seed)
    if wl.kind == "mlp":
        x = rng.standard_normal((samples, wl.in_dim), dtype=np.float32)
    elif wl.kind == "cnn":
        x = rng.random((samples, 28, 28, 1), dtype=np.float32)
    else:
        x = rng.integers(0, VOCAB, size=(samples, SEQ_LEN)).astype(np.int32)
    labels = rng.integers(0, CLASSES, size=samples)
    y = np.eye(CLASSES, dtype=np.float32)[labels]
    return x, y


def build_model(k, wl: Workload, steps_per_execution=None, metrics=None):
    """The workload's model, compiled, in the Keras-API module `k` (lamina or keras).

    `steps_per_execution=None` leaves the library default (lamina: "auto"; Keras: 1)."""
    L = k.layers
    if wl.kind == "mlp":
        layers = [k.Input(shape=(wl.in_dim,))]
        layers += [L.Dense(h, activation="relu") for h in wl.hidden]
        layers.append(L.Dense(CLASSES))
    elif wl.kind == "cnn":
        layers = [
            k.Input(shape=(28, 28, 1)),
            L.Conv2D(CNN_FILTERS[0], 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(CNN_FILTERS[1], 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dropout(DROPOUT),
            L.Dense(CLASSES),
        ]
    else:
        layers = [
            k.Input(shape=(SEQ_LEN,), dtype="int32"),
            L.Embedding(VOCAB, EMBED),
            L.LSTM(UNITS),
            L.Dense(CLASSES),
        ]
    model = k.Sequential(layers)
    kwargs = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    model.compile(
        optimizer=k.optimizers.Adam(learning_rate=LEARNING_RATE, epsilon=EPSILON),
        loss=k.losses.CategoricalCrossentropy(from_logits=True),
        metrics=metrics,
        **kwargs,
    )
    return model


# ------------------------------------------------------------------ hand-written initial weights
def _glorot(rng, fan_in, fan_out, shape):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def _orthogonal(rng, rows, cols):
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return (q.T if rows < cols else q).astype(np.float32)


def init_params_numpy(wl: Workload, seed: int = 0) -> dict:
    """The Keras layers' default initializers, drawn with NumPy (`jax.random` would compile
    once per shape): Glorot-uniform kernels, zero biases, orthogonal recurrent kernel, forget
    gate bias 1 (`unit_forget_bias`), uniform(-0.05, 0.05) embeddings."""
    rng = np.random.default_rng(seed)
    zeros = np.zeros
    if wl.kind == "mlp":
        dims = (wl.in_dim, *wl.hidden, CLASSES)
        dense = [
            {"w": _glorot(rng, i, o, (i, o)), "b": zeros((o,), np.float32)}
            for i, o in zip(dims[:-1], dims[1:])
        ]
        return {"dense": dense}
    if wl.kind == "cnn":
        convs, cin = [], 1
        for cout in CNN_FILTERS:
            w = _glorot(rng, 9 * cin, 9 * cout, (3, 3, cin, cout))
            convs.append({"w": w, "b": zeros((cout,), np.float32)})
            cin = cout
        flat = 5 * 5 * CNN_FILTERS[-1]
        out = {
            "w": _glorot(rng, flat, CLASSES, (flat, CLASSES)),
            "b": zeros((CLASSES,), np.float32),
        }
        return {"convs": convs, "out": out}
    bias = zeros((4 * UNITS,), np.float32)
    bias[UNITS : 2 * UNITS] = 1.0
    return {
        "emb": rng.uniform(-0.05, 0.05, (VOCAB, EMBED)).astype(np.float32),
        "kernel": _glorot(rng, EMBED, 4 * UNITS, (EMBED, 4 * UNITS)),
        "recurrent": _orthogonal(rng, UNITS, 4 * UNITS),
        "bias": bias,
        "out": {
            "w": _glorot(rng, UNITS, CLASSES, (UNITS, CLASSES)),
            "b": zeros((CLASSES,), np.float32),
        },
    }


# ---------------------------------------------------------------------------------- timing
def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def warm_up(contenders: dict, epochs: int = 2) -> dict:
    """Runs each contender `epochs` times untimed-for-the-report (returns the seconds of each).

    Two passes, not one: lamina's automatic steps_per_execution decides during the first epoch,
    and the second epoch's tail blocks can need shapes the first one did not compile."""
    return {k: [timed(fn) for _ in range(max(epochs, 1))] for k, fn in contenders.items()}


def interleave(contenders: dict, rounds: int) -> dict:
    """Times each contender once per round, rotating the order; returns seconds per round."""
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(timed(contenders[name]))
    return times


def median_rate(seconds: list, samples: int) -> float:
    return samples / statistics.median(seconds)


def run_json_subprocess(script: str, spec: dict, env: dict | None = None, timeout=None) -> dict:
    """Runs `python script SPEC_JSON OUT_PATH` in a fresh process; returns the JSON it wrote to
    OUT_PATH, or `{"error": ...}` when it failed. The child's stderr passes through."""
    import json
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        try:
            proc = subprocess.run(
                [sys.executable, script, json.dumps(spec), out],
                env={**os.environ, **(env or {})},
                stdout=subprocess.PIPE,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}
        if proc.returncode != 0 or not os.path.exists(out):
            tail = proc.stdout[-500:] if proc.stdout else ""
            return {"error": f"exit status {proc.returncode} {tail}".strip()}
        with open(out) as f:
            return json.load(f)
