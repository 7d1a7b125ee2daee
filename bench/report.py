"""Markdown rendering of the benchmark results, and the machine description."""

from __future__ import annotations

import os
import platform

# Contenders of the fit benchmark, in table order.
FIT_ROWS = {
    "lamina_fit": "lamina `fit` (defaults: steps_per_execution='auto')",
    "jax_numpy_feed": "jax.jit loop, NumPy batch per step",
    "jax_on_device": "jax.jit loop, data on device, index-sliced",
    "lamina_fit_device": "lamina `fit` on `jax.Array`s put on the device once",
    "lamina_fit_spe": "lamina `fit`, steps_per_execution={spe}",
    "jax_scan_epoch": "jax.jit, whole epoch in one `lax.scan`",
    "keras_fit": "Keras 3 `fit` (defaults) †",
    "keras_fit_spe": "Keras 3 `fit`, steps_per_execution={spe} †",
}
KERAS_NOTE = (
    "† Keras 3.x, JAX backend, in its own process, run right after the lamina rounds of the same "
    "workload (not interleaved with them)."
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    import jax
    import numpy as np
    import optax

    import lamina

    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "optax": optax.__version__,
        "numpy": np.__version__,
        "lamina": lamina.__version__,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "device_kind": jax.devices()[0].device_kind,
        "scale": int(os.environ.get("LAMINA_BENCH_SCALE", "1") or 1),
    }


def _fmt_rate(rate: float) -> str:
    if rate < 1e4:
        return f"{rate:,.0f}"
    return f"{rate / 1e3:,.1f}k" if rate < 1e6 else f"{rate / 1e6:,.2f}M"


def _header(results: dict) -> list:
    env = results.get("environment")
    if not env:
        return []
    line = (
        f"Machine: {env['platform']}, {env['cpu']}, {env['cpu_count']} CPU cores; "
        f"Python {env['python']}, jax {env['jax']} ({env['backend']}), optax {env['optax']}, "
        f"lamina {env['lamina']}"
    )
    if env.get("keras"):
        line += f", Keras {env['keras']} (JAX backend)"
    if env.get("backend") not in (None, "cpu"):
        line += f"; accelerator: {len(env['devices'])} × {env.get('device_kind', '?')}"
    if env.get("scale", 1) != 1:
        line += f"; batch sizes and samples × {env['scale']} (LAMINA_BENCH_SCALE)"
    lines = ["## lamina benchmark", "", line + "."]
    if "total_s" in results:
        quick = " (--quick)" if results.get("quick") else ""
        lines.append(
            f"Each contender: {results.get('warmup', 2)} untimed warm-up epochs (compilation), "
            f"then interleaved timed rounds, medians; total run {results['total_s']:.0f} s{quick}."
        )
    return lines + [""]


def _fit_table(fits: list) -> list:
    lines = [
        "### Training: one epoch (median samples/s; ratio = contender / best per-step "
        "hand-written loop)",
        "",
        "| workload | contender | samples/s | ms/step | vs best baseline |",
        "|---|---|---:|---:|---:|",
    ]
    any_keras = False
    for res in fits:
        head = (
            f"{res['description']}, batch {res['batch_size']}, {res['samples']:,} samples, "
            f"{res['rounds']} rounds"
        )
        rates = res["samples_per_s"]
        best_rate = rates[res["best_baseline"]]
        for key, label in FIT_ROWS.items():
            label = label.format(spe=res.get("spe"))
            if key in res.get("skipped", []):
                lines.append(
                    f"| {head} | {label} | skipped | — | `lax.scan` over conv gradients is "
                    f"~10x slower on XLA:CPU (`--slow-scan` runs it) |"
                )
                head = ""
                continue
            if key not in rates:
                continue
            any_keras |= key.startswith("keras")
            if key == res["best_baseline"]:
                label += " (best baseline)"
            lines.append(
                f"| {head} | {label} | {_fmt_rate(rates[key])} | {res['ms_per_step'][key]:.3f} "
                f"| {rates[key] / best_rate:.2f}x |"
            )
            head = ""
    lines.append("")
    if any_keras:
        lines += [KERAS_NOTE, ""]
    for res in fits:
        rates = res["samples_per_s"]
        line = f"- **{res['workload']}**: lamina fit / best baseline = **{res['ratio']:.2f}x**"
        if "ratio_spe" in res:
            line += (
                f"; lamina steps_per_execution={res['spe']} / one-scan epoch = "
                f"{res['ratio_spe']:.2f}x"
            )
        if "ratio_keras" in res:
            line += f"; lamina fit / Keras fit = {res['ratio_keras']:.2f}x"
        if "keras_fit_spe" in rates and "lamina_fit_spe" in rates:
            line += (
                f"; lamina / Keras at steps_per_execution={res['spe']} = "
                f"{rates['lamina_fit_spe'] / rates['keras_fit_spe']:.2f}x"
            )
        err = res.get("keras", {}).get("error")
        if err:
            line += f"; Keras rows missing: {err}"
        lines.append(line)
    return lines + [""]


def _inference_table(inf: dict) -> list:
    lines = [
        f"### evaluate / predict: overview MLP, batch {inf['batch_size']}, "
        f"{inf['samples']:,} samples (median samples/s)",
        "",
        "| contender | samples/s | vs best per-step loop | vs scanned loop |",
        "|---|---:|---:|---:|",
    ]
    rates = inf["samples_per_s"]
    any_keras = False
    for kind, label in (("eval", "evaluate"), ("predict", "predict")):
        best = rates[inf[f"{kind}_best_baseline"]]
        scan = rates[f"jax_{kind}_scan"]
        lam_key = "lamina_evaluate" if kind == "eval" else "lamina_predict"
        what = "loss + accuracy" if kind == "eval" else "logits"
        rows = (
            (lam_key, f"lamina `{label}`"),
            (f"jax_{kind}_numpy_feed", f"jitted {label} loop, NumPy batch per step"),
            (f"jax_{kind}_on_device", f"jitted {label} loop, data on device"),
            (f"jax_{kind}_scan", f"jitted {label}, whole dataset in one `lax.scan` ({what})"),
            (f"keras_{label}", f"Keras 3 `{label}` †"),
        )
        for key, desc in rows:
            if key not in rates:
                continue
            any_keras |= key.startswith("keras")
            lines.append(
                f"| {desc} | {_fmt_rate(rates[key])} | {rates[key] / best:.2f}x "
                f"| {rates[key] / scan:.2f}x |"
            )
    lines.append("")
    if any_keras:
        lines += [KERAS_NOTE.replace("workload", "section"), ""]
    lines += [
        f"- lamina evaluate / scanned loop = **{inf['eval_scan_ratio']:.2f}x**; "
        f"lamina predict / scanned loop = **{inf['predict_scan_ratio']:.2f}x** (goal ≥ 0.8x)",
        "",
    ]
    return lines


def _micro_table(micro: dict) -> list:
    has_keras = any("keras_us" in row for row in micro["per_call_us"].values())
    lines = [
        f"### Single-batch calls: overview MLP, batch 32 (median µs per call over "
        f"{micro['calls']} calls)",
        "",
    ]
    if has_keras:
        lines += [
            "| API | lamina µs | hand-written µs | Keras 3 µs † | baseline | lamina / baseline "
            "| Keras / baseline |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
    else:
        lines += [
            "| API | lamina µs | hand-written µs | baseline | lamina / baseline |",
            "|---|---:|---:|---|---:|",
        ]
    for api, row in micro["per_call_us"].items():
        if has_keras:
            k_us = f"{row['keras_us']:.0f}" if "keras_us" in row else "—"
            k_ratio = f"{row['keras_ratio']:.2f}x" if "keras_ratio" in row else "—"
            lines.append(
                f"| `{api}` | {row['lamina_us']:.0f} | {row['jax_us']:.0f} | {k_us} "
                f"| {row['baseline']} | {row['ratio']:.2f}x | {k_ratio} |"
            )
        else:
            lines.append(
                f"| `{api}` | {row['lamina_us']:.0f} | {row['jax_us']:.0f} | {row['baseline']} "
                f"| {row['ratio']:.2f}x |"
            )
    lines.append("")
    if has_keras:
        lines += [KERAS_NOTE.replace("workload", "section"), ""]
    return lines


def _startup_table(rows: list) -> list:
    from startup import LIB_LABELS

    lines = [
        "### Time to first step and peak memory (one fresh process per row)",
        "",
        "| workload | library | import s | build + compile + first step s | import → first "
        "step s | programs built to first step (XLA s, trace s, read from cache) "
        "| first full epoch s | RSS after import MiB | peak RSS MiB |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    last = None
    for row in rows:
        wl = row["workload"]
        head = "" if wl == last else f"{wl} ({row.get('samples', 0):,} samples)"
        last = wl
        label = LIB_LABELS.get(row["lib"], row["lib"])
        if "error" in row:
            lines.append(f"| {head} | {label} | failed: {row['error'][:80]} | | | | | | |")
            continue
        c = row.get("first_step_compiles")
        compiles = (
            f"{c['compiled']} ({c['compile_s']:.2f}, {c['trace_s']:.2f}, {c['cache_hits']})"
            if c
            else "–"
        )
        lines.append(
            f"| {head} | {label} | {row['import_s']:.2f} | {row['first_step_s']:.2f} "
            f"| {row['import_s'] + row['first_step_s']:.2f} | {compiles} "
            f"| {row['first_epoch_s']:.2f} "
            f"| {row['rss_import_kib'] / 1024:.0f} | {row['peak_rss_kib'] / 1024:.0f} |"
        )
    lines += [
        "",
        "Import → first step: `import` of the library, then build + compile + `fit` on exactly "
        "one batch (hand-written: init + one jitted step). First full epoch: `fit` on the whole "
        "dataset right after, including whatever it compiles anew. Peak RSS (`VmHWM`; "
        "`ru_maxrss` would carry over the parent's size across fork + exec) is read after that "
        "epoch; the data (made with NumPy before the import) is in every row. Programs "
        "built: XLA executables obtained up to the first step (`jax.monitoring`), the seconds "
        "spent getting them (compiling, or reading the cache), the seconds spent tracing, and "
        "how many of them were read from the persistent compilation cache. lamina's cold row starts from an empty cache folder; the warm row is a second "
        "process on the folder the cold one filled. Keras and the hand-written loop use no "
        "persistent cache (JAX's default).",
        "",
    ]
    return lines


def markdown(results: dict) -> str:
    lines = _header(results)
    if results.get("fit"):
        lines += _fit_table(results["fit"])
    if results.get("inference"):
        lines += _inference_table(results["inference"])
    if results.get("micro"):
        lines += _micro_table(results["micro"])
    if results.get("startup"):
        lines += _startup_table(results["startup"])
    if results.get("keras_requested") and not results.get("environment", {}).get("keras"):
        lines += ["Note: Keras was not measured (not installed, or its process failed).", ""]
    return "\n".join(lines)
