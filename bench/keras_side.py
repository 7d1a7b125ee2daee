"""The Keras 3 column: the same workloads timed with Keras (JAX backend) in a separate process.

Keras and lamina never share a process: the parent (`bench_fit.py`) calls `run_keras(spec)`,
which starts `python bench/keras_side.py SPEC_JSON OUT_PATH` with `KERAS_BACKEND=jax`; the child
imports Keras (never lamina), times what the spec asks for and writes the raw seconds as JSON.
The parent turns them into rates. Kinds of spec:

- `{"task": "fit", "workload", "samples", "rounds", "spe", "seed"}`: one epoch of `fit` with the
  defaults and with `steps_per_execution=spe`, `warmup` (2) untimed epochs each, then `rounds`
  interleaved.
- `{"task": "inference", "samples", "rounds", "seed"}`: `evaluate` / `predict` on the overview MLP.
- `{"task": "micro", "calls", "rounds", "seed"}`: per-call `train_on_batch`, `predict_on_batch`,
  `model(x)` on the overview MLP.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workloads import (  # noqa: E402
    WORKLOADS,
    build_model,
    interleave,
    make_data,
    run_json_subprocess,
    warm_up,
)

HERE = os.path.abspath(__file__)
KERAS_ENV = {"KERAS_BACKEND": "jax"}


def available() -> bool:
    """Whether `keras` is installed (checked without importing it into this process)."""
    return importlib.util.find_spec("keras") is not None


def run_keras(spec: dict, timeout: float | None = 1800) -> dict:
    """Runs one spec in a fresh Keras process; the raw result, or `{"error": ...}`."""
    return run_json_subprocess(HERE, spec, env=KERAS_ENV, timeout=timeout)


# ------------------------------------------------------------------------------ child side
def _block(model):
    import jax

    jax.block_until_ready([v.value for v in model.trainable_variables])


def _fit(spec: dict) -> dict:
    import keras

    wl = WORKLOADS[spec["workload"]]
    samples, bs = spec["samples"], wl.batch_size
    keras.utils.set_random_seed(spec["seed"])
    x, y = make_data(wl, samples, spec["seed"])
    losses: dict = {}

    def fit_fn(model, key):
        def run():
            hist = model.fit(x, y, batch_size=bs, epochs=1, verbose=0, shuffle=True)
            _block(model)
            losses.setdefault(key, []).append(float(hist.history["loss"][-1]))

        return run

    contenders = {"keras_fit": fit_fn(build_model(keras, wl), "keras_fit")}
    spe = spec.get("spe")
    if spe and spe > 1:
        contenders["keras_fit_spe"] = fit_fn(build_model(keras, wl, spe), "keras_fit_spe")
    warm = warm_up(contenders, spec.get("warmup", 2))
    times = interleave(contenders, spec["rounds"])
    return {"times": times, "warmup_s": warm, "losses": losses}


def _inference(spec: dict) -> dict:
    import keras

    wl = WORKLOADS["mlp"]
    keras.utils.set_random_seed(spec["seed"])
    x, y = make_data(wl, spec["samples"], spec["seed"])
    model = build_model(keras, wl, metrics=["accuracy"])
    bs = wl.batch_size
    out: dict = {}

    def evaluate():
        out["evaluate"] = model.evaluate(x, y, batch_size=bs, verbose=0)

    def predict():
        out["predict_shape"] = list(model.predict(x, batch_size=bs, verbose=0).shape)

    contenders = {"keras_evaluate": evaluate, "keras_predict": predict}
    warm = warm_up(contenders, spec.get("warmup", 2))
    times = interleave(contenders, spec["rounds"])
    return {"times": times, "warmup_s": warm, **out}


def _micro(spec: dict) -> dict:
    import jax
    import keras

    wl = WORKLOADS["mlp"]
    keras.utils.set_random_seed(spec["seed"])
    x, y = make_data(wl, wl.batch_size, spec["seed"])
    model = build_model(keras, wl)
    calls = spec["calls"]
    apis = {
        "train_on_batch": lambda: model.train_on_batch(x, y),
        "predict_on_batch": lambda: model.predict_on_batch(x),
        "model(x)": lambda: jax.block_until_ready(model(x)),
    }

    def repeat(fn):
        def run():
            for _ in range(calls):
                fn()

        return run

    contenders = {api: repeat(fn) for api, fn in apis.items()}
    for fn in contenders.values():  # warm-up (train_on_batch first: builds the optimizer)
        fn()
    times = interleave(contenders, spec["rounds"])
    us = {api: 1e6 * statistics.median(t) / calls for api, t in times.items()}
    return {"times": times, "per_call_us": us}


TASKS = {"fit": _fit, "inference": _inference, "micro": _micro}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    spec, out_path = json.loads(argv[0]), argv[1]
    import keras

    result = TASKS[spec["task"]](spec)
    result["keras_version"] = keras.__version__
    result["backend"] = keras.backend.backend()
    with open(out_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
