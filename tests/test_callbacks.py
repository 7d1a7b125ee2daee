"""The built-in callbacks: EarlyStopping, ModelCheckpoint, LR schedulers, CSVLogger, TerminateOnNaN,
LambdaCallback, RemoteMonitor, BackupAndRestore and TensorBoard, on small models with numbers."""

import csv
import glob
import http.server
import json
import os
import struct
import sys
import threading
import warnings

import numpy as np
import pytest

import lamina as keras

N, D = 16, 3


# Until lamina/training/loops.py gathers the train state after `on_epoch_begin`, a learning rate
# set there is overwritten by the stale state at the epoch's end.
def make_data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, D)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
    return x, y


def make_model(optimizer="sgd", lr=0.05, metrics=None):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    opt = keras.optimizers.SGD(lr) if optimizer == "sgd" else keras.optimizers.Adam(lr)
    model.compile(opt, "mse", metrics=metrics)
    return model


def weights_equal(a, b, atol=0.0):
    return len(a) == len(b) and all(np.allclose(u, v, rtol=0, atol=atol) for u, v in zip(a, b))


class SetLogs(keras.callbacks.Callback):
    """Replaces `logs[key]` at each epoch end by a crafted sequence (runs before the others)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class RecordWeights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def drive(callback, values, key="val_loss", model=None):
    """Feeds `values` to `callback` as epoch logs, as fit would; returns the epochs run."""
    model = model or make_model()
    callback.set_model(model)
    callback.set_params({"epochs": len(values), "steps": 1, "verbose": 0})
    model.stop_training = False
    callback.on_train_begin()
    ran = []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {key: value})
        ran.append(epoch)
        if model.stop_training:
            break
    callback.on_train_end()
    return ran


# ------------------------------------------------------------------------------- EarlyStopping
@pytest.mark.parametrize(
    "kwargs, values, stopped_epoch, epochs_run",
    [
        # best at epoch 1, patience 2: stops at 1 + 2 = 3
        ({"patience": 2}, [1.0, 0.9, 0.95, 0.97, 0.8], 3, 4),
        # patience 0: the first epoch without improvement stops
        ({}, [1.0, 0.9, 0.95, 0.8], 2, 3),
        # improvements smaller than min_delta do not count
        ({"min_delta": 0.1, "patience": 1}, [1.0, 0.95, 0.92], 1, 2),
        # never beating the baseline: stops after `patience` epochs
        ({"baseline": 0.5, "patience": 2}, [1.0, 1.1, 1.2, 1.3], 1, 2),
        # improvements that do not beat the baseline never stop training
        ({"baseline": 0.5, "patience": 2}, [1.0, 0.9, 0.8, 0.7], 0, 4),
        # warm-up epochs are not watched
        ({"start_from_epoch": 2}, [1.0, 2.0, 3.0, 4.0, 5.0], 3, 4),
        # mode='max'
        ({"mode": "max", "patience": 1}, [0.1, 0.3, 0.2, 0.25], 2, 3),
        # a NaN is never an improvement
        ({"patience": 1}, [1.0, float("nan"), 0.5], 1, 2),
    ],
)
def test_early_stopping_sequences(kwargs, values, stopped_epoch, epochs_run):
    cb = keras.callbacks.EarlyStopping(**kwargs)
    ran = drive(cb, values)
    assert cb.stopped_epoch == stopped_epoch
    assert len(ran) == epochs_run


def test_early_stopping_in_fit_restores_best_weights():
    x, y = make_data()
    model = make_model()
    record = RecordWeights()
    values = [1.0, 0.4, 0.6, 0.7, 0.3, 0.2]
    es = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(
        x,
        y,
        epochs=6,
        batch_size=4,
        verbose=0,
        validation_data=(x, y),
        callbacks=[SetLogs("val_loss", values), record, es],
    )
    assert history.epoch == [0, 1, 2, 3]
    assert es.stopped_epoch == 3 and es.best_epoch == 1 and es.best == 0.4
    assert history.history["val_loss"] == values[:4]
    assert weights_equal(model.get_weights(), record.weights[1])
    assert not weights_equal(model.get_weights(), record.weights[3])


def test_early_stopping_restores_without_stopping():
    x, y = make_data()
    model = make_model()
    record = RecordWeights()
    es = keras.callbacks.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    model.fit(
        x,
        y,
        epochs=3,
        batch_size=4,
        verbose=0,
        callbacks=[SetLogs("loss", [0.5, 0.2, 0.3]), record, es],
    )
    assert es.stopped_epoch == 0
    assert weights_equal(model.get_weights(), record.weights[1])


def test_early_stopping_mode_auto_and_missing_key():
    model = make_model(metrics=["mae"])
    x, y = make_data()
    model.fit(x, y, epochs=1, verbose=0)
    for monitor, op in [("val_loss", "lt"), ("loss", "lt"), ("val_mae", "lt")]:
        cb = keras.callbacks.EarlyStopping(monitor=monitor)
        cb.set_model(model)
        cb._set_monitor_op()
        assert cb.monitor_op.__name__ == op
        assert cb.min_delta <= 0
    # 'accuracy' / 'auc' are maximized
    for monitor in ("val_accuracy", "auc", "val_categorical_accuracy"):
        cb = keras.callbacks.EarlyStopping(monitor=monitor)
        cb.set_model(model)
        cb._set_monitor_op()
        assert cb.monitor_op.__name__ == "gt"
    cb = keras.callbacks.EarlyStopping(monitor="val_something")
    cb.set_model(model)
    with pytest.raises(ValueError, match="mode='min' or mode='max'"):
        cb._set_monitor_op()
    with pytest.warns(UserWarning, match="unknown mode"):
        keras.callbacks.EarlyStopping(mode="up")
    cb = keras.callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="Available keys: loss, mae"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert cb.stopped_epoch == 0


def test_early_stopping_accuracy_compiled_metric_is_maximized():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, _ = make_data()
    model.fit(x, (x[:, 0] > 0).astype("int32"), epochs=1, verbose=0)
    ran = drive(
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1),
        [0.5, 0.6, 0.55, 0.58, 0.7],
        key="val_accuracy",
        model=model,
    )
    assert ran == [0, 1, 2]  # minimizing would have stopped at epoch 1


# ------------------------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_file_names_from_logs(tmp_path):
    x, y = make_data()
    model = make_model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.weights.h5")
    cb = keras.callbacks.ModelCheckpoint(pattern, save_weights_only=True)
    record = RecordWeights()
    history = model.fit(
        x, y, epochs=3, batch_size=4, verbose=0, validation_data=(x, y), callbacks=[cb, record]
    )
    expected = [
        f"ckpt-{e + 1:02d}-{v:.2f}.weights.h5" for e, v in enumerate(history.history["val_loss"])
    ]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)
    clone = make_model()
    clone.load_weights(str(tmp_path / expected[1]))
    assert weights_equal(clone.get_weights(), record.weights[1])


def test_model_checkpoint_best_only(tmp_path):
    x, y = make_data()
    model = make_model()
    values = [1.0, 0.5, 0.7, 0.4, 0.45]
    every = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "a" / "e{epoch}.weights.h5"), save_best_only=True, save_weights_only=True
    )
    best = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best.weights.h5"), save_best_only=True, save_weights_only=True
    )
    threshold = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "t" / "e{epoch}.weights.h5"),
        save_best_only=True,
        save_weights_only=True,
        initial_value_threshold=0.6,
    )
    record = RecordWeights()
    model.fit(
        x,
        y,
        epochs=5,
        batch_size=4,
        verbose=0,
        callbacks=[SetLogs("val_loss", values), record, every, best, threshold],
    )
    assert sorted(os.listdir(tmp_path / "a")) == ["e1.weights.h5", "e2.weights.h5", "e4.weights.h5"]
    assert sorted(os.listdir(tmp_path / "t")) == ["e2.weights.h5", "e4.weights.h5"]
    assert best.best == 0.4
    clone = make_model()
    clone.load_weights(str(tmp_path / "best.weights.h5"))
    assert weights_equal(clone.get_weights(), record.weights[3])
    # mode='max' keeps the largest value
    cb = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "m" / "e{epoch}.weights.h5"),
        monitor="val_acc",
        mode="max",
        save_best_only=True,
        save_weights_only=True,
    )
    drive(cb, [0.1, 0.3, 0.2, 0.4], key="val_acc", model=model)
    assert sorted(os.listdir(tmp_path / "m")) == ["e1.weights.h5", "e2.weights.h5", "e4.weights.h5"]


def test_model_checkpoint_save_freq_batches(tmp_path):
    x, y = make_data()
    model = make_model()
    cb = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True, save_freq=3
    )
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False, callbacks=[cb])
    # 4 batches per epoch; a save every 3 batches seen: epoch 1 batch 3, epoch 2 batches 2 and 4...
    # counting restarts with each epoch's batch indices, as Keras counts.
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]
    # The batch-level weights are the current ones (synced mid-epoch).
    clone = make_model()
    clone.load_weights(str(tmp_path / "e2-b2.weights.h5"))
    assert not weights_equal(clone.get_weights(), make_model().get_weights())


def test_model_checkpoint_argument_checks(tmp_path):
    with pytest.raises(ValueError, match=".weights.h5"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)
    with pytest.raises(ValueError, match=".keras"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "model.ckpt"))
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    keras.callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))  # legacy suffix accepted
    cb = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "{epoch}-{nope}.weights.h5"), save_weights_only=True
    )
    with pytest.raises(KeyError, match="nope"):
        drive(cb, [1.0])
    # Epoch-level checkpoints leave the engine's fused steps alone.
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"))
    assert "on_train_batch_end" not in keras.callbacks.CallbackList([cb]).any_batch_hooks


def test_model_checkpoint_whole_model(tmp_path):
    model = make_model()
    if not hasattr(model, "save"):
        pytest.skip("model.save (.keras archives, lamina/saving/saving_lib.py) is not there yet")
    x, y = make_data()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}.keras"), monitor="loss")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    assert sorted(os.listdir(tmp_path)) == ["m-1.keras", "m-2.keras"]
    loaded = keras.models.load_model(str(tmp_path / "m-2.keras"))
    assert weights_equal(loaded.get_weights(), model.get_weights())


# ------------------------------------------------------------------------ learning-rate changes
def test_learning_rate_scheduler_logs_and_optimizer():
    x, y = make_data()
    model = make_model(lr=0.1)
    cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[cb])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate.value), 0.025, rtol=1e-6)
    # the old one-argument form
    cb = keras.callbacks.LearningRateScheduler(lambda epoch: [0.3, 0.2][epoch])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    np.testing.assert_allclose(history.history["learning_rate"], [0.3, 0.2], rtol=1e-6)


def test_learning_rate_scheduler_bad_schedule():
    x, y = make_data()
    model = make_model(lr=0.1)
    cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ValueError, match="must return a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[cb])


def test_learning_rate_scheduler_takes_effect_in_the_same_epoch():
    x, y = make_data()
    model = make_model(lr=0.1)
    before = model.get_weights()
    cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[cb])
    assert weights_equal(model.get_weights(), before)


def test_reduce_lr_on_plateau_sequence():
    x, y = make_data()
    model = make_model(lr=1.0)
    values = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8]
    cb = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    history = model.fit(
        x,
        y,
        epochs=len(values),
        batch_size=8,
        verbose=0,
        callbacks=[SetLogs("val_loss", values), cb],
    )
    # The logged rate is the one the epoch trained with; reductions at epochs 3, 5 and 9.
    # (the first epoch of a cooldown resets the wait, the next ones count again)
    expected = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate.value), 0.2, rtol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        keras.callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_changes_training():
    """A reduced rate is used by the next epoch's steps (SGD moves 10x less)."""
    x, y = make_data()
    model = make_model(lr=0.01)
    record = RecordWeights()
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=0, min_delta=0)
    model.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        verbose=0,
        shuffle=False,
        callbacks=[SetLogs("loss", [1.0, 2.0, 3.0]), record, cb],
    )
    ref = make_model(lr=0.01)
    ref.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    ref.optimizer.learning_rate = 0.001
    ref.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    assert weights_equal(model.get_weights(), ref.get_weights(), atol=1e-6)


# ------------------------------------------------------------------------------------ CSVLogger
def read_csv(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_csv_logger_rows(tmp_path):
    x, y = make_data()
    model = make_model(metrics=["mae"])
    path = str(tmp_path / "log.csv")
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        verbose=0,
        validation_data=(x, y),
        callbacks=[keras.callbacks.CSVLogger(path)],
    )
    rows = read_csv(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    for i, key in enumerate(rows[0][1:], start=1):
        np.testing.assert_allclose([float(r[i]) for r in rows[1:]], history.history[key])


def test_csv_logger_without_validation_append_and_separator(tmp_path):
    x, y = make_data()
    model = make_model()
    path = str(tmp_path / "log.csv")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(path, separator=";")])
    rows = read_csv(path, ";")
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[2] for r in rows[1:]] == ["NA", "NA"]
    model.fit(
        x,
        y,
        epochs=1,
        verbose=0,
        callbacks=[keras.callbacks.CSVLogger(path, separator=";", append=True)],
    )
    rows = read_csv(path, ";")
    assert len(rows) == 4 and rows[3][0] == "0" and rows[0][0] == "epoch"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.CSVLogger(path)])
    assert len(read_csv(path)) == 2  # overwritten


# ------------------------------------------------------------------------------- TerminateOnNaN
def test_terminate_on_nan(capsys):
    x, y = make_data()
    y_bad = y.copy()
    y_bad[9:] = np.nan  # batches of 4: batch 2 is the first NaN one
    model = make_model()
    seen = []
    spy = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    history = model.fit(
        x,
        y_bad,
        epochs=3,
        batch_size=4,
        shuffle=False,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), spy],
    )
    assert seen == [0, 1, 2]
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])
    assert model.stop_training
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    model = make_model()
    with pytest.raises(RuntimeError, match="batch 2"):
        model.fit(
            x,
            y_bad,
            epochs=1,
            batch_size=4,
            shuffle=False,
            verbose=0,
            callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)],
        )


# ------------------------------------------------------------------------------- LambdaCallback
def test_lambda_callback_hooks():
    x, y = make_data()
    model = make_model()
    calls = []
    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin{epoch}"),
        on_train_batch_begin=lambda batch, logs: calls.append(f"b{batch}"),
        on_train_batch_end=lambda batch, logs: calls.append(
            f"e{batch}:{type(logs['loss']).__name__}"
        ),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end{epoch}:{sorted(logs)}"),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_end=lambda logs: calls.append("test_end"),
        note="extra attribute",
    )
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_data=(x, y), callbacks=[cb])
    assert cb.note == "extra attribute"
    per_epoch = lambda e: [  # noqa: E731
        f"epoch_begin{e}",
        "b0",
        "e0:float",
        "b1",
        "e1:float",
        "test_end",
        f"epoch_end{e}:['loss', 'val_loss']",
    ]
    assert calls == ["train_begin", *per_epoch(0), *per_epoch(1), "train_end"]


# -------------------------------------------------------------------------------- RemoteMonitor
@pytest.fixture
def http_server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers["Content-Length"])
            received.append((self.path, self.headers["Content-Type"], self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_remote_monitor_posts(http_server):
    import urllib.parse

    root, received = http_server
    x, y = make_data()
    model = make_model()
    history = model.fit(
        x,
        y,
        epochs=2,
        batch_size=8,
        verbose=0,
        callbacks=[
            keras.callbacks.RemoteMonitor(root=root, send_as_json=True),
            keras.callbacks.RemoteMonitor(root=root, path="/form", field="payload"),
        ],
    )
    assert len(received) == 4
    path, ctype, body = received[0]
    assert path == "/publish/epoch/end/" and ctype == "application/json"
    assert json.loads(body) == {"epoch": 0, "loss": history.history["loss"][0]}
    path, ctype, body = received[3]
    assert path == "/form" and ctype == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(body.decode())
    assert json.loads(form["payload"][0]) == {"epoch": 1, "loss": history.history["loss"][1]}


def test_remote_monitor_unreachable_warns():
    cb = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9", timeout=2)
    with pytest.warns(UserWarning, match="could not reach"):
        drive(cb, [1.0])


# ----------------------------------------------------------------------------- BackupAndRestore
class CrashAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch
        if self.batch is None and epoch == self.epoch:
            raise RuntimeError("simulated crash")

    def on_train_batch_begin(self, batch, logs=None):
        if self.batch is not None and (self.current, batch) == (self.epoch, self.batch):
            raise RuntimeError("simulated crash")


def _uninterrupted(x, y, epochs):
    model = make_model("adam", lr=0.01)
    model.fit(x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0)
    return model.get_weights()


def test_backup_and_restore_resumes_at_the_epoch(tmp_path):
    x, y = make_data()
    backup = str(tmp_path / "backup")
    expected = _uninterrupted(x, y, 4)

    model = make_model("adam", lr=0.01)
    cb = keras.callbacks.BackupAndRestore(backup)
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(
            x, y, epochs=4, batch_size=4, shuffle=False, verbose=0, callbacks=[cb, CrashAt(2)]
        )
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f)["epoch"] == 2

    # A fresh process would rebuild the model from scratch: new weights, new optimizer state.
    model = make_model("adam", lr=0.01)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0, callbacks=[cb])
    assert not os.path.exists(backup)  # deleted after a normal end
    assert not any("_initial_epoch" in str(w.message) for w in caught)
    assert history.epoch == [2, 3]
    assert weights_equal(model.get_weights(), expected, atol=1e-6)


def test_backup_and_restore_mid_epoch(tmp_path):
    x, y = make_data()
    backup = str(tmp_path / "backup")
    expected = _uninterrupted(x, y, 3)
    model = make_model("adam", lr=0.01)
    cb = keras.callbacks.BackupAndRestore(backup, save_freq=2)
    with pytest.raises(RuntimeError):
        model.fit(
            x,
            y,
            epochs=3,
            batch_size=4,
            shuffle=False,
            verbose=0,
            callbacks=[cb, CrashAt(1, batch=3)],
        )
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 1, "batch": 1, "step": 2}
    model = make_model("adam", lr=0.01)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0, callbacks=[cb])
    messages = " ".join(str(w.message) for w in caught)
    assert "_initial_epoch" not in messages and "cannot start mid-epoch" not in messages
    assert weights_equal(model.get_weights(), expected, atol=1e-6)


def test_backup_and_restore_double_checkpoint_and_keep(tmp_path):
    x, y = make_data()
    backup = tmp_path / "backup"
    model = make_model()
    cb = keras.callbacks.BackupAndRestore(
        str(backup), double_checkpoint=True, delete_checkpoint=False
    )
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    assert sorted(os.listdir(backup)) == [
        "latest.weights.h5",
        "latest.weights.h5.bkp",
        "training_metadata.json",
        "training_metadata.json.bkp",
    ]
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 2
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 1
    # A corrupt latest backup falls back on the previous one.
    (backup / "latest.weights.h5").write_bytes(b"not an hdf5 file")
    cb2 = keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False)
    cb2.set_model(make_model())
    cb2.on_train_begin()
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 1
    with pytest.raises(ValueError, match="backup_dir"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(str(backup), save_freq="batch")


# ---------------------------------------------------------------------------------- TensorBoard
def read_events(directory):
    """{tag: [(step, value)]} for scalars and {tag: [step]} for histograms, from event files."""
    pytest.importorskip("tensorboardX")
    from tensorboardX.proto import event_pb2

    scalars, histograms, texts = {}, {}, []
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        with open(path, "rb") as f:
            data = f.read()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos : pos + 8])
            record = data[pos + 12 : pos + 12 + length]
            pos += 12 + length + 4
            event = event_pb2.Event.FromString(record)
            for value in event.summary.value:
                if value.HasField("histo"):
                    histograms.setdefault(value.tag, []).append(event.step)
                elif value.HasField("simple_value"):
                    scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
                elif value.HasField("tensor"):
                    texts.append(value.tag)
    return scalars, histograms, texts


def test_tensorboard_event_files(tmp_path):
    pytest.importorskip("tensorboardX")
    x, y = make_data()
    model = make_model(metrics=["mae"])
    log_dir = str(tmp_path / "logs")
    cb = keras.callbacks.TensorBoard(log_dir, histogram_freq=2, update_freq=3, write_images=True)
    history = model.fit(
        x, y, epochs=3, batch_size=4, verbose=0, validation_data=(x[:8], y[:8]), callbacks=[cb]
    )
    assert sorted(os.listdir(log_dir)) == ["train", "validation"]
    train, hist, texts = read_events(os.path.join(log_dir, "train"))
    val, _, _ = read_events(os.path.join(log_dir, "validation"))
    for key in ("loss", "mae"):
        assert [s for s, _ in train[f"epoch_{key}"]] == [0, 1, 2]
        np.testing.assert_allclose(
            [v for _, v in train[f"epoch_{key}"]], history.history[key], rtol=1e-6
        )
        np.testing.assert_allclose(
            [v for _, v in val[f"epoch_{key}"]], history.history[f"val_{key}"], rtol=1e-6
        )
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], [0.05] * 3, rtol=1e-6)
    # 4 batches per epoch, 12 in all: batch logs at global batches 3, 6, 9, 12
    assert [s for s, _ in train["batch_loss"]] == [3, 6, 9, 12]
    assert [s for s, _ in val["evaluation_loss_vs_iterations"]] == [4, 8, 12]
    # histograms at epochs 0 and 2, one per weight, named by the variable path
    paths = [w.path.replace(":", "_") for w in model.weights]
    assert sorted(hist) == sorted(f"{p}/histogram" for p in paths)
    assert all(steps == [0, 2] for steps in hist.values())
    assert "keras/text_summary" in texts or any(t.startswith("keras") for t in texts)
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        return
    acc = EventAccumulator(os.path.join(log_dir, "train"))
    acc.Reload()
    assert [e.step for e in acc.Scalars("epoch_loss")] == [0, 1, 2]
    np.testing.assert_allclose(
        [e.value for e in acc.Scalars("epoch_loss")], history.history["loss"], rtol=1e-6
    )
    assert f"{paths[0]}/histogram" in acc.Tags()["histograms"]
    assert f"{paths[0]}/image" in acc.Tags()["images"]


def test_tensorboard_epoch_only_keeps_steps_fused(tmp_path):
    pytest.importorskip("tensorboardX")
    cb = keras.callbacks.TensorBoard(str(tmp_path))
    assert "on_train_batch_end" not in keras.callbacks.CallbackList([cb]).any_batch_hooks
    cb = keras.callbacks.TensorBoard(str(tmp_path), update_freq="batch")
    assert cb.update_freq == 1
    assert "on_train_batch_end" in keras.callbacks.CallbackList([cb]).any_batch_hooks
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(str(tmp_path), update_freq="step")


def test_tensorboard_without_tensorboardx(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install tensorboardX.*lamina\[tensorboard\]"):
        keras.callbacks.TensorBoard(str(tmp_path))
