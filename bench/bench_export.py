"""Benchmark: inference after export. For an MLP and a small CNN, the latency of one prediction
(batch 1) and the throughput at batch 256 of lamina's `predict_on_batch`, of onnxruntime on
lamina's ONNX export, of lamina's `format="jax"` export loaded with `lamina.export.load`, and of
Keras 3's `predict_on_batch` (JAX backend, in its own process). Also the size of each file.

    python bench/bench_export.py [--calls 200] [--no-keras]

Medians over rounds; every contender is warmed up first (compilation excluded). A benchmark, not
a test: it prints a Markdown table and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

MODELS = ("mlp", "cnn")
BATCHES = (1, 256)


def build(k, name):
    L = k.layers
    if name == "mlp":
        return k.Sequential(
            [
                k.Input((784,)),
                L.Dense(256, activation="relu"),
                L.Dense(256, activation="relu"),
                L.Dense(10),
            ]
        )
    return k.Sequential(
        [
            k.Input((28, 28, 1)),
            L.Conv2D(32, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(64, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(10),
        ]
    )


def data(name, batch):
    rng = np.random.default_rng(0)
    shape = (batch, 784) if name == "mlp" else (batch, 28, 28, 1)
    return rng.random(shape, dtype="float32")


def timed(fn, x, calls):
    for _ in range(5):
        fn(x)
    rounds = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(calls):
            fn(x)
        rounds.append((time.perf_counter() - t) / calls)
    return statistics.median(rounds)


def keras_child(calls):
    """Runs in a fresh process with KERAS_BACKEND=jax: Keras's predict_on_batch timings."""
    import keras

    out = {}
    for name in MODELS:
        model = build(keras, name)
        for batch in BATCHES:
            x = data(name, batch)
            out[f"{name}/{batch}"] = timed(model.predict_on_batch, x, calls)
    return out


def run(calls: int, use_keras: bool) -> dict:
    import onnxruntime as ort

    import lamina

    folder = tempfile.mkdtemp()
    res = {"lamina": {}, "onnx": {}, "jax_export": {}, "keras": {}, "size": {}}
    for name in MODELS:
        model = build(lamina, name)
        onnx_path = os.path.join(folder, f"{name}.onnx")
        jax_path = os.path.join(folder, f"{name}.jaxexport")
        model.export(onnx_path, format="onnx", verbose=False)
        model.export(jax_path, format="jax", verbose=False)
        weights_path = os.path.join(folder, f"{name}.weights.h5")
        model.save_weights(weights_path)
        res["size"][name] = {
            "onnx": os.path.getsize(onnx_path),
            "jax_export": os.path.getsize(jax_path),
            "weights_h5": os.path.getsize(weights_path),
        }
        opts = ort.SessionOptions()
        session = ort.InferenceSession(onnx_path, opts)
        in_name = session.get_inputs()[0].name
        artifact = lamina.export.load(jax_path)
        for batch in BATCHES:
            x = data(name, batch)
            key = f"{name}/{batch}"
            res["lamina"][key] = timed(model.predict_on_batch, x, calls)
            res["onnx"][key] = timed(lambda v, s=session, n=in_name: s.run(None, {n: v}), x, calls)
            res["jax_export"][key] = timed(lambda v, a=artifact: np.asarray(a(v)), x, calls)
    res["quantized"] = quantized_rows(lamina, folder, calls)
    if use_keras:
        here = os.path.dirname(os.path.abspath(__file__))
        code = (
            f"import json, sys; sys.path.insert(0, {here!r}); import bench_export as b; "
            f"print(json.dumps(b.keras_child({calls})))"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "KERAS_BACKEND": "jax"},
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            res["keras"] = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            print(f"keras side failed: {proc.stderr[-500:]}", file=sys.stderr)
    return res


def quantized_rows(lamina, folder: str, calls: int) -> dict:
    """`.keras` file size and `predict_on_batch` latency (batch 1) / throughput (batch 256)
    of each model in float32 and after `quantize("int8")`."""
    import warnings

    out = {}
    for name in MODELS:
        for mode in ("float32", "int8"):
            model = build(lamina, name)
            if mode == "int8":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.quantize("int8")
            path = os.path.join(folder, f"{name}_{mode}.keras")
            model.save(path)
            row = {"size": os.path.getsize(path)}
            for batch in BATCHES:
                row[batch] = timed(model.predict_on_batch, data(name, batch), calls)
            out[f"{name}/{mode}"] = row
    return out


def markdown(res: dict) -> str:
    lines = [
        "| model | batch | lamina `predict_on_batch` | onnxruntime (lamina's ONNX) | "
        "`lamina.export.load` (StableHLO) | Keras 3 `predict_on_batch` |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in MODELS:
        for batch in BATCHES:
            key = f"{name}/{batch}"

            def cell(side, key=key, batch=batch):
                t = res[side].get(key)
                if t is None:
                    return "–"
                if batch == 1:
                    return f"{t * 1e6:,.0f} µs"
                return f"{batch / t:,.0f} samples/s"

            lines.append(
                f"| {name} | {batch} | {cell('lamina')} | {cell('onnx')} | "
                f"{cell('jax_export')} | {cell('keras')} |"
            )
    lines += [
        "",
        '| model | ONNX file | `format="jax"` file | `.weights.h5` |',
        "|---|---:|---:|---:|",
    ]
    for name, sizes in res["size"].items():
        lines.append(
            f"| {name} | {sizes['onnx'] / 1024:,.0f} KiB | {sizes['jax_export'] / 1024:,.0f} KiB "
            f"| {sizes['weights_h5'] / 1024:,.0f} KiB |"
        )
    if res.get("quantized"):
        lines += [
            "",
            "| model | weights | `.keras` file | `predict_on_batch` batch 1 | batch 256 |",
            "|---|---|---:|---:|---:|",
        ]
        for key, row in res["quantized"].items():
            name, mode = key.split("/")
            lines.append(
                f"| {name} | {mode} | {row['size'] / 1024:,.0f} KiB | {row[1] * 1e6:,.0f} µs "
                f"| {256 / row[256]:,.0f} samples/s |"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round (200)")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras column")
    args = parser.parse_args(argv)
    res = run(args.calls, not args.no_keras)
    print(markdown(res))
    return res


if __name__ == "__main__":
    main()
