"""Sequential: construction, building, weights, layers, summary."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def overview_model():
    return keras.Sequential(
        [
            layers.Dense(64, activation="relu", input_shape=(32,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
    )


def test_add_defers_build_until_data():
    model = keras.Sequential()
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10))
    assert not model.built
    out = model(np.ones((5, 7), "float32"))
    assert out.shape == (5, 10) and model.built
    assert [w.shape for w in model.weights] == [(7, 64), (64,), (64, 10), (10,)]


def test_input_shape_on_first_layer_builds_at_once():
    model = overview_model()
    assert model.built
    assert model.input_shape == (None, 32) and model.output_shape == (None, 10)
    assert model.count_params() == 32 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10
    assert [layer.name for layer in model.layers] == [layer.name for layer in model.layers]
    assert len(model.layers) == 3  # the InputLayer is not listed


def test_input_first_and_build():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    assert model.built and model.output_shape == (None, 2)
    other = keras.Sequential([layers.Dense(2)])
    other.build((None, 4))
    assert other.built and other.layers[0].kernel.shape == (4, 2)


def test_pop_and_rebuild():
    model = overview_model()
    popped = model.pop()
    assert popped.name not in [layer.name for layer in model.layers]
    assert model.output_shape == (None, 64)
    model.add(layers.Dense(3))
    assert model.output_shape == (None, 3)


def test_get_set_weights_and_get_layer():
    model = overview_model()
    weights = [np.full(w.shape, i, "float32") for i, w in enumerate(model.get_weights())]
    model.set_weights(weights)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(model.layers[1].name) is model.layers[1]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match=r"shape \(32, 64\)"):
        model.set_weights([np.zeros((3, 3))] + weights[1:])
    with pytest.raises(ValueError, match="expected a list of 6"):
        model.set_weights(weights[:2])


def test_trainable_weights_and_freezing():
    model = overview_model()
    assert len(model.trainable_weights) == 6
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2


def test_variable_paths_carry_the_model_name():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="d1")], name="seq")
    assert model.weights[0].path == "seq/d1/kernel"


def test_summary_table():
    model = overview_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert f'Model: "{model.name}"' in text
    assert "(None, 64)" in text and "2,112" in text and "4,160" in text and "650" in text
    assert "Total params: 6,922 (27.04 KB)" in text
    assert "Trainable params: 6,922" in text and "Non-trainable params: 0 (0.00 B)" in text


def test_add_rejects_non_layers_and_duplicate_names():
    model = keras.Sequential()
    with pytest.raises(TypeError, match="instantiate"):
        model.add(layers.Dense)
    model.add(layers.Dense(2, name="same"))
    with pytest.raises(ValueError, match="unique"):
        model.add(layers.Dense(2, name="same"))


def test_call_with_wrong_width_names_the_layer():
    model = overview_model()
    with pytest.raises(ValueError, match="expected axis -1 of the input shape to have value 32"):
        model.predict(np.ones((4, 16), "float32"), verbose=0)
