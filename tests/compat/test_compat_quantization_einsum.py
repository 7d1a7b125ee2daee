"""EinsumDense, MultiHeadAttention and ReversibleEmbedding quantization against real Keras 3
(JAX backend): the same quantized variables, predictions, training and files both ways."""

import warnings

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _same_weights(km, lm):
    kw = {v.path: _np(v.value) for v in km.weights}
    lw = {v.path: np.asarray(v.numpy()) for v in lm.weights}
    assert sorted(kw) == sorted(lw)
    for path in kw:
        assert kw[path].dtype == lw[path].dtype, path
        np.testing.assert_array_equal(lw[path], kw[path], err_msg=path)


def _quantize(m, k, mode, block):
    config = k.quantizers.Int4QuantizationConfig(block_size=block) if mode == "int4" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.quantize(mode, config=config)


EQUATIONS = [
    ("ab,bc->ac", 6, "c", (4,)),
    ("abc,cde->abde", (None, 2, 3), "de", (3, 5)),
    ("abcd,cde->abe", (None, 4), "e", (3, 2, 5)),
    ("abc,cd->ad", 4, None, (3, 5)),
]
MODES = [("int8", None), ("int4", 2), ("int4", None), ("float8", None)]


def _einsum_model(k, eq, out_shape, bias, in_shape):
    rng = np.random.default_rng(0)
    inp = k.Input(in_shape)
    m = k.Model(inp, k.layers.EinsumDense(eq, out_shape, bias_axes=bias, name="ed")(inp))
    m.set_weights([rng.normal(size=w.shape).astype("float32") for w in m.get_weights()])
    return m


@pytest.mark.parametrize("eq,out_shape,bias,in_shape", EQUATIONS)
@pytest.mark.parametrize("mode,block", MODES)
def test_einsum_dense_matches_keras(eq, out_shape, bias, in_shape, mode, block):
    km = _einsum_model(keras, eq, out_shape, bias, in_shape)
    lm = _einsum_model(lamina, eq, out_shape, bias, in_shape)
    _quantize(km, keras, mode, block)
    _quantize(lm, lamina, mode, block)
    _same_weights(km, lm)
    layer = lm.get_layer("ed")
    assert layer.get_config()["dtype"] == km.get_layer("ed").get_config()["dtype"]
    x = np.random.default_rng(1).normal(size=(2,) + in_shape).astype("float32")
    np.testing.assert_allclose(lm.predict_on_batch(x), _np(km.predict_on_batch(x)), atol=1e-5)
    if mode == "int4":
        np.testing.assert_array_equal(np.asarray(layer.kernel), _np(km.get_layer("ed").kernel))


def _block(k):
    rng = np.random.default_rng(0)
    inp = k.Input((5, 8))
    a = k.layers.MultiHeadAttention(2, 4, name="mha")(inp, inp)
    x = k.layers.LayerNormalization(name="ln")(inp + a)
    h = k.layers.Dense(16, activation="relu", name="ff1")(x)
    out = k.layers.EinsumDense("abc,cd->abd", (5, 8), bias_axes="d", name="ff2")(h)
    m = k.Model(inp, out)
    m.set_weights([rng.normal(size=w.shape).astype("float32") * 0.3 for w in m.get_weights()])
    return m


X = np.random.default_rng(1).normal(size=(8, 5, 8)).astype("float32")


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_transformer_block_matches_keras_and_weights_cross(tmp_path, mode):
    km, lm = _block(keras), _block(lamina)
    _quantize(km, keras, mode, 128)
    _quantize(lm, lamina, mode, 128)
    _same_weights(km, lm)
    assert lm.get_layer("mha").query_dense.dtype_policy.name == f"{mode}_from_float32".replace(
        "int4_", "int4/128_"
    )
    ref = _np(km.predict_on_batch(X))
    np.testing.assert_allclose(lm.predict_on_batch(X), ref, atol=1e-5)
    km.save_weights(tmp_path / "k.weights.h5")
    l2 = _block(lamina)
    _quantize(l2, lamina, mode, 128)
    l2.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(l2.predict_on_batch(X), ref, atol=1e-5)
    lm.save_weights(tmp_path / "l.weights.h5")
    k2 = _block(keras)
    _quantize(k2, keras, mode, 128)
    k2.load_weights(tmp_path / "l.weights.h5")
    np.testing.assert_allclose(_np(k2.predict_on_batch(X)), ref, atol=1e-5)


@pytest.mark.parametrize("mode", ["int8", "float8"])
def test_quantized_einsum_training_matches_keras(mode):
    km, lm = _block(keras), _block(lamina)
    _quantize(km, keras, mode, None)
    _quantize(lm, lamina, mode, None)
    y = X.sum(axis=-1, keepdims=True) * np.ones((1, 1, 8), "float32")
    lm.compile(optimizer=lamina.optimizers.SGD(0.01), loss="mse")
    km.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    h1 = lm.fit(X, y, epochs=3, batch_size=4, verbose=0, shuffle=False).history["loss"]
    h2 = km.fit(X, y, epochs=3, batch_size=4, verbose=0, shuffle=False).history["loss"]
    np.testing.assert_allclose(h1, h2, rtol=1e-3)
    layer = lm.get_layer("ff2")
    if mode == "int8":
        assert not layer.kernel.trainable and layer.bias.trainable
    kernels_l = {v.path: v.numpy() for v in lm.weights if v.path.endswith("kernel")}
    for v in km.weights:
        if v.path.endswith("kernel"):
            np.testing.assert_allclose(kernels_l[v.path], _np(v.value), atol=1e-4, err_msg=v.path)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantized_einsum_keras_files_cross(tmp_path, mode):
    def build(k):
        m = _einsum_model(k, "abc,cde->abde", (None, 2, 3), "de", (3, 5))
        _quantize(m, k, mode, 2)
        return m

    x = np.random.default_rng(2).normal(size=(2, 3, 5)).astype("float32")
    km = build(keras)
    km.save(tmp_path / "k.keras")
    lm = lamina.saving.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(lm.predict_on_batch(x), _np(km.predict_on_batch(x)), atol=1e-6)
    lm.save(tmp_path / "l.keras")
    km2 = keras.saving.load_model(tmp_path / "l.keras")
    np.testing.assert_allclose(_np(km2.predict_on_batch(x)), lm.predict_on_batch(x), atol=1e-6)


def _reversible(k, tie):
    rng = np.random.default_rng(0)
    ids = k.Input((3,), dtype="int32")
    emb = k.layers.ReversibleEmbedding(11, 6, tie_weights=tie, name="re")
    h = k.layers.Dense(6, name="d")(emb(ids))
    m = k.Model(ids, emb(h, reverse=True))
    m.set_weights([rng.normal(size=w.shape).astype("float32") for w in m.get_weights()])
    return m


@pytest.mark.parametrize("tie", [True, False])
@pytest.mark.parametrize("mode,block", [(None, None), ("int8", None), ("int4", 4), ("int4", None)])
def test_reversible_embedding_matches_keras_and_files_cross(tmp_path, tie, mode, block):
    km, lm = _reversible(keras, tie), _reversible(lamina, tie)
    if mode is not None:
        _quantize(km, keras, mode, block)
        _quantize(lm, lamina, mode, block)
    _same_weights(km, lm)
    ids = np.random.default_rng(1).integers(0, 11, (4, 3)).astype("int32")
    ref = _np(km.predict_on_batch(ids))
    np.testing.assert_allclose(lm.predict_on_batch(ids), ref, atol=1e-5)
    km.save(tmp_path / "k.keras")
    np.testing.assert_allclose(
        lamina.saving.load_model(tmp_path / "k.keras").predict_on_batch(ids), ref, atol=1e-5
    )
    lm.save(tmp_path / "l.keras")
    np.testing.assert_allclose(
        _np(keras.saving.load_model(tmp_path / "l.keras").predict_on_batch(ids)), ref, atol=1e-5
    )


def test_group_query_attention_int8_matches_keras():
    models = []
    for k in (keras, lamina):
        rng = np.random.default_rng(0)
        inp = k.Input((5, 8))
        m = k.Model(inp, k.layers.GroupQueryAttention(4, 4, 2, name="g")(inp, inp))
        m.set_weights([rng.normal(size=w.shape).astype("float32") for w in m.get_weights()])
        _quantize(m, k, "int8", None)
        models.append(m)
    _same_weights(*models)
    x = np.random.default_rng(1).normal(size=(2, 5, 8)).astype("float32")
    np.testing.assert_allclose(
        models[1].predict_on_batch(x), _np(models[0].predict_on_batch(x)), atol=1e-5
    )
