"""The legacy Keras 2 `.h5` model format: round trips, compile state, atomic writes, errors,
and `load_weights` of a Keras 2 layout told apart by content."""

import json
import os
import warnings

import h5py
import numpy as np
import pytest

import lamina as keras
from lamina.saving import legacy_h5_weights
from lamina.saving.archive import ModelFileError

RNG = np.random.default_rng(3)
X4 = RNG.random((16, 4), dtype=np.float32)
Y3 = RNG.random((16, 3), dtype=np.float32)
XA = RNG.random((16, 5), dtype=np.float32)
XB = RNG.random((16, 5), dtype=np.float32)


def _sequential(prefix: str = ""):
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu", name=f"{prefix}d1"),
            keras.layers.BatchNormalization(name=f"{prefix}bn"),
            keras.layers.Dropout(0.1, name=f"{prefix}drop"),
            keras.layers.Dense(3, name=f"{prefix}out"),
        ],
        name="seq",
    )


def _functional():
    a = keras.Input((5,), name="a")
    b = keras.Input((5,), name="b")
    shared = keras.layers.Dense(4, activation="tanh", name="shared")
    merged = keras.layers.Concatenate(name="cat")([shared(a), shared(b)])
    out = keras.layers.Dense(2, name="out")(merged)
    return keras.Model([a, b], out, name="fn")


def _save(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)


def test_sequential_round_trip_compiled_mse_mae(tmp_path):
    model = _sequential()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X4, Y3, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "m.h5")
    with pytest.warns(UserWarning, match="legacy"):
        model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded).__name__ == "Sequential"
    assert [layer.name for layer in loaded.layers] == ["d1", "bn", "drop", "out"]
    np.testing.assert_array_equal(model.predict(X4, verbose=0), loaded.predict(X4, verbose=0))
    np.testing.assert_allclose(
        model.evaluate(X4, Y3, verbose=0), loaded.evaluate(X4, Y3, verbose=0), rtol=1e-6
    )
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())


def test_training_resumes_with_saved_optimizer_state(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(X4, Y3, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "m.h5")
    _save(model, path)
    loaded = keras.models.load_model(path)
    model.fit(X4, Y3, epochs=1, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(X4, Y3, epochs=1, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(
        model.predict(X4, verbose=0), loaded.predict(X4, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_file_layout_matches_keras_legacy_saver(tmp_path):
    model = _sequential()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X4, Y3, epochs=1, verbose=0)
    path = str(tmp_path / "m.h5")
    _save(model, path)
    with h5py.File(path) as f:
        assert f.attrs["backend"] == "jax" and f.attrs["keras_version"].startswith("3.")
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        assert set(config["config"]["layers"][1]) == {"class_name", "config"}
        training = json.loads(f.attrs["training_config"])
        assert training["loss"] == "mse" and training["metrics"] == ["mae"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        weights = f["model_weights"]
        assert legacy_h5_weights.read_name_list(weights, "layer_names") == [
            "d1",
            "bn",
            "drop",
            "out",
        ]
        assert legacy_h5_weights.read_name_list(weights["d1"], "weight_names") == [
            "seq/d1/kernel",
            "seq/d1/bias",
        ]
        assert weights["d1/seq/d1/kernel"].shape == (4, 8)
        assert legacy_h5_weights.read_name_list(weights["drop"], "weight_names") == []
        assert "top_level_model_weights" in weights
        names = legacy_h5_weights.read_name_list(f["optimizer_weights"], "weight_names")
        prefix = model.optimizer.name
        assert names[:2] == [f"{prefix}/iteration", f"{prefix}/learning_rate"]


def test_functional_round_trip(tmp_path):
    model = _functional()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse"])
    y = RNG.random((16, 2), dtype=np.float32)
    model.fit([XA, XB], y, epochs=1, verbose=0)
    path = str(tmp_path / "fn.h5")
    _save(model, path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(
        model.predict([XA, XB], verbose=0), loaded.predict([XA, XB], verbose=0)
    )
    np.testing.assert_allclose(
        model.evaluate([XA, XB], y, verbose=0), loaded.evaluate([XA, XB], y, verbose=0)
    )
    uncompiled = keras.models.load_model(path, compile=False)
    assert getattr(uncompiled, "optimizer", None) is None
    np.testing.assert_array_equal(
        model.predict([XA, XB], verbose=0), uncompiled.predict([XA, XB], verbose=0)
    )


def test_include_optimizer_false_and_uncompiled(tmp_path):
    model = _sequential()
    model.compile(optimizer="adam", loss="mse")
    path = str(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path, include_optimizer=False)
    with h5py.File(path) as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match="not compiled"):
        loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(model.predict(X4, verbose=0), loaded.predict(X4, verbose=0))


def test_save_is_atomic(tmp_path, monkeypatch):
    model = _sequential()
    model.build((None, 4))
    path = tmp_path / "m.h5"
    path.write_bytes(b"previous contents")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(legacy_h5_weights, "write_model_weights", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        _save(model, str(path))
    assert path.read_bytes() == b"previous contents"
    assert os.listdir(tmp_path) == ["m.h5"]


def test_corrupt_and_foreign_files_raise_clear_errors(tmp_path):
    model = _sequential()
    model.build((None, 4))
    good = str(tmp_path / "good.h5")
    _save(model, good)
    data = open(good, "rb").read()
    bad = tmp_path / "bad.h5"
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError, match="bad.h5.*HDF5"):
        keras.models.load_model(str(bad))
    no_config = str(tmp_path / "weights_only.h5")
    with h5py.File(no_config, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
    with pytest.raises(ModelFileError, match="no model config"):
        keras.models.load_model(no_config)
    with h5py.File(good, "a") as f:
        del f["model_weights/d1"]
    with pytest.raises(ModelFileError, match="good.h5"):
        keras.models.load_model(good)


def test_load_weights_of_keras2_layout_by_content(tmp_path):
    source = _sequential()
    source.build((None, 4))
    for v in source.weights:
        v.assign(RNG.standard_normal(v.shape).astype("float32"))
    path = str(tmp_path / "m.h5")
    _save(source, path)
    # Different layer names: loading goes by layer order, as in Keras.
    target = _sequential(prefix="other_")
    target.build((None, 4))
    target.load_weights(path)
    np.testing.assert_array_equal(source.predict(X4, verbose=0), target.predict(X4, verbose=0))
    # by_name=True matches names: a model whose names differ gets nothing.
    fresh = _sequential(prefix="other_")
    fresh.build((None, 4))
    before = [v.numpy() for v in fresh.weights]
    fresh.load_weights(path, by_name=True)
    for old, v in zip(before, fresh.weights):
        np.testing.assert_array_equal(old, v.numpy())
    same_names = _sequential()
    same_names.build((None, 4))
    same_names.load_weights(path, by_name=True)
    np.testing.assert_array_equal(source.predict(X4, verbose=0), same_names.predict(X4, verbose=0))


def test_load_weights_mismatch_changes_nothing(tmp_path):
    source = _sequential()
    source.build((None, 4))
    path = str(tmp_path / "m.h5")
    _save(source, path)
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    before = [v.numpy() for v in other.weights]
    with pytest.raises(ValueError, match="Keras 2"):
        other.load_weights(path)
    for old, v in zip(before, other.weights):
        np.testing.assert_array_equal(old, v.numpy())


def test_save_weights_h5_keeps_keras3_layout(tmp_path):
    model = _sequential()
    model.build((None, 4))
    path = str(tmp_path / "w.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save_weights(path, save_format="h5")
    with h5py.File(path) as f:
        assert "layer_names" not in f.attrs and "model_weights" not in f
    clone = _sequential()
    clone.build((None, 4))
    clone.load_weights(path)
    np.testing.assert_array_equal(model.predict(X4, verbose=0), clone.predict(X4, verbose=0))


def test_long_name_lists_are_chunked(tmp_path):
    names = [f"layer_{i:05d}_" + "x" * 40 for i in range(2000)]
    with h5py.File(tmp_path / "a.h5", "w") as f:
        legacy_h5_weights.write_name_list(f, "layer_names", names)
        assert "layer_names" not in f.attrs and "layer_names0" in f.attrs
        assert legacy_h5_weights.read_name_list(f, "layer_names") == names


def test_reads_tf_keras2_style_file(tmp_path):
    """A file as tf.keras 2 wrote it: `batch_input_shape`, list-style inbound nodes, ':0'
    weight names, a metric wrapper record and an optimizer argument Keras 3 dropped."""
    dense = {"units": 2, "activation": "linear", "use_bias": True, "name": "dense"}
    config = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 3], "dtype": "float32", "name": "x"},
                    "name": "x",
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Dense",
                    "config": dense,
                    "name": "dense",
                    "inbound_nodes": [[["x", 0, 0, {}]]],
                },
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["dense", 0, 0]],
        },
    }
    training = {
        "loss": "mean_squared_error",
        "metrics": [
            {
                "class_name": "MeanMetricWrapper",
                "config": {"name": "mae", "dtype": "float32", "fn": "mean_absolute_error"},
            }
        ],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {
            "class_name": "Adam",
            "config": {"name": "Adam", "learning_rate": 0.01, "decay": 0.0, "beta_1": 0.9},
        },
    }
    kernel = RNG.standard_normal((3, 2)).astype("float32")
    bias = np.array([0.5, -0.5], dtype="float32")
    path = str(tmp_path / "tf2.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["training_config"] = json.dumps(training)
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"x", b"dense"]
        group.create_group("x").attrs["weight_names"] = []
        layer = group.create_group("dense")
        layer.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        layer["dense/kernel:0"] = kernel
        layer["dense/bias:0"] = bias
    model = keras.models.load_model(path)
    x = RNG.random((4, 3), dtype=np.float32)
    predicted = np.reshape(np.asarray(model.predict(x, verbose=0)), (4, 2))  # list-wrapped
    np.testing.assert_allclose(predicted, x @ kernel + bias, rtol=1e-6)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    result = model.evaluate(x, x[:, :2], return_dict=True, verbose=0)
    assert "mae" in result or "mean_absolute_error" in result
