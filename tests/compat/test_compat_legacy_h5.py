"""Legacy `.h5` model files both ways between lamina and real Keras 3 (JAX backend)."""

import json
import warnings

import h5py
import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

ATOL = 1e-6
RNG = np.random.default_rng(5)
X4 = RNG.random((16, 4), dtype=np.float32)
Y3 = RNG.random((16, 3), dtype=np.float32)
XA = RNG.random((16, 5), dtype=np.float32)
XB = RNG.random((16, 5), dtype=np.float32)


def _sequential(k):
    return k.Sequential(
        [
            k.Input((4,), name="x"),
            k.layers.Dense(8, activation="relu", name="d1"),
            k.layers.BatchNormalization(name="bn"),
            k.layers.Dropout(0.1, name="drop"),
            k.layers.Dense(3, name="out"),
        ],
        name="seq",
    )


def _functional(k):
    a = k.Input((5,), name="a")
    b = k.Input((5,), name="b")
    shared = k.layers.Dense(4, activation="tanh", name="shared")
    merged = k.layers.Concatenate(name="cat")([shared(a), shared(b)])
    hidden = k.layers.Dense(6, activation="relu", name="hidden")(merged)
    out = k.layers.Dense(2, name="out")(k.layers.Dropout(0.2, name="drop")(hidden))
    return k.Model([a, b], out, name="fn")


def _save(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)


def _randomize(model):
    for v in model.weights:
        v.assign(RNG.standard_normal(tuple(v.shape)).astype("float32") * 0.5)


def test_keras_sequential_h5_loads_in_lamina_compiled(tmp_path):
    model = _sequential(keras)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X4, Y3, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "k.h5")
    _save(model, path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(
        loaded.predict(X4, verbose=0), np.asarray(model.predict(X4, verbose=0)), atol=ATOL
    )
    # Keras cannot compile its own file back ('mae'); lamina can, with Keras's numbers.
    np.testing.assert_allclose(
        loaded.evaluate(X4, Y3, verbose=0), model.evaluate(X4, Y3, verbose=0), rtol=1e-5
    )
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_allclose(np.asarray(saved), restored.numpy(), atol=ATOL)


def test_keras_functional_h5_loads_in_lamina(tmp_path):
    model = _functional(keras)
    _randomize(model)
    path = str(tmp_path / "k.h5")
    _save(model, path)
    loaded = lamina.models.load_model(path, compile=False)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(
        loaded.predict([XA, XB], verbose=0),
        np.asarray(model.predict([XA, XB], verbose=0)),
        atol=ATOL,
    )


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_lamina_h5_loads_in_keras(tmp_path, build):
    model = build(lamina)
    _randomize(model)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    inputs = X4 if build is _sequential else [XA, XB]
    path = str(tmp_path / "l.h5")
    _save(model, path)
    loaded = keras.saving.load_model(path, compile=False)
    np.testing.assert_allclose(
        np.asarray(loaded.predict(inputs, verbose=0)), model.predict(inputs, verbose=0), atol=ATOL
    )


def test_same_model_config_as_keras(tmp_path):
    """lamina's `model_config` and weight tree equal those of Keras's legacy saver."""
    paths = []
    for k, name in ((keras, "k.h5"), (lamina, "l.h5")):
        model = _sequential(k)
        model.build((None, 4))
        paths.append(str(tmp_path / name))
        _save(model, paths[-1])
    with h5py.File(paths[0]) as kf, h5py.File(paths[1]) as lf:
        assert json.loads(kf.attrs["model_config"]) == json.loads(lf.attrs["model_config"])
        k_names: list = []
        l_names: list = []
        kf.visit(k_names.append)
        lf.visit(l_names.append)
        assert k_names == l_names
        for group in ("model_weights", "model_weights/d1", "model_weights/bn"):
            for attr in ("layer_names", "weight_names"):
                if attr in kf[group].attrs:
                    assert list(kf[group].attrs[attr]) == list(lf[group].attrs[attr])


def test_load_weights_from_keras_model_file(tmp_path):
    """A Keras 2-layout file (Keras 3 writes it only as a model file) feeds `load_weights`."""
    model = _sequential(keras)
    model.build((None, 4))
    _randomize(model)
    path = str(tmp_path / "k.h5")
    _save(model, path)
    target = lamina.Sequential(
        [
            lamina.Input((4,)),
            lamina.layers.Dense(8, activation="relu"),
            lamina.layers.BatchNormalization(),
            lamina.layers.Dropout(0.1),
            lamina.layers.Dense(3),
        ]
    )
    target.load_weights(path)
    np.testing.assert_allclose(
        target.predict(X4, verbose=0), np.asarray(model.predict(X4, verbose=0)), atol=ATOL
    )
