"""Quantization without the Keras oracle: formulas, errors, export of quantized models."""

import warnings

import numpy as np
import pytest

import lamina as keras


def _mlp(seed=0):
    rng = np.random.default_rng(seed)
    ids = keras.Input((3,), dtype="int32", name="ids")
    x = keras.layers.Embedding(11, 6, name="emb")(ids)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(8, activation="relu", name="d1")(x)
    model = keras.Model(ids, keras.layers.Dense(4, name="d2")(x))
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


IDS = np.random.default_rng(1).integers(0, 11, (5, 3)).astype("int32")


def test_int8_dense_formula():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    w = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    layer.kernel.assign(w)
    layer.quantize("int8")
    scale = 127 / (np.abs(w).max(axis=0) + 1e-7)
    np.testing.assert_allclose(layer.kernel_scale.numpy(), scale, rtol=1e-6)
    np.testing.assert_array_equal(layer.kernel.numpy(), np.round(w * scale).astype("int8"))
    assert layer.dtype_policy.name == "int8_from_float32"
    assert layer.get_config()["dtype"]["class_name"] == "QuantizedDTypePolicy"


def test_int8_gradient_flows_through_dequantized_kernel():
    import jax

    layer = keras.layers.Dense(3, use_bias=False)
    layer.build((None, 4))
    layer.quantize("int8", config=keras.quantizers.Int8QuantizationConfig())
    x = np.ones((2, 4), "float32")
    g = jax.grad(lambda v: layer(v).sum())(x)
    w = layer.kernel.numpy() / layer.kernel_scale.numpy()
    np.testing.assert_allclose(np.asarray(g), np.tile(w.sum(axis=1), (2, 1)), rtol=1e-5)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantized_model_exports(tmp_path, mode):
    model = _mlp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(mode)
    ref = model.predict_on_batch(IDS)
    model.export(tmp_path / "m.jaxexp", format="jax", verbose=False)
    np.testing.assert_allclose(np.asarray(keras.export.load(tmp_path / "m.jaxexp")(IDS)), ref)
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("jax2onnx")
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    out = session.run(None, {session.get_inputs()[0].name: IDS})[0]
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_bad_input():
    model = _mlp()
    with pytest.raises(ValueError, match=r"Invalid quantization mode.*Received: mode=int3"):
        model.quantize("int3")
    with pytest.raises(ValueError, match="pass a `mode`"):
        model.quantize()
    with pytest.raises(ValueError, match="contradictory"):
        model.quantize("int8", config=keras.quantizers.Int4QuantizationConfig())
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        model.quantize("int8", bogus=1)
    plain = keras.Sequential([keras.Input((4,)), keras.layers.ReLU()])
    with pytest.warns(UserWarning, match="no layer was quantized"):
        plain.quantize("int8")
    layer = keras.layers.Dense(2)
    with pytest.raises(ValueError, match="isn't yet built"):
        layer.quantize("int8")
    layer.build((None, 3))
    layer.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        layer.quantize("int8")
    emb = keras.layers.Embedding(4, 2)
    emb.build()
    with pytest.raises(NotImplementedError, match=r"Expected one of \('int8', 'int4'\)"):
        emb.quantize("float8")
    with pytest.raises(NotImplementedError, match="does not have a `quantize` method"):
        keras.layers.ReLU().quantize("int8")
    with pytest.raises(ValueError, match="block_size"):
        keras.quantizers.Int4QuantizationConfig(block_size=0)


# ------------------------------------------------------------------ EinsumDense and friends
@pytest.mark.parametrize(
    "eq,out_shape,in_shape",
    [("...b,bc->...c", 6, (3, 5)), ("ab...,bc->ac...", (6, 4), (5, 4))],
)
def test_einsum_dense_ellipsis_int8_formula(eq, out_shape, in_shape):
    """Keras 3.15 raises a TypeError quantizing an ellipsis equation; lamina quantizes it with
    the same per-output-channel scales as the explicit equation."""
    layer = keras.layers.EinsumDense(eq, out_shape)
    x = np.random.default_rng(0).normal(size=(2,) + in_shape).astype("float32")
    layer(x)
    w = layer.kernel.numpy()
    layer.quantize("int8")
    scale = 127 / (np.abs(w).max(axis=0) + 1e-7)
    np.testing.assert_allclose(layer.kernel_scale.numpy().reshape(-1), scale, rtol=1e-6)
    np.testing.assert_array_equal(layer.kernel.numpy(), np.round(w * scale).astype("int8"))
    xs = 127 / (np.abs(x).max(axis=1 if eq.startswith("ab.") else -1, keepdims=True) + 1e-7)
    xq = np.clip(np.round(x * xs), -127, 127)
    expected = np.einsum(eq, xq, np.round(w * scale)) / xs
    expected = expected / (scale[:, None] if eq.startswith("ab.") else scale)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)


def _block(seed=0):
    rng = np.random.default_rng(seed)
    inp = keras.Input((5, 8), name="x")
    a = keras.layers.MultiHeadAttention(2, 4, name="mha")(inp, inp)
    x = keras.layers.LayerNormalization()(inp + a)
    out = keras.layers.EinsumDense("abc,cd->abd", (5, 8), bias_axes="d", name="ff")(x)
    model = keras.Model(inp, out)
    model.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.3 for w in model.get_weights()]
    )
    return model


X3 = np.random.default_rng(1).normal(size=(3, 5, 8)).astype("float32")


@pytest.mark.parametrize("mode,weight_only", [("int8", False), ("int8", True), ("int4", False)])
def test_quantized_transformer_block_exports(tmp_path, mode, weight_only):
    model = _block()
    config = None
    if weight_only:
        config = keras.quantizers.Int8QuantizationConfig(activation_quantizer=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(mode, config=config)
    ref = model.predict_on_batch(X3)
    model.export(tmp_path / "m.jaxexp", format="jax", verbose=False)
    np.testing.assert_allclose(np.asarray(keras.export.load(tmp_path / "m.jaxexp")(X3)), ref)
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("jax2onnx")
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    out = session.run(None, {"x": X3})[0]
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_quantized_reversible_embedding_exports(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("jax2onnx")
    ids = keras.Input((3,), dtype="int32", name="ids")
    emb = keras.layers.ReversibleEmbedding(11, 6, tie_weights=False)
    model = keras.Model(ids, emb(keras.layers.Dense(6)(emb(ids)), reverse=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int8")
    ref = model.predict_on_batch(IDS)
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    np.testing.assert_allclose(session.run(None, {"ids": IDS})[0], ref, atol=1e-5)


def test_quantized_attention_keras_file_needs_weights_route(tmp_path):
    """As in Keras, a `.keras` file does not record the quantization of MultiHeadAttention's
    sublayers: loading it fails with an error naming the layer; the weights route works."""
    model = _block()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int8")
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"EinsumDense 'query'.*expected 2 variables"):
        keras.saving.load_model(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    again = _block(seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again.quantize("int8")
    again.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(again.predict_on_batch(X3), model.predict_on_batch(X3))


def test_einsum_and_reversible_bad_input():
    layer = keras.layers.EinsumDense("ab,bc->ac", 3)
    with pytest.raises(ValueError, match="isn't yet built"):
        layer.quantize("int8")
    layer.build((None, 4))
    with pytest.raises(NotImplementedError, match="Received: quantization_mode=int2"):
        layer.quantize("int2")

    class MyEinsum(keras.layers.EinsumDense):
        pass

    sub = MyEinsum("ab,bc->ac", 3)
    sub.build((None, 4))
    with pytest.raises(NotImplementedError, match="subclasses of EinsumDense"):
        sub.quantize("int8")
    sub.quantize("int8", type_check=False)
    assert sub.dtype_policy.name == "int8_from_float32"
    emb = keras.layers.ReversibleEmbedding(5, 4)
    emb.build()
    with pytest.raises(NotImplementedError, match=r"Expected one of \('int8', 'int4'\)"):
        emb.quantize("float8")


def test_predict_on_batch_returns_only_changed_state():
    """The frozen int kernels of a quantized model are not copied out of every
    `predict_on_batch` call, while state that moves (a stateful RNN's) still advances."""
    model = _mlp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int8")
    kernel = model.get_layer("d1").kernel._value
    first = model.predict_on_batch(IDS)
    assert model.get_layer("d1").kernel._value is kernel
    np.testing.assert_array_equal(model.predict_on_batch(IDS), first)
    rnn = keras.Sequential([keras.Input((2, 3), batch_size=1), keras.layers.GRU(4, stateful=True)])
    seq = np.ones((1, 2, 3), "float32")
    a, b = rnn.predict_on_batch(seq), rnn.predict_on_batch(seq)
    assert not np.allclose(a, b)
    rnn.layers[0].reset_states()
    np.testing.assert_allclose(rnn.predict_on_batch(seq), a, rtol=1e-6)
