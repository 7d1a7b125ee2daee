"""HashedCrossing: bucket ids recorded from Keras 3.15 on TensorFlow 2.20 (Keras needs
TensorFlow for this layer), and Keras's argument errors."""

import numpy as np
import pytest

from lamina.layers import HashedCrossing

A = np.array(["A", "B", "C", "A", "zz", ""])
B = np.array([1, 2, 3, -4, 10**12, 0])
C = np.array(["x", "y", "x", "é", "q", "r"])


def test_equal_to_keras_on_tensorflow():
    # keras.layers.HashedCrossing(...)(...) with KERAS_BACKEND=tensorflow, tensorflow-cpu 2.20.
    assert np.asarray(HashedCrossing(7)((A, B))).tolist() == [0, 5, 4, 6, 6, 6]
    assert np.asarray(HashedCrossing(1000)((A, B, C))).tolist() == [765, 55, 566, 825, 772, 16]
    ids = HashedCrossing(5)((B[:, None], B[:, None] * 3))
    assert np.asarray(ids).tolist() == [[1], [1], [0], [3], [1], [4]]
    one_hot = np.asarray(HashedCrossing(4, output_mode="one_hot")((A, C)))
    assert one_hot.argmax(axis=1).tolist() == [2, 0, 3, 2, 0, 2] and one_hot.shape == (6, 4)
    assert np.asarray(HashedCrossing(7)(("A", 1))).tolist() == 0  # scalars


def test_errors_and_config():
    with pytest.raises(ValueError, match="list or tuple"):
        HashedCrossing(3)(A)
    with pytest.raises(ValueError, match="at least two"):
        HashedCrossing(3)((A,))
    with pytest.raises(ValueError, match="equal shape"):
        HashedCrossing(3)((A, B[:3]))
    with pytest.raises(ValueError, match="output_mode"):
        HashedCrossing(3, output_mode="count")
    config = HashedCrossing(3, name="cross").get_config()
    assert config == {
        "num_bins": 3,
        "output_mode": "int",
        "sparse": False,
        "name": "cross",
        "dtype": "int64",
    }
    assert HashedCrossing(3, output_mode="one_hot").compute_output_shape([(None, 1)] * 2) == (
        None,
        3,
    )
