"""Long runs: repeated fit/predict calls keep memory flat and never recompile."""

import os

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def small_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((16,)), layers.Dense(32, activation="relu"), layers.Dense(4)]
    )
    model.compile(
        "adam", keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    return model


DATA = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
LABELS = np.eye(4, dtype="float32")[np.random.default_rng(1).integers(0, 4, 64)]


def repeated_fits(count: int):
    model = small_model()
    for _ in range(5):  # warm-up: compilation, the automatic block-size choice, caches
        model.fit(DATA, LABELS, epochs=1, batch_size=16, verbose=0)
    traces = dict(model._step_builder.trace_counts)
    start = rss_mb()
    for _ in range(count):
        model.fit(DATA, LABELS, epochs=1, batch_size=16, verbose=0)
    assert model._step_builder.trace_counts == traces, "a later fit recompiled"
    return rss_mb() - start


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_repeated_fit_calls_keep_memory_flat_and_compile_once():
    assert repeated_fits(50) < 50


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_two_hundred_fit_calls_keep_memory_flat():
    assert repeated_fits(200) < 50


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_a_thousand_predict_and_call_invocations_keep_memory_flat():
    model = small_model()
    for _ in range(20):
        model.predict(DATA, verbose=0)
        model(DATA[:8])
    traces = dict(model._predict_builder().trace_counts)
    call_traces = model._call_function.trace_count
    start = rss_mb()
    for _ in range(1000):
        model.predict(DATA, verbose=0)
        model(DATA[:8])
    assert rss_mb() - start < 50
    assert model._predict_builder().trace_counts == traces
    assert model._call_function.trace_count == call_traces
