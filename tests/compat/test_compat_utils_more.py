"""keras.utils / saving / config additions compared with real Keras (the oracle)."""

import importlib.util

import numpy as np
import pytest

import lamina


def test_namespaces_cover_keras(keras):
    skipped = {
        "utils": {
            "FeatureSpace",
            "audio_dataset_from_directory",
            "bounding_boxes",
            "image_dataset_from_directory",
            "legacy",
            "text_dataset_from_directory",
        },
        "saving": {"KerasFileEditor"},
        "config": set(),
    }
    for ns, allowed in skipped.items():
        theirs = {n for n in dir(getattr(keras, ns)) if not n.startswith("_")}
        missing = {n for n in theirs if not hasattr(getattr(lamina, ns), n)}
        assert missing <= allowed, f"{ns}: {sorted(missing - allowed)}"


def test_config_flag_defaults_match(keras):
    for name in (
        "is_interactive_logging_enabled",
        "is_traceback_filtering_enabled",
        "is_flash_attention_enabled",
        "is_nnx_enabled",
        "max_epochs",
        "max_steps_per_epoch",
    ):
        assert getattr(lamina.config, name)() == getattr(keras.config, name)(), name


@pytest.mark.parametrize(
    "args",
    [("x",), (("a", "b"),), (["a"],), ("x", "y"), ("x", "y", "w"), ("x", None, "w")],
)
def test_pack_matches(keras, args):
    assert lamina.utils.pack_x_y_sample_weight(*args) == keras.utils.pack_x_y_sample_weight(*args)


@pytest.mark.parametrize("data", ["x", ("x",), ["x", "y"], ("x", "y", "w"), ("x", ["y1", "y2"])])
def test_unpack_matches(keras, data):
    assert lamina.utils.unpack_x_y_sample_weight(data) == keras.utils.unpack_x_y_sample_weight(data)


def test_standardize_dtype_matches(keras):
    for dtype in (None, "float32", "int8", "bfloat16", np.int64, np.dtype("uint8"), int, bool):
        assert lamina.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


def test_config_container_matches(keras):
    ours, theirs = lamina.utils.Config(a=1, c=3), keras.utils.Config(a=1, c=3)
    for c in (ours, theirs):
        c.b = 2
        c["d"] = 4
    assert list(ours) == list(theirs) and ours.to_json() == theirs.to_json()
    assert repr(ours) == repr(theirs) and ours.as_dict() == theirs.as_dict()


def test_get_source_inputs_matches(keras):
    def sources(k):
        a, b = k.Input((3,), name="a"), k.Input((3,), name="b")
        out = k.layers.Add()([k.layers.Dense(3)(b), a, k.layers.Dense(3)(b)])
        return [t.name for t in k.utils.get_source_inputs(out)]

    assert sources(lamina) == sources(keras)


def test_registered_name_matches(keras):
    for k in (lamina, keras):

        @k.saving.register_keras_serializable(package="cmp")
        class Unit(k.layers.Layer):
            pass

        try:
            assert k.saving.get_registered_name(Unit) == "cmp>Unit"
            assert k.saving.get_registered_object("cmp>Unit") is Unit
            with k.saving.CustomObjectScope({"U": Unit}):
                assert k.saving.get_registered_object("U") is Unit
                assert "U" not in k.saving.get_custom_objects()
        finally:
            k.saving.get_custom_objects().pop("cmp>Unit")


def test_images_match(keras, tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.RandomState(0)
    for channels in (1, 3, 4):
        x = rng.rand(5, 7, channels).astype("float32") * 3 - 1
        for scale in (True, False):
            ours = np.asarray(lamina.utils.array_to_img(x, scale=scale))
            theirs = np.asarray(keras.utils.array_to_img(x, scale=scale))
            np.testing.assert_array_equal(ours, theirs)
    img = (rng.rand(9, 13, 3) * 255).astype("float32")
    lamina.utils.save_img(tmp_path / "a.png", img)
    for kwargs in (
        {},
        {"color_mode": "grayscale"},
        {"target_size": (4, 6), "interpolation": "bilinear"},
        {"target_size": (5, 5), "keep_aspect_ratio": True, "interpolation": "bicubic"},
    ):
        ours = lamina.utils.img_to_array(lamina.utils.load_img(tmp_path / "a.png", **kwargs))
        theirs = keras.utils.img_to_array(keras.utils.load_img(tmp_path / "a.png", **kwargs))
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(
            lamina.utils.img_to_array(ours, data_format="channels_first"),
            keras.utils.img_to_array(theirs, data_format="channels_first"),
        )


@pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None,
    reason="Keras's timeseries_dataset_from_array needs TensorFlow (tests/test_utils_more.py "
    "compares with a NumPy reference instead)",
)
@pytest.mark.parametrize("args", [(5, 1, 1, 16, None, None), (4, 3, 2, 7, 3, 80)])
def test_timeseries_matches_keras(keras, args):
    length, stride, rate, batch, start, end = args
    data = np.arange(200, dtype="float32").reshape(100, 2)
    targets = np.arange(100)
    kwargs = dict(
        sequence_length=length,
        sequence_stride=stride,
        sampling_rate=rate,
        batch_size=batch,
        start_index=start,
        end_index=end,
    )
    ours = list(lamina.utils.timeseries_dataset_from_array(data, targets, **kwargs))
    theirs = list(keras.utils.timeseries_dataset_from_array(data, targets, **kwargs))
    assert len(ours) == len(theirs)
    for (ox, oy), (tx, ty) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(ox, np.asarray(tx))
        np.testing.assert_array_equal(oy, np.asarray(ty))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"stateful_metrics": ["acc"]}, {"stateless_metrics": ["loss"]}, {"stateless_metrics": []}],
)
def test_progbar_averages_match(keras, kwargs):
    # Values are averaged over the steps each update covers unless stateful; the final update
    # shows the last values.
    theirs = keras.utils.Progbar(6, verbose=0, **kwargs)
    ours = lamina.utils.Progbar(6, verbose=0, **kwargs)
    updates = [(1, 1.0, 0.5), (3, 0.4, 0.6), (4, 0.1, 0.7), (6, 0.2, 0.8)]
    for step, loss, acc in updates:
        for bar in (theirs, ours):
            bar.update(step, [("loss", loss), ("acc", acc)])
        for name in ("loss", "acc"):
            total, count = theirs._values[name]
            assert ours.value(name) == pytest.approx(total / max(count, 1)), (step, name)
