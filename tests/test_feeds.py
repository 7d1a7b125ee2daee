"""The feeds (lamina.training.feeds): the blocks of in-memory arrays on the host and resident on
the device (forced on CPU with LAMINA_FEED=device), the fallback to host gathering when the data
does not fit in the device's memory, and the blocks of a stream."""

import warnings

import numpy as np
import pytest

from lamina.training import feeds
from lamina.training.feeds import ArrayFeed, Block, StreamFeed
from lamina.training.streams import BatchSource


def arrays(n=21):
    x = np.arange(n * 2, dtype="float32").reshape(n, 2)
    return x, np.arange(n, dtype="float32"), None


def rows_seen(feed, choose=feeds.one_at_a_time, first_step=0):
    """The y values of every real row the epoch's blocks hold, in order, and the blocks."""
    seen, blocks = [], list(feed.epoch(first_step, choose))
    for block in blocks:
        y = np.asarray(block.data[1])
        masks = np.asarray(block.masks)
        for i in range(block.count):
            keep = masks[block.start + i] > 0
            if block.indices is not None:  # gathered by index inside the step
                batch = y[np.asarray(block.indices)[block.start + i]]
            else:
                batch = y.reshape(-1, block.batch_size)[i]
            seen.extend(batch[keep].tolist())
    return seen, blocks


@pytest.mark.parametrize("mode", ["host", "device"])
def test_in_order_and_shuffled_epochs_read_every_row_once(monkeypatch, mode):
    monkeypatch.setenv("LAMINA_FEED", mode)
    feed = ArrayFeed(arrays(), 4, training=True)
    assert feed.resident == (mode == "device") and feed.steps == 6 and feed.samples == 21
    seen, blocks = rows_seen(feed, choose=lambda remaining: (min(4, remaining), 4))
    assert seen == list(range(21))
    assert [(b.step, b.count, b.size) for b in blocks] == [(0, 4, 4), (4, 2, 4)]
    assert all(isinstance(b, Block) for b in blocks)
    if mode == "host":  # blocks of size * batch rows, sent with the call
        assert all(b.batch_size == 4 and b.indices is None for b in blocks)
        assert {np.asarray(b.data[0]).shape for b in blocks} == {(16, 2)}
    else:  # the resident arrays and the epoch's index plan; each step gathers its batch
        assert all(b.batch_size is None and b.start == b.step for b in blocks)
        assert all(b.data is feed.structure for b in blocks)
        assert {np.asarray(b.indices).shape[1] for b in blocks} == {4}
    np.random.seed(0)
    shuffled = ArrayFeed(arrays(), 4, shuffle=True, training=True)
    seen, _ = rows_seen(shuffled)
    assert sorted(seen) == list(range(21)) and seen != list(range(21))


@pytest.mark.parametrize("mode", ["host", "device"])
def test_exact_tail_and_resuming_mid_epoch(monkeypatch, mode):
    monkeypatch.setenv("LAMINA_FEED", mode)
    feed = ArrayFeed(arrays(), 4, training=True, exact_tail=True)
    seen, blocks = rows_seen(feed, first_step=3)
    assert seen == list(range(12, 21))  # batches 3, 4 and the tail (one sample)
    tail = blocks[-1]
    assert (tail.step, tail.count, tail.size) == (5, 1, 1)
    assert np.asarray(tail.masks).shape == (1, 1)
    if mode == "host":
        assert tail.batch_size == 1 and np.asarray(tail.data[1]).tolist() == [20.0]
    else:
        assert tail.batch_size is None and np.asarray(tail.indices).tolist() == [[20]]


def test_steps_cap_and_predict_structure():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    feed = ArrayFeed(x, 8, steps=2)
    assert feed.steps == 2 and feed.samples == 16 and not feed.resident
    block = next(feed.epoch(0, lambda r: (r, 2)))
    assert block.args("predict")[0] is block.data and len(block.args("predict")) == 4
    assert len(block.args("test")) == 5
    np.testing.assert_array_equal(block.data, x[:16])


def test_a_dataset_larger_than_free_device_memory_is_gathered_on_the_host(monkeypatch):
    import lamina as keras

    monkeypatch.setenv("LAMINA_FEED", "device")
    monkeypatch.setattr(feeds, "device_free_bytes", lambda: 1000)  # 168 bytes fit, 2 KiB not
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ArrayFeed(arrays(), 4, training=True).resident
    x, y = np.random.default_rng(0).normal(size=(64, 8)).astype("float32"), np.ones((64, 1))
    with pytest.warns(UserWarning, match=r"does not fit in the device's free memory"):
        assert not ArrayFeed((x, y, None), 8, training=True).resident

    def trained():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
        m.compile("sgd", "mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        return m.get_weights()

    with pytest.warns(UserWarning, match="gathered on the host"):
        fallback = trained()
    monkeypatch.setenv("LAMINA_FEED", "host")
    for a, b in zip(fallback, trained()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_bad_feed_switch(monkeypatch):
    monkeypatch.setenv("LAMINA_FEED", "gpu")
    with pytest.raises(ValueError, match="LAMINA_FEED must be 'auto', 'device' or 'host'"):
        ArrayFeed(arrays(), 4, training=True)


def test_stream_blocks_and_a_failing_source():
    def batches():
        for i in range(3):
            yield np.full((2 + i, 1), i, "float32"), np.zeros((2 + i, 1), "float32")
        raise RuntimeError("disk gone")

    feed = StreamFeed(BatchSource(batches()))
    blocks = []
    with pytest.raises(RuntimeError, match="disk gone") as info:
        for block in feed.epoch():
            blocks.append(block)
    assert "batch 3 from the generator" in " ".join(info.value.__notes__)
    assert [(b.step, b.count, b.size, b.batch_size) for b in blocks] == [
        (0, 1, 1, 2),
        (1, 1, 1, 3),
        (2, 1, 1, 4),
    ]
    assert np.asarray(blocks[1].masks).tolist() == [[1.0, 1.0, 1.0]]
    x_only = StreamFeed(BatchSource(iter([(np.ones((2, 1)),)])), x_only=True)
    assert np.asarray(next(x_only.epoch()).data).shape == (2, 1)


def test_padding_rows_keep_masked_averages_finite():
    """The last partial batch is padded with copies of a real row, not zeros: all-zero token
    ids would be fully masked, and a masked average over them 0/0 (NaN through the loss)."""
    import lamina as keras

    layers = keras.layers
    x = np.random.default_rng(0).integers(1, 9, (21, 6)).astype("int32")
    x[:, -2:] = 0
    y = np.random.default_rng(1).random((21, 1)).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((6,), dtype="int32"),
            layers.Embedding(10, 2, mask_zero=True),
            layers.LayerNormalization(),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1),
        ]
    )
    model.compile("sgd", "mse")
    for shuffle in (False, True):
        loss = model.fit(x, y, batch_size=8, epochs=1, shuffle=shuffle, verbose=0)
        assert np.isfinite(loss.history["loss"][0])
    padded = model.evaluate(x, y, batch_size=8, verbose=0)
    whole = model.evaluate(x, y, batch_size=21, verbose=0)
    np.testing.assert_allclose(padded, whole, rtol=1e-5)
