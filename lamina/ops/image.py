"""`keras.ops.image`: resizing, cropping, padding, patches, colour spaces, geometric warps,
blurs, edges and SSIM, computed with `jax.image`, `jax.scipy.ndimage` and `jax.lax`.

Every function works on arrays right away and, given a symbolic tensor (from `keras.Input`),
records one graph node that a functional model replays and saves as Keras's operation record
(`{"module": "keras.src.ops.image", "class_name": "Resize", ...}`), so `.keras` files that use
these ops load in Keras and the other way round.

Images are rank 3 (one image) or rank 4 (a batch); `data_format=None` means
`keras.config.image_data_format()`.
"""

from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp
import numpy as np

from lamina.ops.operation import OpLayer, has_symbolic, unwrap

# lamina function -> (Keras class name, node base name, constructor arguments, call arguments)
KERAS_IMAGE_OPERATIONS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "rgb_to_grayscale": ("RGBToGrayscale", "rgb_to_grayscale", ("data_format",), ("images",)),
    "rgb_to_hsv": ("RGBToHSV", "rgb_to_hsv", ("data_format",), ("images",)),
    "hsv_to_rgb": ("HSVToRGB", "hsv_to_rgb", ("data_format",), ("images",)),
    "resize": (
        "Resize",
        "resize",
        (
            "size",
            "interpolation",
            "antialias",
            "crop_to_aspect_ratio",
            "pad_to_aspect_ratio",
            "fill_mode",
            "fill_value",
            "data_format",
        ),
        ("images",),
    ),
    "affine_transform": (
        "AffineTransform",
        "affine_transform",
        ("interpolation", "fill_mode", "fill_value", "data_format"),
        ("images", "transform"),
    ),
    "extract_patches": (
        "ExtractPatches",
        "extract_patches",
        ("size", "strides", "dilation_rate", "padding", "data_format"),
        ("images",),
    ),
    "extract_patches_3d": (
        "ExtractPatches",
        "extract_patches",
        ("size", "strides", "dilation_rate", "padding", "data_format"),
        ("volumes",),
    ),
    "map_coordinates": (
        "MapCoordinates",
        "map_coordinates",
        ("order", "fill_mode", "fill_value"),
        ("inputs", "coordinates"),
    ),
    "pad_images": (
        "PadImages",
        "pad_images",
        (
            "top_padding",
            "left_padding",
            "bottom_padding",
            "right_padding",
            "target_height",
            "target_width",
            "data_format",
        ),
        ("images",),
    ),
    "crop_images": (
        "CropImages",
        "crop_images",
        (
            "top_cropping",
            "left_cropping",
            "bottom_cropping",
            "right_cropping",
            "target_height",
            "target_width",
            "data_format",
        ),
        ("images",),
    ),
    "perspective_transform": (
        "PerspectiveTransform",
        "perspective_transform",
        ("interpolation", "fill_value", "data_format"),
        ("images", "start_points", "end_points"),
    ),
    "gaussian_blur": (
        "GaussianBlur",
        "gaussian_blur",
        ("kernel_size", "sigma", "data_format"),
        ("images",),
    ),
    "elastic_transform": (
        "ElasticTransform",
        "elastic_transform",
        ("alpha", "sigma", "interpolation", "fill_mode", "fill_value", "seed", "data_format"),
        ("images",),
    ),
    "scale_and_translate": (
        "ScaleAndTranslate",
        "scale_and_translate",
        ("spatial_dims", "method", "antialias"),
        ("images", "output_shape", "scale", "translation"),
    ),
    "sobel_edges": ("SobelEdges", "sobel_edges", ("data_format",), ("images",)),
    "ssim": (
        "SSIM",
        "ssim",
        ("max_val", "filter_size", "filter_sigma", "k1", "k2", "data_format"),
        ("image1", "image2"),
    ),
}

# Keras class name -> lamina function name (for loading records); ExtractPatches covers 3D too.
KERAS_IMAGE_CLASSES = {
    v[0]: k for k, v in KERAS_IMAGE_OPERATIONS.items() if k != "extract_patches_3d"
}

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
WARP_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
SCALE_AND_TRANSLATE_METHODS = (
    "linear",
    "bilinear",
    "trilinear",
    "cubic",
    "bicubic",
    "tricubic",
    "lanczos3",
    "lanczos5",
)


class ImageOpLayer(OpLayer):
    """A `keras.ops.image` call on symbolic tensors, as a weightless layer; saved as Keras's
    `keras.src.ops.image` operation record.

    Args:
        fn: the function computing on arrays.
        args, kwargs: the original arguments; `KerasTensor`s among them become the call inputs.
        name: the base of the layer's name.

    Example:
    >>> import lamina
    >>> x = lamina.Input((8, 8, 3))
    >>> y = lamina.ops.image.resize(x, (4, 4))
    >>> type(y._keras_history[0]).__name__, y.shape
    ('ImageOpLayer', (None, 4, 4, 3))
    """

    def keras_record(self, tensors):
        from lamina.ops.operation import _plain

        public = self.__dict__["_op_public"]
        class_name, _, init, call = KERAS_IMAGE_OPERATIONS[public]
        fn, treedef, static, positions = self._op_spec
        leaves = list(static)
        for i, t in zip(positions, tensors):
            leaves[i] = t
        args, kwargs = jax.tree.unflatten(treedef, leaves)
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        if class_name == "ExtractPatches":
            # Keras's ExtractPatches writes its settings without a name, with `size` and
            # `strides` as tuples and the data format resolved.
            size = values["size"]
            if isinstance(size, int):
                size = (size,) * (3 if public == "extract_patches_3d" else 2)
            values["size"] = tuple(size)
            if values["strides"] is None:
                values["strides"] = tuple(size)
            values["data_format"] = _data_format(values["data_format"])
            config = {}
        else:
            config = {"name": self.name}
        for key in init:
            config[key] = _plain(values[key], key)
        head = {
            "module": "keras.src.ops.image",
            "class_name": class_name,
            "config": config,
            "registered_name": class_name,
        }
        return head, [values[key] for key in call]


def _image_op(public: str):
    """Decorator: the function computes on arrays, or records one `ImageOpLayer` node when a
    symbolic tensor is among its arguments."""
    base = KERAS_IMAGE_OPERATIONS[public][1]

    def wrap(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            if has_symbolic(args) or has_symbolic(kwargs):
                layer = ImageOpLayer(fn, args, kwargs, base)
                layer.__dict__["_op_public"] = public
                return layer(*layer.symbolic_inputs(args, kwargs))
            return fn(*unwrap(args), **unwrap(kwargs))

        return op

    return wrap


def _data_format(data_format):
    from lamina.core.config import image_data_format

    data_format = data_format or image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def _check_rank(images, name: str = "images", ranks=(3, 4)):
    if images.ndim not in ranks:
        raise ValueError(
            f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch of "
            f"images). Received input with shape: {name}.shape={tuple(images.shape)}"
        )


def _float_dtype(dtype):
    return dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.dtype("float32")


def _to_nhwc(images, data_format):
    """Batched channels-last view of `images`, and a function undoing it."""
    unbatched = images.ndim == 3
    x = images[None] if unbatched else images
    if data_format == "channels_first":
        x = jnp.moveaxis(x, 1, -1)

    def back(y):
        if data_format == "channels_first":
            y = jnp.moveaxis(y, -1, 1)
        return y[0] if unbatched else y

    return x, back


# ------------------------------------------------------------------------------ colour spaces


@_image_op("rgb_to_grayscale")
def rgb_to_grayscale(images, data_format=None):
    """Converts RGB images to grayscale (weights 0.2989, 0.5870, 0.1140; one channel kept).

    Args:
        images: a rank-3 image or rank-4 batch with 3 (or 1) channels.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The images with one channel, in the input dtype.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.rgb_to_grayscale(np.ones((2, 4, 4, 3), "float32")).shape
    (2, 4, 4, 1)
    """
    images = jnp.asarray(images)
    axis = -1 if _data_format(data_format) == "channels_last" else -3
    _check_rank(images)
    if images.shape[axis] not in (1, 3):
        raise ValueError(
            "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with "
            f"shape: images.shape={tuple(images.shape)}"
        )
    if images.shape[axis] == 1:
        return images
    x = images.astype(_float_dtype(images.dtype))
    weights = jnp.asarray([0.2989, 0.5870, 0.1140], dtype=x.dtype)
    gray = jnp.tensordot(x, weights, axes=(axis, -1))
    return jnp.expand_dims(gray, axis).astype(images.dtype)


def _check_float(images, name="images"):
    if not jnp.issubdtype(images.dtype, jnp.floating):
        raise ValueError(
            f"Invalid {name} dtype: expected float dtype. Received: {name}.dtype={images.dtype}"
        )


@_image_op("rgb_to_hsv")
def rgb_to_hsv(images, data_format=None):
    """Converts RGB images (values in [0, 1]) to HSV, each channel in [0, 1].

    Args:
        images: a float rank-3 image or rank-4 batch with 3 channels.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The HSV images, same shape and dtype.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.image.rgb_to_hsv(np.array([[[1.0, 0.0, 0.0]]], "float32")))
    array([[[0., 1., 1.]]], dtype=float32)
    """
    images = jnp.asarray(images)
    axis = -1 if _data_format(data_format) == "channels_last" else -3
    _check_rank(images)
    _check_float(images)
    eps = jnp.finfo(images.dtype).eps
    images = jnp.where(jnp.abs(images) < eps, 0.0, images).astype(images.dtype)
    r, g, b = (jnp.take(images, i, axis=axis) for i in range(3))
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    scale = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    hue = jnp.where(value == g, scale * (b - r) + 2.0 / 6.0, scale * (r - g) + 4.0 / 6.0)
    hue = jnp.where(value == r, scale * (g - b), hue)
    hue = jnp.where(spread > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis).astype(images.dtype)


@_image_op("hsv_to_rgb")
def hsv_to_rgb(images, data_format=None):
    """Converts HSV images (each channel in [0, 1]) back to RGB.

    Args:
        images: a float rank-3 image or rank-4 batch with 3 channels.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The RGB images, same shape and dtype.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.image.hsv_to_rgb(np.array([[[0.0, 1.0, 1.0]]], "float32")))
    array([[[1., 0., 0.]]], dtype=float32)
    """
    images = jnp.asarray(images)
    axis = -1 if _data_format(data_format) == "channels_last" else -3
    _check_rank(images)
    _check_float(images)
    h, s, v = (jnp.take(images, i, axis=axis) for i in range(3))
    dh = jnp.mod(h, 1.0) * 6.0
    parts = (
        jnp.clip(jnp.abs(dh - 3.0) - 1.0, 0.0, 1.0),
        jnp.clip(2.0 - jnp.abs(dh - 2.0), 0.0, 1.0),
        jnp.clip(2.0 - jnp.abs(dh - 4.0), 0.0, 1.0),
    )
    rgb = [v * ((1.0 - s) + s * d) for d in parts]
    return jnp.stack(rgb, axis=axis).astype(images.dtype)


# ------------------------------------------------------------------------ resize, crop, pad


@_image_op("resize")
def resize(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_mode="constant",
    fill_value=0.0,
    data_format=None,
):
    """Resizes images to `size` (height, width) with `jax.image.resize`.

    Args:
        images: a rank-3 image or rank-4 batch.
        size: `(height, width)` of the output.
        interpolation: `"bilinear"`, `"nearest"`, `"lanczos3"`, `"lanczos5"` or `"bicubic"`.
        antialias: whether to filter when downsampling.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio first.
        pad_to_aspect_ratio: pad (with `fill_value`) to the target aspect ratio first.
        fill_mode: only `"constant"`.
        fill_value: the padding value.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The resized images, in the input dtype (integers rounded and clipped).

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.resize(np.zeros((2, 8, 8, 3), "float32"), (4, 6)).shape
    (2, 4, 6, 3)
    """
    from lamina.ops.image_resize import resize_images

    images = jnp.asarray(images)
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    _check_rank(images)
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
        )
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected one of {INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )
    if fill_mode != "constant":
        raise ValueError(
            "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
            f"Received: fill_mode={fill_mode}"
        )
    kwargs = dict(
        height=int(size[0]),
        width=int(size[1]),
        interpolation=interpolation,
        crop_to_aspect_ratio=crop_to_aspect_ratio,
        pad_to_aspect_ratio=pad_to_aspect_ratio,
        fill_value=fill_value,
        antialias=antialias,
        data_format=_data_format(data_format),
    )
    if jnp.issubdtype(images.dtype, jnp.floating):
        return resize_images(images, **kwargs).astype(images.dtype)
    out = resize_images(images.astype("float32"), **kwargs)
    if jnp.issubdtype(images.dtype, jnp.integer):
        info = jnp.iinfo(images.dtype)
        out = jnp.clip(jnp.round(out), info.min, info.max)
    return out.astype(images.dtype)


def _hw(images, data_format):
    if data_format == "channels_last":
        return images.shape[-3], images.shape[-2]
    return images.shape[-2], images.shape[-1]


def _three_of(kind, a, b, target, a_name, b_name, t_name):
    if [a, b, target].count(None) != 1:
        raise ValueError(
            f"Must specify exactly two of {a_name}, {b_name}, {t_name}. Received: "
            f"{a_name}={a}, {b_name}={b}, {t_name}={target}"
        )
    for value, name in ((a, a_name), (b, b_name), (target, t_name)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


@_image_op("pad_images")
def pad_images(
    images,
    top_padding=None,
    left_padding=None,
    bottom_padding=None,
    right_padding=None,
    target_height=None,
    target_width=None,
    data_format=None,
):
    """Pads images with zeros to a given size: give two of `top_padding`, `bottom_padding`,
    `target_height` and two of `left_padding`, `right_padding`, `target_width`.

    Args:
        images: a rank-3 image or rank-4 batch.
        top_padding, left_padding, bottom_padding, right_padding: rows/columns of zeros.
        target_height, target_width: the padded size.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The padded images.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.pad_images(np.ones((4, 4, 1)), 1, 2, target_height=7, target_width=8).shape
    (7, 8, 1)
    """
    images = jnp.asarray(images)
    data_format = _data_format(data_format)
    _check_rank(images)
    _three_of(
        "pad", top_padding, bottom_padding, target_height,
        "top_padding", "bottom_padding", "target_height",
    )  # fmt: skip
    _three_of(
        "pad", left_padding, right_padding, target_width,
        "left_padding", "right_padding", "target_width",
    )  # fmt: skip
    height, width = _hw(images, data_format)
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    for value, name in (
        (top_padding, "top_padding"),
        (left_padding, "left_padding"),
        (right_padding, "right_padding"),
        (bottom_padding, "bottom_padding"),
    ):
        if value < 0:
            raise ValueError(
                f"{name} must be >= 0 (the target size is smaller than the image). "
                f"Received: {name}={value}"
            )
    pads = [(top_padding, bottom_padding), (left_padding, right_padding)]
    pads = pads + [(0, 0)] if data_format == "channels_last" else [(0, 0)] + pads
    if images.ndim == 4:
        pads = [(0, 0)] + pads
    return jnp.pad(images, pads)


@_image_op("crop_images")
def crop_images(
    images,
    top_cropping=None,
    left_cropping=None,
    bottom_cropping=None,
    right_cropping=None,
    target_height=None,
    target_width=None,
    data_format=None,
):
    """Crops images to a box: give two of `top_cropping`, `bottom_cropping`, `target_height`
    and two of `left_cropping`, `right_cropping`, `target_width`.

    Args:
        images: a rank-3 image or rank-4 batch.
        top_cropping, left_cropping, bottom_cropping, right_cropping: rows/columns removed.
        target_height, target_width: the cropped size.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The cropped images.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.crop_images(np.ones((8, 8, 1)), 1, 2, target_height=4, target_width=5).shape
    (4, 5, 1)
    """
    images = jnp.asarray(images)
    data_format = _data_format(data_format)
    _check_rank(images)
    _three_of(
        "crop", top_cropping, bottom_cropping, target_height,
        "top_cropping", "bottom_cropping", "target_height",
    )  # fmt: skip
    _three_of(
        "crop", left_cropping, right_cropping, target_width,
        "left_cropping", "right_cropping", "target_width",
    )  # fmt: skip
    height, width = _hw(images, data_format)
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    for value, name in (
        (top_cropping, "top_cropping"),
        (target_height, "target_height"),
        (left_cropping, "left_cropping"),
        (target_width, "target_width"),
    ):
        if value < 0:
            raise ValueError(
                f"{name} must be >= 0 (the crop does not fit in the image). "
                f"Received: {name}={value}"
            )
    ha = images.ndim + (-3 if data_format == "channels_last" else -2)
    out = jax.lax.slice_in_dim(images, top_cropping, top_cropping + target_height, axis=ha)
    return jax.lax.slice_in_dim(out, left_cropping, left_cropping + target_width, axis=ha + 1)


# ------------------------------------------------------------------------------------ patches


def _patches(images, size, strides, dilation_rate, padding, data_format, rank):
    from lamina.ops.nn_more import _conv

    size = (size,) * rank if isinstance(size, int) else tuple(size)
    if strides is None or (not isinstance(strides, int) and not strides):
        strides = size
    data_format = _data_format(data_format)
    channels = images.shape[-1] if data_format == "channels_last" else images.shape[-rank - 1]
    depth = int(np.prod(size)) * channels
    kernel = jnp.eye(depth, dtype=images.dtype).reshape(*size, channels, depth)
    unbatched = images.ndim == rank + 1
    x = images[None] if unbatched else images
    out = _conv(x, kernel, strides, padding, data_format, dilation_rate)
    return out[0] if unbatched else out


@_image_op("extract_patches")
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Cuts images into patches, each flattened into the channel axis (2D for a `size` of one
    or two numbers, 3D volumes for three).

    Args:
        images: `(H, W, C)` or `(N, H, W, C)` (or `(D, H, W, C)` / `(N, D, H, W, C)` for 3D).
        size: the patch size, an int or a tuple of 2 (or 3) ints.
        strides: the step between patches (default: `size`, no overlap).
        dilation_rate: spacing of the sampled pixels inside a patch.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        Patches of shape `(N, rows, cols, size_h * size_w * C)` (channels last).

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.extract_patches(np.zeros((2, 8, 8, 3), "float32"), 4).shape
    (2, 2, 2, 48)
    """
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError(
                "Invalid `size` argument. Expected an int or a tuple. "
                f"Received: size={size} of type {type(size).__name__}"
            )
        if len(size) not in (2, 3):
            raise ValueError(
                "Invalid `size` argument. Expected a tuple of length 2 or 3. "
                f"Received: size={size} with length {len(size)}"
            )
    images = jnp.asarray(images)
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _patches(images, size, strides, dilation_rate, padding, data_format, rank)


@_image_op("extract_patches_3d")
def extract_patches_3d(
    volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None
):
    """Cuts volumes into 3D patches, each flattened into the channel axis.

    Args:
        volumes: `(D, H, W, C)` or `(N, D, H, W, C)` (channels last).
        size: the patch size, an int or `(depth, height, width)`.
        strides: the step between patches (default: `size`).
        dilation_rate: spacing of the sampled voxels inside a patch.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        Patches of shape `(N, d, h, w, size_d * size_h * size_w * C)` (channels last).

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.extract_patches_3d(np.zeros((6, 6, 6, 1), "float32"), 3).shape
    (2, 2, 2, 27)
    """
    volumes = jnp.asarray(volumes)
    if isinstance(size, int):
        size = (size, size, size)
    if len(size) != 3:
        raise ValueError(f"Invalid `size` argument. Expected 3 integers. Got: {size}")
    if isinstance(strides, int):
        strides = (strides,) * 3
    if strides is not None and len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3)


# ------------------------------------------------------------------------------ warps


def _check_warp(interpolation, fill_mode=None):
    if interpolation not in WARP_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected one of "
            f"{tuple(WARP_INTERPOLATIONS)}. Received: interpolation={interpolation}"
        )
    if fill_mode is not None and fill_mode not in FILL_MODES:
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Expected one of {FILL_MODES}. "
            f"Received: fill_mode={fill_mode}"
        )


@_image_op("affine_transform")
def affine_transform(
    images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
    data_format=None,
):  # fmt: skip
    """Warps images by affine transforms: the output pixel `(x, y)` takes the input value at
    `(a0*x + a1*y + a2, b0*x + b1*y + b2)`.

    Args:
        images: a rank-3 image or rank-4 batch.
        transform: `[a0, a1, a2, b0, b1, b2, c0, c1]`, or a batch of such rows (`c0, c1`
            should be 0).
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: the value outside the image for `"constant"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The warped images.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.arange(9, dtype="float32").reshape(3, 3, 1)
    >>> shift = np.array([1, 0, 1, 0, 1, 0, 0, 0], "float32")  # read one column to the right
    >>> np.asarray(ops.image.affine_transform(x, shift))[..., 0]
    array([[1., 2., 0.],
           [4., 5., 0.],
           [7., 8., 0.]], dtype=float32)
    """
    _check_warp(interpolation, fill_mode)
    images = jnp.asarray(images)
    transform = jnp.asarray(transform)
    _check_rank(images)
    if transform.ndim not in (1, 2):
        raise ValueError(
            "Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of "
            f"transforms). Received input with shape: transform.shape={tuple(transform.shape)}"
        )
    x, back = _to_nhwc(images, _data_format(data_format))
    if transform.ndim == 1:
        transform = transform[None]
    transform = (
        jnp.broadcast_to(transform, (x.shape[0], 8)) if transform.shape[0] == 1 else transform
    )
    h, w, c = x.shape[1:]
    yy, xx, cc = jnp.meshgrid(jnp.arange(h), jnp.arange(w), jnp.arange(c), indexing="ij")
    t = transform[:, :, None, None, None]
    # Keras maps (y, x, c) through a 3x3 matrix; c0, c1 multiply the channel index.
    y_in = t[:, 3] * xx + t[:, 4] * yy + t[:, 6] * cc + t[:, 5]
    x_in = t[:, 0] * xx + t[:, 1] * yy + t[:, 7] * cc + t[:, 2]
    c_in = jnp.broadcast_to(cc.astype(y_in.dtype), y_in.shape)
    order = WARP_INTERPOLATIONS[interpolation]

    def one(image, ys, xs, cs):
        return jax.scipy.ndimage.map_coordinates(
            image, [ys, xs, cs], order=order, mode=fill_mode, cval=fill_value
        )

    return back(jax.vmap(one)(x, y_in, x_in, c_in))


@_image_op("map_coordinates")
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Samples `inputs` at `coordinates` (one array of positions per input axis) by
    nearest-neighbour (`order=0`) or linear (`order=1`) interpolation.

    Args:
        inputs: an array of any rank.
        coordinates: an array whose first axis has `inputs.ndim` entries.
        order: 0 or 1.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: the value outside `inputs` for `"constant"`.

    Returns:
        The sampled values, shaped like `coordinates[0]`.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> float(ops.image.map_coordinates(np.array([0.0, 10.0]), np.array([[0.25]]), order=1)[0])
    2.5
    """
    inputs = jnp.asarray(inputs)
    coordinates = jnp.asarray(coordinates)
    if coordinates.ndim < 2:
        raise ValueError(
            "Invalid coordinates rank: expected at least rank 2. Received input with shape: "
            f"{tuple(coordinates.shape)}"
        )
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError(
            "First dim of `coordinates` must be the same as the rank of `inputs`. Received "
            f"inputs with shape: {tuple(inputs.shape)} and coordinate leading dim of "
            f"{coordinates.shape[0]}"
        )
    if fill_mode not in FILL_MODES:
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Expected one of {FILL_MODES}. "
            f"Received: fill_mode={fill_mode}"
        )
    if order not in (0, 1):
        raise ValueError(
            f"Invalid value for argument `order`. Expected one of [0, 1]. Received: order={order}"
        )
    return jax.scipy.ndimage.map_coordinates(
        inputs, list(coordinates), order, fill_mode, fill_value
    )


def _homography(start_points, end_points):
    """The 8 homography coefficients mapping each output (end) point to its input (start)
    point."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = jnp.zeros_like(ex), jnp.ones_like(ex)
    x_rows = jnp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = jnp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    a = jnp.concatenate([x_rows, y_rows], axis=1)
    b = jnp.concatenate([sx, sy], axis=-1)[..., None]
    return jnp.linalg.solve(a, b)[..., 0]


@_image_op("perspective_transform")
def perspective_transform(
    images, start_points, end_points, interpolation="bilinear", fill_value=0, data_format=None
):
    """Warps images so that the 4 `start_points` move to the 4 `end_points` (a homography);
    pixels from outside the image take `fill_value`.

    Args:
        images: a rank-3 image or rank-4 batch.
        start_points: `(4, 2)` or `(N, 4, 2)` corner positions `(x, y)` in the input.
        end_points: the same shape: where those points land in the output.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_value: the value outside the image.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The warped images.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> corners = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], "float32")
    >>> x = np.random.rand(4, 4, 1).astype("float32")
    >>> bool(np.allclose(ops.image.perspective_transform(x, corners, corners), x, atol=1e-5))
    True
    """
    _check_warp(interpolation)
    images = jnp.asarray(images)
    start_points = jnp.asarray(start_points, dtype="float32")
    end_points = jnp.asarray(end_points, dtype="float32")
    _check_rank(images)
    for pts, name in ((start_points, "start_points"), (end_points, "end_points")):
        if pts.shape[-2:] != (4, 2) or pts.ndim not in (2, 3):
            raise ValueError(
                f"Invalid {name} shape: expected (4, 2) for a single image or (N, 4, 2) for a "
                f"batch. Received shape: {tuple(pts.shape)}"
            )
    if start_points.shape != end_points.shape:
        raise ValueError(
            "start_points and end_points must have the same shape. Received "
            f"start_points.shape={tuple(start_points.shape)}, "
            f"end_points.shape={tuple(end_points.shape)}"
        )
    x, back = _to_nhwc(images, _data_format(data_format))
    if start_points.ndim == 2:
        start_points, end_points = start_points[None], end_points[None]
    h, w = x.shape[1], x.shape[2]
    coeffs = _homography(start_points, end_points)
    coeffs = jnp.broadcast_to(coeffs, (x.shape[0], 8))
    gx, gy = jnp.meshgrid(jnp.arange(w), jnp.arange(h), indexing="xy")
    order = WARP_INTERPOLATIONS[interpolation]

    def one(image, t):
        denom = t[6] * gx + t[7] * gy + 1.0
        xs = (t[0] * gx + t[1] * gy + t[2]) / denom
        ys = (t[3] * gx + t[4] * gy + t[5]) / denom

        def channel(c):
            return jax.scipy.ndimage.map_coordinates(
                c, [ys, xs], order=order, mode="constant", cval=fill_value
            )

        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)

    return back(jax.vmap(one)(x, coeffs).astype(images.dtype))


# ---------------------------------------------------------------------- filters and edges


def _gaussian_kernel_1d(size, sigma, dtype):
    x = jnp.arange(size, dtype=dtype) - jnp.asarray((size - 1) / 2, dtype=dtype)
    k = jnp.exp(-0.5 * (x / sigma) ** 2)
    return k / jnp.sum(k)


def _depthwise_nchw(x, kernel):
    """`x` (N, C, H, W) convolved ("same") channel by channel with the 2D `kernel`."""
    c = x.shape[1]
    k = jnp.tile(kernel[None, None], (c, 1, 1, 1))
    return jax.lax.conv_general_dilated(
        x, k, (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=c
    )


def _blur(images, kernel_size, sigma, data_format):
    """Gaussian blur of a rank-3/4 float array, `data_format` already resolved."""
    dtype = images.dtype
    sigma = jnp.asarray(sigma, dtype=dtype)
    sigma = jnp.broadcast_to(sigma, (2,))
    unbatched = images.ndim == 3
    x = images[None] if unbatched else images
    if data_format == "channels_last":
        x = jnp.transpose(x, (0, 3, 1, 2))
    kx = _gaussian_kernel_1d(kernel_size[0], sigma[0], dtype)
    ky = _gaussian_kernel_1d(kernel_size[1], sigma[1], dtype)
    out = _depthwise_nchw(x, jnp.outer(ky, kx))
    if data_format == "channels_last":
        out = jnp.transpose(out, (0, 2, 3, 1))
    return out[0] if unbatched else out


@_image_op("gaussian_blur")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs images with a Gaussian kernel ("same" size, zero padding).

    Args:
        images: a float rank-3 image or rank-4 batch.
        kernel_size: `(height, width)` of the kernel.
        sigma: the standard deviations along width and height.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The blurred images.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.gaussian_blur(np.ones((2, 8, 8, 3), "float32")).shape
    (2, 8, 8, 3)
    """
    images = jnp.asarray(images)
    _check_rank(images)
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    return _blur(images, tuple(kernel_size), sigma, _data_format(data_format))


@_image_op("elastic_transform")
def elastic_transform(
    images,
    alpha=20.0,
    sigma=5.0,
    interpolation="bilinear",
    fill_mode="reflect",
    fill_value=0.0,
    seed=None,
    data_format=None,
):
    """Displaces every pixel by a smooth random field (Gaussian noise blurred with `sigma`,
    scaled by `alpha`), as Keras does on JAX (the same seed gives Keras's field).

    Args:
        images: a float rank-3 image or rank-4 batch.
        alpha: the displacement scale.
        sigma: the smoothness (standard deviation of the blur).
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: the value outside the image for `"constant"`.
        seed: an int, a `keras.random.SeedGenerator`, or None.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The distorted images.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.elastic_transform(np.ones((8, 8, 1), "float32"), seed=1).shape
    (8, 8, 1)
    """
    from lamina.core.random import draw_key, int_seed_key

    _check_warp(interpolation, fill_mode)
    images = jnp.asarray(images)
    _check_rank(images)
    data_format = _data_format(data_format)
    x, back = _to_nhwc(images, data_format)
    n, h, w, _ = x.shape
    sigma_f = float(sigma)
    size = int(6 * sigma_f) | 1
    key = int_seed_key(seed) if isinstance(seed, (int, np.integer)) else draw_key(seed)
    noise = jax.random.normal(key, (n, h, w), dtype=x.dtype) * jnp.asarray(sigma, x.dtype)
    # Keras draws both displacement fields from the same key, so they are equal.
    field = _blur(noise[..., None], (size, size), (sigma_f, sigma_f), "channels_last")[..., 0]
    gx, gy = jnp.meshgrid(jnp.arange(w), jnp.arange(h))
    xs = gx[None] + alpha * field
    ys = gy[None] + alpha * field
    order = WARP_INTERPOLATIONS[interpolation]

    def one(image, y, xx):
        def channel(c):
            return jax.scipy.ndimage.map_coordinates(
                c, [y, xx], order=order, mode=fill_mode, cval=fill_value
            )

        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)

    return back(jax.vmap(one)(x, ys, xs).astype(images.dtype))


@_image_op("scale_and_translate")
def scale_and_translate(
    images, output_shape, scale, translation, spatial_dims, method, antialias=True
):
    """Resamples `images` to `output_shape` with the input location of an output point
    `p` at `(p - translation) / scale` along `spatial_dims` (`jax.image.scale_and_translate`).

    Args:
        images: an array.
        output_shape: the shape of the result.
        scale: one scale per spatial dimension.
        translation: one offset per spatial dimension.
        spatial_dims: the axes that are resampled.
        method: `"linear"`/`"bilinear"`/`"trilinear"`, `"cubic"`/`"bicubic"`/`"tricubic"`,
            `"lanczos3"` or `"lanczos5"`.
        antialias: whether to filter when downsampling.

    Returns:
        The resampled array.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.ones((4, 4), "float32")
    >>> ops.image.scale_and_translate(x, (8, 8), np.array([2.0, 2.0]), np.zeros(2), (0, 1),
    ...                               "linear").shape
    (8, 8)
    """
    if method not in SCALE_AND_TRANSLATE_METHODS:
        raise ValueError(
            f"Invalid value for argument `method`. Expected one of "
            f"{SCALE_AND_TRANSLATE_METHODS}. Received: method={method}"
        )
    images = jnp.asarray(images)
    return jax.image.scale_and_translate(
        images,
        tuple(int(s) for s in output_shape),
        tuple(spatial_dims),
        jnp.asarray(scale),
        jnp.asarray(translation),
        method,
        antialias,
    )


@_image_op("sobel_edges")
def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel, stacked on a new last axis as `[dy, dx]`.

    Args:
        images: a rank-4 batch of float images.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        An array of the input's shape plus a last axis of 2.

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.image.sobel_edges(np.zeros((1, 5, 5, 3), "float32")).shape
    (1, 5, 5, 3, 2)
    """
    images = jnp.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            "sobel_edges expects a rank-4 batch of images; received shape "
            f"{tuple(images.shape)}. Add a batch axis with `ops.expand_dims(images, 0)`."
        )
    data_format = _data_format(data_format)
    x = images if data_format == "channels_first" else jnp.transpose(images, (0, 3, 1, 2))
    kx = jnp.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=images.dtype)
    edges = [_depthwise_nchw(x, kx.T), _depthwise_nchw(x, kx)]
    if data_format != "channels_first":
        edges = [jnp.transpose(e, (0, 2, 3, 1)) for e in edges]
    return jnp.stack(edges, axis=-1)


@_image_op("ssim")
def ssim(
    image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
    data_format=None,
):  # fmt: skip
    """The structural similarity (SSIM) of two images, averaged over pixels and channels
    (Gaussian window, no padding).

    Args:
        image1: a rank-3 image or rank-4 batch.
        image2: images of the same shape.
        max_val: the dynamic range of the pixel values (1.0 or 255.0, say).
        filter_size: the Gaussian window size.
        filter_sigma: the Gaussian window's standard deviation.
        k1, k2: the stabilising constants.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        One value per image (a scalar for one image).

    Example:

    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.random.rand(16, 16, 3).astype("float32")
    >>> round(float(ops.image.ssim(x, x)), 4)
    1.0
    """
    a, b = jnp.asarray(image1), jnp.asarray(image2)
    _check_rank(a, "image1")
    _check_rank(b, "image2")
    dtype = a.dtype
    cdt = _float_dtype(dtype)
    a, b = a.astype(cdt), b.astype(cdt)
    unbatched = a.ndim == 3
    if unbatched:
        a, b = a[None], b[None]
    if _data_format(data_format) == "channels_last":
        a, b = jnp.transpose(a, (0, 3, 1, 2)), jnp.transpose(b, (0, 3, 1, 2))
    n, c, h, w = a.shape
    if a.shape != b.shape:
        raise ValueError(
            f"ssim: image1 and image2 must have the same shape; received {tuple(image1.shape)} "
            f"and {tuple(image2.shape)}."
        )
    if h < filter_size or w < filter_size:
        raise ValueError(
            f"ssim: the images ({h}x{w}) are smaller than filter_size={filter_size}; pass a "
            "smaller `filter_size` or larger images."
        )
    a, b = a.reshape(n * c, 1, h, w), b.reshape(n * c, 1, h, w)
    x = jnp.arange(filter_size, dtype=cdt) - (filter_size - 1) / 2.0
    g = jnp.exp(-(x**2) / (2.0 * filter_sigma**2))
    g = g / jnp.sum(g)
    kernel = jnp.outer(g, g)[None, None]

    def window(v):
        return jax.lax.conv_general_dilated(
            v, kernel, (1, 1), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW")
        )

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = window(a), window(b)
    s11 = window(a * a) - mu1 * mu1
    s22 = window(b * b) - mu2 * mu2
    s12 = window(a * b) - mu1 * mu2
    num = (2.0 * mu1 * mu2 + c1) * (2.0 * s12 + c2)
    den = (mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2)
    per_image = jnp.mean(jnp.mean(num / den, axis=(1, 2, 3)).reshape(n, c), axis=-1)
    return (per_image[0] if unbatched else per_image).astype(dtype)
