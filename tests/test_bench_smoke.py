"""Smoke test for bench/bench_fit.py: every workload at tiny sizes, one timed round.

Checks that the script keeps working and measures real things (positive, finite rates; the loss
goes down on every side; every row reaches the Markdown report); it asserts no speed ratio.
Keras, when installed, runs in its own process (never imported here), on the tiny MLP only.
"""

import importlib.util
import math
import pathlib
import sys

import pytest

BENCH_DIR = pathlib.Path(__file__).resolve().parents[1] / "bench"
BENCH = BENCH_DIR / "bench_fit.py"
# Tiny sample counts (the bench trims them to whole batches). Compilation dominates the run time,
# so the fused rows (steps_per_execution, one-scan epoch) run on the small MLP only (the CNN
# asks for them too, and checks that they are skipped there), and Keras on the small MLP only.
TINY = {"mlp": 330, "wide": 512, "cnn": 256, "lstm": 128}
FUSED = {"mlp", "cnn"}
HELPER_MODULES = ("workloads", "jax_loops", "keras_side", "report", "startup")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_fit", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_fit"] = module
    saved_path = list(sys.path)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_fit", None)
        for name in HELPER_MODULES:
            sys.modules.pop(name, None)
        sys.path[:] = saved_path


@pytest.fixture(scope="module")
def keras_ok(bench):
    return sys.modules["keras_side"].available()


@pytest.fixture(scope="module")
def fits(bench, keras_ok):
    return {
        name: bench.run_workload(
            name,
            rounds=1,
            samples=n,
            spe=4,
            extras=name in FUSED,
            warmup=1,
            use_keras=keras_ok and name == "mlp",
        )
        for name, n in TINY.items()
    }


@pytest.fixture(scope="module")
def inference(bench):
    return bench.run_inference(rounds=1, samples=320, warmup=1)


@pytest.fixture(scope="module")
def micro(bench):
    return bench.run_micro(calls=5, rounds=1)


@pytest.fixture(scope="module")
def startup(bench):
    return bench.run_startup_table(["mlp"], {"mlp": 320}, libs=("lamina", "lamina_warm"))


def _positive_finite(values):
    values = list(values)
    assert values
    for v in values:
        assert math.isfinite(v) and v > 0, values


def test_every_workload_is_defined(bench):
    assert set(TINY) == set(bench.WORKLOADS)


def test_fit_rates_and_steps(bench, fits):
    for name, res in fits.items():
        wl = bench.WORKLOADS[name]
        assert res["samples"] == TINY[name] - TINY[name] % wl.batch_size
        assert res["steps_per_epoch"] == res["samples"] // wl.batch_size
        rates = res["samples_per_s"]
        expected = {"lamina_fit", "jax_numpy_feed", "jax_on_device"}
        if name not in FUSED:
            assert res["skipped"] == [] and res["spe"] is None
        elif wl.scan_is_slow:  # the fused rows are skipped unless asked for
            assert res["skipped"] == ["lamina_fit_spe", "jax_scan_epoch"]
        else:
            expected |= {"lamina_fit_spe", "jax_scan_epoch"}
            _positive_finite([res["ratio_spe"]])
        assert expected <= set(rates)
        _positive_finite(rates.values())
        _positive_finite(res["ms_per_step"].values())
        _positive_finite([res["ratio"]])
        assert res["best_baseline"] in ("jax_numpy_feed", "jax_on_device")
        for times in res["times"].values():
            assert len(times) == 1


def test_fit_reduces_the_loss(fits):
    for name, res in fits.items():
        assert "jax (full-data loss before/after)" in res["losses"]
        assert "lamina_fit" in res["losses"]
        for side, (first, last) in res["losses"].items():
            assert math.isfinite(first) and math.isfinite(last), (name, side)
            assert last < first, (name, side, first, last)


def test_keras_rows(fits, keras_ok):
    res = fits["mlp"]
    if not keras_ok:
        assert "keras_fit" not in res["samples_per_s"]
        pytest.skip("keras is not installed")
    assert "error" not in res["keras"], res["keras"]
    _positive_finite([res["samples_per_s"]["keras_fit"], res["samples_per_s"]["keras_fit_spe"]])
    _positive_finite([res["ratio_keras"]])
    first, last = res["losses"]["keras_fit"]
    assert last < first


def test_inference(inference):
    rates = inference["samples_per_s"]
    for kind in ("eval", "predict"):
        for feed in ("numpy_feed", "on_device", "scan"):
            assert f"jax_{kind}_{feed}" in rates
        _positive_finite([inference[f"{kind}_ratio"], inference[f"{kind}_scan_ratio"]])
    _positive_finite(rates.values())
    outs = inference["outputs"]
    assert outs["lamina_predict"] == [320, 10]
    for feed in ("numpy_feed", "on_device", "scan"):
        assert outs[f"jax_predict_{feed}"] == [320, 10]
        loss, acc = outs[f"jax_eval_{feed}"]
        assert loss == pytest.approx(outs["jax_eval_scan"][0], rel=1e-4) and 0 <= acc <= 1
    assert len(outs["lamina_evaluate"]) == 2  # loss, accuracy
    assert outs["lamina_evaluate"][0] > 0


def test_micro(micro):
    assert set(micro["per_call_us"]) == {"train_on_batch", "predict_on_batch", "model(x)"}
    for row in micro["per_call_us"].values():
        _positive_finite([row["lamina_us"], row["jax_us"], row["ratio"]])


def test_startup(startup):
    cold, warm = startup
    for row in (cold, warm):
        assert "error" not in row, row
        _positive_finite(
            [row["import_s"], row["first_step_s"], row["first_epoch_s"], row["peak_rss_kib"]]
        )
        assert row["peak_rss_kib"] >= row["rss_import_kib"] >= row["rss_data_kib"]
    # The cold run compiles its steps; the second run reads every one from the cache it filled.
    first_cold, first_warm = cold["first_step_compiles"], warm["first_step_compiles"]
    assert first_cold["compiled"] > 0 and first_cold["compile_s"] > 0
    assert first_warm["cache_hits"] == first_warm["compiled"] > 0


def test_markdown_has_every_row(bench, fits, inference, micro, startup):
    results = {
        "environment": sys.modules["report"].environment(),
        "fit": list(fits.values()),
        "inference": inference,
        "micro": micro,
        "startup": startup,
        "total_s": 1.0,
    }
    table = bench.markdown(results)
    assert "jax" in table and "CPU cores" in table
    for res in fits.values():
        assert res["description"] in table
        for key in [*res["samples_per_s"], *res["skipped"]]:
            assert bench.FIT_ROWS[key].format(spe=res["spe"]) in table, key
    assert "skipped" in table
    for label in ("lamina `evaluate`", "lamina `predict`", "whole dataset in one `lax.scan`"):
        assert label in table
    for api in micro["per_call_us"]:
        assert f"`{api}`" in table
    assert "lamina (`import lamina`)" in table and "peak RSS" in table


def test_bad_workload_name(bench):
    with pytest.raises(KeyError):
        bench.run_workload("nope", rounds=1)


@pytest.mark.slow
def test_bench_applications_measures_a_small_model():
    """bench/bench_applications.py's in-process measurement, on a tiny model and input."""
    spec = importlib.util.spec_from_file_location(
        "bench_applications", BENCH_DIR / "bench_applications.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    row = module.measure("lamina", "MobileNetV3Small", steps=1, batch=2, size=32)
    assert row["params"] > 0 and math.isfinite(row["first_loss"])
    assert 0 < row["build_compile_s"] < row["first_step_s"]
    assert 1 <= row["programs"] <= 10  # the step, the sampling program, a few small ones
    assert row["images_per_s"] > 0 and row["peak_mib"] > 100
    assert module._median_row([{"a": 1.0, "n": 2}, {"a": 3.0, "n": 2}]) == {
        "a": 2.0,
        "n": 2,
        "runs": 2,
    }
