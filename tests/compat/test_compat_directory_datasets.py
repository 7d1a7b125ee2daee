"""`*_dataset_from_directory` against Keras 3.15: same file lists, labels, splits and values.

Keras's directory indexing and its grain image loader run without TensorFlow, so they are the
oracle here; lamina's batches must hold exactly the images and labels Keras's loader produces
for the same files in the same order.
"""

import wave

import numpy as np
import pytest

import lamina
from lamina.utils import directory_datasets as dd

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("imgs")
    rng = np.random.RandomState(0)
    for c in ("cats", "dogs", "birds"):
        (root / c).mkdir()
        for i in range(5):
            h, w = ((20, 15), (13, 22))[i % 2]  # few shapes: Keras's loader compiles each
            arr = rng.randint(0, 256, (h, w, 3), dtype=np.uint8)
            PIL.fromarray(arr).save(root / c / f"img{i}.{('png', 'jpg', 'bmp')[i % 3]}")
    (root / "cats" / "notes.md").write_text("not an image")
    (root / "dogs" / "sub").mkdir()
    PIL.fromarray(rng.randint(0, 256, (12, 9), dtype=np.uint8)).save(root / "dogs/sub/g.png")
    return root


@pytest.mark.parametrize("shuffle,seed", [(True, 7), (False, None)])
@pytest.mark.parametrize("labels", ["inferred", None, "list"])
def test_index_directory_matches_keras(keras, image_dir, shuffle, seed, labels):
    from keras.src.utils import dataset_utils

    if labels == "list":
        labels = list(range(16))
    got = dd.index_directory(
        image_dir, labels, dd.IMAGE_FORMATS, None, shuffle, seed, verbose=False
    )
    want = dataset_utils.index_directory(
        str(image_dir), labels, dd.IMAGE_FORMATS, None, shuffle, seed, False, False
    )
    assert got[0] == want[0]
    assert got[2] == want[2]
    if labels is None:
        assert got[1] is None and want[1] is None
    else:
        np.testing.assert_array_equal(got[1], want[1])
    for part in ("training", "validation"):
        a = dd.get_training_or_validation_split(got[0], got[1], 0.3, part, verbose=False)
        b = dataset_utils.get_training_or_validation_split(want[0], want[1], 0.3, part)
        assert a[0] == b[0]


def test_class_names_subset_order(keras, image_dir):
    from keras.src.utils import dataset_utils

    got = dd.index_directory(
        image_dir, "inferred", dd.IMAGE_FORMATS, ["dogs", "cats"], False, None, verbose=False
    )
    want = dataset_utils.index_directory(
        str(image_dir), "inferred", dd.IMAGE_FORMATS, ["dogs", "cats"], False, None, False, False
    )
    assert got[0] == want[0] and got[2] == want[2]
    np.testing.assert_array_equal(got[1], want[1])


@pytest.fixture(scope="module")
def uniform_dir(tmp_path_factory):
    """Images of one size: each batch is resized at once by the jitted batch resizer."""
    root = tmp_path_factory.mktemp("uniform")
    rng = np.random.RandomState(1)
    for c in ("a", "b"):
        (root / c).mkdir()
        for i in range(5):
            arr = rng.randint(0, 256, (21, 16, 3), dtype=np.uint8)
            PIL.fromarray(arr).save(root / c / f"img{i}.{('png', 'jpg')[i % 2]}")
    return root


def _keras_images(kid, paths, size, channels, kwargs):
    return np.stack(
        [
            np.asarray(
                kid._load_image_grain(
                    p,
                    size,
                    channels,
                    kwargs["interpolation"],
                    kwargs.get("data_format", "channels_last"),
                    kwargs.get("crop_to_aspect_ratio", False),
                    kwargs.get("pad_to_aspect_ratio", False),
                )
            )
            for p in paths
        ]
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interpolation": "bilinear"},
        {"interpolation": "nearest", "color_mode": "grayscale"},
        {"interpolation": "bicubic", "crop_to_aspect_ratio": True},
        {"interpolation": "area", "data_format": "channels_first"},
        {"interpolation": "lanczos3", "pad_to_aspect_ratio": True, "color_mode": "rgba"},
        {"interpolation": "lanczos5"},
    ],
)
def test_uniform_size_batches_equal_keras_loader(keras, uniform_dir, kwargs):
    from keras.src.utils import image_dataset_utils as kid

    size = (9, 12)
    ds = lamina.utils.image_dataset_from_directory(
        uniform_dir, image_size=size, batch_size=4, shuffle=False, verbose=False, **kwargs
    )
    channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[kwargs.get("color_mode", "rgb")]
    images = np.concatenate([x for x, _ in ds])  # batches of 4, 4 and 2 images
    assert images.dtype == np.float32
    if kwargs["interpolation"] != "area":  # Keras on JAX has no "area"; lamina has
        want = _keras_images(kid, ds.file_paths, size, channels, kwargs)
        assert images.shape == want.shape
        np.testing.assert_allclose(images, want, atol=2e-3)
    # the per-image path (unbatched dataset) gives the same values
    single = lamina.utils.image_dataset_from_directory(
        uniform_dir, image_size=size, batch_size=None, shuffle=False, verbose=False, **kwargs
    )
    np.testing.assert_allclose(np.stack([x for x, _ in single]), images, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interpolation": "nearest", "color_mode": "grayscale"},
        {"interpolation": "bicubic", "crop_to_aspect_ratio": True},
        {"interpolation": "lanczos3", "pad_to_aspect_ratio": True, "color_mode": "rgba"},
        {"interpolation": "bilinear", "data_format": "channels_first"},
    ],
)
def test_image_batches_equal_keras_loader(keras, image_dir, kwargs):
    from keras.src.utils import image_dataset_utils as kid

    size = (14, 11)
    ds = lamina.utils.image_dataset_from_directory(
        image_dir,
        image_size=size,
        batch_size=4,
        shuffle=False,
        verbose=False,
        label_mode="categorical",
        **kwargs,
    )
    channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[kwargs.get("color_mode", "rgb")]
    images = np.concatenate([x for x, _ in ds])
    labels = np.concatenate([y for _, y in ds])
    want = _keras_images(kid, ds.file_paths, size, channels, kwargs)
    assert images.dtype == np.float32 and images.shape == want.shape
    np.testing.assert_allclose(images, want, atol=2e-3)
    _, idx, _ = dd.index_directory(
        image_dir, "inferred", dd.IMAGE_FORMATS, shuffle=False, verbose=False
    )
    np.testing.assert_array_equal(labels, np.eye(3, dtype="float32")[idx])


def test_text_and_audio_lists_match_keras(keras, tmp_path):
    from keras.src.utils import dataset_utils

    for c in ("neg", "pos"):
        (tmp_path / c).mkdir()
        for i in range(4):
            (tmp_path / c / f"{i}.txt").write_text(f"review {c} {i} é")
            with wave.open(str(tmp_path / c / f"{i}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(np.arange(i + 2, dtype="<i2").tobytes() * 100)
    ds = lamina.utils.text_dataset_from_directory(
        tmp_path,
        batch_size=3,
        seed=5,
        validation_split=0.25,
        subset="training",
        max_length=10,
        verbose=False,
    )
    paths, labels, _ = dataset_utils.index_directory(
        str(tmp_path), "inferred", (".txt",), None, True, 5, False, False
    )
    assert ds.file_paths == paths[:-2]
    texts = [t for x, _ in ds for t in x]
    assert sorted(texts) == sorted(open(p, encoding="utf-8").read()[:10] for p in paths[:-2])
    audio = lamina.utils.audio_dataset_from_directory(
        tmp_path, batch_size=8, shuffle=False, verbose=False
    )
    x, y = next(iter(audio))
    assert x.shape == (8, 500, 1) and x.dtype == np.float32
    # Clips are zero-padded to the longest one of the batch, as Keras's padded_batch does.
    np.testing.assert_allclose(x[0, :200, 0], np.tile([0, 1], 100) / 32768.0)
    assert np.all(x[0, 200:] == 0)
