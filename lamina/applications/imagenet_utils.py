"""Shared helpers of `keras.applications`: input preprocessing, ImageNet label decoding.

`preprocess_input` offers the three conventions the pretrained models were trained with, and
`decode_predictions` turns a batch of 1000-way ImageNet scores into `(wnid, label, score)` rows.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from lamina import activations, ops
from lamina.core.config import floatx, image_data_format
from lamina.utils.file_utils import get_file

CLASS_INDEX = None
CLASS_INDEX_PATH = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

# Per-channel statistics of the ImageNet training set, in RGB order.
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
# The "caffe" means, in the BGR order the image is turned into first.
_CAFFE_MEAN = (103.939, 116.779, 123.68)


def _check_data_format(data_format):
    if data_format is None:
        return image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Expected data_format to be one of `channels_first` or "
            f"`channels_last`. Received: data_format={data_format}"
        )
    return data_format


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scales a batch of RGB images (values 0-255) the way an ImageNet model expects.

    A floating NumPy array is modified in place (pass `numpy.copy(x)` to keep the original);
    an integer array is first converted to `floatx()`. A tensor gives a new tensor.

    Args:
        x: a NumPy array or tensor, 3D (one image) or 4D (a batch), with 3 color channels.
        data_format: `"channels_last"` or `"channels_first"`; None uses
            `keras.config.image_data_format()`.
        mode: `"caffe"` (RGB to BGR, then subtract the ImageNet channel means, no scaling),
            `"tf"` (scale to [-1, 1]) or `"torch"` (scale to [0, 1], then normalize each channel
            by the ImageNet mean and standard deviation).

    Returns:
        The preprocessed images, float.

    Raises:
        ValueError: for an unknown `mode` or `data_format`.

    Example:
    >>> import numpy as np
    >>> preprocess_input(np.array([[[0.0, 127.5, 255.0]]]), mode="tf").tolist()
    [[[-1.0, 0.0, 1.0]]]
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(
            f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}"
        )
    data_format = _check_data_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_axis(ndim: int, data_format: str) -> int:
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _channel_axis(x.ndim, data_format)
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(np.asarray(_TORCH_MEAN, x.dtype), shape)
        x /= np.reshape(np.asarray(_TORCH_STD, x.dtype), shape)
        return x
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, -1)
    x = x[tuple(index)]  # RGB -> BGR, a view (writes below go to the caller's array)
    x -= np.reshape(np.asarray(_CAFFE_MEAN, x.dtype), shape)
    return x


def _preprocess_tensor(x, data_format: str, mode: str):
    x = ops.convert_to_tensor(x)
    ndim = len(x.shape)
    if mode == "tf":
        return x / 127.5 - 1.0
    axis = _channel_axis(ndim, data_format)
    shape = [1] * ndim
    shape[axis] = 3
    if mode == "torch":
        mean = ops.reshape(ops.convert_to_tensor(np.asarray(_TORCH_MEAN), x.dtype), shape)
        std = ops.reshape(ops.convert_to_tensor(np.asarray(_TORCH_STD), x.dtype), shape)
        return (x / 255.0 - mean) / std
    x = ops.flip(x, axis=axis)
    mean = ops.reshape(ops.convert_to_tensor(np.asarray(_CAFFE_MEAN), x.dtype), shape)
    return x - mean


def decode_predictions(preds, top=5):
    """Turns a batch of ImageNet scores into the `top` best `(wnid, label, score)` tuples.

    The class index (`imagenet_class_index.json`) is downloaded once into the `models` folder
    of the cache, as Keras does.

    Args:
        preds: array of shape `(samples, 1000)`.
        top: how many classes to return per sample.

    Returns:
        One list per sample of `(class_name, class_description, score)` tuples, best first.

    Raises:
        ValueError: when `preds` is not of shape `(samples, 1000)`.

    Example:
    >>> import numpy as np
    >>> decode_predictions(np.zeros((1, 10)))
    Traceback (most recent call last):
    ...
    ValueError: `decode_predictions` expects a batch of predictions (i.e. a 2D array of shape (samples, 1000)). Received array with shape: (1, 10)
    """  # noqa: E501
    global CLASS_INDEX
    shape = tuple(np.shape(preds))
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
            f"(samples, 1000)). Received array with shape: {shape}"
        )
    if CLASS_INDEX is None:
        path = get_file(
            "imagenet_class_index.json",
            CLASS_INDEX_PATH,
            cache_subdir="models",
            file_hash=CLASS_INDEX_HASH,
        )
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for row in np.asarray(ops.convert_to_numpy(preds)):
        best = np.argsort(row)[::-1][:top]
        rows = [tuple(CLASS_INDEX[str(int(i))]) + (row[i],) for i in best]
        rows.sort(key=lambda item: item[2], reverse=True)
        results.append(rows)
    return results


def obtain_input_shape(
    input_shape, default_size, min_size, data_format, require_flatten, weights=None
):
    """Checks a user's `input_shape` against a model's needs, or picks the default.

    Args:
        input_shape: None or a 3-tuple (height, width, channels) in `data_format` order.
        default_size: the model's usual height and width.
        min_size: the smallest height and width the model accepts.
        data_format: `"channels_last"` or `"channels_first"`.
        require_flatten: True when the classifier top is included (the shape must be static).
        weights: None, `"imagenet"` or a path (with `"imagenet"` there must be 3 channels).

    Returns:
        The input shape to build the model with (may contain None).

    Raises:
        ValueError: for a shape the model cannot take.

    Example:
    >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
    (None, None, 3)
    """
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(
                "This model usually expects 1 or 3 input channels. However, it was passed an "
                f"input_shape with {channels} input channels.",
                stacklevel=3,
            )
        if channels_first:
            default_shape = (input_shape[0], default_size, default_size)
        else:
            default_shape = (default_size, default_size, input_shape[-1])
    elif channels_first:
        default_shape = (3, default_size, default_size)
    else:
        default_shape = (default_size, default_size, 3)

    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}.  Received: input_shape={input_shape}"
            )
        return default_shape

    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels != 3 and weights == "imagenet":
            raise ValueError(
                f"The input must have 3 channels; Received `input_shape={input_shape}`"
            )
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; Received: "
                f"input_shape={input_shape}"
            )
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)

    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return input_shape


def correct_pad(inputs, kernel_size):
    """The `ZeroPadding2D` padding that makes a strided 'valid' conv match TF's 'same'.

    Args:
        inputs: a symbolic 4D tensor.
        kernel_size: an int or a pair of ints.

    Returns:
        `((top, bottom), (left, right))`.

    Example:
    >>> import lamina as keras
    >>> correct_pad(keras.Input((224, 224, 3)), 3)
    ((0, 1), (0, 1))
    """
    start = 2 if image_data_format() == "channels_first" else 1
    size = inputs.shape[start : start + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    if size[0] is None:
        adjust = (1, 1)
    else:
        adjust = (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def validate_activation(classifier_activation, weights):
    """Refuses a classifier activation other than softmax or None with pretrained weights.

    Args:
        classifier_activation: a name or callable.
        weights: the `weights` argument of the model (None allows any activation).

    Returns:
        None.

    Example:
    >>> validate_activation("softmax", "imagenet")
    """
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the "
            "`classifier_activation` argument when using pretrained weights, "
            f"with `include_top=True`; Received: classifier_activation={classifier_activation}"
        )
