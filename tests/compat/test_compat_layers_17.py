"""The layers added for issue 17 against Keras 3.15 (JAX backend): same weights layout,
outputs with copied weights, configs, `.keras` files in both directions, and a few training
steps inside a model."""

import json

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(3)
X3 = RNG.normal(size=(2, 5, 6)).astype("float32")


def _flat(out):
    if isinstance(out, (list, tuple)):
        return [np.asarray(v) for o in out for v in _flat(o)]
    return [np.asarray(out)]


def _strip(config):
    """The config as JSON has it (tuples become lists), without the layer's own name."""
    return {k: v for k, v in json.loads(json.dumps(config)).items() if k != "name"}


def _compare(k_layer, l_layer, call, tol=1e-5):
    call(k_layer)
    call(l_layer)
    assert [(w.name, tuple(w.shape)) for w in l_layer.weights] == [
        (w.name, tuple(w.shape)) for w in k_layer.weights
    ]
    l_layer.set_weights(k_layer.get_weights())
    for a, b in zip(_flat(call(k_layer)), _flat(call(l_layer)), strict=True):
        np.testing.assert_allclose(b, a, atol=tol, rtol=tol)
    kc, lc = k_layer.get_config(), l_layer.get_config()
    assert _strip(lc) == _strip(kc)
    return kc


EINSUM_CASES = [
    ("ab,bc->ac", 4, None, (2, 6)),
    ("abc,cde->abde", (5, 3, 4), "de", (2, 5, 6)),
    ("...b,bc->...c", 3, "c", (2, 5, 6)),
    ("ab...,bc->ac...", (4, 6), "c", (2, 5, 6)),
    ("abc,cd->abd", (None, 7), "d", (2, 5, 6)),
]


@pytest.mark.parametrize("equation,out,bias,shape", EINSUM_CASES)
def test_einsum_dense(keras, equation, out, bias, shape):
    x = RNG.normal(size=shape).astype("float32")
    kwargs = {"output_shape": out, "bias_axes": bias, "activation": "tanh"}
    _compare(
        keras.layers.EinsumDense(equation, **kwargs),
        lamina.layers.EinsumDense(equation, **kwargs),
        lambda layer: layer(x),
    )


def test_einsum_dense_initializer_uses_the_equation_fans(keras):
    # glorot_uniform with fans from the equation: kernel (6, 3, 4): fan_in 6, fan_out 12.
    layer = lamina.layers.EinsumDense(
        "abc,cde->abde", (5, 3, 4), kernel_initializer="glorot_uniform"
    )
    layer.build((2, 5, 6))
    limit = np.sqrt(6.0 / (6 + 12))
    w = np.asarray(layer.kernel.value)
    assert w.max() <= limit and w.max() > 0.8 * limit


@pytest.mark.parametrize("size", [1, 2, 3])
def test_adaptive_pooling(keras, size):
    shape = {1: (2, 7, 3), 2: (2, 7, 5, 3), 3: (1, 5, 7, 4, 2)}[size]
    x = RNG.normal(size=shape).astype("float32")
    for kind in ("Average", "Max"):
        name = f"Adaptive{kind}Pooling{size}D"
        for fmt in ("channels_last", "channels_first")[: 3 - size if size > 1 else 2]:
            _compare(
                getattr(keras.layers, name)(3, data_format=fmt),
                getattr(lamina.layers, name)(3, data_format=fmt),
                lambda layer, x=x: layer(x),
            )


@pytest.mark.parametrize("tie", [True, False])
def test_reversible_embedding(keras, tie):
    ids = np.array([[1, 0, 4], [2, 3, 0]])
    kwargs = {"tie_weights": tie, "mask_zero": True, "logit_soft_cap": 2.0}

    def call(layer):
        vectors = layer(ids)
        return [vectors, layer(vectors, reverse=True)]

    _compare(
        keras.layers.ReversibleEmbedding(6, 4, **kwargs),
        lamina.layers.ReversibleEmbedding(6, 4, **kwargs),
        call,
    )


def test_spectral_normalization(keras):
    x = RNG.normal(size=(4, 6)).astype("float32")
    # Named: automatic names count the layers made earlier in the process, per library.
    k = keras.layers.SpectralNormalization(keras.layers.Dense(3, name="inner"), power_iterations=2)
    ours = lamina.layers.SpectralNormalization(
        lamina.layers.Dense(3, name="inner"), power_iterations=2
    )
    config = _compare(k, ours, lambda layer: layer(x))
    assert config["layer"]["class_name"] == "Dense"
    # The power iteration's start vector is drawn from each library's global seed state, which
    # earlier tests in the same process may have moved differently: start both from Keras's.
    ours.vector_u.assign(np.asarray(k.vector_u.value))
    for _ in range(2):
        a, b = k(x, training=True), ours(x, training=True)
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(ours.vector_u.value), np.asarray(k.vector_u.value), atol=1e-5
    )


def test_layers_serialize_deserialize(keras):
    layer = lamina.layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", name="ed")
    record = lamina.layers.serialize(layer)
    assert record == keras.layers.serialize(
        keras.layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", name="ed")
    )
    again = lamina.layers.deserialize(record)
    assert isinstance(again, lamina.layers.EinsumDense) and again.bias_axes == "c"
    from_keras = keras.layers.deserialize(lamina.layers.serialize(lamina.layers.Dense(2)))
    assert type(from_keras).__name__ == "Dense"


def _model(k):
    inp = k.Input((5, 6))
    h = k.layers.EinsumDense("abc,cd->abd", (5, 4), bias_axes="d", activation="relu")(inp)
    h = k.layers.AdaptiveAveragePooling1D(2)(h)
    h = k.layers.SpectralNormalization(k.layers.Dense(3))(h)
    return k.Model(inp, k.layers.EinsumDense("abc,cd->ad", 2)(h))


def test_model_trains_like_keras_and_crosses_keras_files(keras, tmp_path):
    x = RNG.normal(size=(16, 5, 6)).astype("float32")
    y = RNG.normal(size=(16, 2)).astype("float32")
    km, lm = _model(keras), _model(lamina)
    lm.set_weights(km.get_weights())
    for m, mod in ((km, keras), (lm, lamina)):
        m.compile(optimizer=mod.optimizers.SGD(0.05), loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(km.get_weights(), lm.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, atol=1e-5, rtol=1e-5)
    expected = np.asarray(km.predict(x, verbose=0))
    lm.save(tmp_path / "l.keras")
    np.testing.assert_allclose(
        keras.saving.load_model(tmp_path / "l.keras").predict(x, verbose=0), expected, atol=1e-5
    )
    km.save(tmp_path / "k.keras")
    np.testing.assert_allclose(
        lamina.models.load_model(tmp_path / "k.keras").predict(x, verbose=0), expected, atol=1e-5
    )


GQA_CASES = [
    ({"use_gate": True, "sliding_window": 3, "use_bias": False}, {"use_causal_mask": True}),
    ({"num_key_value_heads": 1}, {"return_attention_scores": True}),
]


@pytest.mark.parametrize("kwargs,call_kwargs", GQA_CASES)
def test_group_query_attention(keras, kwargs, call_kwargs):
    q = RNG.normal(size=(2, 4, 8)).astype("float32")
    v = RNG.normal(size=(2, 6, 8)).astype("float32")
    args = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, **kwargs}
    _compare(
        keras.layers.GroupQueryAttention(**args),
        lamina.layers.GroupQueryAttention(**args),
        lambda layer: layer(q, v, **call_kwargs),
    )


def test_group_query_attention_with_padding_masks(keras):
    ids = np.array([[3, 1, 2, 0, 0], [1, 4, 0, 0, 0]])
    outs = []
    for k in (keras, lamina):
        inp = k.Input((5,), dtype="int32")
        h = k.layers.Embedding(6, 8, mask_zero=True)(inp)
        h = k.layers.GroupQueryAttention(4, 4, 2)(h, h)
        outs.append(k.Model(inp, h))
    outs[1].set_weights(outs[0].get_weights())
    np.testing.assert_allclose(
        outs[1].predict(ids, verbose=0), outs[0].predict(ids, verbose=0), atol=1e-5
    )


def _gqa_model(k):
    inp = k.Input((6, 8))
    h = k.layers.GroupQueryAttention(4, 4, 2, name="gqa")(inp, inp, use_causal_mask=True)
    return k.Model(inp, k.layers.Dense(2)(k.layers.GlobalAveragePooling1D()(h)))


def test_group_query_attention_trains_like_keras_and_crosses_files(keras, tmp_path):
    x = RNG.normal(size=(16, 6, 8)).astype("float32")
    y = RNG.normal(size=(16, 2)).astype("float32")
    km, lm = _gqa_model(keras), _gqa_model(lamina)
    lm.set_weights(km.get_weights())
    for m, mod in ((km, keras), (lm, lamina)):
        m.compile(optimizer=mod.optimizers.Adam(0.01), loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(km.get_weights(), lm.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, atol=1e-5, rtol=1e-4)
    expected = np.asarray(km.predict(x, verbose=0))
    lm.save(tmp_path / "l.keras")
    np.testing.assert_allclose(
        keras.saving.load_model(tmp_path / "l.keras").predict(x, verbose=0), expected, atol=1e-5
    )
    km.save(tmp_path / "k.keras")
    np.testing.assert_allclose(
        lamina.models.load_model(tmp_path / "k.keras").predict(x, verbose=0), expected, atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 10, "sampling_rate": 8000},
        {
            "fft_length": 128,
            "sequence_length": 100,
            "sequence_stride": 50,
            "window": "hamming",
            "power_to_db": False,
            "mag_exp": 1.0,
            "min_freq": 100.0,
            "max_freq": 3000,
        },
    ],
)
def test_mel_spectrogram(keras, kwargs):
    x = RNG.normal(size=(2, 700)).astype("float32")
    k, ours = keras.layers.MelSpectrogram(**kwargs), lamina.layers.MelSpectrogram(**kwargs)
    a, b = np.asarray(k(x)), np.asarray(ours(x))
    np.testing.assert_allclose(b, a, rtol=2e-5, atol=2e-5 * np.abs(a).max())
    assert _strip(ours.get_config()) == _strip(k.get_config())
    assert tuple(ours.compute_output_shape((None, 700))) == tuple(
        k.compute_output_shape((None, 700))
    )
    assert lamina.layers.deserialize(
        keras.layers.serialize(k)
    ).get_config() == ours.get_config() | {"name": k.name}


STFT_CASES = [
    {"frame_length": 16, "frame_step": 8},
    {"mode": "psd", "frame_length": 20, "fft_length": 32, "padding": "same", "expand_dims": True},
    {"mode": "stft", "frame_length": 16, "window": "hamming", "periodic": True},
    {"mode": "angle", "frame_length": 16, "scaling": "spectrum"},
    {"mode": "magnitude", "frame_length": 16, "data_format": "channels_first"},
]


@pytest.mark.parametrize("kwargs", STFT_CASES)
def test_stft_spectrogram(keras, kwargs):
    x = RNG.normal(size=(2, 100, 2)).astype("float32")
    if kwargs.get("data_format") == "channels_first":
        x = np.swapaxes(x, 1, 2)
    _compare(
        keras.layers.STFTSpectrogram(**kwargs),
        lamina.layers.STFTSpectrogram(**kwargs),
        lambda layer: layer(x),
    )
    ours = lamina.layers.STFTSpectrogram(**kwargs)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(
        keras.layers.STFTSpectrogram(**kwargs).compute_output_shape(x.shape)
    )
