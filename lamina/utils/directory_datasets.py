"""Datasets from folders of files: `image_dataset_from_directory`,
`text_dataset_from_directory` and `audio_dataset_from_directory`.

The files are listed, labelled, shuffled and split exactly as Keras does (same order for the
same seed); they are read lazily, on the `Dataset`'s worker threads, when batches are drawn.
Images are decoded with Pillow on those threads and resized with the kernels of Keras's JAX
backend (`keras.ops.image.resize`): a batch of same-size images at once by one jitted XLA program
on the CPU, other images one by one with NumPy; WAV files are decoded with the standard library.
"""

from __future__ import annotations

import functools
import io
import os
import wave

import numpy as np

from lamina.core.config import image_data_format
from lamina.utils.dataset import Dataset, _Batch, _Shuffle, _Source, _stack

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
AUDIO_FORMATS = (".wav",)
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
_KERAS_ONLY_INTERPOLATIONS = ("gaussian", "mitchellcubic")


def _print(message: str, verbose: bool = True) -> None:
    if verbose:
        print(message)


# ------------------------------------------------------------------------------ file index
def _walk_files(directory: str, follow_links: bool, formats) -> list[tuple[str, str]]:
    out = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                out.append((root, name))
    return out


def index_directory(
    directory,
    labels,
    formats,
    class_names=None,
    shuffle=True,
    seed=None,
    follow_links=False,
    verbose=True,
):
    """Lists the files of `directory` and their labels, in Keras's order.

    With `labels="inferred"` each visible subfolder is a class (sorted by name, or in the order of
    `class_names`) and its files (recursively, sorted) get that class's index; otherwise the
    files are listed from `directory` down. With `shuffle`, paths and labels are shuffled with
    `numpy.random.RandomState(seed)`.

    Args:
        directory: the folder.
        labels: "inferred", None, or a list of labels (one per file, in sorted path order).
        formats: the allowed file suffixes (lowercase, with the dot).
        class_names: the classes to keep, in order (only with "inferred").
        shuffle: shuffle the files.
        seed: the shuffle seed.
        follow_links: follow symbolic links to folders.
        verbose: print how many files were found.

    Returns:
        `(file_paths, labels, class_names)`: labels is an int32 array (None without labels).

    Example:

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for c in ("cat", "dog"):
    ...     (d / c).mkdir()
    ...     _ = (d / c / "a.txt").write_text("x")
    >>> paths, labels, names = index_directory(str(d), "inferred", (".txt",), shuffle=False,
    ...                                        verbose=False)
    >>> names, labels.tolist()
    (['cat', 'dog'], [0, 1])
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(
            f"`directory` must be an existing folder; received directory={directory!r}, which "
            f"{'is a file' if os.path.exists(directory) else 'does not exist'}."
        )
    if labels == "inferred":
        subdirs = [
            d
            for d in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={list(class_names)}"
                )
            subdirs = list(class_names)
        if not subdirs:
            raise ValueError(
                f'labels="inferred" needs one subfolder per class in {directory!r}, but it has '
                "no subfolders. Put each class's files in a subfolder named after the class, or "
                "pass labels=None (no labels) or a list of labels."
            )
    else:
        if class_names is not None:
            if labels is None:
                raise ValueError(
                    "When `labels=None` (no labels), argument `class_names` cannot be specified."
                )
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot be specified "
                "(the `class_names` will be the sorted list of labels)."
            )
        subdirs = [""]
    class_indices = {name: i for i, name in enumerate(subdirs)}
    filenames: list[str] = []
    found_labels: list[int] = []
    for subdir in subdirs:
        folder = os.path.join(directory, subdir)
        dirname = os.path.basename(folder)
        for root, name in _walk_files(folder, follow_links, formats):
            filenames.append(
                os.path.join(dirname, os.path.relpath(os.path.join(root, name), folder))
            )
            found_labels.append(class_indices[dirname] if labels == "inferred" else 0)
    if labels == "inferred":
        label_array = np.asarray(found_labels, dtype="int32")
        class_names = subdirs
    elif labels is None:
        label_array, class_names = None, None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files "
                f"in directory {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        label_array = np.asarray(labels)
    if labels is None:
        _print(f"Found {len(filenames)} files.", verbose)
    else:
        _print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.", verbose)
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    return file_paths, label_array, class_names


def get_training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """The training part (all but the last `validation_split` fraction) or the validation part
    (that last fraction) of `samples` and `labels`, as Keras splits them.

    Args:
        samples: the list of file paths.
        labels: their labels (or None).
        validation_split: the fraction kept for validation (None or 0: everything).
        subset: "training" or "validation".
        verbose: print how many files each part uses.

    Returns:
        `(samples, labels)` restricted to the subset.

    Example:

    >>> get_training_or_validation_split(list("abcde"), None, 0.4, "validation", verbose=False)
    (['d', 'e'], None)
    """
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        _print(f"Using {len(samples) - num_val} files for training.", verbose)
        samples = samples[:-num_val]
        labels = None if labels is None else labels[:-num_val]
    elif subset == "validation":
        _print(f"Using {num_val} files for validation.", verbose)
        samples = samples[-num_val:]
        labels = None if labels is None else labels[-num_val:]
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    return samples, labels


def check_validation_split_arg(validation_split, subset, shuffle, seed) -> None:
    """Checks that `validation_split`, `subset`, `shuffle` and `seed` of the directory loaders fit
    together, raising Keras's errors when they do not.

    Args:
        validation_split: a fraction in (0, 1), or None / 0.
        subset: `"training"`, `"validation"`, `"both"`, or None.
        shuffle: whether the files are shuffled.
        seed: the shuffle seed (required with a split and shuffling, so the two subsets do not
            overlap).

    Raises:
        ValueError: the combination is invalid.

    Example:
        >>> from lamina.utils.directory_datasets import check_validation_split_arg
        >>> check_validation_split_arg(0.2, "training", shuffle=True, seed=1)
        >>> check_validation_split_arg(0.2, None, shuffle=False, seed=None)
        Traceback (most recent call last):
        ...
        ValueError: If `subset` is set, `validation_split` must be set, and inversely. ...
    """
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            "If `subset` is set, `validation_split` must be set, and inversely. Received "
            f"validation_split={validation_split}, subset={subset!r}: pass both (e.g. "
            'validation_split=0.2, subset="training") or neither.'
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f'`subset` must be either "training", "validation" or "both", received: {subset}'
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )


def _check_labels_args(labels, label_mode, class_names) -> None:
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(
            "`labels` argument should be a list/tuple of integer labels, of the same size as the "
            "number of files in the target directory. If you wish to infer the labels from the "
            'subdirectory names in the target directory, pass `labels="inferred"`. If you wish '
            "to get a dataset that only contains the files (no labels), pass `labels=None`. "
            f"Received: labels={labels!r}"
        )
    if labels not in ("inferred", None) and class_names:
        raise ValueError(
            'You can only pass `class_names` if `labels="inferred"`. Received: '
            f"labels={labels}, and class_names={class_names}"
        )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )


def _check_format(format) -> None:
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')


def _encode_label(label, label_mode, num_classes):
    if label_mode == "binary":
        return np.asarray([label], dtype="float32")
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[int(label)]
    return np.int32(label)


def _make_datasets(
    file_paths,
    labels,
    label_mode,
    class_names,
    validation_split,
    subset,
    shuffle,
    seed,
    batch_size,
    load,
    kind,
    directory,
    formats,
    verbose,
    batch_step=_Batch,
):
    """The dataset (or the training and validation datasets) over `file_paths`."""
    num_classes = len(class_names) if class_names else 0

    def build(paths, part_labels, do_shuffle):
        def fetch(i):
            element = load(paths[i])
            if label_mode is None:
                return element
            return element, _encode_label(part_labels[i], label_mode, num_classes)

        step = _Source(len(paths), fetch)
        if do_shuffle:
            step = _Shuffle(step, (batch_size or 128) * 8, seed, True)
        if batch_size is not None:
            step = batch_step(step, batch_size, False)
        dataset = Dataset(step, file_paths=list(paths))
        dataset.class_names = class_names  # None without labels, as in Keras
        return dataset

    parts = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for part in parts:
        paths, part_labels = get_training_or_validation_split(
            file_paths, labels, validation_split, part, verbose
        )
        if not paths:
            which = f"{part} " if subset == "both" else ""
            raise ValueError(
                f"No {which}{kind} found in directory {directory}. Allowed format(s): {formats}"
                + (
                    f" (with validation_split={validation_split}, the {part} part of the "
                    f"{len(file_paths)} files is empty)"
                    if file_paths
                    else ""
                )
            )
        out.append(build(paths, part_labels, shuffle and part != "validation"))
    return out if subset == "both" else out[0]


# ------------------------------------------------------------------------------ resizing
def _kernel(method):
    if method == "bilinear":
        return 1.0, lambda x: np.maximum(0.0, 1.0 - np.abs(x))
    if method == "bicubic":

        def keys(x):
            out = ((1.5 * x - 2.5) * x) * x + 1.0
            out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
            return np.where(x >= 2.0, 0.0, out)

        return 2.0, keys
    radius = 3.0 if method == "lanczos3" else 5.0

    def lanczos(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi**2 * x**2, 1), 1.0)
        return np.where(x > radius, 0.0, out)

    return radius, lanczos


@functools.lru_cache(maxsize=64)
def resize_weights(in_size: int, out_size: int, method: str) -> np.ndarray:
    """The `(out_size, in_size)` matrix that resamples one axis as `jax.image.resize` does
    without antialiasing (Keras's `ops.image.resize` on JAX).

    Args:
        in_size: the input length.
        out_size: the output length.
        method: "bilinear", "bicubic", "lanczos3", "lanczos5" or "area".

    Returns:
        A float32 array; row `i` holds the weights of output sample `i`.

    Example:

    >>> resize_weights(2, 4, "bilinear")[0].tolist()
    [1.0, 0.0]
    """
    inv_scale = np.float32(1.0) / np.float32(out_size / in_size)
    if method == "area":
        left = np.arange(out_size, dtype="float32") * inv_scale
        right = left + inv_scale
        lj = np.arange(in_size, dtype="float32")
        weights = np.maximum(
            0.0,
            np.minimum(right[None, :], lj[:, None] + 1) - np.maximum(left[None, :], lj[:, None]),
        )
        sample = (np.arange(out_size, dtype="float32") + 0.5) * inv_scale - 0.5
    else:
        _, kernel = _kernel(method)
        sample = (np.arange(out_size, dtype="float32") + 0.5) * inv_scale - 0.5
        weights = kernel(np.abs(sample[None, :] - np.arange(in_size, dtype="float32")[:, None]))
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(
        np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
        weights / np.where(total != 0, total, 1),
        0,
    )
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    weights = np.where(inside[None, :], weights, 0)
    return np.ascontiguousarray(weights.T.astype("float32"))


def _nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    offsets = (np.arange(out_size, dtype="float32") + 0.5) * np.float32(in_size / out_size)
    return np.floor(offsets.astype("float32")).astype("int64")


def resize_image(
    image,
    size,
    interpolation="bilinear",
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_value=0.0,
):
    """Resizes one `(height, width, channels)` float image with NumPy, as Keras's
    `ops.image.resize` does on JAX (same kernels, crop and pad boxes).

    Args:
        image: a channels-last array.
        size: `(height, width)` of the result.
        interpolation: one of `RESIZE_INTERPOLATIONS`.
        crop_to_aspect_ratio: first crop the largest centred box with the target aspect ratio.
        pad_to_aspect_ratio: first pad (with `fill_value`) to the target aspect ratio.
        fill_value: the padding value.

    Returns:
        A float32 array of shape `(size[0], size[1], channels)`.

    Example:

    >>> resize_image(np.ones((4, 6, 3), "float32"), (2, 3)).shape
    (2, 3, 3)
    """
    image = np.asarray(image, dtype="float32")
    th, tw = int(size[0]), int(size[1])
    image = _crop_or_pad(image, (th, tw), crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value)
    height, width = image.shape[0], image.shape[1]
    if interpolation == "nearest":
        if height != th:
            image = image[_nearest_indices(height, th)]
        if width != tw:
            image = image[:, _nearest_indices(width, tw)]
        return np.ascontiguousarray(image)
    if height != th:
        index, weight = _taps(height, th, interpolation)
        image = _apply_taps(image, index, weight[:, :, None, None], axis=0)
    if width != tw:
        index, weight = _taps(width, tw, interpolation)
        image = _apply_taps(image, index, weight[None, :, :, None], axis=1)
    return np.ascontiguousarray(image, dtype="float32")


def _crop_or_pad(images, size, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value=0.0):
    """Crops (or pads) the `(..., height, width, channels)` images to the aspect ratio of
    `size` as Keras's `smart_resize` / `pad_to_aspect_ratio` do: a centred box."""
    th, tw = size
    height, width = images.shape[-3], images.shape[-2]
    if crop_to_aspect_ratio:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        return images[..., h0 : h0 + ch, w0 : w0 + cw, :]
    if pad_to_aspect_ratio:
        ph = max(height, int(float(width * th) / tw))
        pw = max(width, int(float(height * tw) / th))
        h0, w0 = int(float(ph - height) / 2), int(float(pw - width) / 2)
        lead = [(0, 0)] * (images.ndim - 3)
        if h0 > 0:
            return np.pad(images, lead + [(h0, h0), (0, 0), (0, 0)], constant_values=fill_value)
        if w0 > 0:
            return np.pad(images, lead + [(0, 0), (w0, w0), (0, 0)], constant_values=fill_value)
    return images


@functools.lru_cache(maxsize=64)
def _taps(in_size: int, out_size: int, method: str):
    """`resize_weights` as `(out_size, K)` input indices and weights (its K non-zeros a row)."""
    dense = resize_weights(in_size, out_size, method)
    k = max(int((dense != 0).sum(axis=1).max()), 1)
    index = np.zeros((out_size, k), "int64")
    weight = np.zeros((out_size, k), "float32")
    for row in range(out_size):
        nonzero = np.flatnonzero(dense[row])
        index[row, : len(nonzero)] = nonzero
        weight[row, : len(nonzero)] = dense[row, nonzero]
    return index, weight


def _apply_taps(image, index, weight, axis):
    """`sum_k weight[..., k, ...] * take(image, index[:, k], axis)`: a banded matmul along
    `axis` (`weight` has the tap axis right after `axis`)."""
    picker = (slice(None),) * (axis + 1)
    out = np.take(image, index[:, 0], axis=axis)
    out *= weight[picker + (0,)]
    for k in range(1, index.shape[1]):
        term = np.take(image, index[:, k], axis=axis)
        term *= weight[picker + (k,)]
        out += term
    return out


@functools.lru_cache(maxsize=32)
def _batch_resizer(in_size: tuple, out_size: tuple, method: str, channels=None):
    """A jitted `(batch, h, w, c)` -> float32 `(batch, th, tw, c)` resize for one input size:
    the two banded sums of `resize_image` fused by XLA into one pass over the batch (about 4x
    NumPy's speed on a 2-core CPU, and it runs without the GIL). With `channels`, the first
    `channels` channels only (the slice fuses into the first pass)."""
    import jax
    import jax.numpy as jnp

    def take(images, index, axis):
        # The indices are constants in [0, n_in): no bounds handling (2x faster than `take`).
        where = [slice(None)] * images.ndim
        where[axis] = index
        return images.at[tuple(where)].get(mode="promise_in_bounds", indices_are_sorted=True)

    def along(images, axis, n_in, n_out):
        if n_in == n_out:
            return images
        if method == "nearest":
            return take(images, _nearest_indices(n_in, n_out), axis)
        index, weight = _taps(n_in, n_out, method)
        shape = [1] * images.ndim
        shape[axis] = n_out
        out = None
        for k in range(index.shape[1]):
            term = take(images, index[:, k], axis) * weight[:, k].reshape(shape)
            out = term if out is None else out + term
        return out

    def resize(images):
        if channels is not None:
            images = images[..., :channels]
        images = images.astype(jnp.float32)
        images = along(images, 1, in_size[0], out_size[0])
        return along(images, 2, in_size[1], out_size[1])

    return jax.jit(resize)


def resize_images(
    images,
    size,
    interpolation="bilinear",
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    pad_batch_to=None,
    channels=None,
):
    """Resizes a list of decoded `(height, width, channels)` images to one float32 batch, as
    `resize_image` does to each of them.

    When all images have the same shape (the common case: a folder of photos of one size),
    the batch is resized at once by a jitted XLA program on the CPU; otherwise image by image
    with NumPy. Both give `resize_image`'s values (to float32 rounding).

    Args:
        images: a list of channels-last arrays (e.g. `uint8` from a decoder).
        size: `(height, width)` of the results.
        interpolation: one of `RESIZE_INTERPOLATIONS`.
        crop_to_aspect_ratio: first crop each image to the target aspect ratio.
        pad_to_aspect_ratio: first pad each image (with zeros) to the target aspect ratio.
        pad_batch_to: the dataset's batch size: shorter batches are computed at this size
            (and cut back), so that they reuse the compiled program.
        channels: keep only the first `channels` channels of each image (e.g. 3 of the
            `decode_image(..., rgbx=True)` pixels); default all.

    Returns:
        A float32 array of shape `(len(images), size[0], size[1], channels)`.

    Example:

    >>> resize_images([np.zeros((4, 6, 3), "uint8")] * 2, (2, 3)).shape
    (2, 2, 3, 3)
    >>> resize_images([np.zeros((4, 6, 4), "uint8")] * 2, (2, 3), channels=3).shape
    (2, 2, 3, 3)
    """
    size = (int(size[0]), int(size[1]))
    arrays = [np.asarray(a) for a in images]
    if len({(a.shape, a.dtype) for a in arrays}) != 1 or len(arrays) < 2:
        return np.stack(
            [
                resize_image(
                    a if channels is None else a[..., :channels],
                    size,
                    interpolation,
                    crop_to_aspect_ratio,
                    pad_to_aspect_ratio,
                )
                for a in arrays
            ]
        )
    import jax

    batch = np.stack(arrays)
    if batch.dtype not in (np.uint8, np.float32):
        batch = batch.astype("float32")  # e.g. 16-bit PNGs (big-endian in Pillow's buffer)
    batch = _crop_or_pad(batch, size, crop_to_aspect_ratio, pad_to_aspect_ratio)
    count = len(batch)
    if pad_batch_to is not None and count < pad_batch_to:
        # A short last batch reuses the full batch's compiled program (no second compile).
        batch = np.concatenate(
            [batch, np.zeros((pad_batch_to - count, *batch.shape[1:]), batch.dtype)]
        )
    # Crop/pad keep the padding channels; the program drops them (no copy here).
    keep = None if channels is None or channels >= batch.shape[-1] else channels
    resize = _batch_resizer(tuple(batch.shape[1:3]), size, interpolation, keep)
    cpu = jax.devices("cpu")[0]
    return np.asarray(resize(jax.device_put(np.ascontiguousarray(batch), cpu)))[:count]


# ------------------------------------------------------------------------------ images
def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "image_dataset_from_directory needs Pillow to decode images. Install it with "
            "`pip install pillow` (or `pip install lamina[image]`)."
        ) from None
    return Image


def load_image(
    path,
    image_size,
    num_channels,
    interpolation,
    data_format,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
):
    """Decodes and resizes one image file as `image_dataset_from_directory` does.

    Args:
        path: the file.
        image_size: `(height, width)`.
        num_channels: 1, 3 or 4.
        interpolation: the resize method.
        data_format: "channels_last" or "channels_first".
        crop_to_aspect_ratio: crop to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad to the target aspect ratio before resizing.

    Returns:
        A float32 array.

    Example:

    >>> import tempfile, os
    >>> from PIL import Image
    >>> f = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.new("RGB", (8, 4)).save(f)
    >>> load_image(f, (2, 2), 3, "bilinear", "channels_last").shape
    (2, 2, 3)
    """
    array = decode_image(path, num_channels)
    out = resize_image(array, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio)
    if data_format == "channels_first":
        out = np.ascontiguousarray(out.transpose(2, 0, 1))
    return out


def decode_image(path, num_channels, rgbx=False):
    """Decodes one image file with Pillow to a `(height, width, num_channels)` array.

    Args:
        path: the file.
        num_channels: 1 (grayscale), 3 (RGB) or 4 (RGBA).
        rgbx: with `num_channels=3`, return `(height, width, 4)` pixels whose last channel is
            padding (Pillow's own RGBX layout, copied without repacking: about 3x cheaper than
            RGB); `resize_images(..., channels=3)` drops it.

    Returns:
        The pixels as the decoder gives them (`uint8`, or wider integers for 16-bit PNGs).

    Example:

    >>> import tempfile, os
    >>> from PIL import Image
    >>> f = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.new("RGB", (8, 4)).save(f)
    >>> decode_image(f, 1).shape
    (4, 8, 1)
    >>> decode_image(f, 3, rgbx=True).shape
    (4, 8, 4)
    """
    image_module = _pil()
    try:
        with open(path, "rb") as f:  # one read: Pillow's own chunked reads cost ~25% more
            data = f.read()
        with image_module.open(io.BytesIO(data)) as img:
            if num_channels == 1:
                if img.mode not in ("L", "I;16", "I"):
                    img = img.convert("L")
            elif num_channels == 4:
                if img.mode != "RGBA":
                    img = img.convert("RGBA")
            elif img.mode != "RGB":
                img = img.convert("RGB")
            if rgbx and num_channels == 3:
                width, height = img.size
                array = np.frombuffer(img.tobytes("raw", "RGBX"), np.uint8)
                array = array.reshape(height, width, 4)
            else:
                array = np.asarray(img)
    except Exception as e:
        raise ValueError(
            f"image_dataset_from_directory: could not decode the image file {path!r} "
            f"({type(e).__name__}: {e}). Remove or replace the file."
        ) from e
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("="))
    return array[:, :, None] if array.ndim == 2 else array


class _ImageBatch(_Batch):
    """Batches decoded images and resizes each batch at once (`resize_images`)."""

    def __init__(self, parent, size, drop_remainder, *, finish):
        super().__init__(parent, size, drop_remainder)
        self.finish = finish

    def _collate(self, elements):
        if not isinstance(elements[0], tuple):
            return self.finish(elements)
        rest = _stack([e[1:] for e in elements])
        return (self.finish([e[0] for e in elements]), *rest)


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
):
    """Makes a dataset of `(images, labels)` batches from a folder of image files.

    With `labels="inferred"`, `directory` holds one subfolder per class (`main/cat/*.jpg`,
    `main/dog/*.jpg`, ...). Files ending in .bmp, .gif, .jpeg, .jpg or .png are listed, shuffled
    and split exactly as Keras does for the same seed; they are decoded (Pillow) and resized
    (to float32 in [0, 255]) lazily on the dataset's worker threads.

    Args:
        directory: the folder.
        labels: "inferred", None (images only), or a list of ints, one per file in sorted path
            order.
        label_mode: "int" (int32 scalars), "categorical" (one-hot float32), "binary" (float32 of
            shape `(1,)`, two classes) or None (no labels).
        class_names: with "inferred", the subfolders to use, in label order.
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        batch_size: images per batch, or None for single images.
        image_size: `(height, width)` (or one int) to resize to.
        shuffle: shuffle the files (and the order on each pass).
        seed: the shuffle seed (needed with `validation_split` and `shuffle`).
        validation_split: the fraction of files kept for validation.
        subset: "training", "validation" or "both" (returns two datasets).
        interpolation: "bilinear", "nearest", "bicubic", "area", "lanczos3" or "lanczos5".
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad to the target aspect ratio (with zeros) before resizing.
        data_format: "channels_last" or "channels_first" (default: the global setting).
        format: "tf" or "grain"; lamina returns its own `Dataset` for either.
        verbose: print how many files were found and used.

    Returns:
        A `Dataset` with `class_names` and `file_paths`, or a list of two for `subset="both"`.

    Example:

    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for c in ("cat", "dog"):
    ...     (d / c).mkdir()
    ...     Image.new("RGB", (10, 10)).save(d / c / "a.png")
    >>> ds = image_dataset_from_directory(d, image_size=(4, 4), batch_size=2, verbose=False)
    >>> ds.class_names
    ['cat', 'dog']
    >>> images, labels = next(iter(ds))
    >>> images.shape, labels.dtype
    ((2, 4, 4, 3), dtype('int32'))
    """
    _check_labels_args(labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
            f"Received: color_mode={color_mode}"
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            "Invalid `image_size` value. Expected a tuple of 2 integers. "
            f"Received: image_size={image_size}"
        )
    interpolation = str(interpolation).lower()
    if interpolation in _KERAS_ONLY_INTERPOLATIONS:
        raise ValueError(
            f"image_dataset_from_directory: interpolation={interpolation!r} is a TensorFlow-only "
            f"method (Keras's JAX backend has none either); use one of {RESIZE_INTERPOLATIONS}."
        )
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {RESIZE_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`."
        )
    _check_format(format)
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory, labels, IMAGE_FORMATS, class_names, shuffle, seed, follow_links, verbose
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    data_format = image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format}"
        )
    _pil()
    size = (int(image_size[0]), int(image_size[1]))

    if batch_size is None:
        batch_step = _Batch  # unused: the elements are single images

        def load(path):
            return load_image(
                path,
                size,
                channels,
                interpolation,
                data_format,
                crop_to_aspect_ratio,
                pad_to_aspect_ratio,
            )

    else:
        # Batched: the workers decode, and each batch is resized at once (`resize_images`).
        def finish(images):
            out = resize_images(
                images,
                size,
                interpolation,
                crop_to_aspect_ratio,
                pad_to_aspect_ratio,
                pad_batch_to=batch_size,
                channels=channels,
            )
            if data_format == "channels_first":
                out = np.ascontiguousarray(out.transpose(0, 3, 1, 2))
            return out

        def load(path):
            return decode_image(path, channels, rgbx=True)

        batch_step = functools.partial(_ImageBatch, finish=finish)

    return _make_datasets(
        file_paths,
        labels,
        label_mode,
        class_names,
        validation_split,
        subset,
        shuffle,
        seed,
        batch_size,
        load,
        "images",
        directory,
        IMAGE_FORMATS,
        verbose,
        batch_step,
    )


# ------------------------------------------------------------------------------ text
def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",
    verbose=True,
):
    """Makes a dataset of `(texts, labels)` batches from a folder of `.txt` files.

    Files are listed, shuffled and split exactly as Keras does for the same seed. Each text is a
    Python `str` (UTF-8); a batch is a NumPy object array of them, ready for `TextVectorization`.

    Args:
        directory: the folder (one subfolder per class with `labels="inferred"`).
        labels: "inferred", None, or a list of ints, one per file in sorted path order.
        label_mode: "int", "categorical", "binary" or None.
        class_names: with "inferred", the subfolders to use, in label order.
        batch_size: texts per batch, or None for single texts.
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (and the order on each pass).
        seed: the shuffle seed.
        validation_split: the fraction of files kept for validation.
        subset: "training", "validation" or "both".
        follow_links: follow symbolic links to folders.
        format: "tf" or "grain"; lamina returns its own `Dataset` for either.
        verbose: print how many files were found and used.

    Returns:
        A `Dataset` with `class_names` and `file_paths`, or a list of two for `subset="both"`.

    Example:

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for c in ("neg", "pos"):
    ...     (d / c).mkdir()
    ...     _ = (d / c / "a.txt").write_text(f"a {c} review")
    >>> ds = text_dataset_from_directory(d, shuffle=False, verbose=False)
    >>> texts, labels = next(iter(ds))
    >>> list(texts), labels.tolist()
    (['a neg review', 'a pos review'], [0, 1])
    """
    _check_labels_args(labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_format(format)
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory, labels, TEXT_FORMATS, class_names, shuffle, seed, follow_links, verbose
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )

    def load(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return text if max_length is None else text[:max_length]

    return _make_datasets(
        file_paths,
        labels,
        label_mode,
        class_names,
        validation_split,
        subset,
        shuffle,
        seed,
        batch_size,
        load,
        "text files",
        directory,
        TEXT_FORMATS,
        verbose,
    )


# ------------------------------------------------------------------------------ audio
def read_wav(path, output_sequence_length=None) -> np.ndarray:
    """Decodes a PCM WAV file to float32 samples in [-1, 1], shape `(samples, channels)`.

    Args:
        path: the file.
        output_sequence_length: cut or zero-pad to this many samples (None: keep all).

    Returns:
        A float32 array.

    Example:

    >>> import tempfile, os, wave
    >>> f = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> with wave.open(f, "wb") as w:
    ...     w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    ...     w.writeframes(np.array([0, 16384], "<i2").tobytes())
    >>> read_wav(f).ravel().tolist()
    [0.0, 0.5]
    """
    try:
        with wave.open(os.fspath(path), "rb") as w:
            channels, width, frames = w.getnchannels(), w.getsampwidth(), w.getnframes()
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as e:
        raise ValueError(
            f"audio_dataset_from_directory: could not decode the WAV file {os.fspath(path)!r} "
            f"({e}); only uncompressed PCM WAV files are supported."
        ) from e
    if width == 1:
        samples = (np.frombuffer(raw, "uint8").astype("float32") - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, "<i2").astype("float32") / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, "uint8").reshape(-1, 3).astype("int32")
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        samples = value.astype("float32") / float(1 << 23)
    else:
        samples = np.frombuffer(raw, "<i4").astype("float32") / float(1 << 31)
    samples = samples.reshape(-1, channels)
    if output_sequence_length is not None:
        n = int(output_sequence_length)
        if len(samples) >= n:
            samples = samples[:n]
        else:
            samples = np.pad(samples, ((0, n - len(samples)), (0, 0)))
    return samples


class _PaddedBatch(_Batch):
    """Batches whose arrays are zero-padded to the longest element (tf's `padded_batch`)."""

    def _collate(self, elements):
        return _pad_and_stack(elements)


def _pad_and_stack(elements):
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_pad_and_stack([e[i] for e in elements]) for i in range(len(first)))
    arrays = [np.asarray(e) for e in elements]
    shape = np.max([a.shape for a in arrays], axis=0) if arrays[0].ndim else ()
    out = np.zeros((len(arrays), *shape), arrays[0].dtype)
    for i, a in enumerate(arrays):
        out[(i, *[slice(0, s) for s in a.shape])] = a
    return out


def audio_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    sampling_rate=None,
    output_sequence_length=None,
    ragged=False,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
):
    """Makes a dataset of `(audio, labels)` batches from a folder of `.wav` files.

    Files are listed, shuffled and split exactly as Keras does. Each file is decoded (standard
    library `wave`, PCM) to float32 samples in [-1, 1] of shape `(samples, channels)`; without
    `output_sequence_length` a batch is zero-padded to its longest clip, as Keras does.

    Args:
        directory: the folder (one subfolder per class with `labels="inferred"`).
        labels: "inferred", None, or a list of ints, one per file in sorted path order.
        label_mode: "int", "categorical", "binary" or None.
        class_names: with "inferred", the subfolders to use, in label order.
        batch_size: clips per batch, or None for single clips.
        sampling_rate: resampling (Keras needs tensorflow-io for it): not supported, must be
            None.
        output_sequence_length: cut or zero-pad every clip to this many samples.
        ragged: ragged batches are not supported; must be False.
        shuffle: shuffle the files (and the order on each pass).
        seed: the shuffle seed.
        validation_split: the fraction of files kept for validation.
        subset: "training", "validation" or "both".
        follow_links: follow symbolic links to folders.
        verbose: print how many files were found and used.

    Returns:
        A `Dataset` with `class_names` and `file_paths`, or a list of two for `subset="both"`.

    Example:

    >>> import tempfile, pathlib, wave
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "yes").mkdir()
    >>> with wave.open(str(d / "yes" / "a.wav"), "wb") as w:
    ...     w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    ...     w.writeframes(np.zeros(5, "<i2").tobytes())
    >>> audio, labels = next(iter(audio_dataset_from_directory(d, verbose=False)))
    >>> audio.shape
    (1, 5, 1)
    """
    _check_labels_args(labels, label_mode, class_names)
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if ragged:
        raise NotImplementedError(
            "audio_dataset_from_directory: ragged=True is not supported by lamina (it has no "
            "ragged tensors); clips are zero-padded per batch, or pass output_sequence_length."
        )
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(
                "`sampling_rate` should have an integer value. "
                f"Received: sampling_rate={sampling_rate}"
            )
        if sampling_rate <= 0:
            raise ValueError(
                f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}"
            )
        raise NotImplementedError(
            "audio_dataset_from_directory: resampling (`sampling_rate`) is not supported by "
            "lamina (Keras needs tensorflow-io for it); pass sampling_rate=None and resample the "
            "files beforehand."
        )
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory, labels, AUDIO_FORMATS, class_names, shuffle, seed, follow_links, verbose
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )

    def load(path):
        return read_wav(path, output_sequence_length)

    return _make_datasets(
        file_paths,
        labels,
        label_mode,
        class_names,
        validation_split,
        subset,
        shuffle,
        seed,
        batch_size,
        load,
        "audio files",
        directory,
        AUDIO_FORMATS,
        verbose,
        batch_step=_Batch if output_sequence_length is not None else _PaddedBatch,
    )
