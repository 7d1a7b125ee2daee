"""Dtype policies: float32 variables, low-precision compute."""

import os

import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    keras.mixed_precision.set_global_policy(None)


def test_policy_properties():
    policy = keras.DTypePolicy("mixed_bfloat16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (
        "mixed_bfloat16",
        "bfloat16",
        "float32",
    )
    assert keras.DTypePolicy("float32").compute_dtype == "float32"
    assert keras.mixed_precision.global_policy().name == "float32"
    with pytest.raises(ValueError, match="unknown policy"):
        keras.DTypePolicy("mixed_float8")


def test_mixed_layer_keeps_float32_variables_and_computes_in_bfloat16(mixed_bfloat16):
    dense = layers.Dense(3, kernel_initializer="ones")
    out = dense(np.ones((2, 4), "float32"))
    assert out.dtype == jnp.bfloat16
    assert dense.kernel.dtype == "float32" and dense.kernel.value.dtype == jnp.float32
    assert dense.dtype == "float32" and dense.compute_dtype == "bfloat16"
    np.testing.assert_allclose(np.asarray(out, "float32"), np.full((2, 3), 4.0))
    assert dense.get_config()["dtype"]["config"]["name"] == "mixed_bfloat16"
    assert layers.Dense.from_config(dense.get_config()).compute_dtype == "bfloat16"
    head = layers.Dense(1, dtype="float32")
    assert head(out).dtype == jnp.float32


def test_mixed_model_trains(mixed_bfloat16):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((8,)), layers.Dense(32, activation="relu"), layers.Dense(1, dtype="float32")]
    )
    model.compile(keras.optimizers.Adam(0.01), "mse")
    x = np.random.default_rng(0).uniform(size=(128, 8)).astype("float32")
    y = x.sum(1, keepdims=True)
    losses = model.fit(x, y, epochs=20, verbose=0).history["loss"]
    assert losses[-1] < 0.1 * losses[0]
    assert all(v.dtype == "float32" for v in model.weights)
    assert model.optimizer.variables[2].dtype == "float32"


def test_mixed_bfloat16_matches_keras(mixed_bfloat16):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras_ = pytest.importorskip("keras")
    keras_.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        theirs = keras_.layers.Dense(5, activation="relu")
        x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
        ref = np.asarray(theirs(x)).astype("float32")
        ours = layers.Dense(5, activation="relu")
        ours(x)
        ours.set_weights(theirs.get_weights())
        got = np.asarray(ours(x)).astype("float32")
        np.testing.assert_allclose(got, ref, rtol=1e-2, atol=1e-2)
        assert str(theirs(x).dtype) == str(ours(x).dtype) == "bfloat16"
    finally:
        keras_.mixed_precision.set_global_policy("float32")


def test_mixed_float16_wraps_the_optimizer_in_loss_scaling_and_trains():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((8,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, dtype="float32"),
            ]
        )
        model.compile(keras.optimizers.Adam(0.01), "mse")
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        x = np.random.default_rng(0).uniform(size=(128, 8)).astype("float32")
        losses = model.fit(x, x.sum(1, keepdims=True), epochs=20, verbose=0).history["loss"]
        assert losses[-1] < 0.1 * losses[0]
        assert model.layers[0].compute_dtype == "float16"
    finally:
        keras.mixed_precision.set_global_policy(None)
