"""Benchmark: lamina's `fit`/`evaluate`/`predict` against hand-written `jax.jit` + optax loops and
Keras 3.

Same model, data, batch size, optimizer (Adam, lr 1e-3, epsilon 1e-7) and loss (categorical
crossentropy from logits) on every side. Compilation is excluded (two warm-up epochs each); then
every round times one epoch of each contender, interleaved (the order rotates from round to round),
and the report gives medians. Keras runs in its own process (never alongside lamina), right after
the lamina rounds of the same workload. Run `python bench/bench_fit.py --help`; see
bench/README.md for what each row measures.

The module has a function API (`run_workload`, `run_inference`, `run_micro`, `run_startup_table`,
`markdown`) so the smoke test can call it with tiny sizes.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import numpy as np  # noqa: E402
from jax_loops import JaxLoops  # noqa: E402
from keras_side import available as keras_available  # noqa: E402
from keras_side import run_keras  # noqa: E402
from report import FIT_ROWS, environment, markdown  # noqa: E402
from startup import LIBS, run_startup  # noqa: E402
from workloads import (  # noqa: E402
    WORKLOADS,
    build_model,
    interleave,
    make_data,
    median_rate,
    trim,
    warm_up,
)

import lamina  # noqa: E402

BASELINES = ("jax_numpy_feed", "jax_on_device")
__all__ = ["FIT_ROWS", "WORKLOADS", "markdown", "run_inference", "run_micro", "run_workload"]


def _note(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _keras_times(spec: dict, use_keras: bool) -> dict | None:
    """Runs a Keras spec in its subprocess; None when not asked, `{"error"}` when unavailable."""
    if not use_keras:
        return None
    if not keras_available():
        return {"error": "keras is not installed"}
    res = run_keras(spec)
    if "error" in res:
        _note(f"keras {spec['task']} failed: {res['error']}")
    return res


def _block(model):
    jax.block_until_ready([v.value for v in model.trainable_variables])


def run_workload(
    name: str,
    rounds: int | None = None,
    samples: int | None = None,
    spe: int | None = 32,
    extras: bool = True,
    seed: int = 0,
    slow_scan: bool = False,
    use_keras: bool = False,
    warmup: int = 2,
    device_data: bool = False,
) -> dict:
    """Times one epoch of lamina `fit` against the hand-written loops (and Keras) on `name`.

    Returns a dict with the per-round seconds (`times`), median samples/s (`samples_per_s`),
    `ratio` = lamina / best of the two per-step hand-written loops, `ratio_spe` = lamina with
    `steps_per_execution=spe` / whole-epoch `lax.scan` (when both ran), the training losses
    (`losses`) and the Keras rows (`keras_fit`, `keras_fit_spe`, when `use_keras`).
    The fused rows are skipped on workloads where `lax.scan` is known to be slow (the CNN)
    unless `slow_scan`. `device_data` adds a lamina row whose arrays are passed as `jax.Array`s
    put on the device once, untimed, as the hand-written on-device loop has them (on an
    accelerator, NumPy arrays are uploaded by each `fit` call).
    """
    wl = WORKLOADS[name]
    rounds = rounds or wl.rounds
    samples = trim(wl, samples)
    lamina.utils.set_random_seed(seed)
    x, y = make_data(wl, samples, seed)
    bs = wl.batch_size
    jl = JaxLoops(wl, x, y, seed)
    model = build_model(lamina, wl)
    lamina_losses: dict = {}

    def lamina_fit(m=model, key="lamina_fit", data=(x, y)):
        hist = m.fit(*data, batch_size=bs, epochs=1, verbose=0, shuffle=True)
        _block(m)
        lamina_losses.setdefault(key, []).append(float(hist.history["loss"][-1]))

    contenders = {
        "lamina_fit": lamina_fit,
        "jax_numpy_feed": jl.epoch_numpy_feed,
        "jax_on_device": jl.epoch_on_device,
    }
    if device_data:
        model_dev = build_model(lamina, wl)
        on_device = (jax.device_put(x), jax.device_put(y))
        contenders["lamina_fit_device"] = functools.partial(
            lamina_fit, m=model_dev, key="lamina_fit_device", data=on_device
        )
    skipped = []
    if extras and spe and spe > 1:
        if wl.scan_is_slow and not slow_scan:
            skipped = ["lamina_fit_spe", "jax_scan_epoch"]
        else:
            model_spe = build_model(lamina, wl, steps_per_execution=spe)
            contenders["lamina_fit_spe"] = functools.partial(
                lamina_fit, m=model_spe, key="lamina_fit_spe"
            )
            contenders["jax_scan_epoch"] = jl.epoch_scan

    jax_loss_before = jl.evaluate_on_device()[0]
    warm = warm_up(contenders, warmup)  # compiles (not timed in the report)
    times = interleave(contenders, rounds)
    jax_loss_after = jl.evaluate_on_device()[0]
    rates = {k: median_rate(v, samples) for k, v in times.items()}
    best = max(BASELINES, key=lambda k: rates[k])
    result = {
        "workload": name,
        "description": wl.description,
        "samples": samples,
        "batch_size": bs,
        "steps_per_epoch": samples // bs,
        "rounds": rounds,
        "spe": spe if extras and spe and spe > 1 else None,
        "skipped": skipped,
        "warmup_s": warm,
        "times": times,
        "samples_per_s": rates,
        "best_baseline": best,
        "ratio": rates["lamina_fit"] / rates[best],
        "losses": {
            **{k: [v[0], v[-1]] for k, v in lamina_losses.items()},
            "jax (full-data loss before/after)": [jax_loss_before, jax_loss_after],
        },
    }
    if "lamina_fit_spe" in contenders:
        result["ratio_spe"] = rates["lamina_fit_spe"] / rates["jax_scan_epoch"]
    spec = {"task": "fit", "workload": name, "samples": samples, "rounds": rounds}
    spec.update(spe=result["spe"], seed=seed, warmup=warmup)
    kres = _keras_times(spec, use_keras)
    if kres is not None:
        result["keras"] = kres
        for k, v in kres.get("times", {}).items():
            times[k] = v
            rates[k] = median_rate(v, samples)
            result["losses"][k] = [kres["losses"][k][0], kres["losses"][k][-1]]
        result["warmup_s"].update(kres.get("warmup_s", {}))
        if "keras_fit" in rates:
            result["ratio_keras"] = rates["lamina_fit"] / rates["keras_fit"]
    result["ms_per_step"] = {
        k: 1e3 * statistics.median(v) / (samples // bs) for k, v in times.items()
    }
    return result


def run_inference(
    rounds: int = 5,
    samples: int | None = None,
    seed: int = 0,
    use_keras: bool = False,
    warmup: int = 2,
) -> dict:
    """`evaluate` (loss + accuracy) and `predict` on the overview MLP (batch 32) against jitted
    loops: NumPy batch per step, data on device, and the whole dataset in one `lax.scan`."""
    wl = WORKLOADS["mlp"]
    samples = trim(wl, samples)
    lamina.utils.set_random_seed(seed)
    x, y = make_data(wl, samples, seed)
    jl = JaxLoops(wl, x, y, seed)
    model = build_model(lamina, wl, metrics=["accuracy"])
    bs = wl.batch_size
    outputs: dict = {}

    def keep(key, fn):
        def run():
            out = fn()
            outputs[key] = list(np.shape(out)) if isinstance(out, np.ndarray) else list(out)

        return run

    contenders = {
        "lamina_evaluate": lambda: model.evaluate(x, y, batch_size=bs, verbose=0),
        "jax_eval_numpy_feed": jl.evaluate_numpy_feed,
        "jax_eval_on_device": jl.evaluate_on_device,
        "jax_eval_scan": jl.evaluate_scan,
        "lamina_predict": lambda: model.predict(x, batch_size=bs, verbose=0),
        "jax_predict_numpy_feed": jl.predict_numpy_feed,
        "jax_predict_on_device": jl.predict_on_device,
        "jax_predict_scan": jl.predict_scan,
    }
    contenders = {k: keep(k, fn) for k, fn in contenders.items()}
    warm = warm_up(contenders, warmup)
    times = interleave(contenders, rounds)
    rates = {k: median_rate(v, samples) for k, v in times.items()}
    out = {"samples": samples, "batch_size": bs, "rounds": rounds, "warmup_s": warm}
    out.update(times=times, samples_per_s=rates, outputs=outputs)
    spec = {"task": "inference", "samples": samples, "rounds": rounds, "seed": seed}
    kres = _keras_times({**spec, "warmup": warmup}, use_keras)
    if kres is not None:
        out["keras"] = kres
        for k, v in kres.get("times", {}).items():
            times[k] = v
            rates[k] = median_rate(v, samples)
    for kind in ("eval", "predict"):
        lam = rates["lamina_evaluate" if kind == "eval" else "lamina_predict"]
        best = max((f"jax_{kind}_numpy_feed", f"jax_{kind}_on_device"), key=rates.get)
        out[f"{kind}_best_baseline"] = best
        out[f"{kind}_ratio"] = lam / rates[best]
        out[f"{kind}_scan_ratio"] = lam / rates[f"jax_{kind}_scan"]
    return out


def run_micro(calls: int = 300, rounds: int = 5, seed: int = 0, use_keras: bool = False) -> dict:
    """Per-call microseconds of the single-batch APIs on the overview MLP (batch 32)."""
    wl = WORKLOADS["mlp"]
    lamina.utils.set_random_seed(seed)
    x, y = make_data(wl, wl.batch_size, seed)
    jl = JaxLoops(wl, x, y, seed)
    model = build_model(lamina, wl)

    def jax_train():
        jl.state, loss = jl.train_step(jl.state, x, y)
        return float(loss)

    # train_on_batch goes first, so the model is trained (optimizer built) before any predict.
    pairs = {
        "train_on_batch": (
            lambda: model.train_on_batch(x, y),
            jax_train,
            "jitted train step + float(loss)",
        ),
        "predict_on_batch": (
            lambda: model.predict_on_batch(x),
            lambda: np.asarray(jl.forward(jl.params, x)),
            "jitted forward + np.asarray",
        ),
        "model(x)": (
            lambda: jax.block_until_ready(model(x)),
            lambda: jax.block_until_ready(jl.forward(jl.params, x)),
            "jitted forward, block_until_ready",
        ),
    }

    def repeat(fn):
        def run():
            for _ in range(calls):
                fn()

        return run

    contenders = {}
    for api, (lam, base, _) in pairs.items():
        contenders[f"lamina {api}"] = repeat(lam)
        contenders[f"jax {api}"] = repeat(base)
    for fn in contenders.values():  # warm-up: compile and settle caches
        fn()
    times = interleave(contenders, rounds)
    us = {k: 1e6 * statistics.median(v) / calls for k, v in times.items()}
    kres = _keras_times(
        {"task": "micro", "calls": calls, "rounds": rounds, "seed": seed}, use_keras
    )
    kus = (kres or {}).get("per_call_us", {})
    rows = {}
    for api, (_, _, desc) in pairs.items():
        row = {
            "lamina_us": us[f"lamina {api}"],
            "jax_us": us[f"jax {api}"],
            "baseline": desc,
            "ratio": us[f"lamina {api}"] / us[f"jax {api}"],
        }
        if api in kus:
            row["keras_us"] = kus[api]
            row["keras_ratio"] = kus[api] / us[f"jax {api}"]
        rows[api] = row
    out = {"calls": calls, "rounds": rounds, "times": times, "per_call_us": rows}
    if kres is not None:
        out["keras"] = kres
    return out


def run_startup_table(
    names, samples: dict | None = None, libs=LIBS, seed: int = 0, use_keras: bool = True
) -> list:
    """Fresh-process import time, time to first step and peak RSS for each workload and library
    (`samples[name]` samples per epoch; the workload's default otherwise)."""
    rows = []
    for name in names:
        n = trim(WORKLOADS[name], (samples or {}).get(name))
        for lib in libs:
            if lib == "keras" and not (use_keras and keras_available()):
                continue
            _note(f"startup: {name} / {lib} ...")
            res = run_startup(lib, name, n, seed)
            res.setdefault("lib", lib)
            res.setdefault("workload", name)
            rows.append(res)
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workloads", default="mlp,wide,cnn,lstm", help="comma list of: mlp, wide, cnn, lstm"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="timed rounds per contender (default: 5 for mlp/wide, 3 for cnn/lstm; --quick: 2)",
    )
    parser.add_argument("--quick", action="store_true", help="few samples and rounds (smoke run)")
    parser.add_argument(
        "--spe",
        type=int,
        default=32,
        help="steps_per_execution of the extra lamina and Keras rows (0 or 1: skip them)",
    )
    parser.add_argument(
        "--slow-scan",
        action="store_true",
        help="also run the fused rows (lamina spe, one-scan epoch) on the CNN (~10x slower there)",
    )
    parser.add_argument(
        "--device-data",
        action="store_true",
        help="add a lamina row fed jax.Arrays already on the device (accelerators: no upload)",
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="untimed warm-up epochs per contender (2)"
    )
    parser.add_argument(
        "--no-fit", action="store_true", help="skip the training tables (keep the other parts)"
    )
    parser.add_argument("--no-inference", action="store_true", help="skip evaluate/predict")
    parser.add_argument("--no-micro", action="store_true", help="skip the *_on_batch timings")
    parser.add_argument("--no-keras", action="store_true", help="skip every Keras measurement")
    parser.add_argument("--no-startup", action="store_true", help="skip the startup/memory table")
    parser.add_argument(
        "--startup-workloads",
        default=None,
        help="comma list for the startup/memory table (default: mlp,cnn among --workloads)",
    )
    parser.add_argument(
        "--calls", type=int, default=None, help="calls per round, micro timings (300; --quick: 50)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers here")
    args = parser.parse_args(argv)

    def names_of(text):
        names = [w.strip() for w in text.split(",") if w.strip()]
        unknown = [w for w in names if w not in WORKLOADS]
        if unknown:
            parser.error(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
        return names

    names = names_of(args.workloads)
    if args.startup_workloads is not None:
        startup_names = names_of(args.startup_workloads)
    else:
        startup_names = [n for n in ("mlp", "cnn") if n in names]
    rounds = args.rounds or (2 if args.quick else None)
    calls = args.calls or (50 if args.quick else 300)
    use_keras = not args.no_keras
    if use_keras and not keras_available():
        print("note: keras is not installed; the Keras rows are skipped.", file=sys.stderr)
        use_keras = False

    def samples_of(name):
        return WORKLOADS[name].quick_samples if args.quick else WORKLOADS[name].samples

    start = time.perf_counter()
    results: dict = {"environment": environment(), "quick": args.quick, "fit": []}
    results["keras_requested"] = not args.no_keras
    results["warmup"] = args.warmup
    for name in [] if args.no_fit else names:
        _note(f"{name}: {samples_of(name):,} samples, {rounds or WORKLOADS[name].rounds} rounds")
        results["fit"].append(
            run_workload(
                name,
                rounds,
                samples_of(name),
                args.spe,
                slow_scan=args.slow_scan,
                use_keras=use_keras,
                warmup=args.warmup,
                device_data=args.device_data,
            )
        )
    inf_rounds = rounds or 5
    if not args.no_inference:
        _note("evaluate/predict ...")
        samples = samples_of("mlp")
        results["inference"] = run_inference(
            inf_rounds, samples, use_keras=use_keras, warmup=args.warmup
        )
    if not args.no_micro:
        _note("single-batch calls ...")
        results["micro"] = run_micro(calls, inf_rounds, use_keras=use_keras)
    if not args.no_startup and startup_names:
        samples = {n: samples_of(n) for n in startup_names}
        results["startup"] = run_startup_table(startup_names, samples, use_keras=use_keras)
    results["total_s"] = time.perf_counter() - start
    for part in [*results["fit"], results.get("inference"), results.get("micro")]:
        if part and "keras_version" in part.get("keras", {}):
            results["environment"]["keras"] = part["keras"]["keras_version"]

    print(markdown(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
