"""Whole-model saving: `model.save` / `load_model`, JSON, `clone_model`, and unsafe or broken
files refused with clear errors."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

import lamina as keras
from lamina.saving import ModelFileError

ATOL = 1e-6
RNG = np.random.default_rng(0)
X4 = RNG.random((16, 4), dtype=np.float32)
Y3 = RNG.integers(0, 3, 16)


# --------------------------------------------------------------------------------- models
def _sequential(dropout=False):
    layers = [keras.Input((4,)), keras.layers.Dense(8, activation="relu", name="d1")]
    if dropout:
        layers.append(keras.layers.Dropout(0.2))
    layers.append(keras.layers.Dense(3, activation="softmax", name="out"))
    return keras.Sequential(layers, name="seq")


def _functional():
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    shared = keras.layers.Dense(4, name="shared")
    sa, sb = shared(a), shared(b)
    cls = keras.layers.Dense(2, name="cls")(keras.layers.Add(name="add")([sa, sb]))
    reg = keras.layers.Dense(1, name="reg")(keras.layers.Concatenate(name="cat")([sa, sb]))
    return keras.Model([a, b], [cls, reg], name="fn")


@keras.saving.register_keras_serializable(package="lamina_tests", name="Tower")
class Tower(keras.Model):
    """A subclassed model with its own config."""

    def __init__(self, units=6, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="tanh")
        self.head = keras.layers.Dense(2)

    def call(self, x):
        return self.head(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Scale(keras.layers.Layer):
    """A custom layer that is not registered."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _same_weights(a, b, atol=ATOL):
    wa, wb = a.variables, b.variables
    assert len(wa) == len(wb)
    for u, v in zip(wa, wb):
        np.testing.assert_allclose(np.asarray(u.value), np.asarray(v.value), atol=atol)


# --------------------------------------------------------------------------------- round trips
def test_sequential_round_trip(tmp_path):
    model = _sequential(dropout=True)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X4, Y3, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        assert json.loads(archive.read("metadata.json"))["keras_version"].startswith("3.")
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, keras.Sequential)
    np.testing.assert_allclose(
        loaded.predict(X4, verbose=0), model.predict(X4, verbose=0), atol=ATOL
    )
    assert json.loads(loaded.to_json()) == json.loads(model.to_json())
    assert loaded.compiled and int(loaded.optimizer.iterations.value) == 1
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]


def test_functional_shared_layer_two_outputs(tmp_path):
    model = _functional()
    xa, xb = RNG.random((8, 5), dtype=np.float32), RNG.random((8, 5), dtype=np.float32)
    model.save(tmp_path / "f.keras")
    loaded = keras.saving.load_model(tmp_path / "f.keras")
    for got, want in zip(loaded.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(got, want, atol=ATOL)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.to_json() == model.to_json()


def test_subclassed_registered_model(tmp_path):
    model = Tower(units=5, name="tower")
    model(X4)
    model.save(tmp_path / "t.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "t.keras").read("config.json"))
    assert config["registered_name"] == "lamina_tests>Tower"
    loaded = keras.models.load_model(tmp_path / "t.keras")
    assert isinstance(loaded, Tower) and loaded.units == 5
    np.testing.assert_allclose(
        loaded.predict(X4, verbose=0), model.predict(X4, verbose=0), atol=ATOL
    )


@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum"])
def test_training_resumes_exactly(tmp_path, optimizer):
    opt = keras.optimizers.SGD(0.1, momentum=0.9) if optimizer == "sgd_momentum" else "adam"
    model = _sequential()
    model.compile(opt, "sparse_categorical_crossentropy")
    model.fit(X4, Y3, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert int(loaded.optimizer.iterations.value) == int(model.optimizer.iterations.value)
    _same_weights(model.optimizer, loaded.optimizer)
    model.train_on_batch(X4, Y3)
    loaded.train_on_batch(X4, Y3)
    _same_weights(model, loaded)


def test_compile_false_and_include_optimizer(tmp_path):
    model = _sequential()
    model.compile("adam", "mse")
    model.fit(X4, np.eye(3, dtype="float32")[Y3], verbose=0)
    model.save(tmp_path / "m.keras")
    assert not keras.models.load_model(tmp_path / "m.keras", compile=False).compiled
    model.save(tmp_path / "n.keras", include_optimizer=False)
    loaded = keras.models.load_model(tmp_path / "n.keras")
    assert loaded.compiled and int(loaded.optimizer.iterations.value) == 0


def test_directory_and_file_object_forms(tmp_path):
    model = _sequential()
    model.save(tmp_path / "d", zipped=False)
    assert sorted(os.listdir(tmp_path / "d")) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "plain")  # Keras refuses a path without suffix
    model.save(tmp_path / "plain", zipped=False)
    buffer = io.BytesIO()
    keras.saving.save_model(model, buffer)
    buffer.seek(0)
    want = model.predict(X4, verbose=0)
    for source in (tmp_path / "d", tmp_path / "plain", buffer):
        np.testing.assert_allclose(keras.models.load_model(source).predict(X4, verbose=0), want)
    model.save(tmp_path / "d", zipped=False)  # overwriting a directory works
    with pytest.raises(ValueError, match=".keras"):
        model.save(tmp_path / "x.keras", zipped=False)
    with pytest.raises(ValueError, match="extension"):
        model.save(tmp_path / "x.pb")
    with pytest.raises(ValueError, match="SavedModel"):
        model.save(tmp_path / "x", save_format="tf")
    with pytest.raises(ValueError, match="unsupported"):
        model.save(tmp_path / "x.keras", bogus=1)


def test_overwrite_false(tmp_path):
    model = _sequential()
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_atomic_save_keeps_old_file(tmp_path, monkeypatch):
    model = _sequential()
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()
    from lamina.saving import weights_io

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(weights_io, "write_weights", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(tmp_path / "d", zipped=False)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]


# --------------------------------------------------------------------------------- custom objects
def _scale_model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, Scale(3.0, name="scale")(keras.layers.Dense(2)(inputs)))


def test_custom_objects_and_missing_class(tmp_path):
    model = _scale_model()
    model.save(tmp_path / "s.keras")
    with pytest.raises(TypeError, match="Scale") as info:
        keras.models.load_model(tmp_path / "s.keras")
    assert "register_keras_serializable" in str(info.value)
    assert "s.keras" in str(info.value)
    loaded = keras.models.load_model(tmp_path / "s.keras", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(X4, verbose=0), model.predict(X4, verbose=0))
    with keras.saving.custom_object_scope({"Scale": Scale}):
        keras.models.load_model(tmp_path / "s.keras")


# --------------------------------------------------------------------------------- safety
def test_lambda_refused_in_safe_mode(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2.0 + 1.0)(inputs))
    model.save(tmp_path / "l.keras")
    with pytest.raises(ModelFileError, match="safe_mode"):
        keras.models.load_model(tmp_path / "l.keras")
    loaded = keras.models.load_model(tmp_path / "l.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X4, verbose=0), X4 * 2.0 + 1.0, atol=ATOL)


def _rewrite(src, dst, replace=None, extra=()):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if replace and info.filename in replace:
                data = replace[info.filename]
                if data is None:
                    continue
            zout.writestr(info.filename, data)
        for name, data in extra:
            zout.writestr(name, data)


@pytest.mark.parametrize(
    "case, match",
    [
        ("truncated", "truncated or corrupt"),
        ("no_config", "no 'config.json'"),
        ("traversal", "outside the archive"),
        ("absolute", "outside the archive"),
        ("unexpected", "unexpected archive member"),
        ("bad_json", "not valid JSON"),
        ("not_a_model", "model record"),
        ("bad_h5", "not a readable HDF5"),
        ("no_weights", "no 'model.weights.h5'"),
        ("newer", "newer format"),
        ("symlink", "not a plain file"),
    ],
)
def test_malformed_archives(tmp_path, case, match):
    good = tmp_path / "good.keras"
    _sequential().save(good)
    bad = tmp_path / "bad.keras"
    if case == "truncated":
        bad.write_bytes(good.read_bytes()[:-200])
    elif case == "no_config":
        _rewrite(good, bad, {"config.json": None})
    elif case == "traversal":
        _rewrite(good, bad, extra=[("../evil.py", b"print('x')")])
    elif case == "absolute":
        _rewrite(good, bad, extra=[("/etc/evil", b"x")])
    elif case == "unexpected":
        _rewrite(good, bad, extra=[("payload.pkl", b"x")])
    elif case == "bad_json":
        _rewrite(good, bad, {"config.json": b"{not json"})
    elif case == "not_a_model":
        _rewrite(good, bad, {"config.json": b"[1, 2]"})
    elif case == "bad_h5":
        _rewrite(good, bad, {"model.weights.h5": b"garbage" * 10})
    elif case == "no_weights":
        _rewrite(good, bad, {"model.weights.h5": None})
    elif case == "newer":
        _rewrite(good, bad, {"metadata.json": b'{"keras_version": "4.0.0"}'})
    elif case == "symlink":
        _rewrite(good, bad)
        with zipfile.ZipFile(bad, "a") as archive:
            info = zipfile.ZipInfo("assets/link")
            info.external_attr = (0o120777) << 16
            archive.writestr(info, "/etc/passwd")
    with pytest.raises(ModelFileError, match=match) as info:
        keras.models.load_model(bad)
    assert "bad.keras" in str(info.value)


def test_zip_bomb_member_refused():
    from lamina.saving.archive import _check_member

    info = zipfile.ZipInfo("model.weights.h5")
    info.file_size, info.compress_size = 5 << 32, 1 << 20
    with pytest.raises(ModelFileError, match="decompression bomb"):
        _check_member("m.keras", info)
    info = zipfile.ZipInfo("config.json")
    info.file_size, info.compress_size = 1 << 30, 1 << 30
    with pytest.raises(ModelFileError, match="far more"):
        _check_member("m.keras", info)


def test_missing_and_wrong_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        keras.models.load_model(tmp_path / "nope.keras")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(ModelFileError, match="not a `.keras`"):
        keras.models.load_model(tmp_path / "x.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="config.json"):
        keras.models.load_model(tmp_path / "empty")


def test_legacy_h5_round_trip(tmp_path):
    model = _sequential()
    with pytest.warns(UserWarning):
        model.save(tmp_path / "m.h5")
    loaded = keras.models.load_model(tmp_path / "m.h5")
    x = np.ones((3, *model.input_shape[1:]), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


# --------------------------------------------------------------------------------- JSON
def test_json_round_trip_and_yaml_refused():
    model = _functional()
    model.compile("sgd", ["mse", "mae"])
    rebuilt = keras.models.model_from_json(model.to_json())
    assert rebuilt.to_json() == model.to_json()
    assert rebuilt.compiled
    assert json.loads(model.to_json(indent=2)) == json.loads(model.to_json())
    with pytest.raises(RuntimeError, match="to_json"):
        model.to_yaml()
    with pytest.raises(RuntimeError, match="model_from_json"):
        keras.models.model_from_yaml("x")
    with pytest.raises(ValueError, match="JSON"):
        keras.models.model_from_json("{oops")


# --------------------------------------------------------------------------------- cloning
def test_clone_sequential():
    model = _sequential(dropout=True)
    model.compile("adam", "mse")
    clone = keras.models.clone_model(model)
    assert isinstance(clone, keras.Sequential) and clone.compiled
    assert clone.get_config() == model.get_config()
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert not np.allclose(np.asarray(clone.weights[0].value), np.asarray(model.weights[0].value))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X4, verbose=0), model.predict(X4, verbose=0))
    new_input = keras.Input((4,), name="fresh")
    assert keras.models.clone_model(model, input_tensors=new_input).inputs[0] is new_input
    with pytest.raises(ValueError, match="call_function"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))


def test_clone_functional_shares_clones():
    model = _functional()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    calls = []

    def call_function(layer, *args, **kwargs):
        calls.append(layer.name)
        return layer(*args, **kwargs)

    clone = keras.models.clone_model(
        model, clone_function=clone_function, call_function=call_function
    )
    assert seen.count("shared") == 1 and calls.count("shared") == 2
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    xa, xb = X4[:, :1].repeat(5, 1), X4[:, 1:2].repeat(5, 1)
    for got, want in zip(clone.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(got, want, atol=ATOL)


def test_clone_nested_recursive_and_subclassed():
    inner = _sequential()
    inputs = keras.Input((4,))
    outer = keras.Model(inputs, keras.layers.Dense(1)(inner(inputs)), name="outer")
    seen = []

    def clone_function(layer):
        seen.append(type(layer).__name__)
        return layer.__class__.from_config(layer.get_config())

    keras.models.clone_model(outer, clone_function=clone_function, recursive=True)
    assert "Sequential" not in seen and seen.count("Dense") == 3
    tower = Tower(units=3)
    tower(X4)
    clone = keras.models.clone_model(tower)
    assert isinstance(clone, Tower) and clone.units == 3
    with pytest.raises(ValueError, match="Sequential and functional"):
        keras.models.clone_model(tower, clone_function=lambda layer: layer)
