"""Time to first step and peak memory, each library in a fresh process.

`run_startup(lib, workload, samples, seed)` (parent side) starts
`python bench/startup.py SPEC_JSON OUT_PATH`; the child, with `lib` one of

- `"jax"`: `import jax, optax`, then the hand-written loop (`bench/jax_loops.py`);
- `"lamina"`: `import lamina`, then `build_model` + `compile` + `fit`, with an empty
  compilation cache (a fresh `LAMINA_COMPILATION_CACHE` folder: the cold start);
- `"lamina_warm"`: the same again with the folder the `"lamina"` run filled (a second run of the
  same script);
- `"keras"`: `import keras` (`KERAS_BACKEND=jax`), then the same Keras-API code as lamina;

measures, in order: the import of the library (data is generated before, with NumPy only), the
build + compile + first training step (`fit` on exactly one batch, `epochs=1, verbose=0`; the
hand-written side: parameters, optimizer state, one jitted step), one full epoch on the whole
dataset, and the process's peak resident memory at three points: `VmHWM` from /proc/self/status
(KiB), because `ru_maxrss` (also recorded, as `ru_maxrss_kib`) is inherited from the parent
across fork + exec on Linux and would read the parent's (the benchmark's) size.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workloads import WORKLOADS, build_model, make_data, run_json_subprocess  # noqa: E402

HERE = os.path.abspath(__file__)
LIBS = ("jax", "lamina", "lamina_warm", "keras")
LIB_LABELS = {
    "jax": "hand-written (`import jax, optax`)",
    "lamina": "lamina (`import lamina`), cold compilation cache",
    "lamina_warm": "lamina, second run (warm compilation cache)",
    "keras": "Keras 3 (`import keras`, JAX backend)",
}


def ensure_bytecode() -> None:
    """Compiles lamina's modules to `__pycache__` first, as `pip install` does for an installed
    package (Keras's and JAX's are compiled at install). Without it, an editable checkout run
    with PYTHONDONTWRITEBYTECODE=1 (as on this project's machines) recompiles every module
    from source at each import: ~0.2 s more for `import lamina`, none of it lamina's."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("lamina")
    for folder in spec.submodule_search_locations or []:
        compileall.compile_dir(folder, quiet=1)


_CACHE_DIRS: dict = {}  # (workload, samples, seed) -> the cache folder of the cold lamina run


def run_startup(lib: str, workload: str, samples: int, seed: int = 0, timeout=900) -> dict:
    """One fresh process for `lib` on `workload`. `"lamina_warm"` reuses the compilation cache
    that the last `"lamina"` run of the same workload filled (run `"lamina"` first)."""
    import tempfile

    env = {"KERAS_BACKEND": "jax"} if lib == "keras" else {"LAMINA_COMPILATION_CACHE": "0"}
    key = (workload, samples, seed)
    if lib == "lamina":
        ensure_bytecode()
        _CACHE_DIRS[key] = tempfile.mkdtemp(prefix="lamina-bench-cache-")
    if lib == "lamina_warm":
        if key not in _CACHE_DIRS:
            return {"error": "run the cold 'lamina' row of this workload first"}
    if lib in ("lamina", "lamina_warm"):
        env = {"LAMINA_COMPILATION_CACHE": _CACHE_DIRS[key]}
    spec = {"lib": lib, "workload": workload, "samples": samples, "seed": seed}
    return run_json_subprocess(HERE, spec, env=env, timeout=timeout)


class CompileCounter:
    """Counts what JAX compiles in this process, from `jax.monitoring` events: programs
    compiled by XLA and their seconds, tracing seconds, and executables read from the
    persistent cache."""

    def __init__(self):
        self.compiled = 0
        self.compile_s = 0.0
        self.trace_s = 0.0
        self.cache_hits = 0

    def install(self):
        from jax import monitoring

        def on_duration(event, duration, **kwargs):
            if event == "/jax/core/compile/backend_compile_duration":
                self.compiled += 1
                self.compile_s += duration
            elif event == "/jax/core/compile/jaxpr_trace_duration":
                self.trace_s += duration

        def on_event(event, **kwargs):
            if event == "/jax/compilation_cache/cache_hits":
                self.cache_hits += 1

        monitoring.register_event_duration_secs_listener(on_duration)
        monitoring.register_event_listener(on_event)
        return self

    def snapshot(self) -> dict:
        return {
            "compiled": self.compiled,
            "compile_s": self.compile_s,
            "trace_s": self.trace_s,
            "cache_hits": self.cache_hits,
        }


def _maxrss_kib() -> int:
    """`ru_maxrss` (KiB on Linux). Caveat: Linux carries it over from the parent across
    fork + exec, so in a child of a big process it reads at least the parent's size."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_kib() -> int:
    """This process image's peak RSS: `VmHWM` (reset by exec), else `ru_maxrss`."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return _maxrss_kib()


def measure(spec: dict) -> dict:
    lib, wl = spec["lib"], WORKLOADS[spec["workload"]]
    x, y = make_data(wl, spec["samples"], spec["seed"])
    bs = wl.batch_size
    rss_data = _peak_kib()
    t0 = time.perf_counter()
    if lib == "jax":
        import jax
        import optax  # noqa: F401

        mod = None
    elif lib in ("lamina", "lamina_warm"):
        import jax

        import lamina as mod
    elif lib == "keras":
        import jax
        import keras as mod
    else:
        raise ValueError(f"unknown lib {lib!r}")
    t1 = time.perf_counter()
    rss_import = _peak_kib()
    counter = CompileCounter().install()  # after the import: events of the steps only

    if mod is None:
        from jax_loops import JaxLoops

        jl = JaxLoops(wl, x, y, spec["seed"])
        jl.first_step()
        epoch = jl.epoch_numpy_feed  # the step compiled by first_step: no new compile
    else:
        mod.utils.set_random_seed(spec["seed"])
        model = build_model(mod, wl)
        model.fit(x[:bs], y[:bs], batch_size=bs, epochs=1, verbose=0)
        jax.block_until_ready([v.value for v in model.trainable_variables])

        def epoch():
            model.fit(x, y, batch_size=bs, epochs=1, verbose=0, shuffle=True)
            jax.block_until_ready([v.value for v in model.trainable_variables])

    t2 = time.perf_counter()
    rss_first = _peak_kib()
    first = counter.snapshot()
    epoch()
    t3 = time.perf_counter()
    return {
        "lib": lib,
        "version": mod.__version__ if mod is not None else jax.__version__,
        "workload": wl.name,
        "samples": spec["samples"],
        "import_s": t1 - t0,
        "first_step_s": t2 - t1,
        "first_epoch_s": t3 - t2,
        "rss_data_kib": rss_data,
        "rss_import_kib": rss_import,
        "rss_first_step_kib": rss_first,
        "peak_rss_kib": _peak_kib(),
        "ru_maxrss_kib": _maxrss_kib(),
        "first_step_compiles": first,
        "total_compiles": counter.snapshot(),
    }


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    spec, out_path = json.loads(argv[0]), argv[1]
    result = measure(spec)
    with open(out_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
