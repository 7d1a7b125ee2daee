"""`plot_bounding_box_gallery`: a grid of images with true and predicted boxes drawn."""

from __future__ import annotations

import numpy as np

from lamina.visualization._common import (
    batched_images,
    data_format_or_default,
    pyplot,
    to_0_255,
)
from lamina.visualization.draw_bounding_boxes import draw_bounding_boxes
from lamina.visualization.plot_image_gallery import plot_image_gallery


def plot_bounding_box_gallery(
    images,
    bounding_box_format,
    y_true=None,
    y_pred=None,
    value_range=(0, 255),
    true_color=(0, 188, 212),
    pred_color=(255, 235, 59),
    line_thickness=2,
    font_scale=1.0,
    text_thickness=None,
    class_mapping=None,
    ground_truth_mapping=None,
    prediction_mapping=None,
    legend=False,
    legend_handles=None,
    rows=None,
    cols=None,
    data_format=None,
    **kwargs,
):
    """Plots a batch of images with their true and/or predicted bounding boxes drawn.

    The boxes are drawn with `draw_bounding_boxes` (true boxes first, then predictions on
    top) and the images shown with `plot_image_gallery`.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (channels first with
            `data_format="channels_first"`).
        bounding_box_format: the format of the boxes (see `draw_bounding_boxes`).
        y_true: true boxes, a dict as `draw_bounding_boxes` takes (`"boxes"`, `"labels"`,
            optional `"confidences"`). Defaults to `None`.
        y_pred: predicted boxes, the same kind of dict. Defaults to `None`.
        value_range: the range of the image values, e.g. `(0, 1)`; they are rescaled to
            `(0, 255)` before the boxes are drawn. Defaults to `(0, 255)`.
        true_color: RGB color of the true boxes. Defaults to `(0, 188, 212)`.
        pred_color: RGB color of the predicted boxes. Defaults to `(255, 235, 59)`.
        line_thickness: box line thickness. Defaults to `2`.
        font_scale: size of the label text. Defaults to `1.0`.
        text_thickness: text stroke thickness; defaults to `line_thickness`.
        class_mapping: dict from class id to name, for both kinds of boxes.
        ground_truth_mapping: dict for the true boxes only (overrides `class_mapping`).
        prediction_mapping: dict for the predicted boxes only (overrides `class_mapping`).
        legend: add a "Ground Truth" / "Prediction" legend. Defaults to `False`.
        legend_handles: your own matplotlib `Patch` handles instead (not with `legend`).
        rows: rows of the grid (see `plot_image_gallery`).
        cols: columns of the grid.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        **kwargs: passed on to `plot_image_gallery` (`path`, `show`, `scale`, `dpi`, ...).

    Returns:
        What `plot_image_gallery` returns (`None`).

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from lamina.visualization import plot_bounding_box_gallery
        >>> images = np.zeros((2, 32, 32, 3), dtype="uint8")
        >>> y_true = {"boxes": np.array([[[4, 4, 20, 20]], [[8, 8, 30, 24]]]),
        ...           "labels": np.array([[0], [1]])}
        >>> plot_bounding_box_gallery(images, "xyxy", y_true=y_true, legend=True,
        ...                           rows=1, cols=2, show=False)
        >>> [t.get_text() for t in plt.gcf().legends[0].get_texts()]
        ['Ground Truth', 'Prediction']
        >>> plt.close("all")
    """
    owner = "plot_bounding_box_gallery"
    pyplot(owner)  # matplotlib is needed: fail before drawing
    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    data_format = data_format_or_default(data_format, owner)
    images = batched_images(images, owner)
    if data_format == "channels_first":
        images = np.transpose(images, (0, 2, 3, 1))
    options = dict(
        bounding_box_format=bounding_box_format,
        line_thickness=line_thickness,
        text_thickness=text_thickness,
        font_scale=font_scale,
        data_format="channels_last",
    )
    # Boxes are drawn on the images in `(0, 255)`, whatever their `value_range`.
    drawn = to_0_255(images, value_range)
    if y_true is not None:
        drawn = draw_bounding_boxes(
            drawn, y_true, color=true_color, class_mapping=ground_truth_mapping, **options
        )
    if y_pred is not None:
        drawn = draw_bounding_boxes(
            drawn, y_pred, color=pred_color, class_mapping=prediction_mapping, **options
        )
    if legend:
        if legend_handles:
            raise ValueError(
                f"{owner}: pass either `legend=True` (the default legend) or your own "
                "`legend_handles`, not both."
            )
        from matplotlib import patches

        legend_handles = [
            patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction"),
        ]
    return plot_image_gallery(
        drawn,
        value_range=(0, 255),
        legend_handles=legend_handles,
        rows=rows,
        cols=cols,
        data_format="channels_last",
        **kwargs,
    )
