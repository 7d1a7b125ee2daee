"""Bounding boxes (and masks) through the image layers, against Keras 3.15 (JAX backend).

With equal seeds lamina draws Keras's transformations, so boxes moved by a layer must equal
Keras's boxes, for every box format where Keras 3.15 handles the format (its `RandomRotation`
reads any format as xyxy and its `RandomPerspective` returns xyxy; `RandomCrop` swaps x and y:
lamina converts the format properly there, checked against its own xyxy results).
"""

import json

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(7)
H, W = 12, 16
X = (RNG.random((3, H, W, 3)) * 255).astype("float32")
MASKS = (RNG.random((3, H, W, 1)) * 3).astype("int32").astype("float32")
LABELS = np.eye(3, dtype="float32")


def _xyxy_boxes(n, b):
    corner = RNG.random((n, b, 2)) * [W * 0.7, H * 0.7]
    size = RNG.random((n, b, 2)) * [W * 0.5, H * 0.5] + 1
    return np.concatenate([corner, corner + size], -1).astype("float32")


BOXES = _xyxy_boxes(3, 4)
BOX_LABELS = RNG.integers(0, 5, (3, 4)).astype("float32")

LAYERS = [
    ("RandomFlip", {"seed": 1}),
    ("RandomFlip", {"mode": "vertical", "seed": 2}),
    ("RandomRotation", {"factor": 0.2, "seed": 1}),
    ("RandomZoom", {"height_factor": (-0.3, 0.2), "width_factor": 0.1, "seed": 1}),
    ("RandomZoom", {"height_factor": 0.3, "seed": 4}),
    ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.2, "seed": 1}),
    ("RandomShear", {"x_factor": 0.3, "y_factor": 0.2, "seed": 3}),
    ("RandomPerspective", {"factor": 0.8, "scale": 0.4, "seed": 3}),
    ("Resizing", {"height": 8, "width": 10}),
    ("Resizing", {"height": 8, "width": 8, "crop_to_aspect_ratio": True}),
    ("Resizing", {"height": 8, "width": 8, "pad_to_aspect_ratio": True}),
    ("CenterCrop", {"height": 8, "width": 10}),
    ("CenterCrop", {"height": 14, "width": 10}),  # larger than the image: crop and resize
    ("RandAugment", {"num_ops": 2, "factor": 0.6, "seed": 2}),
    ("RandomBrightness", {"factor": 0.2, "seed": 1}),  # colour layers leave boxes alone
]
KERAS_FORMAT_BUGS = {"RandomRotation", "RandomPerspective"}


def _config(layer):
    config = json.loads(json.dumps(layer.get_config()))
    config.pop("name", None)
    return config


def _data(boxes, batched=True):
    if batched:
        return {"images": X, "bounding_boxes": {"boxes": boxes, "labels": BOX_LABELS}}
    return {"images": X[0], "bounding_boxes": {"boxes": boxes[0], "labels": BOX_LABELS[0]}}


def _run(layer, boxes, batched=True):
    out = layer(_data(boxes, batched))
    return {k: np.asarray(v) for k, v in out["bounding_boxes"].items()}, np.asarray(out["images"])


@pytest.mark.parametrize("fmt", ["xyxy", "rel_xyxy", "center_xywh", "yxyx"])
@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(LAYERS)])
def test_boxes_match_keras(keras, name, kwargs, fmt):
    if fmt != "xyxy" and name in KERAS_FORMAT_BUGS:
        pytest.skip("Keras 3.15 mishandles this format here (see test_format_independence)")
    if fmt not in ("xyxy", "rel_xyxy") and name in ("RandAugment", "RandomBrightness"):
        pytest.skip("no format-specific code (kept short)")
    boxes = np.asarray(lamina.utils.bounding_boxes.convert_format(BOXES, "xyxy", fmt, H, W))
    for batched in (True, False):
        k = getattr(keras.layers, name)(bounding_box_format=fmt, **kwargs)
        m = getattr(lamina.layers, name)(bounding_box_format=fmt, **kwargs)
        if batched:
            assert _config(m) == _config(k)
        expected, images_k = _run(k, boxes, batched)
        got, images_m = _run(m, boxes, batched)
        np.testing.assert_allclose(images_m, images_k, rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(got["boxes"], expected["boxes"], rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(got["labels"], expected["labels"])


@pytest.mark.parametrize(
    "name,kwargs", [LAYERS[2], LAYERS[7], ("RandomCrop", {"height": 9, "width": 9, "seed": 2})]
)
def test_format_independence(name, kwargs):
    """A box moves the same whatever its format: results in any format are the xyxy results
    converted."""
    lb = lamina.utils.bounding_boxes
    ref, _ = _run(getattr(lamina.layers, name)(bounding_box_format="xyxy", **kwargs), BOXES)
    out_h, out_w = (9, 9) if name == "RandomCrop" else (H, W)
    for fmt in ("rel_xyxy", "center_yxhw", "xywh"):
        boxes = np.asarray(lb.convert_format(BOXES, "xyxy", fmt, H, W))
        got, _ = _run(getattr(lamina.layers, name)(bounding_box_format=fmt, **kwargs), boxes)
        back = lb.convert_format(got["boxes"], fmt, "xyxy", out_h, out_w)
        np.testing.assert_allclose(back, ref["boxes"], rtol=1e-5, atol=1e-4, err_msg=fmt)
        np.testing.assert_array_equal(got["labels"], ref["labels"])


def test_random_crop_boxes_follow_the_crop():
    for size in ((9, 10), (14, 8)):  # a random crop; taller than the image: crop and resize
        layer = lamina.layers.RandomCrop(*size, seed=3, bounding_box_format="xyxy")
        h0, w0 = lamina.layers.RandomCrop(*size, seed=3).get_random_transformation({"images": X})
        h0, w0 = int(h0), int(w0)
        got, images = _run(layer, BOXES)
        assert images.shape == (3, *size, 3)
        slice_h, slice_w = min(size[0], H - h0), min(size[1], W - w0)
        scale = np.array([size[1] / slice_w, size[0] / slice_h] * 2, "float32")
        want = (BOXES - np.array([w0, h0, w0, h0], "float32")) * scale
        want = np.clip(want, 0, [size[1], size[0], size[1], size[0]])
        np.testing.assert_allclose(got["boxes"], want, rtol=1e-5, atol=1e-4)
        area = (want[..., 2] - want[..., 0]) * (want[..., 3] - want[..., 1])
        np.testing.assert_array_equal(got["labels"], np.where(area > 0, BOX_LABELS, -1))
    # not training: images and boxes pass through, as in Keras
    layer = lamina.layers.RandomCrop(9, 10, seed=3, bounding_box_format="xyxy")
    out = layer(_data(BOXES), training=False)
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"], BOXES)


def test_mixup_boxes_and_refusals(keras):
    layer = lamina.layers.MixUp(seed=3, bounding_box_format="xyxy")
    perm = np.asarray(
        lamina.layers.MixUp(seed=3).get_random_transformation({"images": X})["permutation_order"]
    )
    got, _ = _run(layer, BOXES)
    np.testing.assert_allclose(got["boxes"], np.concatenate([BOXES, BOXES[perm]], axis=1))
    np.testing.assert_allclose(got["labels"], np.concatenate([BOX_LABELS, BOX_LABELS[perm]], 1))
    expected, _ = _run(keras.layers.MixUp(seed=3, bounding_box_format="xyxy"), BOXES)
    np.testing.assert_allclose(got["boxes"], expected["boxes"])  # (Keras's labels: see docs)
    for name in ("CutMix", "RandomElasticTransform"):
        with pytest.raises(NotImplementedError, match=name):
            getattr(lamina.layers, name)(bounding_box_format="xyxy")(_data(BOXES))
    with pytest.raises(ValueError, match="bounding_box_format"):
        lamina.layers.RandomFlip()(_data(BOXES))
    with pytest.raises(ValueError, match="bounding_box_format"):
        lamina.layers.Resizing(4, 4)(_data(BOXES))
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        lamina.layers.RandomFlip(bounding_box_format="xyxy")(
            {"images": X, "bounding_boxes": {"boxes": BOXES}}
        )
    with pytest.raises(ValueError, match="same number of boxes"):
        ragged = {"boxes": [[[0, 0, 1, 1]], [[0, 0, 1, 1], [1, 1, 2, 2]]], "labels": [[1], [1, 2]]}
        lamina.layers.RandomFlip(bounding_box_format="xyxy")(
            {"images": X[:2], "bounding_boxes": ragged}
        )
    with pytest.raises(ValueError, match="num_boxes, 4"):
        lamina.layers.RandomFlip(bounding_box_format="xyxy")(
            {"images": X, "bounding_boxes": {"boxes": BOXES[0], "labels": BOX_LABELS[0]}}
        )


def test_boxes_unchanged_in_inference():
    for name, kwargs in LAYERS[:8]:
        layer = getattr(lamina.layers, name)(bounding_box_format="xyxy", **kwargs)
        out = layer(_data(BOXES), training=False)
        np.testing.assert_array_equal(out["bounding_boxes"]["boxes"], BOXES, err_msg=name)
        np.testing.assert_array_equal(out["images"], X, err_msg=name)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_dicts_with_labels_and_masks_match_keras(keras, data_format):
    cf = data_format == "channels_first"
    x = np.ascontiguousarray(X.transpose(0, 3, 1, 2)) if cf else X
    masks = np.ascontiguousarray(MASKS.transpose(0, 3, 1, 2)) if cf else MASKS
    for name, kwargs in LAYERS[:6] + LAYERS[8:9] + LAYERS[11:12]:
        k = getattr(keras.layers, name)(data_format=data_format, **kwargs)
        m = getattr(lamina.layers, name)(data_format=data_format, **kwargs)
        data = {"images": x, "labels": LABELS, "segmentation_masks": masks}
        expected, got = k(dict(data)), m(dict(data))
        assert sorted(got) == sorted(expected)
        for key in expected:
            np.testing.assert_allclose(
                got[key], expected[key], rtol=1e-5, atol=1e-3, err_msg=f"{name} {key}"
            )
        # single images too
        one = {"images": x[0], "segmentation_masks": masks[0]}
        expected = getattr(keras.layers, name)(data_format=data_format, **kwargs)(dict(one))
        got = getattr(lamina.layers, name)(data_format=data_format, **kwargs)(dict(one))
        for key in expected:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-3)


def test_boxes_inside_jit():
    import jax

    layer = lamina.layers.RandomRotation(0.2, seed=1, bounding_box_format="xyxy")
    eager, _ = _run(lamina.layers.RandomRotation(0.2, seed=1, bounding_box_format="xyxy"), BOXES)
    jitted = jax.jit(lambda d: layer(d)["bounding_boxes"]["boxes"])(_data(BOXES))
    np.testing.assert_allclose(jitted, eager["boxes"], rtol=1e-5, atol=1e-4)


def test_pipeline_with_boxes_matches_keras(keras):
    def pipe(k):
        return k.layers.Pipeline(
            [
                k.layers.RandomFlip("horizontal", seed=5, bounding_box_format="xyxy"),
                k.layers.RandomTranslation(0.1, 0.1, seed=6, bounding_box_format="xyxy"),
                k.layers.Resizing(8, 8, bounding_box_format="xyxy"),
                k.layers.MaxNumBoundingBoxes(6, bounding_box_format="xyxy"),
            ]
        )

    expected, images_k = _run(pipe(keras), BOXES)
    got, images_m = _run(pipe(lamina), BOXES)
    np.testing.assert_allclose(images_m, images_k, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(got["boxes"], expected["boxes"], rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(got["labels"], expected["labels"])
    assert got["boxes"].shape == (3, 6, 4)


def test_functional_model_with_nested_dict_inputs_equals_keras_layer(keras):
    # A functional model whose input is Keras's nested augmentation dict: called on data and
    # through predict, it gives what Keras's eager layer gives on the same dict (Keras's own
    # functional model refuses this call: "JAX does not support string indexing").
    rng = np.random.default_rng(0)
    x = {
        "images": rng.random((3, 32, 24, 3)).astype("float32"),
        "bounding_boxes": {
            "boxes": np.array([[[1, 2, 10, 12], [0, 0, 20, 30]]] * 3, "float32"),
            "labels": np.array([[1, 2]] * 3, "float32"),
        },
    }
    want = keras.layers.Resizing(16, 16, bounding_box_format="xyxy")(x)
    inputs = {
        "images": lamina.Input((32, 24, 3), name="images"),
        "bounding_boxes": {
            "boxes": lamina.Input((2, 4), name="boxes"),
            "labels": lamina.Input((2,), name="labels"),
        },
    }
    outputs = lamina.layers.Resizing(16, 16, bounding_box_format="xyxy")(inputs)
    model = lamina.Model(inputs, outputs)
    for got in (model(x), model.predict(x, verbose=0)):
        np.testing.assert_allclose(got["images"], want["images"], atol=1e-6)
        for key in ("boxes", "labels"):
            np.testing.assert_allclose(
                got["bounding_boxes"][key], want["bounding_boxes"][key], atol=1e-5
            )
    with pytest.raises(ValueError, match=r"inputs\['bounding_boxes'\]; missing \['labels'\]"):
        model({"images": x["images"], "bounding_boxes": {"boxes": x["bounding_boxes"]["boxes"]}})
