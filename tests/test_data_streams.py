"""fit / evaluate / predict on generators, PyDataset and (duck-typed) torch/tf loaders."""

import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 8)).astype("float32")
Y = X.sum(1, keepdims=True)


def batches(n_batches=None, size=16, with_y=True):
    i = 0
    while n_batches is None or i < n_batches:
        j = (i * size) % len(X)
        yield (X[j : j + size], Y[j : j + size]) if with_y else (X[j : j + size],)
        i += 1


def model(seed=0):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.01), "mse", metrics=["mae"])
    return m


class Batches(keras.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.epochs_ended = 0

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return X[i * 16 : (i + 1) * 16], Y[i * 16 : (i + 1) * 16]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_generator_fit_equals_array_fit_with_the_same_batches():
    by_generator = model()
    h1 = by_generator.fit(batches(), steps_per_epoch=6, epochs=3, verbose=0)
    by_array = model()
    h2 = by_array.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    for a, b in zip(by_generator.get_weights(), by_array.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert h1.params["steps"] == 6


@pytest.mark.parametrize("workers", [1, 3])
def test_pydataset_fit_evaluate_predict(workers):
    data = Batches(workers=workers, max_queue_size=2)
    m = model()
    hist = m.fit(data, epochs=3, validation_data=Batches(), verbose=0)
    assert list(hist.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert data.epochs_ended >= 3
    reference = model()
    reference.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(m.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        m.evaluate(Batches(), verbose=0), m.evaluate(X, Y, verbose=0), rtol=1e-5
    )
    np.testing.assert_allclose(m.predict(Batches(), verbose=0), m.predict(X, verbose=0), rtol=1e-6)


def test_generator_validation_predict_and_exhaustion():
    m = model()
    hist = m.fit(
        batches(),
        steps_per_epoch=3,
        epochs=2,
        validation_data=batches(),
        validation_steps=2,
        verbose=0,
    )
    assert "val_loss" in hist.history
    pred = m.predict(batches(6, with_y=False), verbose=0)
    np.testing.assert_allclose(pred, m.predict(X, verbose=0), rtol=1e-6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = m.fit(batches(4), epochs=3, verbose=0)  # finite, no steps: runs dry in epoch 2
    assert hist.epoch == [0]
    assert any("ran out of data" in str(w.message) for w in caught)


def test_duck_typed_torch_loader_and_tf_dataset():
    class FakeTensor:
        def __init__(self, array):
            self.array = array

        def numpy(self):
            return self.array

    loader_cls = type(
        "DataLoader",
        (),
        {
            "__module__": "torch.utils.data.dataloader",
            "__iter__": lambda self: iter([(FakeTensor(x), FakeTensor(y)) for x, y in batches(6)]),
            "__len__": lambda self: 6,
        },
    )
    dataset_cls = type(
        "DatasetV2",
        (),
        {
            "__module__": "tensorflow.python.data.ops.dataset_ops",
            "as_numpy_iterator": lambda self: iter(list(batches(6))),
        },
    )
    for source in (loader_cls(), dataset_cls()):
        m = model()
        m.fit(source, epochs=2, verbose=0)
        reference = model()
        reference.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        for a, b in zip(m.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bad_batches_and_arguments():
    m = model()
    # A batch that is a lone array is `x` (as in Keras), not an error.
    lone = m.predict((X[i : i + 8] for i in range(0, 32, 8)), verbose=0)
    np.testing.assert_allclose(lone, m.predict(X[:32], verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="cannot be given"):
        m.fit(batches(), Y, steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="empty"):
        m.fit(iter([]), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(batches(), steps_per_epoch=2, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="workers"):
        Batches(workers=0)


def test_variable_length_batches_for_a_model_with_an_unknown_axis():
    inputs = keras.Input((None, 3))
    pooled = layers.Lambda(lambda t: keras.ops.mean(t, axis=1))(inputs)
    m = keras.Model(inputs, layers.Dense(1)(pooled))
    m.compile("sgd", "mse")

    def ragged():
        for length in (4, 7, 2, 5):
            yield RNG.normal(size=(8, length, 3)).astype("float32"), np.zeros((8, 1), "float32")

    hist = m.fit(ragged(), epochs=1, verbose=0)
    assert len(hist.history["loss"]) == 1
