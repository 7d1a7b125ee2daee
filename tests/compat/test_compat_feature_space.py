"""FeatureSpace against Keras 3.15 for the pieces Keras runs without TensorFlow: the numeric
layers it composes, its config records and its `.keras` file (both ways)."""

import json
import zipfile

import h5py
import numpy as np

import lamina


def _columns(n=100, seed=1):
    rng = np.random.default_rng(seed)
    return {
        "f": rng.normal(size=n).astype("float32"),
        "r": rng.uniform(0, 4, n).astype("float32"),
        "n": rng.normal(3.0, 2.0, n).astype("float32"),
        "d": rng.normal(size=n).astype("float32"),
    }


def test_numeric_features_match_keras_layers(keras):
    FS = lamina.utils.FeatureSpace
    data = _columns()
    fs = FS(
        {
            "f": "float",
            "r": FS.float_rescaled(scale=0.5, offset=1.0),
            "n": "float_normalized",
            "d": FS.float_discretized(num_bins=4),
        }
    )
    fs.adapt(data)  # unbatched samples: adapted in batches of 32, as Keras does
    out = np.asarray(fs(data))

    # Keras's layers on the same data and the same batches, concatenated in sorted name order.
    col = {k: v[:, None] for k, v in data.items()}
    disc = keras.layers.Discretization(num_bins=4)
    disc.reset_state()
    for i in range(0, 100, 32):
        disc.update_state(col["d"][i : i + 32])
    disc.finalize_state()
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(col["n"])
    expected = np.concatenate(
        [
            np.asarray(keras.layers.CategoryEncoding(4, output_mode="multi_hot")(disc(col["d"]))),
            col["f"],
            np.asarray(norm(col["n"])),
            np.asarray(keras.layers.Rescaling(0.5, offset=1.0)(col["r"])),
        ],
        axis=1,
    )
    np.testing.assert_allclose(fs.preprocessors["d"].bin_boundaries, disc.bin_boundaries)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def _spec(api):
    FS = api.utils.FeatureSpace
    disc = api.layers.Discretization(num_bins=3, name="d_disc")
    disc.bin_boundaries = [0.0, 1.0]  # as if adapted
    return FS(
        {
            "a": FS.feature(
                dtype="float32",
                preprocessor=api.layers.Normalization(mean=[1.0], variance=[4.0], name="a_norm"),
                output_mode="float",
            ),
            "b": FS.float_rescaled(scale=2.0, name="b"),
            "c": FS.float(name="c"),
            "d": FS.feature(
                dtype="float32",
                preprocessor=disc,
                output_mode="one_hot",
            ),
        }
    )


def _h5_groups(path):
    with zipfile.ZipFile(path) as z, z.open("model.weights.h5") as raw:
        import io

        groups = []
        with h5py.File(io.BytesIO(raw.read())) as f:
            f.visit(groups.append)
    return sorted(groups)


def _config(path):
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "shared_object_id"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(config)


def test_config_and_file_cross_with_keras(keras, tmp_path):
    ours = _spec(lamina)
    ours._is_adapted = True  # as for Keras below
    ours.get_encoded_features()
    theirs = _spec(keras)
    theirs._is_adapted = True  # nothing to learn (fixed statistics and bins); Keras asks anyway
    theirs.get_encoded_features()
    ours_path, theirs_path = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    ours.save(ours_path)
    theirs.save(theirs_path)
    assert _config(ours_path) == _config(theirs_path)
    assert _h5_groups(ours_path) == _h5_groups(theirs_path)

    data = {"a": [3.0, -1.0], "b": [1.0, 2.0], "c": [0.5, 0.25], "d": [-3.0, 0.5]}
    # Sorted names: a = (x - 1) / 2, b = 2x, c as is, d one-hot over its 3 bins.
    expected = [[1.0, 2.0, 0.5, 1.0, 0.0, 0.0], [-1.0, 4.0, 0.25, 0.0, 1.0, 0.0]]
    loaded = lamina.models.load_model(theirs_path)  # a Keras file, in lamina
    np.testing.assert_allclose(np.asarray(loaded(data)), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours(data)), expected, atol=1e-6)
    back = keras.models.load_model(ours_path)  # a lamina file, in Keras
    assert isinstance(back, keras.utils.FeatureSpace)
    assert back.get_config() == keras.models.load_model(theirs_path).get_config()
