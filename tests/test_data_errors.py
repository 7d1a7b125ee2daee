"""Bad input to fit/evaluate: inconsistent batches from a stream, class_weight on many outputs."""

import numpy as np
import pytest

import lamina as keras


def _dense_model(features=5):
    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _batches(shapes, y_shape=(1,)):
    for n, features in shapes:
        yield (
            np.zeros((n, *features), "float32"),
            np.zeros((n, *y_shape), "float32"),
        )


@pytest.mark.parametrize("built", [True, False])
def test_generator_with_inconsistent_feature_shape(built):
    model = _dense_model() if built else keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    gen = _batches([(8, (5,)), (8, (5,)), (8, (6,))])
    with pytest.raises(ValueError) as err:
        model.fit(gen, epochs=1, verbose=0)
    message = str(err.value)
    assert "Batch 2" in message and "(8, 6)" in message and "(8, 5)" in message


def test_generator_with_inconsistent_rank_and_targets():
    with pytest.raises(ValueError, match=r"Batch 1 .* y of shape \(4, 1, 1\)"):
        _dense_model().fit(
            iter([(np.zeros((4, 5)), np.zeros((4, 1))), (np.zeros((4, 5)), np.zeros((4, 1, 1)))]),
            epochs=1,
            verbose=0,
        )
    gen = iter([(np.zeros((4, 5)), np.zeros((4, 1))), (np.zeros((4, 5)),)])
    with pytest.raises(ValueError, match="Batch 1 .* same structure"):
        _dense_model().fit(gen, epochs=1, verbose=0)


def test_evaluate_and_dict_inputs_name_the_array():
    inputs = {"a": keras.Input((3,), name="a"), "b": keras.Input((2,), name="b")}
    merged = keras.layers.Concatenate()([inputs["a"], inputs["b"]])
    model = keras.Model(inputs, keras.layers.Dense(1)(merged))
    model.compile(optimizer="sgd", loss="mse")

    def gen():
        yield {"a": np.zeros((4, 3)), "b": np.zeros((4, 2))}, np.zeros((4, 1))
        yield {"a": np.zeros((4, 3)), "b": np.zeros((4, 4))}, np.zeros((4, 1))

    with pytest.raises(ValueError, match=r"x\['b'\] of shape \(4, 4\).*\(4, 2\)"):
        model.evaluate(gen(), verbose=0)


def test_pydataset_with_inconsistent_shape():
    class Data(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.zeros((4, 5 if i < 2 else 7)), np.zeros((4, 1))

    with pytest.raises(ValueError, match=r"Batch 2 .*\(4, 7\).*\(4, 5\)"):
        _dense_model().fit(Data(), epochs=1, verbose=0)


def test_different_batch_sizes_are_fine():
    model = _dense_model()
    history = model.fit(_batches([(8, (5,)), (8, (5,)), (3, (5,))]), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    preds = model.predict(iter([(np.zeros((4, 5)),), (np.zeros((2, 5)),)]), verbose=0)
    assert preds.shape == (6, 1)


def _two_output_model():
    inputs = keras.Input((4,))
    out_a = keras.layers.Dense(3, activation="softmax", name="a")(inputs)
    out_b = keras.layers.Dense(1, name="b")(inputs)
    model = keras.Model(inputs, [out_a, out_b])
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
    return model


@pytest.mark.parametrize("as_dict", [False, True])
def test_class_weight_on_a_multi_output_model(as_dict):
    model = _two_output_model()
    x = np.random.RandomState(0).randn(8, 4).astype("float32")
    ya, yb = np.arange(8) % 3, np.zeros((8, 1), "float32")
    y = {"a": ya, "b": yb} if as_dict else [ya, yb]
    with pytest.raises(ValueError, match="class_weight.*single output"):
        model.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 1.0}, epochs=1, verbose=0)


def test_class_weight_on_a_multi_output_model_from_a_generator():
    model = _two_output_model()

    def gen():
        for _ in range(2):
            yield np.zeros((4, 4), "float32"), (np.zeros(4, "int32"), np.zeros((4, 1), "float32"))

    with pytest.raises(ValueError, match="class_weight.*single output"):
        model.fit(gen(), class_weight={0: 1.0}, epochs=1, verbose=0)
