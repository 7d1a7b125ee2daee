"""Smoke test for bench/bench_fit.py: tiny sizes, one round, so the script keeps working."""

import importlib.util
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench" / "bench_fit.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_fit", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_fit"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_fit", None)


def test_run_workload_tiny(bench):
    # 330 samples: the bench trims to full batches (320 = 10 steps of 32).
    result = bench.run_workload("mlp", rounds=1, samples=330, extras=False)
    assert result["samples"] == 320
    assert result["steps_per_epoch"] == 10
    rates = result["samples_per_s"]
    assert set(rates) == {"lamina_fit", "jax_numpy_feed", "jax_on_device"}
    assert all(rate > 0 for rate in rates.values())
    assert result["best_baseline"] in ("jax_numpy_feed", "jax_on_device")
    assert result["ratio"] > 0
    table = bench.markdown({"fit": [result]})
    assert "lamina `fit`" in table and "best baseline" in table


def test_bad_workload_name(bench):
    with pytest.raises(KeyError):
        bench.run_workload("nope", rounds=1)
