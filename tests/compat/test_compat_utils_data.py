"""pad_sequences and split_dataset's sizes against real Keras (test-only oracle).

Keras's `split_dataset` needs TensorFlow to build its result, so the split itself is compared
through Keras's size rule; the sample contents are checked in tests/test_utils_data.py.
"""

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lamina.utils as utils  # noqa: E402
from lamina.utils.dataset_utils import split_sizes  # noqa: E402

RAGGED = [[1], [2, 3], [4, 5, 6], [], [7, 8, 9, 10, 11]]
FLOATS = [[0.5, 1.5], [2.25], [3.0, 4.0, 5.0, 6.0]]
STEPS = [np.arange(6.0).reshape(3, 2), np.ones((1, 2)), np.zeros((0, 2)), np.full((5, 2), 7.0)]
STRINGS = [["a", "bb"], ["ccc"], ["d", "e", "f"]]

PAD_CASES = [
    (RAGGED, {}),
    (RAGGED, {"maxlen": 3}),
    (RAGGED, {"maxlen": 7}),
    (RAGGED, {"maxlen": 1}),
    (RAGGED, {"padding": "post"}),
    (RAGGED, {"truncating": "post", "maxlen": 2}),
    (RAGGED, {"padding": "post", "truncating": "post", "maxlen": 4}),
    (RAGGED, {"value": -1}),
    (RAGGED, {"value": 2.7}),
    (RAGGED, {"dtype": "float32", "value": 0.5}),
    (RAGGED, {"dtype": "int64"}),
    (RAGGED, {"dtype": "uint8", "maxlen": 2}),
    (FLOATS, {}),
    (FLOATS, {"dtype": "float64", "padding": "post"}),
    (FLOATS, {"dtype": "float16", "maxlen": 3, "truncating": "post"}),
    (STEPS, {"dtype": "float32"}),
    (STEPS, {"dtype": "float32", "maxlen": 2, "padding": "post"}),
    (STEPS, {"dtype": "float32", "maxlen": 4, "truncating": "post", "value": -9}),
    (STRINGS, {"dtype": object, "value": ""}),
    (STRINGS, {"dtype": object, "value": "<pad>", "maxlen": 2, "padding": "post"}),
    (STRINGS, {"dtype": "<U4", "value": "pad"}),
    (STRINGS, {"dtype": str}),
    (np.arange(12).reshape(3, 4), {"maxlen": 3}),
    (np.arange(12).reshape(3, 4), {"maxlen": 6, "padding": "post"}),
    ([np.array([1, 2]), (3,), range(4, 9)], {}),
    ([[], []], {}),
    ([[], []], {"maxlen": 2, "padding": "mid"}),  # no step to place: no error in Keras either
    ([], {"maxlen": 3}),
    ([[True, False], [True]], {"dtype": "bool"}),
]


@pytest.mark.parametrize("sequences, kwargs", PAD_CASES)
def test_pad_sequences_matches_keras(sequences, kwargs):
    expected = keras.utils.pad_sequences(sequences, **kwargs)
    got = utils.pad_sequences(sequences, **kwargs)
    assert type(got) is type(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tolist() == expected.tolist()


@pytest.mark.parametrize(
    "sequences, kwargs",
    [
        ([], {}),
        (iter([[1]]), {}),
        ([[1], 5], {}),
        ([[1]], {"padding": "mid"}),
        ([[1]], {"truncating": "mid"}),
        ([["a"]], {"value": "x"}),
        ([np.ones((1, 2)), np.ones((1, 3))], {"dtype": "float32"}),
    ],
)
def test_pad_sequences_errors_match_keras(sequences, kwargs):
    with pytest.raises(ValueError):
        keras.utils.pad_sequences(sequences, **kwargs)
    with pytest.raises(ValueError):
        utils.pad_sequences(sequences, **kwargs)


SIZE_CASES = [
    (0.8, None, 10),
    (None, 0.3, 10),
    (0.5, 0.5, 5),
    (0.25, 0.25, 7),
    (3, None, 10),
    (None, 9, 10),
    (4, 0.5, 10),
    (0.1, 0.2, 33),
    (0.333, None, 3),
    (1, 1, 100),
    (0.999, None, 1000),
]


@pytest.mark.parametrize("left, right, total", SIZE_CASES)
def test_split_sizes_match_keras(left, right, total):
    from keras.src.utils import dataset_utils as keras_dataset_utils

    expected = keras_dataset_utils._rescale_dataset_split_sizes(left, right, total)
    assert split_sizes(left, right, total) == expected
    data = np.arange(total)
    a, b = utils.split_dataset(data, left_size=left, right_size=right)
    assert (len(a), len(b)) == expected
    np.testing.assert_array_equal(a, data[: expected[0]])
    np.testing.assert_array_equal(b, data[total - expected[1] :])


@pytest.mark.parametrize(
    "left, right, total",
    [
        (0, 0, 5),
        (5, None, 5),
        (0.0, None, 5),
        (1.0, None, 5),
        (0.6, 0.6, 5),
        (3, 3, 5),
        (0.01, None, 5),
    ],
)
def test_split_size_errors_match_keras(left, right, total):
    from keras.src.utils import dataset_utils as keras_dataset_utils

    with pytest.raises((ValueError, TypeError)) as keras_error:
        keras_dataset_utils._rescale_dataset_split_sizes(left, right, total)
    with pytest.raises(keras_error.type):
        split_sizes(left, right, total)
