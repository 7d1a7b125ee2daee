"""Models whose first layers run on the host (TextVectorization, StringLookup, Hashing): built
on string inputs, they predict, fit and save like Keras models (see lamina.models.host_part)."""

import numpy as np
import pytest

import lamina as keras

TEXTS = np.array(["the cat sat", "the dog ran far", "a cat", "dogs and cats", "the end"])
LABELS = np.array([0, 1, 0, 1, 1], "float32")


def _vectorizer():
    layer = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    layer.adapt(TEXTS)
    return layer


def _head(x):
    x = keras.layers.Embedding(20, 4)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.layers.Dense(1, activation="sigmoid")(x)


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_text_model_predicts_fits_and_saves(kind, tmp_path):
    keras.utils.set_random_seed(0)
    vectorize = _vectorizer()
    if kind == "functional":
        inputs = keras.Input(shape=(1,), dtype="string")
        ids = vectorize(inputs)
        assert ids.shape == (None, 4) and ids.dtype == "int32"
        model = keras.Model(inputs, _head(ids))
    else:
        model = keras.Sequential(
            [
                keras.Input(shape=(1,), dtype="string"),
                vectorize,
                keras.layers.Embedding(20, 4),
                keras.layers.GlobalAveragePooling1D(),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
    # The same numbers as the vectorizer followed by the numeric part of the model.
    numeric = keras.Sequential(model.layers[-3:] if kind == "sequential" else model.layers[2:])
    expected = numeric(vectorize(TEXTS))
    np.testing.assert_allclose(model.predict(TEXTS, verbose=0), expected, atol=1e-6)
    np.testing.assert_allclose(model(list(TEXTS)), expected, atol=1e-6)
    np.testing.assert_allclose(model(TEXTS[:, None]), expected, atol=1e-6)

    model.compile("adam", "binary_crossentropy")
    before = model.evaluate(TEXTS, LABELS, verbose=0)
    model.fit(TEXTS, LABELS, epochs=3, batch_size=2, verbose=0)
    ds = keras.utils.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(2)
    model.fit(ds, epochs=2, verbose=0, validation_data=ds)
    assert model.evaluate(ds, verbose=0) < before

    path = str(tmp_path / "text.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert restored.layers[0 if kind == "sequential" else 1].get_vocabulary() == (
        vectorize.get_vocabulary()
    )
    np.testing.assert_allclose(
        restored.predict(TEXTS, verbose=0), model.predict(TEXTS, verbose=0), atol=1e-6
    )


def test_string_lookup_and_numbers_in_one_model():
    lookup = keras.layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot")
    color = keras.Input(shape=(1,), dtype="string", name="color")
    size = keras.Input(shape=(1,), name="size")
    joined = keras.layers.Concatenate()([lookup(color), size])
    model = keras.Model({"color": color, "size": size}, joined)
    out = model.predict({"size": np.array([1.5, 2.0]), "color": np.array(["blue", "pink"])})
    np.testing.assert_allclose(out, [[0, 0, 0, 1, 1.5], [1, 0, 0, 0, 2.0]])


def test_strings_into_a_numeric_layer_is_a_clear_error():
    with pytest.raises(TypeError, match="received the string tensor"):
        keras.layers.Dense(1)(keras.Input(shape=(1,), dtype="string"))
    with pytest.raises(TypeError, match="expects string inputs"):
        keras.layers.TextVectorization()(keras.Input(shape=(1,)))
