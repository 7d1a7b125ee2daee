"""Saving and loading in Keras 3's formats."""

from lamina.core.registry import CustomObjectScope as CustomObjectScope
from lamina.core.registry import custom_object_scope as custom_object_scope
from lamina.core.registry import get_custom_objects as get_custom_objects
from lamina.core.registry import get_registered_name as get_registered_name
from lamina.core.registry import get_registered_object as get_registered_object
from lamina.core.registry import register_keras_serializable as register_keras_serializable
from lamina.core.serialization import deserialize_keras_object as deserialize_keras_object
from lamina.core.serialization import serialize_keras_object as serialize_keras_object
from lamina.saving.archive import ModelFileError as ModelFileError
from lamina.saving.file_editor import KerasFileEditor as KerasFileEditor  # noqa: E402
from lamina.saving.saving_lib import load_model as load_model
from lamina.saving.saving_lib import save_model as save_model
from lamina.saving.weights_io import load_weights as load_weights
from lamina.saving.weights_io import save_weights as save_weights
