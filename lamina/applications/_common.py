"""What every application builder shares: argument checks, the input, the model, the weights."""

from __future__ import annotations

import os
import re

from lamina.core.config import image_data_format
from lamina.core.symbolic import KerasTensor
from lamina.layers.input_layer import Input
from lamina.models.functional import Functional
from lamina.utils.data_utils import get_source_inputs
from lamina.utils.file_utils import get_file

KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"


def check_weights_arg(weights, include_top, classes) -> None:
    """Keras's two checks on `weights`: a known value or an existing file; 1000 imagenet classes.

    Args:
        weights: None, "imagenet", or the path of a weights file.
        include_top: whether the model ends with the ImageNet classifier.
        classes: the number of classes asked for.

    Raises:
        ValueError: for any other `weights`, or `weights="imagenet"` with a top of other than
            1000 classes.

    Example:
        >>> from lamina.applications._common import check_weights_arg
        >>> check_weights_arg(None, include_top=True, classes=10)  # random weights: any classes
        >>> check_weights_arg("imagenet", include_top=True, classes=10)
        Traceback (most recent call last):
        ...
        ValueError: If using `weights='imagenet'` with ...`classes` should be 1000...
    """
    if not (weights in {"imagenet", None} or _exists(weights)):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded.  Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` should be "
            f"1000.  Received classes={classes}"
        )


def _exists(path) -> bool:
    try:
        return os.path.exists(os.fspath(path))
    except TypeError:
        return False


def channel_axis() -> int:
    """The channel axis of a 4D image batch under the current data format.

    Returns:
        3 under "channels_last", 1 under "channels_first".

    Example:
        >>> from lamina.applications._common import channel_axis
        >>> channel_axis()  # the default "channels_last"
        3
    """
    return 3 if image_data_format() == "channels_last" else 1


def image_input(input_tensor, input_shape):
    """The model's input: a new `Input`, or the given tensor (wrapped when not symbolic).

    Args:
        input_tensor: None, a symbolic tensor (used as is), or an array (wrapped in an `Input`).
        input_shape: the shape of a new `Input` (without the batch axis).

    Returns:
        A symbolic tensor.

    Example:
        >>> from lamina.applications._common import image_input
        >>> image_input(None, (32, 32, 3)).shape
        (None, 32, 32, 3)
    """
    if input_tensor is None:
        return Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def make_model(img_input, input_tensor, outputs, name) -> Functional:
    """The functional model from the true source inputs of `input_tensor` (or `img_input`).

    Args:
        img_input: the input made by `image_input`.
        input_tensor: the user's `input_tensor`, or None.
        outputs: the output tensor.
        name: the model's name.

    Returns:
        A `Functional` model.

    Example:
        >>> import lamina as keras
        >>> from lamina.applications._common import image_input, make_model
        >>> x = image_input(None, (8, 8, 3))
        >>> model = make_model(x, None, keras.layers.GlobalAveragePooling2D()(x), "tiny")
        >>> model.name, model.output_shape
        ('tiny', (None, 3))
    """
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    return Functional(inputs, outputs, name=name)


def fetch_weights(file_name: str, origin: str, file_hash: str | None) -> str:
    """Downloads (or finds in the cache) a pretrained weights file, in `<cache>/models/`.

    Args:
        file_name: the file's name in the cache.
        origin: the URL to download it from.
        file_hash: the expected hash (or None to skip the check).

    Returns:
        The local path of the file.

    Example:
        >>> import os, tempfile
        >>> from lamina.applications._common import fetch_weights
        >>> from unittest import mock
        >>> home = tempfile.mkdtemp()
        >>> os.makedirs(os.path.join(home, "models"))
        >>> open(os.path.join(home, "models", "w.h5"), "wb").close()  # already cached: no download
        >>> with mock.patch.dict(os.environ, {"LAMINA_HOME": home}):
        ...     path = fetch_weights("w.h5", "https://example.invalid/w.h5", None)
        >>> path == os.path.join(home, "models", "w.h5")
        True
    """
    return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)


def load_weights(model, weights, imagenet_path=None) -> None:
    """Loads `imagenet_path` for `weights='imagenet'`, else the file `weights` (if any).

    Args:
        model: the model to fill.
        weights: None (nothing is loaded), "imagenet", or the path of a weights file.
        imagenet_path: the downloaded ImageNet file, used with `weights="imagenet"`.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.applications._common import load_weights
        >>> def net():
        ...     return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> source, target = net(), net()
        >>> path = os.path.join(tempfile.mkdtemp(), "w.weights.h5")
        >>> source.save_weights(path)
        >>> load_weights(target, path)
        >>> bool(np.array_equal(source.get_weights()[0], target.get_weights()[0]))
        True
    """
    if weights == "imagenet":
        if imagenet_path is not None:
            model.load_weights(imagenet_path)
    elif weights is not None:
        model.load_weights(weights)


_ARGS = """
    Args:
        include_top: whether to end with the ImageNet classifier (global pooling or flatten,
            then `Dense(classes)`); without it the model ends with the last feature map.
        weights: None (random initialization), `"imagenet"` (download and load the ImageNet
            weights Keras publishes) or the path of a weights file to load.
        input_tensor: an optional tensor (e.g. `keras.Input(...)`) to use as the image input.
        input_shape: an optional `(height, width, channels)` shape (channels first under
            `"channels_first"`), only meaningful with `include_top=False`; height and width
            must be at least {min_size}.
        pooling: with `include_top=False`: None (the 4D feature map), `"avg"` or `"max"`
            (global pooling to a 2D output).
        classes: the number of classes of the top (1000 with `weights="imagenet"`).
        classifier_activation: the activation of the top layer, a name or callable; None gives
            logits. Only None and `"softmax"` are accepted with pretrained weights.{extra}
        name: the model's name.

    Returns:
        A `Functional` model with Keras's layer names, so weights and `.keras` files carry
        over between the two.
"""


def refusal_example(builder: str) -> str:
    """A cheap docstring example: the check that refuses ImageNet weights with other classes.

    Args:
        builder: the builder's name.

    Returns:
        The example's text (`>>>` lines and the expected traceback).

    Example:
        >>> from lamina.applications._common import refusal_example
        >>> refusal_example("VGG16").strip().splitlines()[-1]
        'ValueError: If using ...should be 1000...'
    """
    return f"""
>>> {builder}(weights="imagenet", classes=10)
Traceback (most recent call last):
...
ValueError: If using ...should be 1000...
"""


# The builders whose docstring example builds the model (weights=None, a small input): the
# smallest of each family whose graph builds in about a second. Building the others is too slow
# for a docstring test (DenseNet, NASNet, EfficientNet and Inception graphs take several
# seconds), so they show their (cheap) argument check instead.
_BUILT_IN_EXAMPLES = frozenset(
    {
        "ConvNeXtTiny",
        "MobileNet",
        "MobileNetV2",
        "ResNet50",
        "ResNet50V2",
        "VGG16",
        "Xception",
    }
)


def app_doc(summary: str, min_size: int, preprocess: str, example: str, extra: str = "") -> str:
    """The docstring of an application builder, from its one-line summary and specifics.

    Args:
        summary: the first line: what the architecture is.
        min_size: the smallest input height and width.
        preprocess: the name of the matching `preprocess_input`.
        example: the example's `>>>` lines; one that builds a model not listed in
            `_BUILT_IN_EXAMPLES` is replaced by `refusal_example`.
        extra: the documentation of the builder's own extra arguments.

    Returns:
        The docstring, with the shared `Args:` and `Returns:` sections.

    Example:
        >>> from lamina.applications._common import app_doc
        >>> doc = app_doc("Tiny: a test net.", 32, "f", ">>> model = Tiny(weights=None)")
        >>> "Args:" in doc, "refuses" in doc or "ValueError" in doc
        (True, True)
    """
    built = re.search(r">>> model = (\w+)\(", example)
    if built and built.group(1) not in _BUILT_IN_EXAMPLES:
        example = refusal_example(built.group(1))
    return (
        f"{summary}\n\n    Inputs are RGB images preprocessed with `{preprocess}`.\n"
        + _ARGS.format(min_size=min_size, extra=extra)
        + "\n    Example:\n"
        + "".join(f"    {line}\n" for line in example.strip().splitlines())
    )


_MODE_TEXT = {
    "caffe": 'RGB to BGR, then the ImageNet channel means subtracted, no scaling ("caffe")',
    "tf": 'scaled to [-1, 1] ("tf")',
    "torch": 'scaled to [0, 1], then normalized by the ImageNet channel mean and std ("torch")',
}
_MODE_EXAMPLE = {
    "caffe": (
        ">>> preprocess_input(np.zeros((1, 1, 3))).round(3).tolist()",
        "[[[-103.939, -116.779, -123.68]]]",
    ),
    "tf": (">>> preprocess_input(np.full((1, 1, 3), 255.0)).tolist()", "[[[1.0, 1.0, 1.0]]]"),
    "torch": (
        ">>> preprocess_input(np.full((1, 1, 3), 255.0)).round(2).tolist()",
        "[[[2.25, 2.43, 2.64]]]",
    ),
    None: (">>> preprocess_input(np.full((1, 1, 3), 255.0)).tolist()", "[[[255.0, 255.0, 255.0]]]"),
}


def preprocess_for(mode, family: str):
    """The family module's `preprocess_input`: imagenet_utils' `mode`, or none (mode=None).

    Args:
        mode: "caffe", "tf", "torch" (see `imagenet_utils.preprocess_input`), or None for a
            function that returns its input.
        family: the module name, such as "resnet", used in the docstring and `__module__`.

    Returns:
        The `preprocess_input(x, data_format=None)` function, with its docstring.

    Example:
        >>> import numpy as np
        >>> from lamina.applications._common import preprocess_for
        >>> preprocess = preprocess_for("tf", "mobilenet")
        >>> preprocess(np.array([[[0.0, 127.5, 255.0]]])).tolist()
        [[[-1.0, 0.0, 1.0]]]
    """
    from lamina.applications import imagenet_utils

    if mode is None:

        def preprocess_input(x, data_format=None):
            return x

        what = (
            "returns `x` unchanged: the model scales its input itself, so it takes raw 0-255 pixels"
        )
    else:

        def preprocess_input(x, data_format=None):
            return imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)

        what = f"images come out {_MODE_TEXT[mode]}"
    call, result = _MODE_EXAMPLE[mode]
    preprocess_input.__doc__ = f"""Prepares RGB images (values 0-255) for the {family} models: {what}.

    Args:
        x: a NumPy array or tensor of images, 3D or 4D, with 3 channels. A floating NumPy
            array may be modified in place.
        data_format: None (the configured format), `"channels_last"` or `"channels_first"`.

    Returns:
        The preprocessed images.

    Example:
    >>> import numpy as np
    {call}
    {result}
    """
    preprocess_input.__module__ = f"lamina.applications.{family}"
    preprocess_input.__qualname__ = "preprocess_input"
    return preprocess_input


def decode_for(family: str):
    """The family module's `decode_predictions` (the shared ImageNet decoder).

    Args:
        family: the module name, such as "resnet", used in the docstring and `__module__`.

    Returns:
        The `decode_predictions(preds, top=5)` function, with its docstring.

    Example:
        >>> from lamina.applications._common import decode_for
        >>> decode_for("resnet").__module__
        'lamina.applications.resnet'
    """
    from lamina.applications import imagenet_utils

    def decode_predictions(preds, top=5):
        return imagenet_utils.decode_predictions(preds, top=top)

    decode_predictions.__doc__ = f"""The `top` ImageNet classes of each row of a {family} model's output.

    The class index is downloaded once (see `imagenet_utils.decode_predictions`).

    Args:
        preds: array of shape `(samples, 1000)`.
        top: how many classes to return per sample.

    Returns:
        One list of `(class_name, class_description, score)` tuples per sample, best first.

    Raises:
        ValueError: when `preds` is not of shape `(samples, 1000)`.

    Example:
    >>> import numpy as np
    >>> decode_predictions(np.zeros((2, 3)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `decode_predictions` expects a batch of predictions ...
    """
    decode_predictions.__module__ = f"lamina.applications.{family}"
    decode_predictions.__qualname__ = "decode_predictions"
    return decode_predictions


def classifier_top(
    x,
    include_top,
    pooling,
    classes,
    classifier_activation,
    weights,
    avg_name="avg_pool",
    max_name="max_pool",
    dropout=None,
    dropout_name="top_dropout",
):
    """Global average pooling then `Dense(classes, name='predictions')`, or the `pooling` end.

    Args:
        x: the last feature map.
        include_top: whether to add the classifier.
        pooling: without the classifier: None, "avg" or "max".
        classes: the classifier's number of classes.
        classifier_activation: the classifier's activation.
        weights: the `weights` argument (pretrained weights allow only None and "softmax").
        avg_name: the name of the average-pooling layer.
        max_name: the name of the max-pooling layer.
        dropout: an optional dropout rate before the classifier.
        dropout_name: the name of that dropout layer.

    Returns:
        The output tensor.

    Example:
        >>> import lamina as keras
        >>> from lamina.applications._common import classifier_top
        >>> x = keras.Input((4, 4, 8))
        >>> classifier_top(x, True, None, 10, "softmax", None).shape
        (None, 10)
        >>> classifier_top(x, False, "max", 10, "softmax", None).shape
        (None, 8)
    """
    from lamina import layers
    from lamina.applications import imagenet_utils

    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        if dropout:
            x = layers.Dropout(dropout, name=dropout_name)(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x
