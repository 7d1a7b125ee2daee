"""`keras.utils.FeatureSpace` on the keras.io structured-data example's feature set (Keras needs
TensorFlow for its string lookups, so the expected values come from formulas here; the numeric
pieces are compared with Keras directly in tests/compat/test_compat_feature_space.py)."""

import os

import numpy as np
import pytest

import lamina as keras
from lamina.layers import HashedCrossing

FS = keras.utils.FeatureSpace


def _heart_like(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = {
        "sex": rng.integers(0, 2, n),
        "cp": rng.integers(0, 4, n),
        "thal": rng.choice(["fixed", "normal", "reversible"], n),
        "age": rng.integers(29, 77, n),
        "chol": rng.normal(240.0, 50.0, n),
        "slope": rng.integers(1, 4, n).astype("float64"),
    }
    y = rng.integers(0, 2, n).astype("float32")
    return x, y


def _heart_space():
    return FS(
        features={
            "sex": FS.integer_categorical(num_oov_indices=0),
            "cp": FS.integer_categorical(num_oov_indices=0),
            "thal": FS.string_categorical(num_oov_indices=0),
            "age": FS.float_discretized(num_bins=8),
            "chol": FS.float_normalized(),
            "slope": FS.float_normalized(),
        },
        crosses=[
            FS.cross(feature_names=("sex", "age"), crossing_dim=16),
            FS.cross(feature_names=("thal", "cp"), crossing_dim=8),
        ],
        output_mode="concat",
    )


def _vocab_order(values):
    """Keras's adapted vocabulary order: by count, ties broken by the larger value first."""
    uniq, counts = np.unique(values, return_counts=True)
    return [u for _, u in sorted(zip(counts.tolist(), uniq.tolist()), reverse=True)]


def test_structured_data_example(tmp_path):
    x, y = _heart_like()
    ds = keras.utils.Dataset.from_tensor_slices((x, y)).batch(16)
    fs = _heart_space()
    fs.adapt(ds.map(lambda features, _: features))

    # The encoded vector, built by hand: sorted feature names, then the sorted crosses.
    age = fs.preprocessors["age"]
    bins = np.digitize(x["age"], age.bin_boundaries)
    index = {
        name: {v: i for i, v in enumerate(_vocab_order(x[name]))} for name in ("sex", "cp", "thal")
    }
    parts = [
        np.eye(8)[bins],
        ((x["chol"] - x["chol"].mean()) / x["chol"].std())[:, None],
        np.eye(4)[[index["cp"][v] for v in x["cp"]]],
        np.eye(2)[[index["sex"][v] for v in x["sex"]]],
        ((x["slope"] - x["slope"].mean()) / x["slope"].std())[:, None],
        np.eye(3)[[index["thal"][v] for v in x["thal"]]],
    ]
    sex_ids = np.array([index["sex"][v] for v in x["sex"]])
    thal_ids = np.array([index["thal"][v] for v in x["thal"]])
    cp_ids = np.array([index["cp"][v] for v in x["cp"]])
    parts.append(np.eye(16)[np.asarray(HashedCrossing(16)((sex_ids, bins)))])
    parts.append(np.eye(8)[np.asarray(HashedCrossing(8)((thal_ids, cp_ids)))])
    expected = np.concatenate(parts, axis=1)
    out = np.asarray(fs(x))
    assert out.shape == (64, 8 + 4 + 1 + 2 + 1 + 3 + 16 + 8)
    np.testing.assert_allclose(out, expected, atol=1e-4)

    # One sample (scalars) gives one vector without the batch axis.
    sample = {k: v[3].item() if hasattr(v[3], "item") else v[3] for k, v in x.items()}
    np.testing.assert_allclose(np.asarray(fs(sample)), expected[3], atol=1e-4)

    # In a dataset map, then a model on the encoded features and one on the raw inputs.
    preprocessed = ds.map(lambda features, label: (fs(features), label))
    batch, _ = next(iter(preprocessed))
    np.testing.assert_allclose(batch, expected[:16], atol=1e-4)
    encoded = fs.get_encoded_features()
    assert encoded.shape == (None, 43)
    hidden = keras.layers.Dense(8, activation="relu")(encoded)
    prediction = keras.layers.Dense(1, activation="sigmoid")(hidden)
    training_model = keras.Model(encoded, prediction)
    training_model.compile("adam", "binary_crossentropy")
    training_model.fit(preprocessed, epochs=1, verbose=0)
    inference_model = keras.Model(fs.get_inputs(), prediction)
    np.testing.assert_allclose(
        inference_model.predict(x, verbose=0),
        training_model.predict(expected.astype("float32"), verbose=0),
        atol=1e-5,
    )
    one = {k: np.array([v[5]]) for k, v in x.items()}
    np.testing.assert_allclose(
        inference_model(one), training_model(expected[5:6].astype("float32")), atol=1e-5
    )

    # Saved as Keras saves it: config, weights and the vocabularies as assets.
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    restored = keras.models.load_model(path)
    assert isinstance(restored, FS)
    np.testing.assert_allclose(np.asarray(restored(x)), out, atol=1e-6)
    import zipfile

    names = zipfile.ZipFile(path).namelist()
    assert "assets/preprocessors/string_lookup/vocabulary.txt" in names
    assert "assets/preprocessors/integer_lookup_1/vocabulary.txt" in names
    inference_model.save(str(tmp_path / "model.keras"))
    reloaded = keras.models.load_model(str(tmp_path / "model.keras"))
    np.testing.assert_allclose(
        reloaded.predict(x, verbose=0), inference_model.predict(x, verbose=0), atol=1e-6
    )


def test_dict_mode_hashing_and_int_outputs():
    data = {
        "s": np.array(["a", "b", "c", "a"]),
        "i": np.array([10, 20, 10, 30]),
        "h": np.array(["x", "y", "z", "x"]),
        "k": np.array([1, 2, 3, 4]),
    }
    fs = FS(
        features={
            "s": FS.string_categorical(output_mode="int"),
            "i": FS.integer_categorical(max_tokens=3, output_mode="int"),
            "h": FS.string_hashed(num_bins=5),
            "k": "integer_hashed",
        },
        crosses=[FS.cross(("s", "i"), crossing_dim=7, output_mode="int")],
        output_mode="dict",
        hashing_dim=6,
    )
    fs.adapt(data)
    out = fs(data)
    assert list(out) == ["h", "i", "k", "s", "s_X_i"]
    assert np.asarray(out["s"]).tolist() == [[1], [3], [2], [1]]  # 0 is the OOV index
    # Ties go to the larger value: the vocabulary is [OOV, 10, 30]; 20 is out of it.
    assert np.asarray(out["i"]).tolist() == [[1], [0], [1], [2]]
    hashed = np.asarray(keras.layers.Hashing(5)(data["h"][:, None]))[:, 0]
    np.testing.assert_array_equal(np.asarray(out["h"]), np.eye(5)[hashed])
    assert np.asarray(out["k"]).shape == (4, 6)
    crossed = HashedCrossing(7)((np.asarray(out["s"]), np.asarray(out["i"])))
    np.testing.assert_array_equal(np.asarray(out["s_X_i"]), np.asarray(crossed))


def test_adapt_on_unbatched_dataset_and_custom_feature():
    texts = ["red fish", "blue fish", "red car"]
    layer = keras.layers.TextVectorization(output_mode="multi_hot")
    fs = FS(
        features={
            "text": FS.feature(dtype="string", preprocessor=layer, output_mode="float"),
            "v": FS.float_rescaled(scale=2.0, offset=1.0),
        }
    )
    fs.adapt(keras.utils.Dataset.from_tensor_slices({"text": texts, "v": [0.0, 1.0, 2.0]}))
    assert layer.get_vocabulary() == ["[UNK]", "red", "fish", "car", "blue"]
    out = np.asarray(fs({"text": np.array(texts), "v": np.array([0.0, 1.0, 2.0])}))
    np.testing.assert_allclose(out[:, -1], [1.0, 3.0, 5.0])
    np.testing.assert_allclose(out[0, :5], [0, 1, 1, 0, 0])


def test_bad_inputs():
    with pytest.raises(ValueError, match="Invalid feature type"):
        FS({"a": "floaty"})
    with pytest.raises(ValueError, match="unknown features"):
        FS({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="output_mode"):
        FS({"a": "float"}, output_mode="list")
    fs = FS({"a": "float_normalized"})
    with pytest.raises(ValueError, match="adapt"):
        fs({"a": [1.0]})
    with pytest.raises(ValueError, match="dict of arrays"):
        fs.adapt(np.zeros(3))
    fs.adapt({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="only be called with a dict"):
        fs([1.0])
    with pytest.raises(ValueError, match=r"no value for the features \['a'\]"):
        fs({"b": [1.0]})
    concat = FS({"n": FS.integer_categorical(output_mode="int")})
    with pytest.raises(ValueError, match="Cannot concatenate features because feature 'n'"):
        concat.adapt({"n": [1, 2]})


def test_feature_space_file_layout(tmp_path):
    fs = FS({"c": FS.string_categorical(name="c"), "x": FS.float_normalized(name="x")})
    fs.adapt({"c": ["p", "q", "q"], "x": [1.0, 2.0, 3.0]})
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as z:
        z.extractall(tmp_path / "out")
    groups = []
    with h5py.File(os.path.join(tmp_path / "out", "model.weights.h5")) as f:
        f.visit(groups.append)
    assert "preprocessors/normalization/vars/0" in groups
    assert "one_hot_encoders/category_encoding/vars" in groups
    assert "concat/vars" in groups
    vocab = (tmp_path / "out" / "assets/preprocessors/string_lookup/vocabulary.txt").read_text()
    assert vocab.split("\n") == ["[UNK]", "q", "p"]
