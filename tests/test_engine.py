"""The training engine's shared loop: steps rebuilt when the trainable set changes (identity, not
count), a stream that fails midway, mid-epoch resume on a stream, predict on a failing stream."""

import numpy as np
import pytest

import lamina as keras
from lamina.training import streams


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


def model(seed=1):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(4, name="a"),
            keras.layers.Dense(4, name="b"),
            keras.layers.Dense(2, name="out"),
        ]
    )
    m.compile(keras.optimizers.SGD(0.1), "mse")
    return m


def test_swapping_which_layer_is_trainable_trains_the_new_one():
    """Freeze `a` and unfreeze `b` (same shapes) between two fits: as in Keras 3, which re-reads
    the trainable set at each fit, the second fit trains `b` and leaves `a` alone."""
    x, y = data()
    m = model()
    m.get_layer("b").trainable = False
    m.fit(x, y, batch_size=16, verbose=0)
    a, b = m.get_layer("a"), m.get_layer("b")
    m.get_layer("a").trainable = False
    m.get_layer("b").trainable = True
    a_before, b_before = a.kernel.numpy().copy(), b.kernel.numpy().copy()
    m.fit(x, y, batch_size=16, verbose=0)
    np.testing.assert_array_equal(a.kernel.numpy(), a_before)
    assert not np.allclose(b.kernel.numpy(), b_before)
    # The same swap with train_on_batch.
    a.trainable, b.trainable = True, False
    b_before = b.kernel.numpy().copy()
    m.train_on_batch(x[:8], y[:8])
    np.testing.assert_array_equal(b.kernel.numpy(), b_before)


def test_a_trainable_set_the_optimizer_was_not_built_for_needs_compile():
    x, y = data()
    m = model()
    m.fit(x, y, batch_size=16, verbose=0)
    m.get_layer("a").trainable = False
    with pytest.raises(
        ValueError, match=r"optimizer was built for 6 trainable variables.*compile\(\)"
    ):
        m.fit(x, y, batch_size=16, verbose=0)
    assert np.isfinite(m.evaluate(x, y, verbose=0))  # evaluate needs no optimizer
    m.compile(keras.optimizers.SGD(0.1), "mse")
    m.fit(x, y, batch_size=16, verbose=0)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.fail_at = x, y, fail_at

    def __len__(self):
        return len(self.x) // 8

    def __getitem__(self, i):
        if i == self.fail_at:
            raise OSError(f"cannot read batch {i}")
        return self.x[i * 8 : (i + 1) * 8], self.y[i * 8 : (i + 1) * 8]


def test_fit_on_a_stream_that_fails_midway(monkeypatch):
    """The error names the batch, the source is closed, and the weights are those of the last
    completed step (here the three batches before the failing one)."""
    closed = []
    close = streams.BatchSource.close
    monkeypatch.setattr(streams.BatchSource, "close", lambda s: (closed.append(s), close(s)))
    x, y = data()
    m = model()
    with pytest.raises(OSError, match="cannot read batch 3") as info:
        m.fit(Batches(x, y, fail_at=3, workers=2), epochs=1, verbose=0)
    assert "batch 3 from the pydataset" in " ".join(info.value.__notes__)
    assert len(closed) == 1 and closed[0]._executor is None
    ref = model()
    ref.fit(x[:24], y[:24], batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_predict_on_a_failing_stream_closes_it(monkeypatch):
    closed = []
    close = streams.BatchSource.close
    monkeypatch.setattr(streams.BatchSource, "close", lambda s: (closed.append(s), close(s)))
    x, y = data()
    m = model()
    with pytest.raises(OSError, match="cannot read batch 2"):
        m.predict(Batches(x, y, fail_at=2, workers=2), verbose=0)
    assert len(closed) == 1 and closed[0]._executor is None
    np.testing.assert_allclose(m.predict(Batches(x, y), verbose=0), m.predict(x, verbose=0))


class Crash(keras.callbacks.Callback):
    def __init__(self, at=None):
        super().__init__()
        self.at, self.seen = at, []

    def on_train_batch_begin(self, batch, logs=None):
        if (self.params.get("epoch_seen"), batch) == self.at:
            raise KeyboardInterrupt
        self.seen.append(batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.params["epoch_seen"] = epoch


def test_fit_on_a_stream_resumes_mid_epoch(tmp_path):
    """BackupAndRestore(save_freq=2) on a PyDataset: after a crash at batch 3 of epoch 1 the
    next fit starts at the saved step (2) of that epoch, and ends with the same weights as a run
    without the crash."""
    x, y = data()
    ref = model()
    ref.fit(Batches(x, y), epochs=2, verbose=0)
    m = model()
    crash = Crash(at=(1, 3))
    backup = keras.callbacks.BackupAndRestore(tmp_path, save_freq=2)
    with pytest.raises(KeyboardInterrupt):
        m.fit(Batches(x, y), epochs=2, verbose=0, callbacks=[backup, crash])
    m2 = model()
    again = Crash()
    m2.fit(Batches(x, y), epochs=2, verbose=0, callbacks=[backup, again])
    assert again.seen == [2, 3, 4, 5]
    for a, b in zip(m2.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
