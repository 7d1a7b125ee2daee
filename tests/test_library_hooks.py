"""Keras behaviours that libraries built on Keras (KerasHub, KerasTuner) rely on, found by
running KerasHub's own test suite on lamina (tests/ecosystem)."""

import numpy as np
import pytest

import lamina as keras
from lamina.training import streams


def test_from_config_turns_a_saved_dtype_policy_record_into_its_name():
    # Keras's Layer.from_config: a float policy record becomes its name, so layers that read
    # `dtype` as a string in `__init__` (KerasHub's tokenizers) still can.
    seen = {}

    class Tokenizerish(keras.layers.Layer):
        def __init__(self, **kwargs):
            seen["dtype"] = kwargs.get("dtype")
            super().__init__(**kwargs)

    config = Tokenizerish(dtype="int32").get_config()
    assert isinstance(config["dtype"], dict)
    layer = Tokenizerish.from_config(config)
    assert seen["dtype"] == "int32" and layer.dtype_policy.name == "int32"
    assert keras.DTypePolicy("mixed_float16").quantization_mode is None


def test_convert_input_args_false_passes_inputs_unconverted():
    class Echo(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._convert_input_args = False

        def call(self, x):
            return x

    strings = np.array(["a", "b"], dtype=object)
    assert Echo()(strings) is strings
    with pytest.raises(TypeError, match="numeric dtype"):
        keras.layers.Identity()(strings)


def test_assert_same_structure_compares_tracked_containers_as_plain_ones():
    layer = keras.layers.Layer()
    layer.struct = {"token_ids": 1, "padding_mask": 2}  # tracked: a dict subclass
    keras.tree.assert_same_structure({"padding_mask": 0, "token_ids": 0}, layer.struct)
    with pytest.raises(ValueError):
        keras.tree.assert_same_structure({"token_ids": 0}, layer.struct)


def test_grain_datasets_are_read_as_streams():
    # Detected by class name (grain is not a dependency): Grain's datasets iterate batches.
    fake = type("MapDataset", (), {"__module__": "grain._src.python.dataset.dataset"})

    class Batches(fake):
        def __init__(self, x, y):
            self.x, self.y = x, y

        def __len__(self):
            return 2

        def __iter__(self):
            return iter([(self.x[:4], self.y[:4]), (self.x[4:], self.y[4:])])

    rng = np.random.default_rng(0)
    x, y = rng.random((8, 3)).astype("float32"), rng.random((8, 1)).astype("float32")
    data = Batches(x, y)
    assert streams.kind_of(data) == "grain"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(data, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    np.testing.assert_allclose(
        model.evaluate(data, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6
    )
    np.testing.assert_allclose(
        model.predict(data, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )


def test_library_classes_load_from_their_module_unregistered():
    # Keras imports a record's module for keras_hub / keras_cv / keras_nlp classes.
    from lamina.core import registry

    assert registry._from_library_module("keras_hub.src.nope", "X") is None  # not installed
    assert registry._from_library_module("mypkg.layers", "Dense") is None  # other packages: no


def test_functional_submodel_replays_its_graph_when_one_trace_cannot_decide():
    # A layer that compares the (unknown) sequence length, inside a functional model used as a
    # layer: the symbolic call replays the graph layer by layer, as Keras does.
    class AddPositions(keras.layers.Layer):  # as KerasHub's PositionEmbedding: a table of 8
        def build(self, shape):
            self.table = self.add_weight(shape=(8, shape[-1]), initializer="ones")

        def call(self, x):
            return x + self.table[: x.shape[1]]

        def compute_output_shape(self, shape):
            return shape

    inner_in = keras.Input((None, 3))
    inner = keras.Model(inner_in, AddPositions()(keras.layers.Dense(3)(inner_in)))
    outer_in = keras.Input((None, 3))
    out = inner(outer_in)  # one trace: 'batch' <= 8 undecidable; at 83: a (83,3)+(8,3) error
    assert out.shape == (None, None, 3)
    model = keras.Model(outer_in, out)
    x = np.ones((2, 5, 3), "float32")
    np.testing.assert_allclose(model(x), inner(x))
    assert len(inner.layers[1]._inbound_nodes) == 1  # the replay added no calls
