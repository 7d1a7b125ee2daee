"""Process-wide registries and settings, seen from worker threads, and one model used by many
threads at once (a web server's pool)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import lamina as keras
from lamina.core import config as lamina_config
from lamina.core.registry import custom_object_scope, get_registered_object


@keras.saving.register_keras_serializable(package="ThreadTests")
class ScaledDense(keras.layers.Layer):
    """A registered custom layer: `x @ w * scale`."""

    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones")

    def call(self, x):
        return keras.ops.matmul(x, self.w) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


def _in_worker(fn):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def test_load_model_of_registered_class_in_worker_thread(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, ScaledDense(2, scale=3.0)(inputs))
    path = tmp_path / "custom.keras"
    model.save(path)
    x = np.arange(6, dtype="float32").reshape(2, 3)

    loaded = _in_worker(lambda: keras.models.load_model(path))

    assert type(loaded.layers[-1]) is ScaledDense
    assert loaded.layers[-1].scale == 3.0
    np.testing.assert_allclose(np.asarray(loaded(x)), x.sum(1, keepdims=True) * 3.0 * [1, 1])


def test_registration_in_worker_is_seen_by_main_thread():
    def register():
        @keras.saving.register_keras_serializable(package="ThreadTests", name="from_worker")
        def from_worker(x):
            return x

        return from_worker

    fn = _in_worker(register)
    assert get_registered_object("ThreadTests>from_worker") is fn
    assert keras.saving.get_custom_objects()["ThreadTests>from_worker"] is fn


def test_custom_object_scope_stays_in_its_thread():
    with custom_object_scope({"OnlyHere": ScaledDense}):
        assert get_registered_object("OnlyHere") is ScaledDense
        assert _in_worker(lambda: get_registered_object("OnlyHere")) is None


def test_settings_set_in_main_thread_are_seen_by_workers():
    keras.config.set_floatx("float64")
    keras.config.set_epsilon(1e-4)
    keras.config.set_image_data_format("channels_first")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.config.enable_unsafe_deserialization()
    distribution = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    keras.distribution.set_distribution(distribution)

    seen = _in_worker(
        lambda: (
            keras.config.floatx(),
            keras.config.epsilon(),
            keras.config.image_data_format(),
            keras.mixed_precision.global_policy().name,
            lamina_config.in_safe_mode(),
            keras.distribution.distribution(),
            keras.layers.Dense(1).dtype_policy.name,
        )
    )
    assert seen == (
        "float64",
        1e-4,
        "channels_first",
        "mixed_bfloat16",
        False,
        distribution,
        "mixed_bfloat16",
    )


def test_settings_set_in_worker_are_seen_by_main_thread():
    def set_all():
        keras.config.set_floatx("float16")
        keras.config.set_epsilon(1e-3)
        keras.config.set_image_data_format("channels_first")

    _in_worker(set_all)
    assert keras.config.floatx() == "float16"
    assert keras.config.epsilon() == 1e-3
    assert keras.config.image_data_format() == "channels_first"


def test_scopes_stay_in_their_thread():
    keras.config.enable_unsafe_deserialization()
    distribution = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    with lamina_config.SafeModeScope(True), distribution.scope():
        assert lamina_config.in_safe_mode() is True
        assert keras.distribution.distribution() is distribution
        seen = _in_worker(lambda: (lamina_config.in_safe_mode(), keras.distribution.distribution()))
    assert seen == (False, None)


def test_automatic_names_are_unique_across_threads():
    barrier = threading.Barrier(8)

    def make():
        barrier.wait()
        return [keras.layers.Dense(1, name=None).name for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        names = [n for batch in pool.map(lambda _: make(), range(8)) for n in batch]
    assert len(set(names)) == len(names) == 200


def test_eight_threads_predict_and_call_one_model():
    rng = np.random.default_rng(0)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3)(hidden))
    batches = [rng.normal(size=(5 + i, 4)).astype("float32") for i in range(8)]
    serial_predict = [model.predict(x, batch_size=4, verbose=0) for x in batches]
    serial_call = [np.asarray(model(x)) for x in batches]

    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        out = []
        for _ in range(3):
            out.append((model.predict(batches[i], batch_size=4, verbose=0), model(batches[i])))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))

    for i, runs in enumerate(results):
        for predicted, called in runs:
            np.testing.assert_allclose(predicted, serial_predict[i], rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(np.asarray(called), serial_call[i], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("compiled", [False, True])
def test_eight_threads_share_a_sequential_model(compiled):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    if compiled:
        model.compile(optimizer="sgd", loss="mse")
    x = np.linspace(-1, 1, 14, dtype="float32").reshape(7, 2)
    expected = model.predict(x, verbose=0)
    with ThreadPoolExecutor(max_workers=8) as pool:
        outs = list(pool.map(lambda _: model.predict(x, verbose=0), range(16)))
    for out in outs:
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
