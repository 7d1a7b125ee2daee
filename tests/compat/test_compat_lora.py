"""LoRA (`enable_lora`, `lora_rank`) on Dense, EinsumDense and Embedding against Keras 3.15:
the same weights, outputs, training step, config and file layout."""

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)


def _layers(k):
    return [
        (lambda: k.layers.Dense(3), (None, 4), RNG.random((2, 4)).astype("float32")),
        (
            lambda: k.layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de"),
            (None, 5, 4),
            RNG.random((2, 5, 4)).astype("float32"),
        ),
        (lambda: k.layers.Embedding(7, 3), None, np.array([[1, 2, 6], [0, 3, 3]])),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_enable_lora_matches_keras(keras, index):
    (make_l, shape, x), (make_k, _, _) = _layers(lamina)[index], _layers(keras)[index]
    ours, theirs = make_l(), make_k()
    ours.build(shape) if shape else ours.build()
    theirs.build(shape) if shape else theirs.build()
    theirs.set_weights(ours.get_weights())
    for layer in (ours, theirs):
        layer.enable_lora(2, lora_alpha=4)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.name for w in ours.trainable_weights] == [w.name for w in theirs.trainable_weights]
    # B starts at zero: the output is unchanged; then give A and B values and compare
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6, atol=1e-6)
    values = [RNG.normal(size=w.shape).astype("float32") for w in ours.weights]
    ours.set_weights(values)
    theirs.set_weights(values)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    config = ours.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (2, 4)
    assert {k: v for k, v in theirs.get_config().items() if k.startswith("lora")} == {
        "lora_rank": 2,
        "lora_alpha": 4,
    }
    # files: the merged matrix in the matrix's place (no A/B), read both ways
    for saver, loader in ((ours, theirs), (theirs, ours)):
        store = {}
        saver.save_own_variables(store)
        assert len(store) == len(saver.weights) - 2
        loader.load_own_variables({k: np.asarray(v) for k, v in store.items()})
        np.testing.assert_allclose(loader(x), saver(x), rtol=1e-5, atol=1e-5)
        b = [w for w in loader.weights if w.name.endswith("_b")][0]
        assert not np.asarray(b.numpy()).any()  # loading zeroes A and B
    theirs_store, ours_store = {}, {}
    theirs.save_own_variables(theirs_store)
    ours.save_own_variables(ours_store)
    for key in theirs_store:
        np.testing.assert_allclose(ours_store[key], np.asarray(theirs_store[key]), rtol=1e-6)


def test_lora_trains_only_the_update_like_keras(keras):
    x = RNG.random((8, 4)).astype("float32")
    y = RNG.random((8, 3)).astype("float32")
    models = []
    for k in (lamina, keras):
        model = k.Sequential([k.Input((4,)), k.layers.Dense(3, name="d")])
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    for model in models:
        model.get_layer("d").enable_lora(2)
    values = [RNG.normal(size=w.shape).astype("float32") for w in models[0].weights]
    for model, k in zip(models, (lamina, keras)):
        model.set_weights(values)
        model.compile(k.optimizers.SGD(0.1), "mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(models[0].get_weights()[0], values[0])  # the kernel is frozen


def test_lora_rank_argument_and_errors():
    layer = lamina.layers.Dense(3, lora_rank=2)
    layer.build((None, 5))
    assert layer.lora_enabled and [w.name for w in layer.trainable_weights] == [
        "bias",
        "lora_kernel_a",
        "lora_kernel_b",
    ]
    clone = lamina.layers.Dense.from_config(layer.get_config())
    clone.build((None, 5))
    assert clone.lora_enabled and clone.lora_rank == 2
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    with pytest.raises(ValueError, match="isn't built"):
        lamina.layers.Dense(3).enable_lora(2)
    constrained = lamina.layers.Dense(3, kernel_constraint="non_neg")
    constrained.build((None, 2))
    with pytest.raises(ValueError, match="constraint"):
        constrained.enable_lora(1)


def test_lora_and_quantization_are_refused_together_with_a_clear_error():
    layer = lamina.layers.Dense(3)
    layer.build((None, 4))
    layer.enable_lora(1)
    with pytest.raises(NotImplementedError, match="LoRA"):
        layer.quantize("int8")
    quantized = lamina.layers.Dense(3)
    quantized.build((None, 4))
    quantized.quantize("int8")
    with pytest.raises(NotImplementedError, match="LoRA"):
        quantized.enable_lora(1)
