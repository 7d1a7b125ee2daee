"""The single-batch fast paths (`train_on_batch`, `test_on_batch`, `predict_on_batch`,
`model(x)`) give the same numbers as the general steps, never retrace, and notice a change of
the model's variables (a frozen layer, a new optimizer) without walking the layers per call."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def data(n=32, dim=16, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype("float32")
    labels = rng.integers(0, classes, size=n)
    return x, np.eye(classes, dtype="float32")[labels]


@pytest.fixture(params=["host", "device"])
def feed(request, monkeypatch):
    """Runs a test under both data paths of `fit`: batches gathered on the host (the CPU
    default) and the dataset resident on the device (the accelerator path, forced on CPU)."""
    from lamina.training import feeds

    monkeypatch.setenv(feeds.FEED_ENV, request.param)
    return request.param


def model(seed=3, dropout=0.0):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential(
        [
            keras.Input((16,)),
            layers.Dense(32, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(dropout),
            layers.Dense(4),
        ]
    )
    m.compile(
        keras.optimizers.Adam(0.01),
        keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return m


def test_train_on_batch_matches_fit_on_one_batch(feed):
    x, y = data()
    a, b = model(), model()
    logs = a.train_on_batch(x, y, return_dict=True)
    history = b.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0).history
    assert logs["loss"] == pytest.approx(history["loss"][0], rel=1e-6)
    assert logs["accuracy"] == pytest.approx(history["accuracy"][0], rel=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):  # BN moving stats included
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-7)
    # Several steps in a row, still the same as fit with shuffle off.
    for _ in range(3):
        a.train_on_batch(x, y)
    b.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-6)


def test_test_and_predict_on_batch_match_evaluate_and_predict():
    x, y = data(seed=1)
    m = model()
    m.fit(x, y, epochs=2, verbose=0)
    on_batch = m.test_on_batch(x, y, return_dict=True)
    full = m.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert on_batch["loss"] == pytest.approx(full["loss"], rel=1e-6)
    assert on_batch["accuracy"] == pytest.approx(full["accuracy"], rel=1e-6)
    out = m.predict_on_batch(x)
    assert isinstance(out, np.ndarray) and out.shape == (32, 4)
    np.testing.assert_allclose(out, m.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, np.asarray(m(x)), rtol=1e-5, atol=1e-6)


def test_on_batch_methods_do_not_retrace():
    x, y = data()
    m = model(dropout=0.2)
    m.train_on_batch(x, y)
    m.test_on_batch(x, y)
    m.predict_on_batch(x)
    builder = m._builder()
    counts = dict(builder.trace_counts)
    losses = [m.train_on_batch(x, y) for _ in range(20)]
    for _ in range(20):
        m.test_on_batch(x, y)
        m.predict_on_batch(x)
    assert m._builder() is builder
    assert builder.trace_counts == counts
    assert losses[-1][0] < losses[0][0]  # the steps really trained


def test_freezing_a_layer_between_calls_takes_effect():
    x, y = data()
    m = model()
    m.train_on_batch(x, y)
    first = m.layers[0]
    first.trainable = False
    m.compile(keras.optimizers.Adam(0.01), keras.losses.CategoricalCrossentropy(from_logits=True))
    kernel = first.kernel.numpy().copy()
    other = m.layers[-1].kernel.numpy().copy()
    m.train_on_batch(x, y)
    np.testing.assert_array_equal(first.kernel.numpy(), kernel)
    assert not np.allclose(m.layers[-1].kernel.numpy(), other)
    # As in Keras, the optimizer only knows the variables it was built with: changing the
    # trainable set needs a new compile(), and the error says so.
    first.trainable = True
    with pytest.raises(ValueError, match=r"compile\(\)"):
        m.train_on_batch(x, y)
    m.compile(keras.optimizers.Adam(0.01), keras.losses.CategoricalCrossentropy(from_logits=True))
    m.train_on_batch(x, y)
    assert not np.allclose(first.kernel.numpy(), kernel)


def test_a_variable_frozen_directly_is_seen_after_compile():
    x, y = data()
    m = model()
    m.train_on_batch(x, y)
    bias = m.layers[-1].bias
    bias.trainable = False
    m.compile(keras.optimizers.Adam(0.01), keras.losses.CategoricalCrossentropy(from_logits=True))
    before = bias.numpy().copy()
    m.train_on_batch(x, y)
    np.testing.assert_array_equal(bias.numpy(), before)


def test_streamed_batches_use_the_same_steps(feed):
    x, y = data(n=96)
    a, b = model(), model()

    def batches():
        for i in range(0, 96, 32):
            yield x[i : i + 32], y[i : i + 32]

    a.fit(batches(), epochs=1, verbose=0)
    b.fit(x, y, batch_size=32, shuffle=False, epochs=1, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=5e-5)
    np.testing.assert_allclose(
        a.predict(batches(), verbose=0), b.predict(x, verbose=0), rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize("n", [96, 100])
def test_large_data_is_not_padded_and_gives_the_same_results(monkeypatch, n, feed):
    """Data over the padding limit goes to the device as it is (no padded copy); evaluate and
    predict then slice (n a multiple of the batch) or gather (a partial last batch)."""
    from lamina.training import data as data_lib

    x, y = data(n=n, seed=2)
    m = model()
    m.fit(x, y, epochs=1, verbose=0)
    padded = (m.evaluate(x, y, verbose=0), m.predict(x, verbose=0))
    monkeypatch.setattr(data_lib, "PAD_LIMIT_BYTES", 0)
    assert data_lib.rows_of(data_lib.to_device((x, y), 128)) == n
    unpadded = (m.evaluate(x, y, verbose=0), m.predict(x, verbose=0))
    np.testing.assert_allclose(padded[0], unpadded[0], rtol=1e-6)
    np.testing.assert_allclose(padded[1], unpadded[1], rtol=1e-6, atol=1e-6)
    assert unpadded[1].shape == (n, 4)
    # The exact per-sample reference: the jitted model(x) on the whole array.
    np.testing.assert_allclose(unpadded[1], np.asarray(m(x)), rtol=1e-5, atol=1e-6)
    a, b = model(), model()
    a.fit(x, y, epochs=2, shuffle=False, verbose=0)
    monkeypatch.setattr(data_lib, "PAD_LIMIT_BYTES", 2**40)
    b.fit(x, y, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


def test_blocks_of_any_length_share_one_compiled_loop(feed):
    """steps_per_execution runs `count` steps per call with the count traced: the epoch's tail
    (here 5 of 13 steps, then 1) reuses the block, and results equal one step per call."""
    x, y = data(n=100, seed=4)
    fused, single = model(), model()
    fused.compile(
        keras.optimizers.Adam(0.01),
        keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=8,
    )
    h1 = fused.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    h2 = single.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    np.testing.assert_allclose(h1["accuracy"], h2["accuracy"], rtol=1e-6)
    # atol 1e-5: on a GPU the fused loop's kernels may sum in another order (seen on an H200:
    # 2e-6 on one weight of 512 after two epochs).
    for wa, wb in zip(fused.get_weights(), single.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)
    builder = fused._builder()
    counts = dict(builder.trace_counts)
    fused.fit(x[:97], y[:97], batch_size=8, epochs=1, verbose=0)  # same size bucket
    fused.evaluate(x, y, batch_size=8, verbose=0)
    fused.evaluate(x[:90], y[:90], batch_size=8, verbose=0)
    out = fused.predict(x[:90], batch_size=8, verbose=0)
    counts_after = dict(builder.trace_counts)
    fused.predict(x[:85], batch_size=8, verbose=0)  # 11 steps: another tail, same buffer
    assert builder.trace_counts == counts_after
    assert counts_after["train"] == counts["train"]
    np.testing.assert_allclose(out, np.asarray(fused(x[:90])), rtol=1e-5, atol=1e-6)


def test_evaluate_and_predict_compile_nothing_new_for_new_dataset_sizes():
    """In-order passes feed blocks cut from the host arrays: the compiled steps depend on the
    block's shape, not on the number of samples."""
    m = model()
    x, y = data(n=3000, seed=5)
    m.fit(x[:64], y[:64], epochs=1, verbose=0)
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    builder = m._builder()
    counts = dict(builder.trace_counts)
    for n in (2900, 2000, 1500, 999):
        loss, acc = m.evaluate(x[:n], y[:n], verbose=0)
        out = m.predict(x[:n], verbose=0)
        assert out.shape == (n, 4)
        logits = np.asarray(m(x[:n]))
        np.testing.assert_allclose(out, logits, rtol=1e-5, atol=1e-6)
        shifted = logits - logits.max(-1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
        assert loss == pytest.approx(float(-(y[:n] * logp).sum(-1).mean()), rel=1e-5)
        assert acc == pytest.approx(float((logits.argmax(-1) == y[:n].argmax(-1)).mean()))
    assert builder.trace_counts["predict"] == counts["predict"]
    assert builder.trace_counts["test"] == counts["test"]


def test_predict_runs_non_trainable_state_on_from_batch_to_batch():
    """A stateful RNN's states (and seed generators) advance through `predict`'s batches, as
    in Keras: predicting two batches equals two successive calls."""
    keras.utils.set_random_seed(0)
    inp = keras.Input(batch_shape=(2, 3, 4))
    out = layers.SimpleRNN(5, stateful=True)(inp)
    m = keras.Model(inp, out)
    x = np.random.default_rng(1).normal(size=(4, 3, 4)).astype("float32")
    m.layers[1].reset_states()
    whole = m.predict(x, batch_size=2, verbose=0)
    m.layers[1].reset_states()
    first, second = np.asarray(m(x[:2])), np.asarray(m(x[2:]))
    np.testing.assert_allclose(whole, np.concatenate([first, second]), rtol=1e-5, atol=1e-6)
    m.layers[1].reset_states()
    on_batch = [m.predict_on_batch(x[:2]), m.predict_on_batch(x[2:])]
    np.testing.assert_allclose(np.concatenate(on_batch), whole, rtol=1e-5, atol=1e-6)
