"""Reshaping layers and `Lambda` against real Keras (test-only oracle)."""

import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lamina  # noqa: E402
from lamina.core.registry import register_keras_serializable  # noqa: E402

RNG = np.random.default_rng(1)


def _json(config):
    """A config as it comes back from a `.keras` file (tuples become lists)."""
    return json.loads(json.dumps(config, default=str))


def compat_cube(x):
    return x * x * x


keras.saving.register_keras_serializable(package="compat_rl")(compat_cube)
register_keras_serializable(package="compat_rl")(compat_cube)

CASES = [
    ("Reshape", {"target_shape": (3, 4)}, (12,)),
    ("Reshape", {"target_shape": (-1, 2)}, (3, 4)),
    ("Reshape", {"target_shape": (2, -1, 3)}, (12,)),
    ("Reshape", {"target_shape": (-1, 2)}, (None, 4)),
    ("Permute", {"dims": (2, 1)}, (3, 4)),
    ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4)),
    ("RepeatVector", {"n": 3}, (5,)),
    ("Identity", {}, (2, 3)),
]


@pytest.mark.parametrize("class_name, kwargs, shape", CASES)
def test_layers_match_keras(class_name, kwargs, shape):
    theirs = getattr(keras.layers, class_name)(name="probe", **kwargs)
    ours = getattr(lamina.layers, class_name)(name="probe", **kwargs)
    assert ours.get_config() == theirs.get_config()
    assert _json(ours.get_config()) == _json(theirs.get_config())

    k_out = theirs(keras.Input(shape))
    l_out = ours(lamina.Input(shape))
    assert tuple(l_out.shape) == tuple(k_out.shape)
    full = (None, *shape)
    assert tuple(ours.compute_output_shape(full)) == tuple(theirs.compute_output_shape(full))

    concrete = tuple(3 if d is None else d for d in (4, *shape))
    x = RNG.normal(size=concrete).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6)


@pytest.mark.parametrize("class_name, kwargs, shape", CASES)
def test_keras_configs_load(class_name, kwargs, shape):
    config = _json(getattr(keras.layers, class_name)(**kwargs).get_config())
    ours = getattr(lamina.layers, class_name).from_config(config)
    assert _json(ours.get_config()) == config


def test_reshape_errors_like_keras():
    with pytest.raises(ValueError):
        keras.layers.Reshape((5,))(keras.Input((12,)))
    with pytest.raises(ValueError, match=r"\(None, 12\).*\(5,\)"):
        lamina.layers.Reshape((5,))(lamina.Input((12,)))


def test_lambda_named_function_config_matches_keras():
    arguments = {"scale": 2.0, "axes": (1, 2), "bias": np.arange(3, dtype="float32")}
    theirs = keras.layers.Lambda(compat_cube, name="lam", arguments=arguments)
    ours = lamina.layers.Lambda(compat_cube, name="lam", arguments=arguments)
    assert _json(ours.get_config()) == _json(theirs.get_config())
    for mod, layer in ((keras, theirs), (lamina, ours)):
        assert layer.get_config()["function"]["config"] == "compat_rl>compat_cube", mod
    builtin = keras.layers.Lambda(keras.activations.relu, name="lam").get_config()
    assert _json(lamina.layers.Lambda(lamina.activations.relu, name="lam").get_config()) == _json(
        builtin
    )


def test_keras_lambda_config_with_registered_function_loads():
    theirs = keras.layers.Lambda(compat_cube, output_shape=(3,), name="cube")
    config = _json(theirs.get_config())
    ours = lamina.layers.Lambda.from_config(config)
    assert ours.function is compat_cube
    x = RNG.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6)
    assert ours.compute_output_shape((None, 3)) == theirs.compute_output_shape((None, 3))
    assert _json(ours.get_config()) == config


def test_keras_lambda_record_refused_then_rebuilt():
    offset = 0.25
    theirs = keras.layers.Lambda(lambda t, s=3.0: t * s + offset, name="lam")
    config = _json(theirs.get_config())
    assert config["function"]["class_name"] == "__lambda__"

    with pytest.raises(ValueError, match="execute code"):
        lamina.layers.Lambda.from_config(config)
    with pytest.raises(ValueError):
        keras.layers.Lambda.from_config(_json(config))  # Keras refuses it as well

    ours = lamina.layers.Lambda.from_config(config, safe_mode=False)
    x = RNG.normal(size=(2, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ours(x)), x * 3.0 + 0.25, rtol=1e-6)
    # Saving the rebuilt layer again gives a record that loads to the same function.
    again = _json(ours.get_config())
    assert again["function"]["class_name"] == "__lambda__"
    assert again["function"]["config"]["closure"] == [0.25]
    again_layer = lamina.layers.Lambda.from_config(again, safe_mode=False)
    np.testing.assert_allclose(np.asarray(again_layer(x)), x * 3.0 + 0.25, rtol=1e-6)


def test_lamina_lambda_record_loads_in_keras():
    ours = lamina.layers.Lambda(lambda t: t - 1.5, name="lam")
    config = _json(ours.get_config())
    theirs = keras.layers.Lambda.from_config(config, safe_mode=False)
    x = RNG.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(theirs(x)), x - 1.5, rtol=1e-6)


def test_keras_sequential_config_loads():
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Reshape((2, 3)),
            keras.layers.Permute((2, 1)),
            keras.layers.Lambda(compat_cube),
            keras.layers.Reshape((-1,)),
            keras.layers.RepeatVector(2),
            keras.layers.Identity(),
        ]
    )
    record = _json(keras.saving.serialize_keras_object(model))
    ours = lamina.saving.deserialize_keras_object(record)
    x = RNG.normal(size=(3, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(model(x)), rtol=1e-5)
    ours_record = _json(lamina.saving.serialize_keras_object(ours))
    for got, expected in zip(ours_record["config"]["layers"], record["config"]["layers"]):
        assert got.get("build_config") == expected.get("build_config"), expected["class_name"]
        assert got["config"] == expected["config"]
