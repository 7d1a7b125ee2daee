"""Benchmark: lamina's `fit`/`evaluate`/`predict` against hand-written `jax.jit` + optax loops.

Same model, data, batch size, optimizer (Adam, lr 1e-3) and loss (categorical crossentropy from
logits) on both sides. Compilation is excluded (one warm-up epoch each); then every round times one
epoch of each contender, interleaved (the order rotates from round to round), and the report gives
medians. Run `python bench/bench_fit.py --help`; see bench/README.md for what each row measures.

The module has a function API (`run_workload`, `run_inference`, `run_micro`) so the smoke test can
call it with tiny sizes.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import platform
import statistics
import sys
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

import lamina as keras

LEARNING_RATE = 1e-3
# Keras's (and lamina's) Adam epsilon; optax's default is 1e-8.
EPSILON = 1e-7


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    in_dim: int
    hidden: tuple
    classes: int
    batch_size: int
    samples: int
    quick_samples: int


WORKLOADS = {
    "mlp": Workload("mlp", "overview MLP 32-64-64-10", 32, (64, 64), 10, 32, 60_000, 6_400),
    "wide": Workload(
        "wide", "wide MLP 784-1024-1024-10", 784, (1024, 1024), 10, 256, 15_360, 1_536
    ),
}

# Contenders of the fit benchmark, in table order.
FIT_ROWS = {
    "lamina_fit": "lamina `fit` (defaults: steps_per_execution='auto')",
    "jax_numpy_feed": "jax.jit loop, NumPy batch per step",
    "jax_on_device": "jax.jit loop, data on device, index-sliced",
    "lamina_fit_spe": "lamina `fit`, steps_per_execution={spe}",
    "jax_scan_epoch": "jax.jit, whole epoch in one `lax.scan`",
}
BASELINES = ("jax_numpy_feed", "jax_on_device")


# ---------------------------------------------------------------------------------- data, models
def make_data(wl: Workload, samples: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, wl.in_dim), dtype=np.float32)
    labels = rng.integers(0, wl.classes, size=samples)
    y = np.eye(wl.classes, dtype=np.float32)[labels]
    return x, y


def build_lamina(wl: Workload, steps_per_execution: int | str = "auto"):
    layers = [keras.Input(shape=(wl.in_dim,))]
    layers += [keras.layers.Dense(h, activation="relu") for h in wl.hidden]
    layers.append(keras.layers.Dense(wl.classes))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        steps_per_execution=steps_per_execution,
    )
    return model


def init_params(wl: Workload, seed: int = 0):
    """Glorot-uniform kernels and zero biases (Dense's defaults), as a list of dicts.

    Drawn with NumPy: `jax.random.uniform` compiles once per shape (~0.3 s each on CPU)."""
    rng = np.random.default_rng(seed)
    dims = (wl.in_dim, *wl.hidden, wl.classes)
    params = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
        params.append({"w": jnp.asarray(w), "b": jnp.zeros((fan_out,), jnp.float32)})
    return params


def forward(params, x):
    for layer in params[:-1]:
        x = jax.nn.relu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params, x, y):
    return optax.softmax_cross_entropy(forward(params, x), y).mean()


class JaxLoops:
    """The hand-written side: a params pytree, optax Adam, jitted steps with donated state."""

    def __init__(self, wl: Workload, x: np.ndarray, y: np.ndarray, seed: int = 0):
        self.wl = wl
        self.x, self.y = x, y
        self.n = x.shape[0]
        self.steps = self.n // wl.batch_size
        self.rng = np.random.default_rng(seed + 1)
        self.opt = optax.adam(LEARNING_RATE, eps=EPSILON)
        self.params = init_params(wl, seed)
        self.opt_state = self.opt.init(self.params)
        self._x_dev = None
        self._y_dev = None
        opt = self.opt

        def sgd_step(params, opt_state, xb, yb):
            loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
            updates, opt_state = opt.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        def step_indexed(params, opt_state, x_all, y_all, perm, i):
            idx = jax.lax.dynamic_index_in_dim(perm, i, keepdims=False)
            xb = jnp.take(x_all, idx, axis=0)
            yb = jnp.take(y_all, idx, axis=0)
            params, opt_state, loss = sgd_step(params, opt_state, xb, yb)
            return params, opt_state, loss, i + 1

        def epoch_scan(params, opt_state, x_all, y_all, perm):
            def body(carry, idx):
                p, s = carry
                p, s, loss = sgd_step(p, s, jnp.take(x_all, idx, axis=0), jnp.take(y_all, idx, 0))
                return (p, s), loss

            (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), perm)
            return params, opt_state, losses[-1]

        def eval_step(params, total, xb, yb):
            return total + loss_fn(params, xb, yb) * xb.shape[0]

        def eval_indexed(params, total, x_all, y_all, i):
            bs = wl.batch_size
            xb = jax.lax.dynamic_slice_in_dim(x_all, i * bs, bs)
            yb = jax.lax.dynamic_slice_in_dim(y_all, i * bs, bs)
            return total + loss_fn(params, xb, yb) * bs, i + 1

        def predict_indexed(params, x_all, i):
            xb = jax.lax.dynamic_slice_in_dim(x_all, i * wl.batch_size, wl.batch_size)
            return forward(params, xb), i + 1

        self.train_step = jax.jit(sgd_step, donate_argnums=(0, 1))
        self.train_step_indexed = jax.jit(step_indexed, donate_argnums=(0, 1, 5))
        self.train_epoch_scan = jax.jit(epoch_scan, donate_argnums=(0, 1))
        self.eval_step = jax.jit(eval_step, donate_argnums=(1,))
        self.eval_indexed = jax.jit(eval_indexed, donate_argnums=(1, 4))
        self.forward = jax.jit(forward)
        self.predict_indexed = jax.jit(predict_indexed, donate_argnums=(2,))

    def _device_data(self):
        if self._x_dev is None:
            self._x_dev, self._y_dev = jnp.asarray(self.x), jnp.asarray(self.y)
        return self._x_dev, self._y_dev

    def _perm(self):
        bs = self.wl.batch_size
        return self.rng.permutation(self.n)[: self.steps * bs].reshape(self.steps, bs)

    # ---- training epochs (each ends with block_until_ready)
    def epoch_numpy_feed(self):
        """Shuffles on the host once per epoch, then feeds contiguous NumPy slices per step."""
        perm = self._perm().reshape(-1)
        xs, ys = self.x[perm], self.y[perm]
        bs = self.wl.batch_size
        params, opt_state, loss = self.params, self.opt_state, None
        for i in range(self.steps):
            sl = slice(i * bs, (i + 1) * bs)
            params, opt_state, loss = self.train_step(params, opt_state, xs[sl], ys[sl])
        self.params, self.opt_state = jax.block_until_ready((params, opt_state))
        return float(loss)

    def epoch_on_device(self):
        """Data already on device; a per-epoch permutation; batches gathered inside the step."""
        x_all, y_all = self._device_data()
        perm = jnp.asarray(self._perm(), dtype=jnp.int32)
        i = jnp.zeros((), jnp.int32)
        params, opt_state, loss = self.params, self.opt_state, None
        for _ in range(self.steps):
            params, opt_state, loss, i = self.train_step_indexed(
                params, opt_state, x_all, y_all, perm, i
            )
        self.params, self.opt_state = jax.block_until_ready((params, opt_state))
        return float(loss)

    def epoch_scan(self):
        x_all, y_all = self._device_data()
        perm = jnp.asarray(self._perm(), dtype=jnp.int32)
        self.params, self.opt_state, loss = self.train_epoch_scan(
            self.params, self.opt_state, x_all, y_all, perm
        )
        jax.block_until_ready((self.params, self.opt_state))
        return float(loss)

    # ---- inference passes (no shuffling, batch = workload batch size, full batches)
    def evaluate_numpy_feed(self):
        bs = self.wl.batch_size
        total = jnp.zeros((), jnp.float32)
        for i in range(self.steps):
            sl = slice(i * bs, (i + 1) * bs)
            total = self.eval_step(self.params, total, self.x[sl], self.y[sl])
        return float(total) / (self.steps * bs)

    def evaluate_on_device(self):
        x_all, y_all = self._device_data()
        total, i = jnp.zeros((), jnp.float32), jnp.zeros((), jnp.int32)
        for _ in range(self.steps):
            total, i = self.eval_indexed(self.params, total, x_all, y_all, i)
        return float(total) / (self.steps * self.wl.batch_size)

    def predict_numpy_feed(self):
        bs = self.wl.batch_size
        outs = [self.forward(self.params, self.x[i * bs : (i + 1) * bs]) for i in range(self.steps)]
        return np.concatenate(jax.device_get(outs))

    def predict_on_device(self):
        x_all, _ = self._device_data()
        i = jnp.zeros((), jnp.int32)
        outs = []
        for _ in range(self.steps):
            out, i = self.predict_indexed(self.params, x_all, i)
            outs.append(out)
        return np.concatenate(jax.device_get(outs))


# ---------------------------------------------------------------------------------- timing
def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _interleave(contenders: dict, rounds: int) -> dict:
    """Times each contender once per round, rotating the order; returns seconds per round."""
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(_timed(contenders[name]))
    return times


def _median_rate(seconds: list, samples: int) -> float:
    return samples / statistics.median(seconds)


def run_workload(
    name: str,
    rounds: int = 5,
    samples: int | None = None,
    spe: int | None = 32,
    extras: bool = True,
    seed: int = 0,
) -> dict:
    """Times one epoch of lamina `fit` against the hand-written loops on workload `name`.

    Returns a dict with the per-round seconds (`times`), median samples/s (`samples_per_s`) and
    `ratio` = lamina / best of the two hand-written baselines (plus `ratio_spe` = lamina with
    `steps_per_execution=spe` / whole-epoch `lax.scan`, when `extras`).
    """
    wl = WORKLOADS[name]
    samples = samples or wl.samples
    samples -= samples % wl.batch_size  # full batches only, so every contender does the same work
    if samples < wl.batch_size:
        raise ValueError(f"{name}: need at least one batch ({wl.batch_size}) of samples.")
    keras.utils.set_random_seed(seed)
    x, y = make_data(wl, samples, seed)
    bs = wl.batch_size
    jl = JaxLoops(wl, x, y, seed)
    model = build_lamina(wl)

    def lamina_fit(m=model):
        m.fit(x, y, batch_size=bs, epochs=1, verbose=0, shuffle=True)
        jax.block_until_ready([v.value for v in m.trainable_variables])

    contenders = {
        "lamina_fit": lamina_fit,
        "jax_numpy_feed": jl.epoch_numpy_feed,
        "jax_on_device": jl.epoch_on_device,
    }
    if extras and spe and spe > 1:
        model_spe = build_lamina(wl, steps_per_execution=spe)
        contenders["lamina_fit_spe"] = functools.partial(lamina_fit, m=model_spe)
        contenders["jax_scan_epoch"] = jl.epoch_scan

    compile_s = {name_: _timed(fn) for name_, fn in contenders.items()}  # warm-up epoch
    times = _interleave(contenders, rounds)
    rates = {k: _median_rate(v, samples) for k, v in times.items()}
    best = max(BASELINES, key=lambda k: rates[k])
    result = {
        "workload": name,
        "description": wl.description,
        "samples": samples,
        "batch_size": bs,
        "steps_per_epoch": samples // bs,
        "rounds": rounds,
        "spe": spe if "lamina_fit_spe" in contenders else None,
        "warmup_s": compile_s,
        "times": times,
        "samples_per_s": rates,
        "ms_per_step": {k: 1e3 * statistics.median(v) / (samples // bs) for k, v in times.items()},
        "best_baseline": best,
        "ratio": rates["lamina_fit"] / rates[best],
    }
    if "lamina_fit_spe" in contenders:
        result["ratio_spe"] = rates["lamina_fit_spe"] / rates["jax_scan_epoch"]
    return result


def run_inference(rounds: int = 5, samples: int | None = None, seed: int = 0) -> dict:
    """`evaluate` and `predict` on the overview MLP (batch 32) against jitted forward loops."""
    wl = WORKLOADS["mlp"]
    samples = samples or wl.samples
    samples -= samples % wl.batch_size
    keras.utils.set_random_seed(seed)
    x, y = make_data(wl, samples, seed)
    jl = JaxLoops(wl, x, y, seed)
    model = build_lamina(wl)
    bs = wl.batch_size
    contenders = {
        "lamina_evaluate": lambda: model.evaluate(x, y, batch_size=bs, verbose=0),
        "jax_eval_numpy_feed": jl.evaluate_numpy_feed,
        "jax_eval_on_device": jl.evaluate_on_device,
        "lamina_predict": lambda: model.predict(x, batch_size=bs, verbose=0),
        "jax_predict_numpy_feed": jl.predict_numpy_feed,
        "jax_predict_on_device": jl.predict_on_device,
    }
    warm = {k: _timed(fn) for k, fn in contenders.items()}
    times = _interleave(contenders, rounds)
    rates = {k: _median_rate(v, samples) for k, v in times.items()}
    out = {"samples": samples, "batch_size": bs, "rounds": rounds, "warmup_s": warm}
    out.update(times=times, samples_per_s=rates)
    for kind in ("eval", "predict"):
        lam = rates["lamina_evaluate" if kind == "eval" else "lamina_predict"]
        best = max((f"jax_{kind}_numpy_feed", f"jax_{kind}_on_device"), key=rates.get)
        out[f"{kind}_best_baseline"] = best
        out[f"{kind}_ratio"] = lam / rates[best]
    return out


def run_micro(calls: int = 300, rounds: int = 5, seed: int = 0) -> dict:
    """Per-call microseconds of the single-batch APIs on the overview MLP (batch 32)."""
    wl = WORKLOADS["mlp"]
    keras.utils.set_random_seed(seed)
    x, y = make_data(wl, wl.batch_size, seed)
    jl = JaxLoops(wl, x, y, seed)
    model = build_lamina(wl)

    def jax_train():
        jl.params, jl.opt_state, loss = jl.train_step(jl.params, jl.opt_state, x, y)
        return float(loss)

    # train_on_batch goes first, so the model is trained (optimizer built) before any predict
    # call; an earlier lamina failed on train-after-predict on a fresh compiled model.
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
    times = _interleave(contenders, rounds)
    us = {k: 1e6 * statistics.median(v) / calls for k, v in times.items()}
    rows = {
        api: {
            "lamina_us": us[f"lamina {api}"],
            "jax_us": us[f"jax {api}"],
            "baseline": desc,
            "ratio": us[f"lamina {api}"] / us[f"jax {api}"],
        }
        for api, (_, _, desc) in pairs.items()
    }
    return {"calls": calls, "rounds": rounds, "times": times, "per_call_us": rows}


# ---------------------------------------------------------------------------------- report
def _fmt_rate(rate: float) -> str:
    return f"{rate / 1e3:,.1f}k" if rate < 1e6 else f"{rate / 1e6:,.2f}M"


def markdown(results: dict) -> str:
    lines = []
    fits = results.get("fit", [])
    if fits:
        lines += [
            "### Training: one epoch (median samples/s; ratio = lamina / best hand-written loop)",
            "",
            "| workload | contender | samples/s | ms/step | vs best baseline |",
            "|---|---|---:|---:|---:|",
        ]
        for res in fits:
            head = f"{res['description']}, batch {res['batch_size']}, {res['samples']:,} samples"
            best_rate = res["samples_per_s"][res["best_baseline"]]
            for key, label in FIT_ROWS.items():
                if key not in res["samples_per_s"]:
                    continue
                rate = res["samples_per_s"][key]
                label = label.format(spe=res["spe"])
                if key == res["best_baseline"]:
                    label += " (best baseline)"
                lines.append(
                    f"| {head} | {label} | {_fmt_rate(rate)} | {res['ms_per_step'][key]:.3f} "
                    f"| {rate / best_rate:.2f}x |"
                )
                head = ""
        lines.append("")
        for res in fits:
            line = f"- **{res['workload']}**: lamina fit / best baseline = **{res['ratio']:.2f}x**"
            if "ratio_spe" in res:
                line += (
                    f"; lamina steps_per_execution={res['spe']} / one-scan epoch = "
                    f"{res['ratio_spe']:.2f}x"
                )
            lines.append(line)
        lines.append("")
    inf = results.get("inference")
    if inf:
        lines += [
            f"### evaluate / predict: overview MLP, batch {inf['batch_size']}, "
            f"{inf['samples']:,} samples (median samples/s)",
            "",
            "| contender | samples/s | vs best baseline |",
            "|---|---:|---:|",
        ]
        rates = inf["samples_per_s"]
        for kind, lam_key in (("eval", "lamina_evaluate"), ("predict", "lamina_predict")):
            best = rates[inf[f"{kind}_best_baseline"]]
            label = "evaluate" if kind == "eval" else "predict"
            for key, desc in (
                (lam_key, f"lamina `{label}`"),
                (f"jax_{kind}_numpy_feed", f"jitted {label} loop, NumPy batch per step"),
                (f"jax_{kind}_on_device", f"jitted {label} loop, data on device"),
            ):
                lines.append(f"| {desc} | {_fmt_rate(rates[key])} | {rates[key] / best:.2f}x |")
        lines.append("")
    micro = results.get("micro")
    if micro:
        lines += [
            f"### Single-batch calls: overview MLP, batch 32 (median µs per call over "
            f"{micro['calls']} calls)",
            "",
            "| API | lamina µs | hand-written µs | baseline | lamina / baseline |",
            "|---|---:|---:|---|---:|",
        ]
        for api, row in micro["per_call_us"].items():
            lines.append(
                f"| `{api}` | {row['lamina_us']:.0f} | {row['jax_us']:.0f} | {row['baseline']} "
                f"| {row['ratio']:.2f}x |"
            )
        lines.append("")
    return "\n".join(lines)


def environment() -> dict:
    import os

    return {
        "python": platform.python_version(),
        "jax": jax.__version__,
        "optax": optax.__version__,
        "numpy": np.__version__,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="mlp,wide", help="comma list of: mlp, wide")
    parser.add_argument(
        "--rounds", type=int, default=None, help="timed rounds per contender (5; --quick: 2)"
    )
    parser.add_argument("--quick", action="store_true", help="few samples and rounds (smoke run)")
    parser.add_argument(
        "--spe",
        type=int,
        default=32,
        help="steps_per_execution for the extra lamina row (0 or 1: skip the extra rows)",
    )
    parser.add_argument("--no-inference", action="store_true", help="skip evaluate/predict")
    parser.add_argument("--no-micro", action="store_true", help="skip the *_on_batch timings")
    parser.add_argument(
        "--calls", type=int, default=None, help="calls per round, micro timings (300; --quick: 50)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers here")
    args = parser.parse_args(argv)

    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    rounds = args.rounds or (2 if args.quick else 5)
    calls = args.calls or (50 if args.quick else 300)

    start = time.perf_counter()
    results: dict = {"environment": environment(), "quick": args.quick, "fit": []}
    for name in names:
        wl = WORKLOADS[name]
        samples = wl.quick_samples if args.quick else wl.samples
        print(f"[bench] {name}: {samples:,} samples, {rounds} rounds ...", file=sys.stderr)
        results["fit"].append(run_workload(name, rounds, samples, spe=args.spe))
    if not args.no_inference:
        print("[bench] evaluate/predict ...", file=sys.stderr)
        samples = WORKLOADS["mlp"].quick_samples if args.quick else None
        results["inference"] = run_inference(rounds, samples)
    if not args.no_micro:
        print("[bench] single-batch calls ...", file=sys.stderr)
        results["micro"] = run_micro(calls, rounds)
    results["total_s"] = time.perf_counter() - start

    env = results["environment"]
    print(
        f"lamina bench: jax {env['jax']} on {env['backend']} ({env['cpu_count']} cores), "
        f"{rounds} interleaved rounds, medians; total {results['total_s']:.0f} s\n"
    )
    print(markdown(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
