"""Image file helpers with Keras's names: `load_img`, `img_to_array`, `array_to_img`, `save_img`.

PIL (Pillow) is optional: it is imported when one of these functions needs it.
"""

from __future__ import annotations

import io
import pathlib
import warnings

import numpy as np

from lamina.core.config import floatx, image_data_format

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil_image(caller: str):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"`{caller}` requires PIL (Pillow), which is not installed. Install it with "
            "`pip install pillow`."
        ) from None
    return Image


def _data_format(data_format):
    data_format = image_data_format() if data_format is None else data_format.lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "`data_format` must be 'channels_first' or 'channels_last'. "
            f"Received: data_format={data_format}"
        )
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a rank-3 array (one image) to a PIL image.

    Args:
        x: the image, `(height, width, channels)` or channels first; 1, 3 or 4 channels.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
        scale: whether to rescale the values to [0, 255] (min to 0, max to 255).
        dtype: the dtype used for the conversion (default: `floatx()`).

    Returns:
        A `PIL.Image.Image` (mode `"L"`, `"RGB"` or `"RGBA"` by the number of channels).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> image = keras.utils.array_to_img(np.zeros((4, 6, 3)))
        >>> image.size, image.mode
        ((6, 4), 'RGB')
    """
    data_format = _data_format(data_format)
    image = _pil_image("array_to_img")
    x = np.asarray(x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise ValueError(
            f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image (or an array) to a rank-3 NumPy array.

    Args:
        img: the image.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
        dtype: the array's dtype (default: `floatx()`).

    Returns:
        A NumPy array `(height, width, channels)` (or channels first).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> image = keras.utils.array_to_img(np.ones((4, 6, 3)) * 255, scale=False)
        >>> array = keras.utils.img_to_array(image)
        >>> array.shape, array.dtype, float(array.max())
        ((4, 6, 3), dtype('float32'), 255.0)
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        if data_format == "channels_first":
            x = x.reshape((1, x.shape[0], x.shape[1]))
        else:
            x = x.reshape((x.shape[0], x.shape[1], 1))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image array to a file (the format from `file_format` or the path's suffix).

    Extra keyword arguments go to `PIL.Image.save`; RGBA images saved as JPEG become RGB.

    Args:
        path: the file to write (a path or a file object).
        x: the image array, rank 3.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
        file_format: the format (`"png"`, `"jpeg"`, ...); default: from the path's suffix.
        scale: rescale the values to [0, 255] (min to 0, max to 255) before saving.
        **kwargs: passed to `PIL.Image.save` (e.g. `quality=90`).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> path = os.path.join(tempfile.mkdtemp(), "image.png")
        >>> keras.utils.save_img(path, np.random.default_rng(0).random((8, 8, 3)))
        >>> keras.utils.img_to_array(keras.utils.load_img(path)).shape
        (8, 8, 3)
    """
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(
    path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False
):
    """Loads an image file into a PIL image.

    Args:
        path: a path (str, bytes or `pathlib.Path`) or an `io.BytesIO`.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
        target_size: None (original size) or `(height, width)`.
        interpolation: the resampling used when resizing: "nearest", "bilinear", "bicubic",
            "hamming", "box" or "lanczos".
        keep_aspect_ratio: resize without distortion, cropping the centre to the target ratio.

    Returns:
        A `PIL.Image.Image`.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> path = os.path.join(tempfile.mkdtemp(), "image.png")
        >>> keras.utils.save_img(path, np.zeros((8, 8, 3)))
        >>> keras.utils.load_img(path, color_mode="grayscale", target_size=(4, 4)).size
        (4, 4)
    """
    image = _pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"Invalid interpolation method {interpolation} specified. Supported methods are "
            + ", ".join(_INTERPOLATIONS)
        )
    resample = getattr(image.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_height = min(height, (width * size[1]) // size[0])
    crop_width = min(width, (height * size[0]) // size[1])
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return img.resize(size, resample, box=[left, top, left + crop_width, top + crop_height])


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resizes images to `size` without distorting them: crops the largest centred box with the
    target aspect ratio, then resizes it (with the kernels of Keras's `ops.image.resize` on JAX).

    Args:
        x: an image `(height, width, channels)` or a batch `(batch, height, width, channels)`
            (channels first with `data_format="channels_first"`); NumPy, JAX or a list.
        size: `(height, width)` of the result.
        interpolation: "bilinear", "nearest", "bicubic", "area", "lanczos3" or "lanczos5".
        data_format: "channels_last" or "channels_first".
        **kwargs: Keras's `backend_module` is accepted and ignored.

    Returns:
        A float32 NumPy array with the new height and width.

    Example:

    >>> smart_resize(np.ones((40, 20, 3)), (10, 10)).shape
    (10, 10, 3)
    """
    from lamina.utils.directory_datasets import RESIZE_INTERPOLATIONS, resize_image

    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize: unexpected keyword arguments {sorted(kwargs)}.")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"smart_resize: `interpolation` must be one of {RESIZE_INTERPOLATIONS}, received "
            f"{interpolation!r}."
        )
    data_format = _data_format(data_format)
    img = np.asarray(x, dtype="float32")
    if img.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
            f"height, width, channels)`, but got input with incorrect rank, of shape {img.shape}."
        )
    batch = img if img.ndim == 4 else img[None]
    if data_format == "channels_first":
        batch = batch.transpose(0, 2, 3, 1)
    out = np.stack(
        [resize_image(im, size, interpolation, crop_to_aspect_ratio=True) for im in batch]
    )
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    return out if img.ndim == 4 else out[0]
