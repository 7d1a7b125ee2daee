"""`keras.preprocessing`: the dataset makers and the `image` and `sequence` helpers."""

from lamina.preprocessing import image as image
from lamina.preprocessing import sequence as sequence
from lamina.utils.directory_datasets import (
    image_dataset_from_directory as image_dataset_from_directory,
)
from lamina.utils.directory_datasets import (
    text_dataset_from_directory as text_dataset_from_directory,
)
from lamina.utils.timeseries_dataset_utils import (
    timeseries_dataset_from_array as timeseries_dataset_from_array,
)
