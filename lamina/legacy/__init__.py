"""`keras.legacy`: Keras 2 compatibility (`keras.legacy.saving`)."""

from lamina.legacy import saving
