"""Quantization against real Keras 3 (JAX backend): the `keras.quantizers` functions on random
inputs, quantized variables and predictions of the same model, and `.keras` files both ways."""

import numpy as np
import pytest

import lamina
from lamina import quantizers as lq

keras = pytest.importorskip("keras")
RNG = np.random.default_rng(0)


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x) if not isinstance(x, np.ndarray) else x)


# ------------------------------------------------------------------------------- primitives
@pytest.mark.parametrize("axis,to_numpy", [(0, True), (-1, False), ((0, 1), False)])
def test_abs_max_quantize(axis, to_numpy):
    x = RNG.normal(size=(6, 5)).astype("float32")
    q1, s1 = lq.abs_max_quantize(x, axis, to_numpy=to_numpy)
    q2, s2 = keras.quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
    np.testing.assert_array_equal(np.asarray(q1), _np(q2))
    np.testing.assert_array_equal(np.asarray(s1), _np(s2))
    assert str(q1.dtype) == "int8"
    q1, s1 = lq.AbsMaxQuantizer(value_range=(-8, 7))(x, axis=axis)
    q2, s2 = keras.quantizers.AbsMaxQuantizer(value_range=(-8, 7))(x, axis=axis)
    np.testing.assert_array_equal(np.asarray(q1), _np(q2))


@pytest.mark.parametrize("shape,axis", [((5, 3), 0), ((4, 7), -1), ((3, 5, 2), 1)])
def test_pack_unpack_int4(shape, axis):
    x = RNG.integers(-8, 8, shape).astype("int8")
    p1, shp1, n1 = lq.pack_int4(x, axis=axis)
    p2, shp2, n2 = keras.quantizers.pack_int4(x, axis=axis)
    np.testing.assert_array_equal(np.asarray(p1), _np(p2))
    assert (shp1, n1) == (tuple(shp2), n2)
    np.testing.assert_array_equal(np.asarray(lq.unpack_int4(p1, n1, axis=axis)), x)
    np.testing.assert_array_equal(
        np.asarray(lq.unpack_int4(p1, n1, axis=axis)),
        _np(keras.quantizers.unpack_int4(p2, n2, axis=axis)),
    )
    u = RNG.integers(0, 16, shape).astype("uint8")
    pu, _, nu = lq.pack_int4(u, axis=axis, dtype="uint8")
    np.testing.assert_array_equal(np.asarray(lq.unpack_int4(pu, nu, axis=axis, dtype="uint8")), u)


def test_float8_helpers():
    amax = np.float32(3.5)
    for a in (amax, np.float32(0.0), np.float32(np.inf)):
        np.testing.assert_allclose(
            np.asarray(lq.compute_float8_scale(a, np.float32(0.5), np.float32(448.0), 1)),
            _np(keras.quantizers.compute_float8_scale(a, np.float32(0.5), np.float32(448.0), 1)),
            rtol=1e-6,
        )
    x = RNG.normal(size=(4, 3)).astype("float32")
    hist = RNG.random(8).astype("float32")
    np.testing.assert_array_equal(
        np.asarray(lq.compute_float8_amax_history(x, hist)),
        _np(keras.quantizers.compute_float8_amax_history(x, hist)),
    )
    x = (RNG.normal(size=(5, 4)) * 300).astype("float32")
    for dt in ("float8_e4m3fn", "float8_e5m2"):
        np.testing.assert_array_equal(
            np.asarray(lq.quantize_and_dequantize(x, np.float32(0.7), dt, "float32")),
            _np(keras.quantizers.quantize_and_dequantize(x, np.float32(0.7), dt, "float32")),
        )


@pytest.mark.parametrize("axis,narrow,bits", [(None, False, 8), (1, True, 4)])
def test_fake_quant_values_and_gradients(axis, narrow, bits):
    import jax

    x = RNG.normal(size=(6, 3)).astype("float32") * 2
    lo = np.float32(-1.0) if axis is None else np.array([-1.0, -0.5, -2.0], "float32")
    hi = np.float32(1.5) if axis is None else np.array([1.0, 2.0, 0.7], "float32")
    ours = lq.fake_quant_with_min_max_vars(x, lo, hi, bits, narrow, axis)
    theirs = keras.quantizers.fake_quant_with_min_max_vars(x, lo, hi, bits, narrow, axis)
    np.testing.assert_allclose(np.asarray(ours), _np(theirs), atol=1e-6)

    def loss(fn):
        return lambda a, b, c: (fn(a, b, c, bits, narrow, axis) * np.arange(18).reshape(6, 3)).sum()

    g1 = jax.grad(loss(lq.fake_quant_with_min_max_vars), argnums=(0, 1, 2))(x, lo, hi)
    g2 = jax.grad(loss(keras.quantizers.fake_quant_with_min_max_vars), argnums=(0, 1, 2))(x, lo, hi)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


def test_grouped_quantize_matches():
    x = RNG.normal(size=(10, 4)).astype("float32")
    ours = lq.abs_max_quantize_grouped_with_zero_point(x, block_size=4)
    theirs = keras.quantizers.abs_max_quantize_grouped_with_zero_point(
        x, block_size=4, to_numpy=True
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(a), _np(b))


def test_quantizer_serialization_crosses():
    for q in (
        lq.AbsMaxQuantizer(axis=0, value_range=(-8, 7)),
        lq.Int8QuantizationConfig(),
        lq.Int4QuantizationConfig(block_size=None),
        lq.Float8QuantizationConfig(),
    ):
        record = lq.serialize(q)
        kq = keras.quantizers.deserialize(record)
        assert type(kq).__name__ == type(q).__name__
        back = lq.deserialize(keras.quantizers.serialize(kq))
        assert back.get_config() == q.get_config() or type(back) is type(q)
    assert lq.get("AbsMaxQuantizer").value_range == (-127, 127)
    assert lq.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret quantizer"):
        lq.get(3)


def test_policies_match_keras():
    from lamina.core import quantized_dtype_policy as qp

    kd = keras.dtype_policies
    for ours, theirs in (
        (qp.QuantizedDTypePolicy("int8", "float32"), kd.QuantizedDTypePolicy("int8", "float32")),
        (
            qp.QuantizedFloat8DTypePolicy("float8", "mixed_bfloat16", 16),
            kd.QuantizedFloat8DTypePolicy("float8", "mixed_bfloat16", 16),
        ),
        (qp.Int4DTypePolicy("int4/64", "bfloat16"), kd.Int4DTypePolicy("int4/64", "bfloat16")),
    ):
        assert ours.name == theirs.name
        assert ours.get_config() == theirs.get_config()
        assert (ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == (
            theirs.compute_dtype,
            theirs.variable_dtype,
            theirs.quantization_mode,
        )
    assert type(qp.quantized_policy_from_name("int4/-1_from_float32")).__name__ == (
        "Int4DTypePolicy"
    )
    with pytest.raises(ValueError, match="Invalid mode for Int4DTypePolicy"):
        qp.Int4DTypePolicy("int4/x", "float32")
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        qp.QuantizedDTypePolicy("int2", "float32")


# ------------------------------------------------------------------------------ models
def _model(k, seed=0):
    rng = np.random.default_rng(seed)
    ids = k.Input((3,), dtype="int32", name="ids")
    x = k.layers.Embedding(11, 6, name="emb")(ids)
    x = k.layers.Flatten(name="flat")(x)
    x = k.layers.Dense(5, activation="relu", name="d1")(x)
    out = k.layers.Dense(2, name="d2")(x)
    model = k.Model(ids, out)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


IDS = np.random.default_rng(3).integers(0, 11, (4, 3)).astype("int32")
MODES = [
    ("int8", None),
    ("int4", None),
    ("int4", "per_channel"),
]


def _config(k, mode, variant):
    if variant == "per_channel":
        return k.quantizers.Int4QuantizationConfig(block_size=None)
    return None


@pytest.mark.parametrize("mode,variant", MODES)
def test_quantized_model_matches_keras(mode, variant):
    km, lm = _model(keras), _model(lamina)
    km.quantize(mode, config=_config(keras, mode, variant))
    lm.quantize(mode, config=_config(lamina, mode, variant))
    kw = {v.path: _np(v.value) for v in km.weights}
    lw = {v.path: np.asarray(v.numpy()) for v in lm.weights}
    assert sorted(kw) == sorted(lw)
    for path in kw:
        assert kw[path].dtype == lw[path].dtype, path
        np.testing.assert_array_equal(lw[path], kw[path], err_msg=path)
    for name in ("emb", "d1"):
        assert lm.get_layer(name).get_config()["dtype"] == km.get_layer(name).get_config()["dtype"]
    np.testing.assert_allclose(
        lm.predict_on_batch(IDS), _np(km.predict_on_batch(IDS)), rtol=1e-5, atol=1e-5
    )


def test_float8_dense_matches_keras_and_trains():
    def mlp(k):
        rng = np.random.default_rng(5)
        m = k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(1)])
        m.set_weights([rng.normal(size=w.shape).astype("float32") for w in m.get_weights()])
        return m

    km, lm = mlp(keras), mlp(lamina)
    km.quantize("float8")
    lm.quantize("float8")
    x = np.random.default_rng(6).normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(lm.predict_on_batch(x), _np(km.predict_on_batch(x)), rtol=1e-5)
    lm.compile(optimizer=lamina.optimizers.SGD(0.01), loss="mse")
    km.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    h1 = lm.fit(x, y, epochs=4, batch_size=8, verbose=0, shuffle=False).history["loss"]
    h2 = km.fit(x, y, epochs=4, batch_size=8, verbose=0, shuffle=False).history["loss"]
    assert h1[-1] < h1[0]
    np.testing.assert_allclose(h1, h2, rtol=1e-3)
    layer_l, layer_k = lm.layers[0], km.layers[0]
    np.testing.assert_allclose(
        layer_l.inputs_amax_history.numpy()[:8],
        _np(layer_k.inputs_amax_history.value)[:8],
        rtol=1e-5,
    )


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantized_files_cross_both_ways(tmp_path, mode):
    def build(k):
        m = _model(k) if mode != "float8" else k.Sequential([k.Input((4,)), k.layers.Dense(3)])
        m.quantize(mode)
        return m

    x = IDS if mode != "float8" else np.random.default_rng(2).normal(size=(4, 4)).astype("float32")
    km = build(keras)
    km.save(tmp_path / "k.keras")
    lm = lamina.saving.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(lm.predict_on_batch(x), _np(km.predict_on_batch(x)), rtol=1e-5)
    lm.save(tmp_path / "l.keras")
    km2 = keras.saving.load_model(tmp_path / "l.keras")
    np.testing.assert_allclose(_np(km2.predict_on_batch(x)), lm.predict_on_batch(x), rtol=1e-5)
    names = sorted(v.path.rsplit("/", 1)[-1] for v in km.weights)
    assert sorted(v.path.rsplit("/", 1)[-1] for v in km2.weights) == names
    assert sorted(v.path.rsplit("/", 1)[-1] for v in lm.weights) == names
