"""lamina.initializers.sampling: JAX's exact random values without one compilation per shape."""

from __future__ import annotations

import logging

import jax
import numpy as np
import pytest

import lamina
from lamina.core.random import int_seed_key
from lamina.initializers import sampling

SHAPES = [(1,), (7,), (3, 3, 8, 16), (2, sampling.CHUNK + 3)]  # the last spans two chunks


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("seed", [0, 2**31 + 5])
def test_values_equal_jax_random_bit_for_bit(shape, seed):
    key = int_seed_key(seed)
    cases = [
        (
            sampling.sample_uniform(key, shape, -1.3, 2.7, "float32"),
            jax.random.uniform(key, shape, "float32", -1.3, 2.7),
        ),
        (
            sampling.sample_normal(key, shape, 0.3, 1.7, "float32"),
            jax.random.normal(key, shape, "float32") * 1.7 + 0.3,
        ),
        (
            sampling.sample_truncated_normal(key, shape, -0.2, 0.05, "float32"),
            jax.random.truncated_normal(key, -2.0, 2.0, shape, "float32") * 0.05 - 0.2,
        ),
    ]
    for got, expected in cases:
        assert got.shape == shape and got.dtype == np.float32
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_other_dtypes_and_traced_keys_take_jax_random():
    key = int_seed_key(3)
    assert sampling.sample_uniform(key, (2,), 0.0, 1.0, "bfloat16") is None

    @jax.jit
    def traced(k):
        assert sampling.sample_normal(k, (2,), 0.0, 1.0, "float32") is None
        return lamina.initializers.RandomNormal(seed=3)((2,))

    traced(key)  # the initializer still works under a trace, through jax.random
    bf16 = lamina.initializers.GlorotUniform(seed=1)((3, 4), dtype="bfloat16")
    assert bf16.dtype == jax.numpy.bfloat16


def test_many_shapes_compile_one_program_per_distribution(caplog):
    """Weights of 12 different shapes: one program for the uniform draws, none for the zeros."""
    lamina.backend.clear_session()
    lamina.layers.Dense(3).build((None, 2))  # compiles the shared programs of this process
    jax.config.update("jax_log_compiles", True)
    try:
        with caplog.at_level(logging.WARNING, logger="jax"):
            layers = [lamina.layers.Dense(100 + width) for width in range(12)]
            for width, layer in enumerate(layers):
                layer.build((None, 50 + width))
    finally:
        jax.config.update("jax_log_compiles", False)
    # ("Compiling" is logged before the persistent cache is consulted: cache hits count too.)
    compiled = [r.getMessage()[:80] for r in caplog.records if "Compiling" in r.getMessage()]
    assert compiled == [], compiled
