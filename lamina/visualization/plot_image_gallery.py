"""`plot_image_gallery`: a grid of images, with optional true/predicted class names."""

from __future__ import annotations

import math

import numpy as np

from lamina.visualization._common import data_format_or_default, pyplot, to_0_255


def plot_image_gallery(
    images,
    y_true=None,
    y_pred=None,
    label_map=None,
    rows=None,
    cols=None,
    value_range=(0, 255),
    scale=2,
    path=None,
    show=None,
    transparent=True,
    dpi=60,
    legend_handles=None,
    data_format=None,
):
    """Plots a batch of images as a grid with matplotlib, optionally titled with labels.

    With `path` the figure is saved there and closed; otherwise it is shown with
    `plt.show()` unless `show=False`, in which case it stays open as the current figure
    (`plt.gcf()`) for you to change or save.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (channels first with
            `data_format="channels_first"`).
        y_true: optional true class ids, one per image, shown as `"Label: <name>"`.
        y_pred: optional predicted class ids, shown as `"Pred: <name>"`.
        label_map: dict from class id to name; required with `y_true` or `y_pred`.
        rows: rows of the grid. Defaults to `ceil(sqrt(batch))`.
        cols: columns of the grid. Defaults to `batch // rows`.
        value_range: the range of the image values, e.g. `(0, 1)`; they are rescaled to
            `(0, 255)` for display. Defaults to `(0, 255)`.
        scale: size of each image in inches. Defaults to `2`.
        path: file to save the figure to. Defaults to `None`.
        show: whether to call `plt.show()`; cannot be `True` together with `path`. Defaults
            to `True` when `path` is `None`.
        transparent: save with a transparent background. Defaults to `True`.
        dpi: resolution of the saved file. Defaults to `60`.
        legend_handles: matplotlib `Patch` objects for a figure legend. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        `None`.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from lamina.visualization import plot_image_gallery
        >>> images = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3))
        >>> plot_image_gallery(images, y_true=[0, 1, 0, 1], label_map={0: "cat", 1: "dog"},
        ...                    show=False)
        >>> fig = plt.gcf()
        >>> len(fig.axes), fig.axes[1].get_title()
        (4, 'Label: dog')
        >>> plt.close(fig)
    """
    owner = "plot_image_gallery"
    plt = pyplot(owner)
    if path is not None and show:
        raise ValueError(
            f"{owner}: pass either `path` (save the figure) or `show=True` (display it), not both."
        )
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError(
            f"{owner}: `y_true` / `y_pred` need a `label_map` (a dict from class id to name)."
        )
    show = show if show is not None else path is None
    data_format = data_format_or_default(data_format, owner)
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"{owner}: `images` must be a batch of images, a 4-D array; received shape "
            f"{images.shape}. Add a batch axis with `images[None]` for a single image."
        )
    batch = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch)))
    cols = cols or int(math.ceil(batch // rows))
    images = images[: min(rows * cols, batch)]
    if data_format == "channels_first":
        images = np.transpose(images, (0, 2, 3, 1))

    fig, axes = plt.subplots(
        nrows=rows,
        ncols=cols,
        figsize=(cols * scale, rows * scale),
        frameon=False,
        layout="tight",
        squeeze=True,
        sharex="row",
        sharey="col",
    )
    fig.subplots_adjust(wspace=0, hspace=0)
    axes = np.asarray(axes).reshape(rows, cols)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")

    images = np.asarray(to_0_255(images, value_range))
    y_true = None if y_true is None else np.asarray(y_true)
    y_pred = None if y_pred is None else np.asarray(y_pred)
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            axis = axes[row, col]
            axis.imshow(images[index].astype("uint8"))
            axis.margins(x=0, y=0)
            axis.axis("off")
            title = []
            if y_true is not None and index < len(y_true):
                title.append(f"Label: {label_map.get(y_true[index], 'Unknown')}")
            if y_pred is not None and index < len(y_pred):
                title.append(f"Pred: {label_map.get(y_pred[index], 'Unknown')}")
            if title:
                axis.set_title("  ".join(title), fontsize=8)

    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close()
    elif show:
        plt.show()
        plt.close()
