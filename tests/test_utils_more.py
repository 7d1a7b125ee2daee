"""keras.utils / keras.saving / keras.config names added for Keras parity."""

import io
import logging
import sys

import numpy as np
import pytest

import lamina as keras
from lamina.core import config as core_config


@pytest.fixture
def restore_flags():
    saved = dict(core_config._FLAGS)
    yield
    core_config._FLAGS.clear()
    core_config._FLAGS.update(saved)


# ------------------------------------------------------------------ aliases and registry
def test_utils_aliases_of_saving_names():
    u, s = keras.utils, keras.saving
    assert u.register_keras_serializable is s.register_keras_serializable
    assert u.serialize_keras_object is s.serialize_keras_object
    assert u.deserialize_keras_object is s.deserialize_keras_object
    assert u.CustomObjectScope is s.CustomObjectScope is s.custom_object_scope
    assert u.custom_object_scope is s.custom_object_scope
    for name in ("get_custom_objects", "get_registered_name", "get_registered_object"):
        assert getattr(u, name) is getattr(s, name)
    assert u.Sequence is u.PyDataset
    assert u.is_keras_tensor(keras.Input((2,))) and not u.is_keras_tensor(np.zeros(2))
    assert u.standardize_dtype("float") == "float32" and u.standardize_dtype(np.int64) == "int64"
    assert u.standardize_dtype(int) == "int32" and u.standardize_dtype(bool) == "bool"


class Doubler(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


def test_custom_object_scope_makes_class_visible():
    record = keras.saving.serialize_keras_object(Doubler(name="d"))
    with pytest.raises(TypeError, match="Doubler"):
        keras.saving.deserialize_keras_object(record)
    with keras.utils.CustomObjectScope({"Doubler": Doubler}) as scope:
        assert isinstance(scope, keras.saving.CustomObjectScope)
        layer = keras.saving.deserialize_keras_object(record)
        assert keras.saving.get_registered_object("Doubler") is Doubler
    assert isinstance(layer, Doubler) and layer.name == "d"
    assert keras.saving.get_registered_object("Doubler") is None


def test_get_custom_objects_is_the_global_mutable_dict():
    objects = keras.saving.get_custom_objects()
    objects["Doubler"] = Doubler
    try:
        record = keras.saving.serialize_keras_object(Doubler())
        assert isinstance(keras.saving.deserialize_keras_object(record), Doubler)
        assert keras.saving.get_registered_object("Doubler") is Doubler
    finally:
        del objects["Doubler"]


def test_registered_names_and_lookup_order():
    @keras.saving.register_keras_serializable(package="more")
    class Tripler(keras.layers.Layer):
        pass

    class Sub(Tripler):
        pass

    try:
        assert keras.saving.get_registered_name(Tripler) == "more>Tripler"
        assert keras.saving.get_registered_name(Sub) == "Sub"  # not inherited
        assert keras.saving.get_registered_name(len) == "len"
        assert keras.saving.get_registered_object("more>Tripler") is Tripler
        assert keras.saving.get_registered_object("x", custom_objects={"x": 1}) == 1
        assert keras.saving.get_registered_object("y", module_objects={"y": 2}) == 2
        with keras.saving.custom_object_scope({"x": 3}):
            assert keras.saving.get_registered_object("x", custom_objects={"x": 1}) == 3
        assert keras.saving.get_registered_object("missing") is None
    finally:
        keras.saving.get_custom_objects().pop("more>Tripler")


# ------------------------------------------------------------------ data helpers
def test_pack_and_unpack():
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    pack, unpack = keras.utils.pack_x_y_sample_weight, keras.utils.unpack_x_y_sample_weight
    assert pack(x) is x
    assert pack([x, x]) == ([x, x],) and pack((x,)) == ((x,),)
    assert pack(x, y) == (x, y) and pack(x, y, w) == (x, y, w)
    assert pack(x, None, w) is x  # Keras drops the weight without y
    assert unpack(x) == (x, None, None) and unpack((x,)) == (x, None, None)
    assert unpack([x, y]) == (x, y, None) and unpack((x, y, w)) == (x, y, w)
    with pytest.raises(ValueError, match="found"):
        unpack((x, y, w, w))


def test_get_source_inputs():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    h = keras.layers.Dense(3)(a)
    out = keras.layers.Add()([h, b, keras.layers.Dense(3)(a)])
    sources = keras.utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert keras.utils.get_source_inputs(a) == [a]
    assert keras.utils.get_source_inputs(5) == 5


def test_config_container():
    c = keras.utils.Config(learning_rate=0.1, momentum=0.9)
    c.seed = 3
    c["b"] = 1
    assert c.learning_rate == 0.1 and c["seed"] == 3 and "momentum" in c and len(c) == 4
    assert list(c) == ["b", "learning_rate", "momentum", "seed"]
    assert c.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "seed": 3, "b": 1}
    assert c.to_json().startswith('{"learning_rate": 0.1')
    with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
        c.momentun  # noqa: B018
    c.freeze()
    assert c.frozen
    for mutate in (lambda: setattr(c, "x", 1), lambda: c.update(x=1), lambda: c.pop("b")):
        with pytest.raises(ValueError, match="frozen"):
            mutate()
    c.unfreeze()
    del c["b"]
    assert c.get("b", 7) == 7 and "<Config" in repr(c)


# ------------------------------------------------------------------ timeseries
def reference_windows(data, targets, length, stride, rate, start, end):
    """Keras's documented semantics: window i starts at start + i*stride."""
    start = start or 0
    end = len(data) if end is None else end
    xs, ys = [], []
    s = start
    while s + (length - 1) * rate < end and (targets is None or s - start < len(targets)):
        xs.append(data[s : s + length * rate : rate])
        if targets is not None:
            ys.append(targets[s])
        s += stride
    return np.array(xs), (np.array(ys) if targets is not None else None)


@pytest.mark.parametrize(
    "length,stride,rate,batch,start,end",
    [
        (5, 1, 1, 128, None, None),
        (4, 3, 2, 7, None, None),
        (3, 2, 3, 4, 5, 80),
        (10, 1, 1, 1, 2, 50),
    ],
)
def test_timeseries_matches_reference(length, stride, rate, batch, start, end):
    data = np.arange(100 * 2, dtype="float32").reshape(100, 2)
    targets = np.arange(100) * 10
    ds = keras.utils.timeseries_dataset_from_array(
        data, targets, length, stride, rate, batch, start_index=start, end_index=end
    )
    assert isinstance(ds, keras.utils.PyDataset)
    xs = np.concatenate([x for x, _ in ds])
    ys = np.concatenate([y for _, y in ds])
    ref_x, ref_y = reference_windows(data, targets, length, stride, rate, start, end)
    np.testing.assert_array_equal(xs, ref_x)
    np.testing.assert_array_equal(ys, ref_y)
    assert all(len(x) == batch for x, _ in list(ds)[:-1]) and len(ds) == -(-len(ref_x) // batch)


def test_timeseries_docstring_example_and_options():
    # Keras's doc example: windows [0..9], [1..10], ... with target data[i + 10].
    data = np.arange(100)
    ds = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    x, y = ds[0]
    np.testing.assert_array_equal(x[0], np.arange(10))
    assert y[0] == 10 and x.shape == (81, 10)
    single = keras.utils.timeseries_dataset_from_array(data, None, 4, batch_size=None)
    assert len(single) == 97 and single[2].tolist() == [2, 3, 4, 5]
    shuffled = keras.utils.timeseries_dataset_from_array(data, None, 4, shuffle=True, seed=1)
    firsts = np.concatenate(list(shuffled))[:, 0]
    expected = np.arange(97)
    np.random.RandomState(1).shuffle(expected)
    np.testing.assert_array_equal(firsts, expected)
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.timeseries_dataset_from_array(data, None, 4, sampling_rate=0)
    with pytest.raises(ValueError, match="end_index"):
        keras.utils.timeseries_dataset_from_array(data, None, 4, start_index=5, end_index=3)


def test_timeseries_dataset_trains():
    data = np.random.RandomState(0).rand(60, 3).astype("float32")
    ds = keras.utils.timeseries_dataset_from_array(data, data[:, 0], 5, batch_size=16)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


# ------------------------------------------------------------------ images
def test_image_round_trip(tmp_path):
    pytest.importorskip("PIL")
    rgb = np.random.RandomState(0).randint(0, 256, (6, 8, 3)).astype("float32")
    keras.utils.save_img(tmp_path / "a.png", rgb, scale=False)
    img = keras.utils.load_img(tmp_path / "a.png")
    assert img.size == (8, 6)
    np.testing.assert_array_equal(keras.utils.img_to_array(img), rgb)
    first = keras.utils.img_to_array(img, data_format="channels_first")
    assert first.shape == (3, 6, 8)
    gray = keras.utils.load_img(str(tmp_path / "a.png"), color_mode="grayscale", target_size=(3, 4))
    assert gray.mode == "L" and keras.utils.img_to_array(gray).shape == (3, 4, 1)
    buf = io.BytesIO((tmp_path / "a.png").read_bytes())
    assert keras.utils.load_img(buf, color_mode="rgba").mode == "RGBA"
    scaled = keras.utils.img_to_array(keras.utils.array_to_img(rgb / 255.0))
    assert scaled.min() == 0 and scaled.max() == 255
    with pytest.raises(ValueError, match="rank 3"):
        keras.utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="color_mode"):
        keras.utils.load_img(tmp_path / "a.png", color_mode="cmyk")


def test_image_functions_name_pillow_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        keras.utils.array_to_img(np.zeros((2, 2, 3)))
    with pytest.raises(ImportError, match="pip install pillow"):
        keras.utils.load_img("nothing.png")


# ------------------------------------------------------------------ config flags
def test_config_flags(restore_flags):
    cfg = keras.config
    assert cfg.is_interactive_logging_enabled() and keras.utils.is_interactive_logging_enabled()
    cfg.disable_interactive_logging()
    assert not keras.utils.is_interactive_logging_enabled()
    keras.utils.enable_interactive_logging()
    assert cfg.is_interactive_logging_enabled()
    assert cfg.is_traceback_filtering_enabled()
    cfg.disable_traceback_filtering()
    assert not cfg.is_traceback_filtering_enabled()
    assert cfg.is_flash_attention_enabled() is None
    cfg.enable_flash_attention()
    assert cfg.is_flash_attention_enabled() is True
    cfg.disable_flash_attention()
    assert cfg.is_flash_attention_enabled() is False
    assert cfg.is_nnx_enabled() is False
    cfg.set_backend("jax")
    with pytest.raises(ValueError, match="only on JAX"):
        cfg.set_backend("torch")


def test_max_epochs_and_steps_cap_fit(restore_flags):
    assert keras.config.max_epochs() is None and keras.config.max_steps_per_epoch() is None
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    assert keras.config.max_epochs() == 2 and keras.config.max_steps_per_epoch() == 3
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((100, 2)), np.ones((100, 1))
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    with pytest.warns(UserWarning) as caught:
        history = model.fit(x, y, epochs=5, batch_size=10, verbose=0, callbacks=[counter])
    messages = {str(w.message) for w in caught}
    assert messages == {"Limiting epochs to 2", "Limiting steps_per_epoch to 3"}
    assert len(history.history["loss"]) == 2 and len(seen) == 6
    ds = keras.utils.timeseries_dataset_from_array(x, y, 1, batch_size=10)  # windows (1, 2)
    windows = keras.Sequential([keras.Input((1, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    windows.compile("sgd", "mse")
    seen.clear()
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        windows.fit(ds, epochs=1, verbose=0, callbacks=[counter])
    assert len(seen) == 3


def test_progbar_logs_when_interactive_logging_disabled(restore_flags, capsys, caplog):
    keras.config.disable_interactive_logging()
    with caplog.at_level(logging.INFO, logger="lamina"):
        bar = keras.utils.Progbar(3, verbose=1)
        for i in range(1, 4):
            bar.update(i, [("loss", 0.5)])
        keras.utils.Progbar(2, verbose=2).update(2)
    assert capsys.readouterr().out == ""
    lines = [r.getMessage() for r in caplog.records if r.name == "lamina"]
    assert len(lines) == 2 and lines[0].startswith("3/3") and "loss: 0.5000" in lines[0]
    keras.config.enable_interactive_logging()
    keras.utils.Progbar(2, verbose=2).update(2)
    assert capsys.readouterr().out.startswith("2/2")
