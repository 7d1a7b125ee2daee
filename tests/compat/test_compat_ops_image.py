"""`keras.ops.image` against Keras 3.15 (JAX backend): equal values on random inputs, equal
shapes and values on symbolic tensors, and Keras's operation records in functional configs
(so `.keras` files cross both ways)."""

import json

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)
IMG = RNG.random((2, 9, 11, 3)).astype("float32")
IMG_CF = np.transpose(IMG, (0, 3, 1, 2))
VOL = RNG.random((2, 6, 6, 6, 2)).astype("float32")
TRANSFORM = np.array(
    [[1.1, 0.2, -1.0, -0.1, 0.9, 0.5, 0.0, 0.0], [0.8, -0.3, 2.0, 0.25, 1.2, -1.5, 0, 0]],
    "float32",
)
START = np.array([[0, 0], [10, 0], [0, 8], [10, 8]], "float32")
END = np.array([[1, 0.5], [9, 1], [0.5, 7], [10, 7.5]], "float32")

CASES = [
    ("resize", (IMG, (5, 7)), {}),
    ("resize", (IMG, (12, 6)), {"interpolation": "nearest"}),
    ("resize", (IMG, (6, 6)), {"interpolation": "bicubic", "antialias": True}),
    ("resize", (IMG, (6, 6)), {"crop_to_aspect_ratio": True}),
    ("resize", (IMG, (6, 6)), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
    ("resize", (IMG_CF, (4, 5)), {"interpolation": "lanczos3", "data_format": "channels_first"}),
    ("resize", ((IMG * 255).astype("uint8"), (5, 7)), {}),
    ("affine_transform", (IMG, TRANSFORM), {}),
    ("affine_transform", (IMG, TRANSFORM), {"interpolation": "nearest", "fill_mode": "reflect"}),
    ("affine_transform", (IMG[0], TRANSFORM[1]), {"fill_mode": "wrap"}),
    ("affine_transform", (IMG, TRANSFORM), {"fill_mode": "mirror", "fill_value": 0.3}),
    ("affine_transform", (IMG_CF, TRANSFORM), {"fill_mode": "nearest", "data_format": "channels_first"}),
    ("crop_images", (IMG, 1, 2), {"target_height": 5, "target_width": 6}),
    ("crop_images", (IMG_CF,), {"bottom_cropping": 2, "right_cropping": 3, "target_height": 4, "target_width": 5, "data_format": "channels_first"}),
    ("pad_images", (IMG, 1, 2), {"target_height": 12, "target_width": 15}),
    ("pad_images", (IMG[0],), {"bottom_padding": 2, "right_padding": 1, "top_padding": 3, "left_padding": 0}),
    ("extract_patches", (IMG, 3), {}),
    ("extract_patches", (IMG, (2, 3)), {"strides": (1, 2), "padding": "same"}),
    ("extract_patches", (IMG[0], 3), {"strides": 1, "dilation_rate": 2}),
    ("extract_patches", (VOL, (2, 3, 2)), {}),
    ("extract_patches_3d", (VOL, 2), {"strides": 1, "padding": "same"}),
    ("extract_patches_3d", (VOL[0], (3, 2, 2)), {"strides": (1, 2, 2)}),
    ("gaussian_blur", (IMG,), {"data_format": "channels_last"}),
    ("gaussian_blur", (IMG,), {"kernel_size": (5, 3), "sigma": (2.0, 0.7), "data_format": "channels_last"}),
    ("gaussian_blur", (IMG_CF,), {"kernel_size": (3, 5), "sigma": (1.0, 1.5), "data_format": "channels_first"}),
    ("rgb_to_grayscale", (IMG,), {}),
    ("rgb_to_grayscale", (IMG_CF[0],), {"data_format": "channels_first"}),
    ("rgb_to_grayscale", ((IMG * 255).astype("uint8"),), {}),
    ("rgb_to_hsv", (IMG,), {}),
    ("rgb_to_hsv", (IMG_CF,), {"data_format": "channels_first"}),
    ("hsv_to_rgb", (IMG,), {}),
    ("hsv_to_rgb", (IMG_CF[1],), {"data_format": "channels_first"}),
    ("map_coordinates", (IMG[0, :, :, 0], RNG.uniform(-2, 12, (2, 5, 4)).astype("float32"), 1), {}),
    ("map_coordinates", (IMG[0], RNG.uniform(-2, 12, (3, 7)).astype("float32"), 0), {"fill_mode": "wrap"}),
    ("map_coordinates", (IMG[0], RNG.uniform(-2, 12, (3, 7)).astype("float32"), 1), {"fill_mode": "mirror"}),
    ("map_coordinates", (IMG[0], RNG.uniform(-2, 12, (3, 7)).astype("float32"), 1), {"fill_mode": "reflect", "fill_value": 2.0}),
    ("perspective_transform", (IMG[:1], START, END), {}),
    ("perspective_transform", (IMG[0], START, END), {"interpolation": "nearest", "fill_value": 0.5}),
    ("perspective_transform", (IMG, np.stack([START, END]), np.stack([END, START])), {}),
    ("elastic_transform", (IMG,), {"seed": 3, "data_format": "channels_last"}),
    ("elastic_transform", (IMG[:1],), {"alpha": 5.0, "sigma": 2.0, "fill_mode": "constant", "seed": 7, "data_format": "channels_last"}),
    ("elastic_transform", (IMG_CF,), {"seed": 1, "interpolation": "nearest", "data_format": "channels_first"}),
    ("scale_and_translate", (IMG, (2, 14, 8, 3), np.array([1.5, 0.7], "float32"), np.array([0.5, -1.0], "float32"), (1, 2), "bilinear"), {}),
    ("scale_and_translate", (IMG, (2, 5, 5, 3), np.array([0.5, 0.4], "float32"), np.array([0.0, 1.0], "float32"), (1, 2), "lanczos3"), {"antialias": False}),
    ("sobel_edges", (IMG,), {}),
    ("sobel_edges", (IMG_CF,), {"data_format": "channels_first"}),
    ("ssim", (IMG, np.clip(IMG + RNG.normal(0, 0.1, IMG.shape), 0, 1).astype("float32")), {"filter_size": 7}),
    ("ssim", (IMG[0] * 255, IMG[1] * 255), {"max_val": 255.0, "filter_size": 5, "filter_sigma": 1.0}),
    ("ssim", (IMG_CF, IMG_CF[::-1]), {"filter_size": 3, "k1": 0.02, "data_format": "channels_first"}),
]  # fmt: skip


def _ids():
    return [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=_ids())
def test_values_equal_keras(keras, name, args, kwargs):
    expected = np.asarray(getattr(keras.ops.image, name)(*args, **kwargs))
    got = np.asarray(getattr(lamina.ops.image, name)(*args, **kwargs))
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_jit_and_gradients():
    import jax

    f = jax.jit(lambda x: lamina.ops.image.resize(x, (4, 4)).sum())
    assert np.isfinite(float(f(IMG)))
    small = IMG[:, :4, :4]
    g = jax.grad(lambda x: lamina.ops.image.affine_transform(x, TRANSFORM).sum())(small)
    assert g.shape == small.shape and float(np.abs(g).sum()) > 0


def graph(k):
    """One functional model using the image ops (`k`: keras or lamina)."""
    ops = k.ops
    img = k.Input((9, 11, 3), name="img")
    vol = k.Input((6, 6, 6, 2), name="vol")
    tr = k.Input((8,), name="tr")
    a = ops.image.resize(img, (8, 8), interpolation="bicubic")
    b = ops.image.affine_transform(a, tr, fill_mode="reflect")
    c = ops.image.crop_images(b, 1, 1, target_height=6, target_width=6)
    d = ops.image.pad_images(c, 1, 1, target_height=8, target_width=8)
    e = ops.image.gaussian_blur(d, kernel_size=(3, 5), sigma=(1.0, 2.0))
    f = ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(e))
    g = ops.image.rgb_to_grayscale(f)
    p = ops.image.extract_patches(f, 4)
    q = ops.image.extract_patches_3d(vol, 3)
    s = ops.image.sobel_edges(f)
    u = ops.image.ssim(img, img * 0.5, filter_size=3)
    return k.Model([img, vol, tr], [g, p, q, s, u], name="imageops")


def _renamed(config):
    names = {r["name"]: f"layer{i}" for i, r in enumerate(config["layers"])}
    text = json.dumps(config)
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(f'"{old}"', f'"{new}"')
    config = json.loads(text)
    for r in config["layers"]:
        r.pop("build_config", None)
    return config


def test_symbolic_config_and_files_cross(keras, tmp_path):
    keras.backend.clear_session()
    lamina.backend.clear_session()
    km, lm = graph(keras), graph(lamina)
    kc, lc = _renamed(km.get_config()), _renamed(lm.get_config())
    assert [r["class_name"] for r in lc["layers"]] == [r["class_name"] for r in kc["layers"]]
    for kr, lr in zip(kc["layers"], lc["layers"]):
        if str(kr.get("module", "")).startswith("keras.src.ops"):
            assert lr == kr, kr["class_name"]
    inputs = [IMG, VOL[:2], TRANSFORM]
    expected = [np.asarray(v) for v in km.predict(inputs, verbose=0)]
    got = lm.predict(inputs, verbose=0)
    assert [tuple(o.shape) for o in lm.outputs] == [tuple(o.shape) for o in km.outputs]
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    lm.save(tmp_path / "l.keras")
    km.save(tmp_path / "k.keras")
    for e, g in zip(
        expected, keras.saving.load_model(tmp_path / "l.keras").predict(inputs, verbose=0)
    ):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    for e, g in zip(
        expected, lamina.models.load_model(tmp_path / "k.keras").predict(inputs, verbose=0)
    ):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


def test_extract_patches_in_functional_vit(keras):
    """`ops.image.extract_patches` as the patchifier of a small functional ViT-style model."""
    x = lamina.Input((8, 8, 3))
    p = lamina.ops.image.extract_patches(x, 4)
    p = lamina.ops.reshape(p, (-1, 4, 48))
    h = lamina.layers.Dense(8)(p)
    y = lamina.layers.Dense(2)(lamina.layers.GlobalAveragePooling1D()(h))
    m = lamina.Model(x, y)
    assert m.predict(IMG[:, :8, :8], verbose=0).shape == (2, 2)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="rank"):
        lamina.ops.image.resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="exactly two of"):
        lamina.ops.image.crop_images(IMG, 1, 1)
    with pytest.raises(ValueError, match="interpolation"):
        lamina.ops.image.affine_transform(IMG, TRANSFORM, interpolation="cubic")
    with pytest.raises(ValueError, match="float"):
        lamina.ops.image.rgb_to_hsv(np.zeros((2, 2, 3), "uint8"))
