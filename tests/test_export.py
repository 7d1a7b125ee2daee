"""model.export to ONNX (checked with onnxruntime) and to serialized StableHLO (`format="jax"`),
ExportArchive, lamina.export.load, and the errors for bad input."""

import os

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers as L

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("jax2onnx")

RNG = np.random.default_rng(0)


def seq(shape, *layers, dtype="float32"):
    return keras.Sequential([keras.Input(shape, dtype=dtype), *layers])


def _functional_multi():
    a, b = keras.Input((4,), name="a"), keras.Input((6,), name="b")
    h = L.Concatenate()([L.Dense(3)(a), L.Dense(3)(b)])
    h = L.Add()([h, L.Multiply()([h, h])])
    return keras.Model([a, b], [L.Dense(2, name="out1")(h), L.Dense(1, name="out2")(h)])


def _attention():
    q = keras.Input((5, 8), name="q")
    v = keras.Input((6, 8), name="v")
    mha = L.MultiHeadAttention(2, 4)(q, v)
    dot = L.Attention()([q, v])
    add = L.AdditiveAttention()([q, v])
    return keras.Model([q, v], L.Concatenate()([mha, dot, add]))


def _masked_rnn():
    x = keras.Input((7,), dtype="int32", name="tokens")
    e = L.Embedding(20, 6, mask_zero=True)(x)
    h = L.Bidirectional(L.LSTM(5, return_sequences=True))(e)
    h = L.GRU(4, go_backwards=True)(h)
    return keras.Model(x, L.Dense(2)(h))


CASES = {
    "dense_activations": lambda: seq(
        (8,), L.Dense(16, activation="gelu"), L.PReLU(), L.LeakyReLU(), L.Dense(3, "softmax")
    ),
    "conv1d_pool": lambda: seq(
        (10, 3),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2),
        L.MaxPooling1D(2),
        L.SeparableConv1D(4, 3, padding="same"),
        L.AveragePooling1D(2, padding="same"),
        L.Conv1DTranspose(3, 3, strides=2),
        L.GlobalMaxPooling1D(),
    ),
    "conv2d_pool": lambda: seq(
        (12, 12, 2),
        L.Conv2D(4, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.DepthwiseConv2D(3, padding="same"),
        L.SeparableConv2D(4, 3, padding="same"),
        L.AveragePooling2D(2, strides=1, padding="same"),
        L.Conv2DTranspose(3, 3, strides=2, padding="same"),
        L.GlobalAveragePooling2D(),
    ),
    "conv3d_pool": lambda: seq(
        (6, 6, 6, 2),
        L.Conv3D(3, (2, 3, 3), strides=(2, 1, 1), padding="same"),
        L.MaxPooling3D(2),
        L.Conv3DTranspose(2, 2, strides=2),
        L.AveragePooling3D(2),
        L.GlobalMaxPooling3D(),
    ),
    "normalization": lambda: seq(
        (6, 4),
        L.BatchNormalization(),
        L.LayerNormalization(),
        L.GroupNormalization(2),
        L.UnitNormalization(),
        L.Dropout(0.5),
        L.GaussianNoise(0.1),
        L.Flatten(),
    ),
    "reshaping": lambda: seq(
        (4, 4, 2),
        L.ZeroPadding2D(1),
        L.Cropping2D(1),
        L.UpSampling2D(2),
        L.Permute((2, 1, 3)),
        L.Reshape((8, 16)),
        L.Flatten(),
    ),
    "preprocessing": lambda: seq(
        (5,), L.Rescaling(0.5, offset=1.0), L.Normalization(mean=0.5, variance=4.0), L.Dense(2)
    ),
    "masked_rnn": _masked_rnn,
    "attention": _attention,
    "multi_io": _functional_multi,
}


def _inputs(model, batch):
    out = []
    for t in model.inputs:
        shape = (batch, *t.shape[1:])
        if "int" in str(t.dtype):
            x = RNG.integers(1, 20, shape).astype("int32")
            x[:, -2:] = 0  # padding, masked
        else:
            x = RNG.standard_normal(shape).astype("float32")
        out.append(x)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_equals_predict(name, tmp_path):
    model = CASES[name]()
    onnx_path, jax_path = tmp_path / "m.onnx", tmp_path / "m.jaxexport"
    model.export(onnx_path, format="onnx", verbose=False)
    model.export(jax_path, format="jax", verbose=False)
    session = ort.InferenceSession(str(onnx_path))
    assert [i.name for i in session.get_inputs()] == [t.name for t in model.inputs]
    if len(model.outputs) > 1:
        assert [o.name for o in session.get_outputs()] == model.output_names
    artifact = keras.export.load(jax_path)
    for batch in (1, 5):
        xs = _inputs(model, batch)
        arg = xs if len(xs) > 1 else xs[0]
        expected = model.predict(arg, verbose=0)
        expected = expected if isinstance(expected, list) else [expected]
        got_onnx = session.run(None, {i.name: x for i, x in zip(session.get_inputs(), xs)})
        got_jax = artifact(arg)
        got_jax = got_jax if isinstance(got_jax, list) else [got_jax]
        for e, o, j in zip(expected, got_onnx, got_jax):
            np.testing.assert_allclose(o, e, atol=1e-4, rtol=1e-4)
            np.testing.assert_allclose(np.asarray(j), e, atol=1e-5, rtol=1e-5)


def test_sequential_output_named_after_last_layer(tmp_path):
    model = seq((3,), L.Dense(2, name="scores"))
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    assert [o.name for o in session.get_outputs()] == ["scores"]
    assert session.get_inputs()[0].shape[0] not in (1, 3)  # a symbolic batch axis


def test_subclassed_model_exports_from_its_build_shape(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = L.Dense(4, activation="tanh")
            self.b = L.Dense(2)

        def call(self, x):
            return self.b(self.a(x) * 2.0)

    model = Net()
    x = RNG.standard_normal((5, 3)).astype("float32")
    model(x)
    model.export(tmp_path / "m.jaxexport", format="jax", verbose=False)
    np.testing.assert_allclose(
        np.asarray(keras.export.load(tmp_path / "m.jaxexport")(x)), model(x), atol=1e-6
    )


def test_export_archive_endpoints_and_variable_collections(tmp_path):
    model = seq((3,), L.Dense(4), L.Dense(2))
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", model.call, input_signature=[keras.InputSpec(shape=(None, 3))])
    archive.add_endpoint(
        "embed",
        lambda x: model.layers[0](x),
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")],
    )
    archive.add_variable_collection("first", model.layers[0].weights)
    path = tmp_path / "a.jaxexport"
    archive.write_out(path, verbose=False)
    art = keras.export.load(path)
    x = RNG.standard_normal((6, 3)).astype("float32")
    assert art.endpoints == ["serve", "embed"]
    np.testing.assert_allclose(np.asarray(art.serve(x)), model.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_allclose(np.asarray(art.embed(x)), model.layers[0](x), atol=1e-6)
    kernel, bias = art.variable_collections["first"]
    np.testing.assert_array_equal(kernel, model.layers[0].kernel.numpy())
    with pytest.raises(ValueError, match="expected shape"):
        art.serve(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="one endpoint"):
        archive.write_out(tmp_path / "a.onnx", format="onnx")


def test_loaded_artifact_needs_no_model_code(tmp_path):
    @keras.saving.register_keras_serializable(package="export_test")
    class Doubler(L.Layer):
        def call(self, x):
            return 2.0 * x + 1.0

    model = seq((3,), Doubler(), L.Dense(2))
    path = str(tmp_path / "m.jaxexport")
    model.export(path, format="jax", verbose=False)
    code = (
        "import numpy as np, lamina\n"
        f"art = lamina.export.load({path!r})\n"
        "print(np.asarray(art(np.ones((2, 3), 'float32'))).tolist())\n"
    )
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "LAMINA_COMPILATION_CACHE": "0"},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(got, model.predict(np.ones((2, 3), "float32"), verbose=0), atol=1e-6)


def test_bad_input(tmp_path):
    unbuilt = keras.Sequential([L.Dense(3)])
    with pytest.raises(ValueError, match="before it is built.*input_signature"):
        unbuilt.export(tmp_path / "m.onnx", format="onnx")
    model = seq((3,), L.Dense(2))
    with pytest.raises(ValueError, match="format='onnx'.*format='jax'"):
        model.export(tmp_path / "m")  # Keras's default, tf_saved_model
    with pytest.raises(ValueError, match="unknown format"):
        model.export(tmp_path / "m", format="pickle")

    class HostCallback(L.Layer):
        def call(self, x):
            return jax.pure_callback(np.sin, jax.ShapeDtypeStruct(x.shape, x.dtype), x)

    odd = seq((3,), L.Dense(2), HostCallback(name="host_sin"))
    with pytest.raises(ValueError, match="layer 'host_sin'.*format='jax'"):
        odd.export(tmp_path / "odd.onnx", format="onnx", verbose=False)
    assert not (tmp_path / "odd.onnx").exists()

    model.export(tmp_path / "ok.jaxexport", format="jax", verbose=False)
    data = (tmp_path / "ok.jaxexport").read_bytes()
    (tmp_path / "cut.jaxexport").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        keras.export.load(tmp_path / "cut.jaxexport")
    with pytest.raises(FileNotFoundError, match="no such file"):
        keras.export.load(tmp_path / "missing")
