"""lamina.utils.pad_sequences and lamina.utils.split_dataset."""

import random

import jax.numpy as jnp
import numpy as np
import pytest

import lamina.utils as utils
from lamina.utils.dataset_utils import split_sizes

# ----------------------------------------------------------------------------- pad_sequences


def test_pad_sequences_defaults_pad_and_cut_at_the_front():
    out = utils.pad_sequences([[1], [2, 3], [4, 5, 6]])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    out = utils.pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    np.testing.assert_array_equal(out, [[0, 1], [2, 3], [5, 6]])


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[0, 1], [2, 3], [5, 6]]),
        ("post", "pre", [[1, 0], [2, 3], [5, 6]]),
        ("pre", "post", [[0, 1], [2, 3], [4, 5]]),
        ("post", "post", [[1, 0], [2, 3], [4, 5]]),
    ],
)
def test_pad_sequences_sides(padding, truncating, expected):
    out = utils.pad_sequences(
        [[1], [2, 3], [4, 5, 6]], maxlen=2, padding=padding, truncating=truncating
    )
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_value_dtype_and_sample_shape():
    out = utils.pad_sequences([[1.5], [2.5, 3.5]], dtype="float32", value=-1)
    np.testing.assert_array_equal(out, np.array([[-1, 1.5], [2.5, 3.5]], np.float32))
    out = utils.pad_sequences([[1.7, 2.2]])  # int32 by default: values are cast
    np.testing.assert_array_equal(out, [[1, 2]])
    seqs = [np.ones((2, 3)), np.ones((1, 3)) * 2, []]
    out = utils.pad_sequences(seqs, maxlen=3, dtype="float64")
    assert out.shape == (3, 3, 3)
    np.testing.assert_array_equal(out[1], [[0] * 3, [0] * 3, [2] * 3])
    np.testing.assert_array_equal(out[2], np.zeros((3, 3)))


def test_pad_sequences_strings():
    out = utils.pad_sequences([["a", "bb"], ["c"]], dtype=object, value="")
    assert out.dtype == object and out.tolist() == [["a", "bb"], ["", "c"]]
    out = utils.pad_sequences([["a", "bb"], ["c"]], dtype="<U3", value="x")
    assert out.tolist() == [["a", "bb"], ["x", "c"]]
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences([["a"]], value="pad")


def test_pad_sequences_edges():
    assert utils.pad_sequences([], maxlen=3).shape == (0, 3)
    assert utils.pad_sequences([[], []]).shape == (2, 0)
    assert utils.pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    np.testing.assert_array_equal(
        utils.pad_sequences(np.arange(6).reshape(2, 3), maxlen=2), [[1, 2], [4, 5]]
    )
    with pytest.raises(ValueError, match="empty list"):
        utils.pad_sequences([])
    with pytest.raises(ValueError, match="sized collection"):
        utils.pad_sequences(iter([[1]]))
    with pytest.raises(ValueError, match="position 1"):
        utils.pad_sequences([[1], 2])
    with pytest.raises(ValueError, match='padding="mid"'):
        utils.pad_sequences([[1]], padding="mid")
    with pytest.raises(ValueError, match='truncating="mid"'):
        utils.pad_sequences([[1]], truncating="mid")
    with pytest.raises(ValueError, match="position 1 has steps of shape"):
        utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))], dtype="float32")


# ----------------------------------------------------------------------------- split_dataset


def test_split_array_takes_front_and_back():
    data = np.arange(20).reshape(10, 2)
    left, right = utils.split_dataset(data, left_size=0.8)
    assert isinstance(left, np.ndarray)
    np.testing.assert_array_equal(left, data[:8])
    np.testing.assert_array_equal(right, data[8:])
    # Sizes that add up to less than the whole leave the middle out.
    left, right = utils.split_dataset(data, left_size=3, right_size=2)
    np.testing.assert_array_equal(left, data[:3])
    np.testing.assert_array_equal(right, data[8:])
    left, right = utils.split_dataset(jnp.asarray(data), right_size=0.25)  # round(2.5) == 2
    assert isinstance(left, np.ndarray) and left.shape == (8, 2) and right.shape == (2, 2)


def test_split_keeps_the_structure():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    left, right = utils.split_dataset((x, y), left_size=4)
    assert isinstance(left, tuple) and len(left) == 2
    np.testing.assert_array_equal(left[0], x[:4])
    np.testing.assert_array_equal(right[1], y[4:])
    left, right = utils.split_dataset([x, y], left_size=4)
    assert isinstance(left, tuple)  # as Keras: a list's samples are tuples
    left, right = utils.split_dataset({"a": x, "b": (y, y * 2)}, left_size=2)
    assert set(left) == {"a", "b"} and isinstance(left["b"], tuple)
    np.testing.assert_array_equal(left["b"][1], [0, 2])
    np.testing.assert_array_equal(right["a"], x[2:])


def test_split_shuffle_matches_python_random_and_keeps_rows_together():
    x, y = np.arange(40).reshape(20, 2), np.arange(20)
    left, right = utils.split_dataset((x, y), left_size=15, shuffle=True, seed=7)
    order = list(range(20))
    random.seed(7)
    random.shuffle(order)  # Keras seeds Python's random and shuffles the sample list
    np.testing.assert_array_equal(left[1], order[:15])
    np.testing.assert_array_equal(right[1], order[15:])
    np.testing.assert_array_equal(left[0], x[left[1]])
    again, _ = utils.split_dataset((x, y), left_size=15, shuffle=True, seed=7)
    np.testing.assert_array_equal(again[1], left[1])
    random.seed(3)
    a, _ = utils.split_dataset(y, left_size=10, shuffle=True)
    random.seed(3)
    b, _ = utils.split_dataset(y, left_size=10, shuffle=True)
    np.testing.assert_array_equal(a, b)  # seed=None draws from Python's global random


@pytest.mark.parametrize(
    "left, right, total, expected",
    [
        (0.8, None, 10, (8, 2)),
        (None, 0.2, 10, (8, 2)),
        (0.5, 0.5, 5, (2, 2)),  # round() halves to even: both 2, one sample dropped
        (3, 0.5, 10, (3, 5)),
        (1, None, 2, (1, 1)),
        (np.int64(3), None, 5, (3, 2)),
    ],
)
def test_split_sizes(left, right, total, expected):
    assert split_sizes(left, right, total) == expected


@pytest.mark.parametrize(
    "left, right, error",
    [
        (None, None, ValueError),
        (0, 0, ValueError),
        (10, None, ValueError),
        (0, None, ValueError),
        (1.0, None, ValueError),
        (0.7, 0.6, ValueError),
        (6, 5, ValueError),
        (0.01, None, ValueError),  # rounds to 0 samples
        ("half", None, TypeError),
        (True, None, TypeError),
    ],
)
def test_split_sizes_errors(left, right, error):
    with pytest.raises(error, match="split_dataset"):
        split_sizes(left, right, 10)


def test_split_bad_datasets():
    with pytest.raises(ValueError, match="same number of samples"):
        utils.split_dataset((np.zeros(4), np.zeros(5)), left_size=2)
    with pytest.raises(ValueError, match="scalar"):
        utils.split_dataset([1, 2, 3], left_size=1)
    with pytest.raises(ValueError, match="empty"):
        utils.split_dataset(np.zeros((0, 3)), left_size=0.5)

    class Batches(utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.zeros((2, 1)), np.zeros(2)

    with pytest.raises(TypeError, match="PyDataset"):
        utils.split_dataset(Batches(), left_size=0.5)
    with pytest.raises(TypeError, match="generator"):
        utils.split_dataset(iter([np.zeros(2)]), left_size=0.5)


def _fake_class(module: str, name: str, body: dict):
    cls = type(name, (), body)
    cls.__module__ = module
    return cls


def test_split_torch_and_tf_datasets_by_class_name():
    # Stand-ins with the class names lamina checks: lamina never imports torch or TensorFlow.
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    TorchDataset = _fake_class(
        "torch.utils.data.dataset",
        "Dataset",
        {"__len__": lambda self: 5, "__getitem__": lambda self, i: (x[i], y[i])},
    )
    left, right = utils.split_dataset(TorchDataset(), left_size=3)
    np.testing.assert_array_equal(left[0], x[:3])
    np.testing.assert_array_equal(right[1], y[3:])

    TFDataset = _fake_class(
        "tensorflow.python.data.ops.dataset_ops",
        "DatasetV2",
        {"as_numpy_iterator": lambda self: iter({"f": x[i]} for i in range(5))},
    )
    left, right = utils.split_dataset(TFDataset(), right_size=0.4)
    np.testing.assert_array_equal(left["f"], x[:3])
    np.testing.assert_array_equal(right["f"], x[3:])
