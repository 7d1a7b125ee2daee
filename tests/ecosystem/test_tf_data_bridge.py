"""lamina layers inside `tf.data` pipelines (`lamina.core.tf_bridge`). Needs TensorFlow, which
lamina's own environment does not have: run in a Python that has it (the KerasHub suite's
environment, see PATCHES.md):

    PYTHONPATH=. /path/to/tf-venv/bin/python -m pytest -q -p no:cacheprovider \
        tests/ecosystem/test_tf_data_bridge.py
"""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import lamina as keras  # noqa: E402


def test_layers_in_a_tf_data_map_give_their_eager_values_and_train():
    rng = np.random.default_rng(0)
    x = rng.random((8, 10, 12, 3)).astype("float32")
    y = np.arange(8)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    resize = keras.layers.Resizing(5, 6)
    mapped = ds.map(lambda a, b: (resize(a), b))
    assert mapped.element_spec[0].shape.as_list() == [None, 5, 6, 3]
    got = np.concatenate([a for a, _ in mapped.as_numpy_iterator()])
    np.testing.assert_allclose(got, np.asarray(resize(x)), rtol=1e-6)
    flip = keras.layers.RandomFlip("horizontal", seed=1)
    flipped = np.concatenate([a for a, _ in ds.map(lambda a, b: (flip(a), b)).as_numpy_iterator()])
    assert flipped.shape == x.shape
    model = keras.Sequential(
        [keras.Input((5, 6, 3)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    history = model.fit(mapped, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and np.isfinite(history.history["loss"]).all()
