"""Unit test package for scikeras."""
import os

import pytest
try:  # PATCH (lamina): TensorFlow is optional
    import tensorflow as tf
except ImportError:
    tf = None

# Force data conversion warnings to be come errors
pytestmark = pytest.mark.filterwarnings(
    "error::sklearn.exceptions.DataConversionWarning"
)

# Don't filter tensorflow tracebacks
if tf is not None:
    tf.debugging.disable_traceback_filtering()

# Disable TensorFlow warnings
# most of them are about missing CUDA libs and such
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
