"""Small helpers that libraries around Keras import from Keras internals (`keras.src.*`).

Through `lamina.install_as_keras()`, KerasHub imports `in_tf_graph` and `in_grain_data_pipeline`
(`keras.src.utils.backend_utils`); these are lamina's versions, with the same behaviour. (Its
`class_weight_to_sample_weights` maps onto `lamina.training.data`'s, the one `fit` uses.) They
are not part of the public API.
"""

from __future__ import annotations

import inspect
import os
import sys


def in_tf_graph() -> bool:
    """Whether the code runs inside a TensorFlow graph (a `tf.data` map function).

    lamina never imports TensorFlow: this is False unless the program imported it and TensorFlow
    is not executing eagerly.

    Returns:
        True inside a TensorFlow graph.

    Example:

    >>> from lamina.legacy.keras_src import in_tf_graph
    >>> in_tf_graph()
    False
    """
    tf = sys.modules.get("tensorflow")
    if tf is None or not hasattr(tf, "executing_eagerly"):
        return False
    return not tf.executing_eagerly()


def in_grain_data_pipeline() -> bool:
    """Whether the code runs inside a Grain data pipeline (a Grain dataset or data loader).

    Returns:
        True when a calling frame belongs to Grain's dataset or data loader code.

    Example:

    >>> from lamina.legacy.keras_src import in_grain_data_pipeline
    >>> in_grain_data_pipeline()
    False
    """
    if "grain" not in sys.modules:
        return False
    markers = (
        os.path.join("grain", "_src", "python", "dataset"),
        os.path.join("grain", "_src", "python", "data_loader"),
    )
    frame = inspect.currentframe()
    while frame is not None:
        if any(m in frame.f_code.co_filename for m in markers):
            return True
        frame = frame.f_back
    return False
