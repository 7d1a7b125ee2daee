"""lamina's callbacks against real Keras 3 (JAX backend): the same monitored sequences give the same
stopped epochs, learning rates, checkpoint files and CSV columns."""

import csv
import os

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

N, D = 16, 3


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, D)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def model_for(lib, lr=0.1, metrics=None):
    model = lib.Sequential([lib.Input((D,)), lib.layers.Dense(1)])
    model.compile(lib.optimizers.SGD(lr), "mse", metrics=metrics)
    return model


def set_logs(lib, key, values):
    """A callback of `lib` that overwrites `logs[key]` with a crafted sequence."""

    class SetLogs(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs[key] = values[epoch]

    return SetLogs()


def drive(lib, callback, values, key="val_loss", model=None):
    """Feeds `values` as epoch logs; returns (epochs run, learning rates logged)."""
    model = model or model_for(lib)
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    ran, rates = [], []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        logs = {key: value}
        callback.on_epoch_end(epoch, logs)
        ran.append(epoch)
        if "learning_rate" in logs:
            rates.append(logs["learning_rate"])
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, rates


SEQUENCES = [
    [1.0, 0.9, 0.95, 0.97, 0.8, 0.7],
    [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.85],
    [0.5, 0.6, 0.7, 0.4, 0.41, 0.42, 0.43],
    [1.0, float("nan"), 0.5, 0.4, 0.45],
    [3.0, 2.0, 1.0, 0.99995, 0.99991, 0.5],
]
EARLY_STOPPING = [
    {},
    {"patience": 2},
    {"patience": 1, "min_delta": 0.05},
    {"patience": 2, "baseline": 0.45},
    {"patience": 1, "mode": "max"},
    {"start_from_epoch": 3},
    {"patience": 3, "restore_best_weights": True},
]


@pytest.mark.parametrize("kwargs", EARLY_STOPPING)
@pytest.mark.parametrize("values", SEQUENCES)
def test_early_stopping_same_epochs(kwargs, values):
    ours = lamina.callbacks.EarlyStopping(**kwargs)
    theirs = keras.callbacks.EarlyStopping(**kwargs)
    assert drive(lamina, ours, values) == drive(keras, theirs, values)
    assert ours.stopped_epoch == theirs.stopped_epoch
    assert ours.best_epoch == theirs.best_epoch
    assert ours.wait == theirs.wait


@pytest.mark.parametrize(
    "kwargs",
    [
        {"factor": 0.5, "patience": 2},
        {"factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.02},
        {"factor": 0.1, "patience": 1, "min_delta": 0.05, "mode": "min"},
        {"factor": 0.2, "patience": 0, "cooldown": 2},
        {"factor": 0.5, "patience": 1, "mode": "max"},
    ],
)
@pytest.mark.parametrize("values", SEQUENCES)
def test_reduce_lr_on_plateau_same_rates(kwargs, values):
    ours_ran, ours = drive(lamina, lamina.callbacks.ReduceLROnPlateau(**kwargs), values)
    theirs_ran, theirs = drive(keras, keras.callbacks.ReduceLROnPlateau(**kwargs), values)
    assert ours_ran == theirs_ran
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize(
    "schedule",
    [
        lambda epoch, lr: lr * 0.5 if epoch > 1 else lr,
        lambda epoch: 0.1 / (1 + epoch),
        lambda epoch, lr: float(np.float32(0.3) * np.float32(0.9) ** epoch),
    ],
)
def test_learning_rate_scheduler_same_rates(schedule):
    values = [1.0] * 5
    _, ours = drive(lamina, lamina.callbacks.LearningRateScheduler(schedule), values)
    _, theirs = drive(keras, keras.callbacks.LearningRateScheduler(schedule), values)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def fit_with(lib, callbacks, epochs=4, validation=True, metrics=None, y=None):
    lib.utils.set_random_seed(3)
    x, y0 = data()
    model = model_for(lib, metrics=metrics)
    return model.fit(
        x,
        y0 if y is None else y,
        epochs=epochs,
        batch_size=4,
        shuffle=False,
        verbose=0,
        validation_data=(x, y0) if validation else None,
        callbacks=callbacks,
    )


@pytest.mark.parametrize(
    "pattern, kwargs",
    [
        ("w-{epoch:02d}-{val_loss:.2f}.weights.h5", {}),
        ("b-{epoch:02d}.weights.h5", {"save_best_only": True}),
        ("t-{epoch}.weights.h5", {"save_best_only": True, "initial_value_threshold": 0.45}),
        ("m-{epoch}.weights.h5", {"save_best_only": True, "mode": "max"}),
        ("f-{epoch}-{batch}.weights.h5", {"save_freq": 3}),
        ("g-{epoch}-{batch}.weights.h5", {"save_freq": 5}),
    ],
)
def test_model_checkpoint_same_files(tmp_path, pattern, kwargs):
    values = [0.5, 0.4, 0.7, 0.3, 0.35]
    files = {}
    for name, lib in (("lamina", lamina), ("keras", keras)):
        directory = tmp_path / name
        cb = lib.callbacks.ModelCheckpoint(
            str(directory / pattern), save_weights_only=True, **kwargs
        )
        fit_with(lib, [set_logs(lib, "val_loss", values), cb], epochs=len(values))
        files[name] = sorted(os.listdir(directory))
    assert files["lamina"] == files["keras"]


@pytest.mark.parametrize("validation", [True, False])
def test_csv_logger_same_columns(tmp_path, validation):
    rows = {}
    for name, lib in (("lamina", lamina), ("keras", keras)):
        path = str(tmp_path / f"{name}.csv")
        fit_with(
            lib, [lib.callbacks.CSVLogger(path)], epochs=2, validation=validation, metrics=["mae"]
        )
        with open(path, newline="") as f:
            rows[name] = list(csv.reader(f))
    assert rows["lamina"][0] == rows["keras"][0]
    assert [r[0] for r in rows["lamina"]] == [r[0] for r in rows["keras"]]
    if not validation:
        assert [r[3:] for r in rows["lamina"][1:]] == [r[3:] for r in rows["keras"][1:]]


def test_terminate_on_nan_same_batches():
    x, y = data()
    y = y.copy()
    y[9:] = np.nan
    seen = {}
    for name, lib in (("lamina", lamina), ("keras", keras)):
        batches = []
        spy = lib.callbacks.LambdaCallback(
            on_train_batch_end=lambda b, logs, seen=batches: seen.append(b)
        )
        history = fit_with(
            lib, [lib.callbacks.TerminateOnNaN(), spy], epochs=3, validation=False, y=y
        )
        seen[name] = (batches, history.epoch)
    assert seen["lamina"] == seen["keras"]


def test_backup_and_restore_same_files(tmp_path):
    class Crash(Exception):
        pass

    listing = {}
    for name, lib in (("lamina", lamina), ("keras", keras)):
        backup = tmp_path / name

        def crash(epoch, logs=None):
            if epoch == 2:
                raise Crash

        cb = lib.callbacks.BackupAndRestore(str(backup))
        with pytest.raises(Crash):
            fit_with(lib, [cb, lib.callbacks.LambdaCallback(on_epoch_begin=crash)], epochs=4)
        listing[name] = sorted(os.listdir(backup))
    assert listing["lamina"] == listing["keras"]
    # Keras's backup loads into lamina (same `.weights.h5` layout, optimizer included).
    model = model_for(lamina)
    model.fit(*data(), epochs=1, verbose=0)  # builds the optimizer's variables
    model.load_weights(str(tmp_path / "keras" / "latest.weights.h5"))
