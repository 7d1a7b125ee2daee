"""Utilities with Keras's names (`keras.utils`)."""

from lamina.backend import clear_session as clear_session
from lamina.backend import is_keras_tensor as is_keras_tensor
from lamina.core.config import disable_interactive_logging as disable_interactive_logging
from lamina.core.config import enable_interactive_logging as enable_interactive_logging
from lamina.core.config import is_interactive_logging_enabled as is_interactive_logging_enabled
from lamina.core.registry import CustomObjectScope as CustomObjectScope
from lamina.core.registry import custom_object_scope as custom_object_scope
from lamina.core.registry import get_custom_objects as get_custom_objects
from lamina.core.registry import get_registered_name as get_registered_name
from lamina.core.registry import get_registered_object as get_registered_object
from lamina.core.registry import register_keras_serializable as register_keras_serializable
from lamina.core.serialization import deserialize_keras_object as deserialize_keras_object
from lamina.core.serialization import serialize_keras_object as serialize_keras_object
from lamina.core.variable import standardize_dtype as standardize_dtype
from lamina.utils import bounding_boxes as bounding_boxes
from lamina.utils import legacy as legacy
from lamina.utils.config import Config as Config
from lamina.utils.data_utils import get_source_inputs as get_source_inputs
from lamina.utils.data_utils import pack_x_y_sample_weight as pack_x_y_sample_weight
from lamina.utils.data_utils import unpack_x_y_sample_weight as unpack_x_y_sample_weight
from lamina.utils.dataset import Dataset as Dataset
from lamina.utils.dataset_utils import split_dataset as split_dataset
from lamina.utils.directory_datasets import (
    audio_dataset_from_directory as audio_dataset_from_directory,
)
from lamina.utils.directory_datasets import (
    image_dataset_from_directory as image_dataset_from_directory,
)
from lamina.utils.directory_datasets import (
    text_dataset_from_directory as text_dataset_from_directory,
)
from lamina.utils.feature_space import FeatureSpace as FeatureSpace
from lamina.utils.file_utils import get_file as get_file
from lamina.utils.image_utils import array_to_img as array_to_img
from lamina.utils.image_utils import img_to_array as img_to_array
from lamina.utils.image_utils import load_img as load_img
from lamina.utils.image_utils import save_img as save_img
from lamina.utils.model_visualization import model_to_dot as model_to_dot
from lamina.utils.model_visualization import plot_model as plot_model
from lamina.utils.numerical_utils import normalize as normalize
from lamina.utils.numerical_utils import to_categorical as to_categorical
from lamina.utils.progbar import Progbar as Progbar
from lamina.utils.py_dataset import PyDataset as PyDataset
from lamina.utils.py_dataset import PyDataset as Sequence
from lamina.utils.random_utils import set_random_seed as set_random_seed
from lamina.utils.sequence_utils import pad_sequences as pad_sequences
from lamina.utils.timeseries_dataset_utils import (
    timeseries_dataset_from_array as timeseries_dataset_from_array,
)
