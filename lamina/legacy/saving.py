"""`keras.legacy.saving`: Keras 2's serialization functions (the same as
`keras.utils.legacy`)."""

from lamina.utils.legacy import deserialize_keras_object as deserialize_keras_object
from lamina.utils.legacy import serialize_keras_object as serialize_keras_object
