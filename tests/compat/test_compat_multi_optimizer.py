"""`MultiOptimizer` and `OptimizerMap` against Keras 3.15 (JAX backend): the same weights and
optimizer variables after `fit`, the same config, `.keras` files both ways (which also covers
the file layout of wrapped optimizers: `optimizer/optimizers/<name>` and, for
`LossScaleOptimizer`, `optimizer/inner_optimizer`)."""

import warnings
import zipfile

import h5py
import numpy as np
import pytest

import lamina

X = np.random.RandomState(0).rand(16, 3).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _model(ns):
    inputs = ns.Input((3,))
    hidden = ns.layers.Dense(4, activation="tanh", name="enc")(inputs)
    return ns.Model(inputs, ns.layers.Dense(1, name="dec")(hidden))


def _pair(keras):
    ours, theirs = _model(lamina), _model(keras)
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def _multi(ns, **kwargs):
    optimizer_map = ns.optimizers.OptimizerMap(ns.optimizers.SGD(0.1, momentum=0.5, name="sgd"))
    optimizer_map["enc/.*"] = ns.optimizers.Adam(0.01, clipnorm=0.5, name="adam")
    return ns.optimizers.MultiOptimizer(optimizer_map, name="multi", **kwargs)


def _assert_same_state(ours, theirs):
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert [v.path for v in ours.optimizer.variables] == [
        v.path for v in theirs.optimizer.variables
    ]
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss_scale_factor", [None, 8.0])
def test_fit_matches_keras(keras, loss_scale_factor):
    ours, theirs = _pair(keras)
    ours.compile(optimizer=_multi(lamina, loss_scale_factor=loss_scale_factor), loss="mse")
    theirs.compile(optimizer=_multi(keras, loss_scale_factor=loss_scale_factor), loss="mse")
    h1 = ours.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    h2 = theirs.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    _assert_same_state(ours, theirs)
    assert [int(o.iterations) for o in ours.optimizer.optimizers] == [8, 8]
    assert int(ours.optimizer.iterations) == int(theirs.optimizer.iterations) == 8


def test_callable_map_matches_keras(keras):
    def selector(ns):
        adam = ns.optimizers.Adam(0.02, name="adam")
        rms = ns.optimizers.RMSprop(0.01, name="rmsprop")
        return lambda variable: adam if variable.path.endswith("kernel") else rms

    ours, theirs = _pair(keras)
    ours.compile(optimizer=lamina.optimizers.MultiOptimizer(selector(lamina)), loss="mse")
    theirs.compile(optimizer=keras.optimizers.MultiOptimizer(selector(keras)), loss="mse")
    ours.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    theirs.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    _assert_same_state(ours, theirs)


def test_apply_and_stateless_apply(keras):
    def run(ns):
        w1 = ns.Variable(np.full((2,), 2.0, "float32"), name="kernel")
        w2 = ns.Variable(np.full((2,), 3.0, "float32"), name="bias")
        optimizer_map = ns.optimizers.OptimizerMap(ns.optimizers.SGD(1.0))
        optimizer_map[".*kernel"] = ns.optimizers.SGD(0.1)
        multi = ns.optimizers.MultiOptimizer(optimizer_map)
        multi.build([w1, w2])
        grads = [np.ones((2,), "float32"), np.ones((2,), "float32")]
        new_vars, new_opt = multi.stateless_apply(
            [v.value for v in multi.variables], grads, [w1.value, w2.value]
        )
        return [np.asarray(v) for v in new_vars], [np.asarray(v) for v in new_opt]

    ours, theirs = run(lamina), run(keras)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(ours[0][0], [1.9, 1.9], rtol=1e-6)

    # The stateful form updates the variables in place.
    w = lamina.Variable(np.full((2,), 2.0, "float32"), name="kernel")
    multi = lamina.optimizers.MultiOptimizer(
        lamina.optimizers.OptimizerMap(lamina.optimizers.SGD(0.5))
    )
    multi.apply([np.ones((2,), "float32")], [w])
    np.testing.assert_allclose(np.asarray(w.value), [1.5, 1.5])
    assert int(multi.iterations) == 1


def test_config_matches_keras(keras):
    ours, theirs = _multi(lamina), _multi(keras)
    assert lamina.optimizers.serialize(ours) == keras.optimizers.serialize(theirs)
    rebuilt = lamina.optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert isinstance(rebuilt, lamina.optimizers.MultiOptimizer)
    assert rebuilt.get_config() == ours.get_config()
    assert [o.name for o in rebuilt.optimizers] == ["adam", "sgd"]
    # And Keras reads lamina's record.
    back = keras.optimizers.deserialize(lamina.optimizers.serialize(ours))
    assert back.get_config() == theirs.get_config()


def _h5_groups(path):
    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as raw:
        with h5py.File(raw) as h5:
            names = []
            h5.visit(lambda n: names.append(n) if n.startswith("optimizer") else None)
            return sorted(names)


def test_keras_file_both_ways(keras, tmp_path):
    ours, theirs = _pair(keras)
    ours.compile(optimizer=_multi(lamina), loss="mse")
    theirs.compile(optimizer=_multi(keras), loss="mse")
    ours.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    theirs.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    assert _h5_groups(tmp_path / "ours.keras") == _h5_groups(tmp_path / "theirs.keras")

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "Skipping variable loading"
        ours_loaded = lamina.saving.load_model(tmp_path / "theirs.keras")
        theirs_loaded = keras.saving.load_model(tmp_path / "ours.keras")
    assert isinstance(ours_loaded.optimizer, lamina.optimizers.MultiOptimizer)
    _assert_same_state(ours_loaded, theirs)
    _assert_same_state(ours, theirs_loaded)
    # Training resumes from the loaded state on both sides.
    ours_loaded.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    theirs.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    _assert_same_state(ours_loaded, theirs)


def test_loss_scale_optimizer_file_layout_matches_keras(keras, tmp_path):
    ours, theirs = _pair(keras)
    ours.compile(
        optimizer=lamina.optimizers.LossScaleOptimizer(lamina.optimizers.Adam()), loss="mse"
    )
    theirs.compile(
        optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()), loss="mse"
    )
    ours.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    theirs.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    assert _h5_groups(tmp_path / "ours.keras") == _h5_groups(tmp_path / "theirs.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loaded = lamina.saving.load_model(tmp_path / "theirs.keras")
        keras.saving.load_model(tmp_path / "ours.keras")
    for a, b in zip(loaded.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-6)


def test_errors_match_keras_rules():
    opt_map = lamina.optimizers.OptimizerMap(lamina.optimizers.SGD())
    opt_map[".*kernel"] = lamina.optimizers.Adam()
    with pytest.raises(ValueError, match="already exists"):
        opt_map[".*kernel"] = lamina.optimizers.Adam()
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        opt_map["x"] = lamina.optimizers.LossScaleOptimizer(lamina.optimizers.SGD())
    with pytest.raises(TypeError, match="default_optimizer"):
        lamina.optimizers.OptimizerMap("sgd")
    opt_map[".*dense.*"] = lamina.optimizers.SGD()
    with pytest.raises(ValueError, match="Multiple optimizers"):
        opt_map["dense/kernel"]
    multi = lamina.optimizers.MultiOptimizer(opt_map)
    with pytest.raises(AttributeError, match="sub-optimizers"):
        _ = multi.learning_rate
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate = 0.1
