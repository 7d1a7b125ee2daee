"""Tests for `Reshape`, `Permute`, `RepeatVector`, `Identity` and `Lambda` (NumPy references)."""

import json

import numpy as np
import pytest

import lamina as keras
from lamina.core import config as lamina_config
from lamina.core.registry import custom_object_scope, register_keras_serializable

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3, 4)).astype("float32")


# ----------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "make, reference",
    [
        (lambda: keras.layers.Reshape((12,)), lambda x: x.reshape(4, 12)),
        (lambda: keras.layers.Reshape((2, -1)), lambda x: x.reshape(4, 2, 6)),
        (lambda: keras.layers.Reshape([-1, 3]), lambda x: x.reshape(4, 4, 3)),
        (lambda: keras.layers.Permute((2, 1)), lambda x: np.transpose(x, (0, 2, 1))),
        (lambda: keras.layers.Identity(), lambda x: x),
        (lambda: keras.layers.Lambda(lambda t: t**2 + 1), lambda x: x**2 + 1),
    ],
)
def test_outputs_match_numpy(make, reference):
    out = np.asarray(make()(X))
    np.testing.assert_allclose(out, reference(X), rtol=1e-6, atol=1e-6)


def test_repeat_vector_and_permute_3d():
    x = RNG.normal(size=(5, 6)).astype("float32")
    out = np.asarray(keras.layers.RepeatVector(3)(x))
    np.testing.assert_allclose(out, np.repeat(x[:, None, :], 3, axis=1))
    y = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    out = np.asarray(keras.layers.Permute((3, 1, 2))(y))
    np.testing.assert_allclose(out, np.transpose(y, (0, 3, 1, 2)))


def test_lambda_arguments_and_training_flag():
    def scaled(x, scale, shift=0.0, training=None):
        return x * scale + (shift if training else 0.0)

    layer = keras.layers.Lambda(scaled, arguments={"scale": 2.0, "shift": 1.0})
    np.testing.assert_allclose(np.asarray(layer(X)), X * 2.0, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(X, training=True)), X * 2.0 + 1.0, rtol=1e-6)


def test_lambda_multiple_inputs():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = keras.layers.Lambda(lambda ab: ab[0] * ab[1])([a, b])
    assert out.shape == (None, 3)
    model = keras.Model([a, b], out)
    xa, xb = RNG.normal(size=(2, 2, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model([xa, xb])), xa * xb, rtol=1e-6)


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    "layer, input_shape, expected",
    [
        (lambda: keras.layers.Reshape((3, 4)), (12,), (None, 3, 4)),
        (lambda: keras.layers.Reshape((-1, 2, 2)), (12,), (None, 3, 2, 2)),
        (lambda: keras.layers.Reshape((-1, 2)), (None, 4), (None, None, 2)),
        (lambda: keras.layers.Reshape((8,)), (None, 4), (None, 8)),
        (lambda: keras.layers.Permute((2, 1)), (10, 64), (None, 64, 10)),
        (lambda: keras.layers.RepeatVector(3), (32,), (None, 3, 32)),
        (lambda: keras.layers.Identity(), (5, 2), (None, 5, 2)),
        (lambda: keras.layers.Lambda(lambda t: t[:, :2]), (6,), (None, 2)),
    ],
)
def test_symbolic_and_computed_shapes(layer, input_shape, expected):
    out = layer()(keras.Input(input_shape))
    assert tuple(out.shape) == expected
    assert tuple(layer().compute_output_shape((None, *input_shape))) == expected


def test_lambda_declared_output_shape():
    assert keras.layers.Lambda(lambda t: t, output_shape=(4,)).compute_output_shape((None, 4)) == (
        None,
        4,
    )
    fn_shape = keras.layers.Lambda(lambda t: t, output_shape=lambda s: (s[0], 7))
    assert fn_shape.compute_output_shape((2, 3)) == (2, 7)


# ----------------------------------------------------------------------------- errors
def test_reshape_size_mismatch_names_layer_and_shapes():
    with pytest.raises(ValueError) as info:
        keras.layers.Reshape((5,), name="reshape_bad")(keras.Input((12,)))
    msg = str(info.value)
    assert "reshape_bad" in msg and "(None, 12)" in msg and "(5,)" in msg and "12" in msg
    with pytest.raises(ValueError, match="reshape_eager"):
        keras.layers.Reshape((-1, 5), name="reshape_eager")(np.ones((2, 12), "float32"))


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: keras.layers.Reshape((3, -1, -1)), ValueError),
        (lambda: keras.layers.Reshape((-2,)), ValueError),
        (lambda: keras.layers.Reshape(3), TypeError),
        (lambda: keras.layers.Permute((0, 1)), ValueError),
        (lambda: keras.layers.Permute((1, 1)), ValueError),
        (lambda: keras.layers.RepeatVector(0), ValueError),
        (lambda: keras.layers.RepeatVector(2.0), TypeError),
        (lambda: keras.layers.Lambda(3), TypeError),
    ],
)
def test_invalid_arguments(make, error):
    with pytest.raises(error):
        make()


def test_rank_checks():
    with pytest.raises(ValueError, match="ndim=3"):
        keras.layers.Permute((2, 1))(keras.Input((3, 4, 5)))
    with pytest.raises(ValueError, match="ndim=2"):
        keras.layers.RepeatVector(2)(keras.Input((3, 4)))


# ----------------------------------------------------------------------------- models
def test_functional_model():
    inputs = keras.Input((12,))
    x = keras.layers.Reshape((3, 4))(inputs)
    x = keras.layers.Permute((2, 1))(x)
    x = keras.layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})(x)
    x = keras.layers.Reshape((-1,))(x)
    x = keras.layers.RepeatVector(2)(x)
    outputs = keras.layers.Identity()(x)
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape) == (None, 2, 12)
    data = RNG.normal(size=(5, 12)).astype("float32")
    ref = np.transpose(data.reshape(5, 3, 4), (0, 2, 1)).reshape(5, 12) * 3.0
    np.testing.assert_allclose(np.asarray(model(data)), np.stack([ref, ref], 1), rtol=1e-6)


def test_sequential_fit():
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Reshape((2, 3)),
            keras.layers.Permute((2, 1)),
            keras.layers.Flatten(),
            keras.layers.Lambda(lambda t: t * 0.5),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.normal(size=(64, 6)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


def test_sequential_config_round_trip_and_safe_mode():
    @register_keras_serializable(package="lamina_test")
    def halve(x):
        return x * 0.5

    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Reshape((2, 3)), keras.layers.Lambda(halve)]
    )
    record = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    clone = keras.saving.deserialize_keras_object(record)
    x = RNG.normal(size=(2, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(clone(x)), x.reshape(2, 2, 3) * 0.5, rtol=1e-6)

    unsafe = keras.Sequential([keras.Input((6,)), keras.layers.Lambda(lambda t: t + 1.0)])
    record = json.loads(json.dumps(keras.saving.serialize_keras_object(unsafe)))
    with pytest.raises(ValueError, match="safe mode"):
        keras.saving.deserialize_keras_object(record)
    with lamina_config.SafeModeScope(False):
        clone = keras.saving.deserialize_keras_object(record)
    np.testing.assert_allclose(np.asarray(clone(x)), x + 1.0, rtol=1e-6)


def test_lambda_mask():
    fixed = keras.layers.Lambda(lambda t: t, mask=np.array([True, False]))
    assert fixed.supports_masking
    np.testing.assert_array_equal(fixed.compute_mask(X), [True, False])
    fn = keras.layers.Lambda(lambda t: t, mask=lambda inputs, mask: mask)
    assert fn.compute_mask(X, "m") == "m"
    assert not keras.layers.Lambda(lambda t: t).supports_masking
    config = fixed.get_config()
    assert config["mask"]["class_name"] == "__numpy__"
    clone = keras.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_array_equal(clone.compute_mask(X), [True, False])


# ----------------------------------------------------------------------------- configs
@pytest.mark.parametrize(
    "layer, key, value, x",
    [
        (keras.layers.Reshape((3, -1)), "target_shape", (3, -1), X),
        (keras.layers.Permute((2, 1)), "dims", (2, 1), X),
        (keras.layers.RepeatVector(3), "n", 3, X[:, 0]),
    ],
)
def test_config_round_trip(layer, key, value, x):
    config = layer.get_config()
    assert config[key] == value
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(layer(x)))


def test_identity_config():
    config = keras.layers.Identity(name="idt").get_config()
    assert set(config) == {"name", "trainable", "dtype"}
    assert keras.layers.Identity.from_config(config).name == "idt"


def test_lambda_named_function_round_trip():
    @register_keras_serializable(package="lamina_test")
    def double_plus(x, offset=0.0):
        return 2.0 * x + offset

    layer = keras.layers.Lambda(double_plus, arguments={"offset": np.float32(1.5)})
    config = layer.get_config()
    assert config["function"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "lamina_test>double_plus",
        "registered_name": "function",
    }
    assert config["arguments"] == {"offset": 1.5}
    clone = keras.layers.Lambda.from_config(json.loads(json.dumps(config)))
    assert clone.function is double_plus
    np.testing.assert_allclose(np.asarray(clone(X)), 2.0 * X + 1.5, rtol=1e-6)


def test_lambda_lookup_in_namespaces_and_custom_objects():
    relu = keras.layers.Lambda(keras.activations.relu).get_config()
    assert relu["function"]["config"] == "relu"
    assert keras.layers.Lambda.from_config(relu).function is keras.activations.relu
    sin = keras.layers.Lambda(keras.ops.sin).get_config()
    assert keras.layers.Lambda.from_config(sin).function is keras.ops.sin

    def private_fn(x):
        return x - 1.0

    config = keras.layers.Lambda(private_fn).get_config()
    with pytest.raises(ValueError, match="private_fn.*custom_objects"):
        keras.layers.Lambda.from_config(config)
    loaded = keras.layers.Lambda.from_config(config, custom_objects={"private_fn": private_fn})
    assert loaded.function is private_fn
    with custom_object_scope({"private_fn": private_fn}):
        assert keras.layers.Lambda.from_config(config).function is private_fn


def test_lambda_array_argument_and_output_shape_config():
    bias = np.arange(3, dtype="float32")
    layer = keras.layers.Lambda(lambda t, b: t + b, output_shape=(3,), arguments={"b": bias})
    config = json.loads(json.dumps(layer.get_config()))
    assert config["arguments"]["b"] == {
        "class_name": "__numpy__",
        "config": {"value": [0.0, 1.0, 2.0], "dtype": "float32"},
    }
    clone = keras.layers.Lambda.from_config(config, safe_mode=False)
    assert clone.compute_output_shape((None, 3)) == (None, 3)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(clone(x)), x + bias)


def test_lambda_record_format_and_safe_mode_refusal():
    factor = 4.0
    layer = keras.layers.Lambda(lambda t, p=1.0: t * factor + p)
    config = json.loads(json.dumps(layer.get_config()))
    record = config["function"]
    assert record["class_name"] == "__lambda__"
    assert set(record["config"]) == {"code", "defaults", "closure"}
    assert record["config"]["defaults"] == [1.0] and record["config"]["closure"] == [4.0]
    assert list(config)[-2:] == ["function", "arguments"]

    for kwargs in ({}, {"safe_mode": True}):
        with pytest.raises(ValueError) as info:
            keras.layers.Lambda.from_config(dict(config), **kwargs)
        msg = str(info.value)
        assert "execute code" in msg and "safe_mode=False" in msg
        assert "enable_unsafe_deserialization" in msg

    clone = keras.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(np.asarray(clone(X)), X * 4.0 + 1.0, rtol=1e-6)


def test_enable_unsafe_deserialization_and_scope():
    config = keras.layers.Lambda(lambda t: t + 2.0).get_config()
    assert lamina_config.in_safe_mode() is None
    with lamina_config.SafeModeScope(False):
        keras.layers.Lambda.from_config(config)
        with pytest.raises(ValueError, match="safe mode"):
            keras.layers.Lambda.from_config(config, safe_mode=True)
    with pytest.raises(ValueError, match="safe mode"):
        keras.layers.Lambda.from_config(config)

    # The switch is process-wide (the autouse `restore_global_settings` fixture undoes it).
    keras.config.enable_unsafe_deserialization()
    clone = keras.layers.Lambda.from_config(config)
    np.testing.assert_allclose(np.asarray(clone(X)), X + 2.0, rtol=1e-6)
    assert lamina_config.in_safe_mode() is False
    with lamina_config.SafeModeScope(True), pytest.raises(ValueError, match="safe mode"):
        keras.layers.Lambda.from_config(config)


def test_rebuilt_lambda_sees_lamina_globals():
    from lamina.layers.lambda_layer import dump_function

    # As if written by Keras: the bytecode reads the global `keras`, unknown to lamina's tests.
    saved = eval("lambda t: keras.ops.sum(t, axis=-1)", {})  # noqa: S307
    config = keras.layers.Lambda(saved).get_config()
    assert config["function"]["config"]["code"] == dump_function(saved)[0]
    clone = keras.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(np.asarray(clone(X)), X.sum(-1), rtol=1e-5)
