"""Fidelity details found by random-model differential testing, each in a small model, with
real Keras 3 (JAX backend) as the oracle: output masks in the loss, EinsumDense fans, fully
masked attention rows, merge layers and masks, frozen fits, build-time errors, seeded noise."""

import numpy as np
import pytest

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


# ------------------------------------------------------- 2. EinsumDense fans in MultiHeadAttention
@pytest.mark.parametrize("seeded", [True, False], ids=["seeded-init", "set_random_seed"])
def test_multi_head_attention_kernels_start_like_keras(keras, seeded):
    q = np.ones((2, 3, 32), "float32")
    v = np.ones((2, 5, 24), "float32")
    weights = []
    for k in (keras, lamina):
        k.utils.set_random_seed(3)
        init = k.initializers.GlorotUniform(seed=5) if seeded else "glorot_uniform"
        # Named: automatic names count the layers made earlier in the process, per library.
        layer = k.layers.MultiHeadAttention(4, 16, kernel_initializer=init, name="mha")
        layer(q, v)
        weights.append([(w.path, np.asarray(w)) for w in layer.weights])
    for (kp, kw), (lp, lw) in zip(*weights):
        assert kp == lp
        np.testing.assert_array_equal(lw, kw, err_msg=kp)
    # the (32, 4, 16) query kernel: fans (32, 64), limit sqrt(6 / 96)
    query = dict(weights[1])["mha/query/kernel"] if seeded else None
    if query is not None:
        assert np.abs(query).max() <= np.sqrt(6 / 96) and np.abs(query).max() > 0.2


# ------------------------------------------------------------- 3. fully masked attention rows
@pytest.mark.parametrize("dropout, scores", [(0.0, False), (0.0, True), (0.2, False)])
def test_attention_rows_with_every_key_masked(keras, dropout, scores):
    tokens = np.array([[1, 2, 0, 0], [0, 0, 0, 0], [3, 0, 0, 0]])
    outs = []
    for k in (keras, lamina):
        inp = k.Input((4,), dtype="int32")
        emb = k.layers.Embedding(5, 8, mask_zero=True)(inp)
        out = k.layers.MultiHeadAttention(2, 4, dropout=dropout)(
            emb, emb, return_attention_scores=scores
        )
        model = k.Model(inp, out)
        model.set_weights(_weights(model, seed=1, scale=1.0))
        outs.append([np.asarray(o) for o in k.tree.flatten(model.predict(tokens, verbose=0))])
    for a, b in zip(outs[1], outs[0]):
        _close(a, b, rtol=1e-5, atol=1e-5)


def test_attention_layer_fully_masked_values(keras):
    rng = np.random.default_rng(2)
    q, v = rng.random((2, 3, 4)).astype("float32"), rng.random((2, 5, 4)).astype("float32")
    v_mask = np.array([[True, False, True, False, False], [False] * 5])
    outs = [np.asarray(k.layers.Attention()([q, v], mask=[None, v_mask])) for k in (keras, lamina)]
    _close(outs[1], outs[0])


# ---------------------------------------------------------------------- 4. merge layers and masks
MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


def _merge_model(k, second_masked):
    """Two embeddings of the same tokens (the second masked or not) merged by every merge
    layer, each followed by a GRU that skips masked steps, so the merged mask shows in the
    outputs. Layers are named: Keras puts the ops of symbolic mask computations in the graph,
    which can reorder `model.layers` (see docs/differences.md)."""
    tokens = k.Input((6,), dtype="int32")
    a = k.layers.Embedding(9, 4, mask_zero=True, name="emb_a")(tokens)
    if second_masked:
        b = k.layers.Embedding(9, 4, mask_zero=True, name="emb_b")(tokens)
    else:
        b = k.layers.Embedding(9, 4, name="emb_b")(tokens)
        b = k.layers.Conv1D(4, 3, padding="same", name="conv")(b)
    outputs = []
    for merge in MERGES:
        merged = getattr(k.layers, merge)(name=f"merge_{merge}")([a, b])
        outputs += [merged, k.layers.GRU(2, return_sequences=True, name=f"gru_{merge}")(merged)]
    return k.Model(tokens, outputs)


def _same_weights_by_name(keras_model, lamina_model, seed):
    rng = np.random.default_rng(seed)
    for layer in keras_model.layers:
        values = [rng.random(w.shape).astype(w.dtype) for w in layer.get_weights()]
        if values:  # (weight-free layers, e.g. the input, may be named differently)
            layer.set_weights(values)
            lamina_model.get_layer(layer.name).set_weights(values)


@pytest.mark.parametrize("second_masked", [True, False], ids=["both-masked", "one-masked"])
def test_merge_layers_follow_keras_mask_rules(keras, second_masked):
    tokens = np.array([[1, 2, 3, 0, 0, 0], [4, 0, 5, 6, 0, 0], [0, 0, 0, 0, 0, 0]])
    models = [_merge_model(k, second_masked) for k in (keras, lamina)]
    _same_weights_by_name(*models, seed=4)
    outs = [[np.asarray(o) for o in m.predict(tokens, verbose=0)] for m in models]
    names = [f"{m} {what}" for m in MERGES for what in ("merged", "gru")]
    for name, a, b in zip(names, outs[1], outs[0]):
        _close(a, b, rtol=1e-5, atol=1e-5, what=name)


# ------------------------------------------------------------ 6. build-time errors naming the layer
def _pool(k, x):
    return k.layers.MaxPooling1D(5, name="pool")(x)


def _attention(k, x):
    return k.layers.Attention(name="att")([x, np.ones((1, 5, 6), "float32")])


def _concat(k, x):
    return k.layers.Concatenate(axis=5, name="cat")([x, x])


@pytest.mark.parametrize(
    "build, shape, symbolic, phrase",
    [
        (_pool, (3, 2), True, "Computed output size would be zero or negative"),
        (_attention, (3, 4), False, r"same last \(feature\) dimension"),
        (_concat, (3,), True, "axis=5 is out of range"),
    ],
    ids=["pool-window-exceeds-input", "attention-feature-sizes", "concatenate-axis"],
)
def test_bad_configs_fail_when_building_and_name_the_layer(keras, build, shape, symbolic, phrase):
    def inputs(k):
        return k.Input(shape) if symbolic else np.ones((1, *shape), "float32")

    with pytest.raises(
        (ValueError, TypeError, IndexError)
    ):  # the oracle rejects the configuration too
        build(keras, inputs(keras))
    for x in (lamina.Input(shape), np.ones((1, *shape), "float32")):
        with pytest.raises(ValueError, match=phrase) as info:
            build(lamina, x)
        layer_name = {"_pool": "pool", "_attention": "att", "_concat": "cat"}[build.__name__]
        assert f"'{layer_name}'" in str(info.value)


# ----------------------------------------------------------------------------- 7. seeded draws
def _noise_layers(k):
    return [
        k.layers.Dropout(0.4, seed=3),
        k.layers.GaussianNoise(0.5, seed=4),
        k.layers.GaussianDropout(0.3, seed=5),
        k.layers.AlphaDropout(0.3, seed=6),
        k.layers.Dropout(0.5, noise_shape=(None, 1, 5), seed=8),
    ]


def test_seeded_noise_layers_draw_keras_numbers(keras):
    x = np.random.default_rng(0).random((3, 4, 5)).astype("float32")
    draws = []
    for k in (keras, lamina):
        layers = _noise_layers(k)
        draws.append([np.asarray(layer(x, training=True)) for layer in layers for _ in range(2)])
    for i, (a, b) in enumerate(zip(draws[1], draws[0])):
        np.testing.assert_array_equal(a, b, err_msg=f"draw {i}")


@pytest.mark.parametrize(
    "cls, extra",
    [
        ("SimpleRNN", {}),
        ("LSTM", {}),
        ("GRU", {"recurrent_dropout": 0.3}),
        ("LSTM", {"recurrent_dropout": 0.3}),
    ],
)
def test_seeded_rnn_dropout_draws_keras_masks(keras, cls, extra):
    x = np.random.default_rng(0).random((3, 4, 5)).astype("float32")
    outs = []
    for k in (keras, lamina):
        layer = getattr(k.layers, cls)(3, dropout=0.4, seed=7, return_sequences=True, **extra)
        layer.build(x.shape)
        layer.set_weights(_weights(layer, seed=2, scale=1.0))
        # training, inference (Keras draws masks there too), training again
        outs.append([np.asarray(layer(x, training=t)) for t in (True, False, True)])
    for a, b in zip(outs[1], outs[0]):
        _close(a, b, rtol=1e-6, atol=1e-6)


def test_seeded_dropout_fit_matches_keras(keras):
    rng = np.random.default_rng(5)
    x, y = rng.random((12, 6)).astype("float32"), rng.random((12, 2)).astype("float32")
    runs = []
    for k in (keras, lamina):
        model = k.Sequential(
            [
                k.Input((6,)),
                k.layers.Dense(8, activation="relu"),
                k.layers.Dropout(0.5, seed=11),
                k.layers.GaussianNoise(0.1, seed=12),
                k.layers.Dense(2),
            ]
        )
        model.set_weights(_weights(model, seed=3))
        model.compile("sgd", "mse")
        hist = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        runs.append((hist["loss"], model.get_weights()))
    _close(runs[1][0], runs[0][0], rtol=1e-5)
    for a, b in zip(runs[1][1], runs[0][1]):
        _close(a, b, rtol=1e-5)


# ------------------------------------------- 8. where lamina keeps its (documented) behaviour
X8 = np.random.default_rng(0).random((4, 3, 2)).astype("float32")


@pytest.mark.parametrize("wrapper", ["SimpleRNN", "TimeDistributed"])
def test_activity_regularizer_applies_in_rnn_and_time_distributed(keras, wrapper):
    def layer(k):
        if wrapper == "SimpleRNN":
            return k.layers.SimpleRNN(2, activity_regularizer=k.regularizers.L2(0.01))
        return k.layers.TimeDistributed(
            k.layers.Dense(2, activity_regularizer=k.regularizers.L2(0.01))
        )

    keras_model = keras.Sequential([keras.Input((3, 2)), layer(keras)])
    keras_model(X8)
    assert list(keras_model.losses) == []  # Keras drops the penalty (see docs/differences.md)
    model = lamina.Sequential([lamina.Input((3, 2)), layer(lamina)])
    out = np.asarray(model(X8))
    # the penalty is divided by the batch the regularized layer sees: (batch * steps) rows for
    # the Dense inside TimeDistributed
    rows = X8.shape[0] * (X8.shape[1] if wrapper == "TimeDistributed" else 1)
    expected = 0.01 * np.sum(out.astype("float64") ** 2) / rows
    assert len(model.losses) == 1
    _close(float(model.losses[0]), expected, rtol=1e-5)


def test_masking_lstm_batch_normalization_trains_like_keras(keras):
    x = X8.copy()
    x[:, 2], x[1, 1] = 0, 0
    y = np.ones((4, 3, 2), "float32")
    runs = []
    for k in (keras, lamina):
        model = k.Sequential(
            [
                k.Input((3, 2)),
                k.layers.Masking(0.0),
                k.layers.LSTM(2, return_sequences=True),
                k.layers.BatchNormalization(),
            ]
        )
        model.set_weights(_weights(model, seed=6, scale=1.0))
        model.compile("sgd", "mse")
        hist = model.fit(x, y, batch_size=2, shuffle=False, verbose=0).history
        runs.append((hist["loss"], model.get_weights()))
    _close(runs[1][0], runs[0][0], rtol=1e-5)
    for a, b in zip(runs[1][1], runs[0][1]):
        _close(a, b, rtol=1e-5)


def test_multi_head_attention_value_dim_differs_from_key_dim():
    layer = lamina.layers.MultiHeadAttention(2, 4, value_dim=3)
    out = np.asarray(layer(X8, X8))
    wq, bq, wk, bk, wv, bv, wo, bo = [np.asarray(w, "float64") for w in layer.get_weights()]
    x = X8.astype("float64")
    q = np.einsum("btf,fhd->bthd", x, wq) + bq
    k = np.einsum("btf,fhd->bthd", x, wk) + bk
    v = np.einsum("btf,fhd->bthd", x, wv) + bv
    scores = np.einsum("bshd,bthd->bhts", k, q) / np.sqrt(4)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    heads = np.einsum("bhts,bshd->bthd", weights, v)
    expected = np.einsum("bthd,hdf->btf", heads, wo) + bo
    assert wv.shape == (2, 2, 3) and wo.shape == (2, 3, 2)
    _close(out, expected, rtol=1e-5, atol=1e-6)


def test_masked_batch_normalization_over_one_feature_trains_where_keras_raises(keras):
    # Keras 3.15 raises here (IndexError: its masked moments are squeezed to a scalar, then
    # indexed); lamina normalizes the one channel with the statistics of the unmasked steps.
    x = np.arange(15, dtype="float32").reshape(3, 5, 1) + 1
    x[0, 3:] = 0.0  # masked steps
    mask = np.any(x != 0, axis=-1)
    model = lamina.Sequential(
        [lamina.Input((5, 1)), lamina.layers.Masking(), lamina.layers.BatchNormalization()]
    )
    out = np.asarray(model(x, training=True))
    kept = x[mask]
    want = (x - kept.mean()) / np.sqrt(kept.var() + 1e-3)
    np.testing.assert_allclose(out[mask], want[mask], rtol=1e-5, atol=1e-5)
    with pytest.raises(IndexError):
        keras.layers.BatchNormalization()(x, training=True, mask=mask)
