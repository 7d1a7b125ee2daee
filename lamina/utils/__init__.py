"""Utilities with Keras's names (`keras.utils`)."""

from lamina.backend import clear_session as clear_session
from lamina.utils.dataset_utils import split_dataset as split_dataset
from lamina.utils.file_utils import get_file as get_file
from lamina.utils.model_visualization import model_to_dot as model_to_dot
from lamina.utils.model_visualization import plot_model as plot_model
from lamina.utils.numerical_utils import normalize as normalize
from lamina.utils.numerical_utils import to_categorical as to_categorical
from lamina.utils.progbar import Progbar as Progbar
from lamina.utils.py_dataset import PyDataset as PyDataset
from lamina.utils.random_utils import set_random_seed as set_random_seed
from lamina.utils.sequence_utils import pad_sequences as pad_sequences
