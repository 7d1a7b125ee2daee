"""`keras.visualization` against Keras 3.15: the drawn arrays equal Keras's on the same inputs;
the galleries build the figures Keras builds (matplotlib's Agg backend, nothing shown)."""

import sys

import numpy as np
import pytest

import lamina

pytest.importorskip("cv2")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _boxes(fmt, batch=2, n=3, size=48):
    """Random boxes in `fmt` for `size`x`size` images, some near the top edge."""
    x1 = RNG.uniform(0, size / 2, (batch, n))
    y1 = RNG.uniform(0, size / 2, (batch, n))
    y1[:, 0] = 1.5  # the label text goes inside the box
    w = RNG.uniform(4, size / 2, (batch, n))
    h = RNG.uniform(4, size / 2, (batch, n))
    xyxy = np.stack([x1, y1, x1 + w, y1 + h], -1)
    rel = fmt.startswith("rel_")
    base = fmt.removeprefix("rel_")
    if base == "xyxy":
        out = xyxy
    elif base == "yxyx":
        out = xyxy[..., [1, 0, 3, 2]]
    elif base == "xywh":
        out = np.stack([x1, y1, w, h], -1)
    elif base == "center_xywh":
        out = np.stack([x1 + w / 2, y1 + h / 2, w, h], -1)
    else:
        out = np.stack([y1 + h / 2, x1 + w / 2, h, w], -1)
    if rel:
        out = out / size
    return out.astype("float32")


@pytest.mark.parametrize(
    "fmt",
    [
        "xyxy",
        "yxyx",
        "xywh",
        "center_xywh",
        "center_yxhw",
        "rel_xyxy",
        "rel_yxyx",
        "rel_xywh",
        "rel_center_xywh",
    ],
)
def test_draw_bounding_boxes_equals_keras(keras, fmt):
    images = RNG.integers(0, 256, (2, 48, 48, 3)).astype("uint8")
    boxes = {
        "boxes": _boxes(fmt),
        "labels": np.array([[0, 1, -1], [2, 0, 1]]),
        "confidences": RNG.uniform(0, 1, (2, 3)).astype("float32"),
    }
    kwargs = dict(
        class_mapping={0: "cat", 1: "dog"},
        color=(255, 10, 0),
        line_thickness=1 + (len(fmt) % 3),
        font_scale=0.3,
    )
    got = lamina.visualization.draw_bounding_boxes(images, dict(boxes), fmt, **kwargs)
    want = keras.visualization.draw_bounding_boxes(images, dict(boxes), fmt, **kwargs)
    assert got.dtype == want.dtype == np.uint8
    np.testing.assert_array_equal(got, want)
    assert (got != images).any()  # something was drawn
    np.testing.assert_array_equal(images, images.copy())  # inputs untouched


@pytest.mark.parametrize("scale", [1.0, 255.0, 400.0])
def test_draw_bounding_boxes_float_images_equal_keras(keras, scale):
    images = (RNG.uniform(0, 1, (1, 32, 40, 3)) * scale).astype("float32")
    boxes = {"boxes": np.array([[[3.7, 30.2, 20.9, 31.0], [5, 5, 39, 25]]]), "labels": [[3, 4]]}
    got = lamina.visualization.draw_bounding_boxes(images, boxes, "xyxy", class_mapping={4: "x"})
    want = keras.visualization.draw_bounding_boxes(images, boxes, "xyxy", class_mapping={4: "x"})
    np.testing.assert_array_equal(got, want)


def test_draw_bounding_boxes_errors():
    images = np.zeros((1, 8, 8, 3), "uint8")
    with pytest.raises(ValueError, match="4-D"):
        lamina.visualization.draw_bounding_boxes(images[0], {"boxes": [], "labels": []}, "xyxy")
    with pytest.raises(TypeError, match="dict"):
        lamina.visualization.draw_bounding_boxes(images, [[0, 0, 1, 1]], "xyxy")
    with pytest.raises(ValueError, match="'labels'"):
        lamina.visualization.draw_bounding_boxes(images, {"boxes": np.zeros((1, 1, 4))}, "xyxy")
    with pytest.raises(ValueError, match="format"):
        lamina.visualization.draw_bounding_boxes(
            images, {"boxes": np.zeros((1, 1, 4)), "labels": np.zeros((1, 1))}, "xyzw"
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_classes": 4, "alpha": 0.3},
        {"num_classes": 3, "blend": False},
        {"num_classes": 3, "ignore_index": 0},
        {"num_classes": 3, "color_mapping": {0: (1, 2, 3), 1: (250, 0, 10), 2: (0, 255, 0)}},
    ],
)
def test_draw_segmentation_masks_equals_keras(keras, kwargs):
    images = RNG.integers(0, 256, (2, 6, 5, 3)).astype("uint8")
    masks = RNG.integers(-1, 4, (2, 6, 5, 1)).astype("int32")
    got = lamina.visualization.draw_segmentation_masks(images, masks, **kwargs)
    want = np.asarray(keras.visualization.draw_segmentation_masks(images, masks, **kwargs))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_draw_segmentation_masks_channels_first_equals_keras(keras):
    images = RNG.integers(0, 256, (1, 3, 4, 4)).astype("uint8")
    masks = RNG.integers(0, 3, (1, 1, 4, 4)).astype("int32")
    kwargs = dict(num_classes=3, data_format="channels_first")
    got = lamina.visualization.draw_segmentation_masks(images, masks, **kwargs)
    want = np.asarray(keras.visualization.draw_segmentation_masks(images, masks, **kwargs))
    np.testing.assert_array_equal(got, want)
    # a mask without its channel axis gives the same picture
    three_d = lamina.visualization.draw_segmentation_masks(
        np.transpose(images, (0, 2, 3, 1)), masks[:, 0], num_classes=3
    )
    np.testing.assert_array_equal(three_d, got)


def test_draw_segmentation_masks_errors():
    images = np.zeros((1, 4, 4, 3))
    with pytest.raises(TypeError, match="integer"):
        lamina.visualization.draw_segmentation_masks(images, np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match="4-D"):
        lamina.visualization.draw_segmentation_masks(images[0], np.zeros((4, 4, 1), "int32"))


def _figure_summary(fig):
    return [
        (ax.get_title(), ax.get_images()[0].get_array().shape, ax.get_images()[0].get_array().sum())
        for ax in fig.axes
    ]


def test_plot_image_gallery_matches_keras(keras):
    images = RNG.uniform(0, 1, (5, 6, 7, 3)).astype("float32")
    kwargs = dict(
        y_true=np.array([0, 1, 1, 0, 1]),
        y_pred=np.array([1, 1, 0, 0, 1]),
        label_map={0: "cat", 1: "dog"},
        value_range=(0, 1),
        show=False,
    )
    lamina.visualization.plot_image_gallery(images, **kwargs)
    ours = _figure_summary(plt.gcf())
    keras.visualization.plot_image_gallery(images, **kwargs)
    theirs = _figure_summary(plt.gcf())
    assert len(ours) == 3  # rows = ceil(sqrt(5)) = 3, cols = 5 // 3 = 1: three of the five
    assert ours == theirs
    assert ours[1][0] == "Label: dog  Pred: dog"


def test_plot_image_gallery_saves_and_checks_arguments(tmp_path):
    images = RNG.integers(0, 256, (4, 8, 8, 3))
    path = tmp_path / "gallery.png"
    lamina.visualization.plot_image_gallery(images, rows=2, cols=2, path=str(path))
    assert path.stat().st_size > 100 and not plt.get_fignums()  # saved and closed
    with pytest.raises(ValueError, match="not both"):
        lamina.visualization.plot_image_gallery(images, path=str(path), show=True)
    with pytest.raises(ValueError, match="label_map"):
        lamina.visualization.plot_image_gallery(images, y_true=[0, 1, 0, 1])


def test_plot_bounding_box_gallery_matches_keras(keras):
    images = RNG.integers(0, 256, (2, 32, 32, 3)).astype("uint8")
    y_true = {"boxes": _boxes("xyxy", 2, 2, 32), "labels": np.array([[0, 1], [1, -1]])}
    y_pred = {"boxes": _boxes("xyxy", 2, 2, 32), "labels": np.array([[1, 1], [0, 0]])}
    kwargs = dict(
        y_true=y_true,
        y_pred=y_pred,
        class_mapping={0: "a", 1: "b"},
        legend=True,
        rows=1,
        cols=2,
        font_scale=0.3,
        show=False,
    )
    lamina.visualization.plot_bounding_box_gallery(images, "xyxy", **kwargs)
    fig = plt.gcf()
    ours = _figure_summary(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    keras.visualization.plot_bounding_box_gallery(images, "xyxy", **kwargs)
    assert ours == _figure_summary(plt.gcf())
    assert legend == ["Ground Truth", "Prediction"]
    with pytest.raises(ValueError, match="not both"):
        lamina.visualization.plot_bounding_box_gallery(
            images, "xyxy", y_true=y_true, legend=True, legend_handles=[object()], show=False
        )


def test_plot_segmentation_mask_gallery_matches_keras(keras):
    images = RNG.integers(0, 256, (2, 6, 6, 3)).astype("uint8")
    y_true = RNG.integers(0, 3, (2, 6, 6, 1))
    y_pred = RNG.integers(0, 3, (2, 6, 6, 1))
    kwargs = dict(num_classes=3, y_true=y_true, y_pred=y_pred, alpha=0.5, show=False)
    lamina.visualization.plot_segmentation_mask_gallery(images, **kwargs)
    ours = _figure_summary(plt.gcf())
    keras.visualization.plot_segmentation_mask_gallery(images, **kwargs)
    assert len(ours) == 6 and ours == _figure_summary(plt.gcf())


def test_value_range_zero_one_is_rescaled_before_drawing():
    # Keras draws on the unscaled [0, 1] images and then rescales the drawn pixels again
    # (docs/differences.md); lamina rescales first, so the boxes keep their color.
    images = np.full((1, 16, 16, 3), 0.5, "float32")
    y_true = {"boxes": np.array([[[2, 2, 12, 12]]]), "labels": np.array([[0]])}
    lamina.visualization.plot_bounding_box_gallery(
        images,
        "xyxy",
        y_true=y_true,
        value_range=(0, 1),
        true_color=(255, 0, 0),
        show=False,
        rows=1,
        cols=1,
        line_thickness=1,
    )
    shown = plt.gcf().axes[0].get_images()[0].get_array()
    assert tuple(shown[2, 5]) == (255, 0, 0) and tuple(shown[8, 8]) == (127, 127, 127)


def test_missing_matplotlib_and_opencv_name_the_extra(monkeypatch):
    images = np.zeros((1, 4, 4, 3), "uint8")
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"lamina\[visualization\]"):
        lamina.visualization.plot_image_gallery(images)
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(ImportError, match=r"lamina\[visualization\]"):
        lamina.visualization.draw_bounding_boxes(
            images, {"boxes": np.zeros((1, 0, 4)), "labels": np.zeros((1, 0))}, "xyxy"
        )
