"""The trainable set between two `fit` calls, against Keras 3 (JAX backend).

Freezing layer `a` and unfreezing layer `b` (same shapes) between two fits: Keras re-reads the
trainable set, so `b` trains and `a` does not; lamina rebuilds its steps for the new set and
gets the numbers Keras gets when the model is compiled again. (Keras without a new compile keeps
its traced step, which binds the new set's values to the old set's variables by position: its
second epoch computes with `a` and `b` swapped, see docs/differences.md.)
"""

import numpy as np

import lamina


def _run(k, recompile: bool):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    model = k.Sequential(
        [
            k.Input((4,)),
            k.layers.Dense(4, name="a"),
            k.layers.Dense(4, name="b"),
            k.layers.Dense(2, name="out"),
        ]
    )
    model.set_weights(
        [
            np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.5
            for i, w in enumerate(model.get_weights())
        ]
    )
    model.compile(k.optimizers.SGD(0.05), "mse")
    model.get_layer("b").trainable = False
    losses = model.fit(x, y, batch_size=8, shuffle=False, verbose=0).history["loss"]
    after_first = model.get_weights()
    model.get_layer("a").trainable = False
    model.get_layer("b").trainable = True
    if recompile:
        model.compile(k.optimizers.SGD(0.05), "mse")
    losses += model.fit(x, y, batch_size=8, shuffle=False, verbose=0).history["loss"]
    return losses, after_first, model.get_weights()


def test_swapping_the_trainable_layer_between_fits_equals_keras(keras):
    k_losses, _, k_weights = _run(keras, recompile=True)
    l_losses, l_first, l_weights = _run(lamina, recompile=False)
    np.testing.assert_allclose(l_losses, k_losses, rtol=1e-5)
    for got, ref in zip(l_weights, k_weights):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    # `a` (weights 0, 1) kept what the first fit left; `b` (2, 3) trained, in both libraries.
    _, k_first, k_swapped = _run(keras, recompile=False)
    for first, last in ((l_first, l_weights), (k_first, k_swapped)):
        np.testing.assert_array_equal(last[0], first[0])
        assert not np.allclose(last[2], first[2])
