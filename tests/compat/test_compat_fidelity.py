"""Fidelity details found by random-model differential testing, each in a small model, with
real Keras 3 (JAX backend) as the oracle: output masks in the loss, EinsumDense fans, fully
masked attention rows, merge layers and masks, frozen fits, build-time errors, seeded noise."""

import numpy as np

import lamina
from lamina.core.masking import set_keras_mask as lamina_set_keras_mask

RTOL, ATOL = 1e-5, 1e-6


def _close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    np.testing.assert_allclose(
        np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol, err_msg=what
    )


def _weights(model, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    return [(rng.random(w.shape) * scale).astype(w.dtype) for w in model.get_weights()]


# ------------------------------------------------------------- 1. the loss uses the output mask
PADDED = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [1, 1, 1, 1, 1], [2, 3, 0, 0, 0]])


def _masked_seq_model(k):
    return k.Sequential(
        [
            k.Input((5,), dtype="int32"),
            k.layers.Embedding(7, 3, mask_zero=True),
            k.layers.LSTM(4, return_sequences=True),
            k.layers.Dense(2),
        ]
    )


def test_loss_and_metrics_weighted_by_output_mask(keras):
    y = np.random.default_rng(0).random((4, 5, 2)).astype("float32")
    results = []
    for k in (keras, lamina):
        model = _masked_seq_model(k)
        model.set_weights(_weights(model))
        model.compile("sgd", "mse", metrics=["mae"])
        ev = model.evaluate(PADDED, y, verbose=0)
        hist = model.fit(PADDED, y, epochs=1, batch_size=3, shuffle=False, verbose=0).history
        results.append((ev, hist, model.get_weights()))
    (kev, khist, kw), (lev, lhist, lw) = results
    _close(lev, kev, what="evaluate")
    for key in ("loss", "mae"):
        _close(lhist[key], khist[key], what=key)
    for a, b in zip(lw, kw):
        _close(a, b, rtol=1e-4)
    # and the masked steps really are left out: the unmasked mean differs from the masked one
    model = _masked_seq_model(lamina)
    model.set_weights(_weights(model))
    pred = np.asarray(model.predict(PADDED, verbose=0))
    keep = PADDED != 0
    expected = np.mean(((pred - y) ** 2).mean(-1)[keep])
    model.compile("sgd", "mse")
    _close(model.evaluate(PADDED, y, verbose=0), expected, rtol=1e-5)


def test_loss_function_reads_mask_of_y_pred(keras):
    rng = np.random.default_rng(3)
    yt, yp = rng.random((2, 4, 3)), rng.random((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    values = []
    for k in (keras, lamina):
        pred = k.ops.convert_to_tensor(yp.astype("float32"))
        setter = keras.src.backend.set_keras_mask if k is keras else lamina_set_keras_mask
        setter(pred, mask)
        values.append(float(k.losses.MeanSquaredError()(yt, pred)))
    _close(values[1], values[0])


# ------------------------------------------------------------- 5. fit with no trainable weights
def test_fit_without_trainable_weights_reports_losses(keras):
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 3)).astype("float32"), rng.random((8, 3)).astype("float32")
    runs = []
    for k in (keras, lamina):
        free = k.Sequential([k.Input((3,)), k.layers.Activation("relu")])
        free.compile("adam", "mse", metrics=["mae"])
        h1 = free.fit(x, y, epochs=2, batch_size=4, verbose=0).history
        frozen = k.Sequential([k.Input((3,)), k.layers.Dense(3, kernel_initializer="ones")])
        frozen.trainable = False
        frozen.compile("adam", "mse")
        h2 = frozen.fit(x, y, epochs=2, batch_size=4, verbose=0).history
        runs.append((h1, h2, frozen.get_weights(), int(frozen.optimizer.iterations.numpy())))
    (k1, k2, kw, kit), (l1, l2, lw, lit) = runs
    for key in ("loss", "mae"):
        _close(l1[key], k1[key], what=key)
    _close(l2["loss"], k2["loss"])
    for a, b in zip(lw, kw):
        np.testing.assert_array_equal(a, b)
    assert lit == kit
