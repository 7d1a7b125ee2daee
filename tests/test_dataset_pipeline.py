"""lamina's `Dataset`, the `*_dataset_from_directory` makers, and the issue-16 Keras behaviours
(x-only PyDataset in predict, save without suffix, Normalization.mean/variance)."""

import numpy as np
import pytest

import lamina
from lamina.utils.dataset import BatchArray, Dataset

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("imgs")
    rng = np.random.RandomState(1)
    for k, c in enumerate(("a", "b")):
        (root / c).mkdir()
        for i in range(6):
            arr = np.full((12, 12, 3), 40 + 150 * k, np.uint8) + rng.randint(
                0, 30, (12, 12, 3), dtype=np.uint8
            )
            PIL.fromarray(arr).save(root / c / f"{i}.png")
    return root


def test_dataset_chain():
    ds = Dataset.from_tensor_slices((np.arange(10), np.arange(10) * 2))
    assert len(ds) == 10 and ds.cardinality() == 10
    b = ds.map(lambda x, y: (x + 1, y)).batch(4)
    assert [x.tolist() for x, _ in b] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert len(b) == 3 and len(b.batch(4, drop_remainder=True)) == 0
    assert [int(v) for v, _ in b.unbatch().take(3)] == [1, 2, 3]
    assert [int(v) for v, _ in ds.skip(8)] == [8, 9]
    s = ds.shuffle(10, seed=3)
    first, second = [int(v) for v, _ in s], [int(v) for v, _ in s]
    assert sorted(first) == list(range(10)) and first != second  # reshuffled each pass
    fixed = ds.shuffle(10, seed=3, reshuffle_each_iteration=False)
    assert [int(v) for v, _ in fixed] == [int(v) for v, _ in fixed]
    assert len(ds.repeat(3)) == 30 and ds.repeat().cardinality() == -1
    odd = ds.filter(lambda x, y: x % 2 == 1)
    assert odd.cardinality() == -2 and [int(v) for v, _ in odd] == [1, 3, 5, 7, 9]
    assert [x.tolist() for x, _ in odd.batch(2)] == [[1, 3], [5, 7], [9]]
    calls = []
    cached = ds.map(lambda x, y: calls.append(1) or (x, y)).cache()
    list(cached), list(cached)
    assert len(calls) == 10
    x, y = next(iter(b.prefetch(1)))
    assert isinstance(x, BatchArray) and isinstance(x.numpy(), np.ndarray)
    assert type(x.numpy()) is np.ndarray
    assert all(type(v) is np.ndarray for v in next(ds.batch(2).as_numpy_iterator()))
    with pytest.raises(TypeError, match="unknown"):
        len(odd)
    with pytest.raises(ValueError, match="batch_size"):
        ds.batch(0)


def test_strings_batch_as_object_arrays():
    ds = Dataset.from_tensor_slices(["a b", "c", "d e f"]).batch(2)
    first = next(iter(ds))
    assert first.dtype == object and list(first) == ["a b", "c"]


def test_image_dataset_fit_evaluate_predict(image_dir, capsys):
    train, val = lamina.utils.image_dataset_from_directory(
        image_dir, image_size=(8, 8), batch_size=4, seed=1, validation_split=0.25, subset="both"
    )
    out = capsys.readouterr().out
    assert "Found 12 files belonging to 2 classes." in out
    assert "Using 9 files for training." in out and "Using 3 files for validation." in out
    assert train.class_names == ["a", "b"] and len(train.file_paths) == 9
    assert not set(train.file_paths) & set(val.file_paths)
    x, y = next(iter(train))
    assert x.shape == (4, 8, 8, 3) and x.dtype == np.float32 and y.dtype == np.int32
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential(
        [
            lamina.Input((8, 8, 3)),
            lamina.layers.Rescaling(1 / 25.5, offset=-5.0),
            lamina.layers.GlobalAveragePooling2D(),
            lamina.layers.Dense(2),
        ]
    )
    model.compile(
        lamina.optimizers.Adam(0.05),
        lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    hist = model.fit(train.cache().prefetch(2), validation_data=val, epochs=10, verbose=0)
    assert hist.history["accuracy"][-1] == 1.0  # the two classes differ in brightness
    assert model.evaluate(val, verbose=0)[1] == 1.0
    unlabeled = lamina.utils.image_dataset_from_directory(
        image_dir, labels=None, image_size=(8, 8), shuffle=False, verbose=False
    )
    assert unlabeled.class_names is None
    assert model.predict(unlabeled, verbose=0).shape == (12, 2)


def test_label_modes_and_batch_none(image_dir):
    ds = lamina.utils.image_dataset_from_directory(
        image_dir,
        label_mode="binary",
        batch_size=None,
        image_size=(4, 4),
        shuffle=False,
        verbose=False,
    )
    x, y = next(iter(ds))
    assert x.shape == (4, 4, 3) and y.shape == (1,) and y.dtype == np.float32
    ds = lamina.utils.image_dataset_from_directory(
        image_dir,
        labels=[0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2],
        label_mode="categorical",
        image_size=(4, 4),
        shuffle=False,
        verbose=False,
        format="grain",
    )
    assert ds.class_names == ["0", "1", "2"]
    assert next(iter(ds))[1][:3].tolist() == np.eye(3).tolist()


def test_bad_input(tmp_path, image_dir):
    make = lamina.utils.image_dataset_from_directory
    with pytest.raises(ValueError, match="does not exist"):
        make(tmp_path / "missing")
    with pytest.raises(ValueError, match="no subfolders"):
        make(tmp_path)
    (tmp_path / "cls").mkdir()
    with pytest.raises(ValueError, match="No images found"):
        make(tmp_path)
    with pytest.raises(ValueError, match="validation_split` must be set"):
        make(image_dir, subset="training")
    with pytest.raises(ValueError, match="validation_split` must be set"):
        make(image_dir, validation_split=0.2)
    with pytest.raises(ValueError, match="must provide a `seed`"):
        make(image_dir, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match=r"len\(labels\) is 3 while we found 12"):
        make(image_dir, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="exactly 2"):
        make(image_dir, labels=list(range(12)), label_mode="binary")
    with pytest.raises(ValueError, match="format"):
        make(image_dir, format="torch")
    with pytest.raises(ValueError, match="color_mode"):
        make(image_dir, color_mode="cmyk")
    with pytest.raises(ValueError, match="TensorFlow-only"):
        make(image_dir, interpolation="gaussian")
    bad = tmp_path / "cls" / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    ds = make(tmp_path, image_size=(4, 4), verbose=False)
    with pytest.raises(ValueError, match="broken.jpg"):
        next(iter(ds))


def test_text_dataset(tmp_path):
    for c in ("neg", "pos"):
        (tmp_path / c).mkdir()
        for i in range(3):
            (tmp_path / c / f"{i}.txt").write_text(f"{c} text number {i}", encoding="utf-8")
    ds = lamina.utils.text_dataset_from_directory(
        tmp_path, batch_size=4, shuffle=False, max_length=7, verbose=False
    )
    texts, labels = next(iter(ds))
    assert list(texts) == ["neg tex"] * 3 + ["pos tex"] and labels.tolist() == [0, 0, 0, 1]
    assert lamina.preprocessing.text_dataset_from_directory is (
        lamina.utils.text_dataset_from_directory
    )


def test_pydataset_x_only_predict():
    class XOnly(lamina.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.ones((3, 2), "float32") * i

    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1, use_bias=False)])
    out = model.predict(XOnly(), verbose=0)
    assert out.shape == (6, 1)
    np.testing.assert_allclose(out[:3], 0.0)


def test_save_without_suffix_raises(tmp_path):
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    with pytest.raises(ValueError, match="Invalid filepath extension for saving"):
        model.save(tmp_path / "model")
    model.save(tmp_path / "model", zipped=False)
    assert (tmp_path / "model" / "config.json").exists()
    assert lamina.saving.load_model(tmp_path / "model").count_params() == 3


def test_normalization_mean_variance():
    layer = lamina.layers.Normalization()
    layer.adapt(np.arange(12.0).reshape(4, 3))
    np.testing.assert_allclose(layer.mean, [[4.5, 5.5, 6.5]])
    np.testing.assert_allclose(layer.variance, [[11.25] * 3])
    fixed = lamina.layers.Normalization(mean=2.0, variance=4.0)
    assert fixed.mean is None
    fixed.build((None, 3))
    np.testing.assert_allclose(fixed.mean, [[2.0, 2.0, 2.0]])


def test_rgbx_decode_and_resize_equal_the_rgb_path(tmp_path):
    """The batched loader decodes RGB files as Pillow's 4-byte pixels and drops the padding
    inside the resize program: the same values as decoding to RGB, on uniform and mixed sizes,
    with and without crop/pad."""
    from lamina.utils.directory_datasets import decode_image, resize_images

    rng = np.random.RandomState(0)
    paths = []
    for i, shape in enumerate([(20, 30), (20, 30), (20, 30), (17, 25)]):
        p = tmp_path / f"{i}.jpg"
        PIL.fromarray(rng.randint(0, 256, (*shape, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    gray = tmp_path / "g.png"  # a grayscale file converted to RGB
    PIL.fromarray(rng.randint(0, 256, (20, 30), dtype=np.uint8)).save(gray)
    paths.append(gray)
    for p in paths:
        padded = decode_image(p, 3, rgbx=True)
        plain = decode_image(p, 3)
        assert padded.shape == plain.shape[:2] + (4,)
        np.testing.assert_array_equal(padded[..., :3], plain)
    for group in (paths[:3] + paths[4:], paths):  # one size (the XLA batch), mixed sizes
        for kw in ({}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True}):
            want = resize_images([decode_image(p, 3) for p in group], (9, 11), **kw)
            got = resize_images(
                [decode_image(p, 3, rgbx=True) for p in group], (9, 11), channels=3, **kw
            )
            assert got.shape == want.shape == (len(group), 9, 11, 3)
            np.testing.assert_allclose(got, want, atol=1e-4)
