"""The bundled digits dataset and its Keras-style loader."""

import numpy as np
import pytest

from lamina.datasets import digits


def test_shapes_dtypes_and_default_split():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8


def test_value_ranges_and_all_labels_present():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x = np.concatenate([x_train, x_test])
    y = np.concatenate([y_train, y_test])
    assert x.min() == 0 and x.max() == 16
    assert set(np.unique(y).tolist()) == set(range(10))
    assert set(np.unique(y_train).tolist()) == set(range(10))
    assert set(np.unique(y_test).tolist()) == set(range(10))
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_deterministic_with_seed():
    first = digits.load_data(seed=7)
    second = digits.load_data(seed=7)
    other = digits.load_data(seed=8)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(first[0][1], other[0][1])


def test_splits_are_disjoint_and_cover_everything():
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.3, seed=1)
    assert len(x_train) + len(x_test) == digits.NUM_SAMPLES == 1797
    assert len(x_test) == 1797 - int(1797 * 0.7)
    # Rebuild the shuffle by hand: the halves are the two ends of one permutation.
    full_x, full_y = digits._read_bundled()
    order = np.random.RandomState(1).permutation(1797)
    n = int(1797 * 0.7)
    train_ids, test_ids = set(order[:n].tolist()), set(order[n:].tolist())
    assert train_ids.isdisjoint(test_ids)
    assert train_ids | test_ids == set(range(1797))
    np.testing.assert_array_equal(x_train, full_x[order[:n]])
    np.testing.assert_array_equal(y_test, full_y[order[n:]])
    # The labels of both halves together are exactly the full set of labels.
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == np.bincount(full_y).tolist()


def test_extreme_splits():
    (x_train, _), (x_test, _) = digits.load_data(test_split=0.0)
    assert len(x_train) == 1797 and len(x_test) == 0
    (x_train, _), (x_test, _) = digits.load_data(test_split=1.0)
    assert len(x_train) == 0 and len(x_test) == 1797


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_bad_test_split(bad):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=bad)


def test_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        digits.load_data(seed=1.5)
