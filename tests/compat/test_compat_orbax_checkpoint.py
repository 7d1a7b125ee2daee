"""`callbacks.OrbaxCheckpoint` against Keras 3.15 (JAX backend): the same steps on disk, a
resumed `fit` equal to an uninterrupted one, and checkpoints crossing both ways."""

import os
import sys

import numpy as np
import pytest

pytest.importorskip("orbax.checkpoint")

import lamina  # noqa: E402

X = np.random.RandomState(0).rand(16, 3).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _model(ns, seed=1):
    inputs = ns.Input((3,))
    hidden = ns.layers.Dense(4, activation="tanh", name="enc")(inputs)
    model = ns.Model(inputs, ns.layers.Dense(1, name="dec")(hidden))
    rng = np.random.RandomState(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=ns.optimizers.Adam(0.01, name="adam"), loss="mse", metrics=["mae"])
    return model


def _fit(model, callbacks=(), **kwargs):
    kwargs.setdefault("epochs", 2)
    return model.fit(
        X, Y, batch_size=4, shuffle=False, verbose=0, callbacks=list(callbacks), **kwargs
    )


def _steps(directory):
    return sorted(int(s) for s in os.listdir(directory) if s.isdigit())


def _assert_same(a, b):
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    assert [v.path for v in a.optimizer.variables] == [v.path for v in b.optimizer.variables]
    for x, y in zip(a.optimizer.variables, b.optimizer.variables):
        np.testing.assert_allclose(np.asarray(x.value), np.asarray(y.value), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("save_on_background", [True, False])
def test_resumed_fit_equals_uninterrupted(tmp_path, save_on_background):
    directory = str(tmp_path / "ckpt")
    uninterrupted = _model(lamina)
    _fit(uninterrupted, epochs=4)

    interrupted = _model(lamina)
    checkpoint = lamina.callbacks.OrbaxCheckpoint(
        directory, max_to_keep=2, save_on_background=save_on_background
    )
    _fit(interrupted, [checkpoint], epochs=2)
    assert _steps(directory) == [0, 1]

    resumed = _model(lamina, seed=7)  # other weights: all of them come from the checkpoint
    resumed.load_weights(directory)
    assert int(resumed.optimizer.iterations) == 8
    _assert_same(resumed, interrupted)
    _fit(resumed, epochs=4, initial_epoch=2)
    _assert_same(resumed, uninterrupted)

    # load_model rebuilds the compiled model from the checkpoint's config.
    rebuilt = lamina.saving.load_model(directory)
    _assert_same(rebuilt, interrupted)


def test_batch_schedule_and_max_to_keep_match_keras(keras, tmp_path):
    def run(ns, directory, resume_from=None):
        model = _model(ns)
        if resume_from is not None:
            # Keras restores optimizer slots only into a built optimizer (lamina builds it).
            model.optimizer.build(model.trainable_variables)
            model.load_weights(resume_from)
        checkpoint = ns.callbacks.OrbaxCheckpoint(directory, save_freq=3, max_to_keep=2)
        _fit(model, [checkpoint], epochs=2)
        checkpoint.wait_until_finished()
        return model

    ours = run(lamina, str(tmp_path / "ours"))
    theirs = run(keras, str(tmp_path / "theirs"))
    # 8 batches: saves after batches 3 and 6 (global counts); with 2 kept, both remain.
    assert _steps(tmp_path / "ours") == _steps(tmp_path / "theirs") == [3, 6]
    # Resuming from the latest step (6) continues the global batch count from the restored
    # optimizer's iterations.
    ours2 = run(lamina, str(tmp_path / "ours2"), resume_from=str(tmp_path / "ours"))
    theirs2 = run(keras, str(tmp_path / "theirs2"), resume_from=str(tmp_path / "theirs"))
    assert _steps(tmp_path / "ours2") == _steps(tmp_path / "theirs2") == [9, 12]
    _assert_same(ours, theirs)
    # The mid-epoch checkpoints (saved in the background while training went on) held the
    # same state on both sides.
    _assert_same(ours2, theirs2)


def test_checkpoints_cross_both_ways(keras, tmp_path):
    ours, theirs = _model(lamina), _model(keras)
    theirs.set_weights(ours.get_weights())
    _fit(ours, [lamina.callbacks.OrbaxCheckpoint(str(tmp_path / "ours"))])
    _fit(theirs, [keras.callbacks.OrbaxCheckpoint(str(tmp_path / "theirs"))])
    _assert_same(ours, theirs)

    from_keras = lamina.saving.load_model(str(tmp_path / "theirs"))
    _assert_same(from_keras, theirs)
    from_lamina = keras.saving.load_model(str(tmp_path / "ours"))
    _assert_same(ours, from_lamina)

    target = _model(lamina, seed=3)
    target.load_weights(str(tmp_path / "theirs" / "1"))  # a step directory directly
    _assert_same(target, theirs)
    target = _model(keras, seed=3)
    target.optimizer.build(target.trainable_variables)
    target.load_weights(str(tmp_path / "ours"))
    _assert_same(ours, target)


def test_save_best_only_and_weights_only(tmp_path):
    directory = str(tmp_path / "best")
    checkpoint = lamina.callbacks.OrbaxCheckpoint(
        directory, monitor="loss", mode="max", save_best_only=True, max_to_keep=None
    )
    model = _model(lamina)
    _fit(model, [checkpoint], epochs=3)
    assert _steps(directory) == [0]  # the loss only goes down: epoch 0 stays the best

    directory = str(tmp_path / "weights")
    model = _model(lamina)
    _fit(model, [lamina.callbacks.OrbaxCheckpoint(directory, save_weights_only=True)])
    fresh = _model(lamina, seed=5)
    fresh.load_weights(directory)
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b)
    assert int(fresh.optimizer.iterations) == 0  # weights only: no optimizer state
    with pytest.raises(ValueError, match="save_weights_only"):
        lamina.saving.load_model(directory)


def test_other_optimizer_name_still_restores(tmp_path):
    model = _model(lamina)
    _fit(model, [lamina.callbacks.OrbaxCheckpoint(str(tmp_path / "c"))])
    other = _model(lamina)
    # An automatic name taken twice in one process would be `adam_1`.
    other.compile(optimizer=lamina.optimizers.Adam(name="adam_1"), loss="mse", metrics=["mae"])
    other.load_weights(str(tmp_path / "c"))
    assert int(other.optimizer.iterations) == 8


def test_arguments_and_missing_orbax(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="save_freq"):
        lamina.callbacks.OrbaxCheckpoint(str(tmp_path), save_freq="batch")
    with pytest.raises(ValueError, match="max_to_keep"):
        lamina.callbacks.OrbaxCheckpoint(str(tmp_path), max_to_keep=0)
    monkeypatch.setitem(sys.modules, "orbax.checkpoint", None)
    with pytest.raises(ImportError, match=r"lamina\[orbax\]"):
        lamina.callbacks.OrbaxCheckpoint(str(tmp_path))
