"""The Layer base: building, tracking, the training flag, losses, config, stateless_call."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers


class Linear(keras.Layer):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x):
        return x @ self.w + self.b


class Block(keras.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(4, kernel_initializer="ones")
        self.items = []
        self.items.append(layers.Dense(2, kernel_initializer="ones"))
        self.dropout = layers.Dropout(0.5, seed=1)
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x, training=None):
        self.count.assign(self.count.value + 1.0)
        return self.items[0](self.dropout(self.dense(x), training=training))


def test_build_on_first_call_and_variable_paths():
    layer = Linear(name="lin")
    assert not layer.built
    out = layer(np.ones((2, 5), "float32"))
    assert layer.built and out.shape == (2, 3)
    np.testing.assert_allclose(np.asarray(out), np.full((2, 3), 5.0))
    assert [v.path for v in layer.weights] == ["lin/w", "lin/b"]
    assert layer.get_build_config() == {"input_shape": [2, 5]}


def test_tracking_sublayers_lists_and_variable_views():
    block = Block()
    block(np.ones((2, 3), "float32"))
    assert len(block.layers) == 3
    assert len(block.trainable_weights) == 4  # two kernels, two biases
    assert [v.name for v in block.non_trainable_weights] == ["count"]
    # The dropout seed state is a variable but not a weight.
    assert len(block.variables) == len(block.weights) + 1
    assert len(block.non_trainable_variables) == 2


def test_trainable_false_moves_everything_to_non_trainable():
    block = Block()
    block(np.ones((2, 3), "float32"))
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 5
    assert all(not layer.trainable for layer in block.layers)


def test_training_flag_reaches_inner_layers():
    block = Block()
    x = np.ones((64, 3), "float32")
    inference = np.asarray(block(x))
    np.testing.assert_array_equal(inference, np.asarray(block(x, training=False)))
    train = np.asarray(block(x, training=True))
    assert not np.allclose(train, inference)


def test_stateless_call_equals_call_and_returns_new_state():
    block = Block()
    x = np.ones((8, 3), "float32")
    block(x)
    tv = [v.value for v in block.trainable_variables]
    ntv = [v.value for v in block.non_trainable_variables]
    out, new_ntv = block.stateless_call(tv, ntv, x)
    np.testing.assert_allclose(np.asarray(out), np.asarray(block(x)), rtol=1e-6)
    # The counter advanced in the returned state only (block(x) above advanced the real one).
    assert float(new_ntv[0]) == float(ntv[0]) + 1.0

    @jax.jit
    def f(tv, ntv, x):
        return block.stateless_call(tv, ntv, x, training=True)

    out1, ntv1 = f(tv, ntv, x)
    out2, _ = f(tv, ntv1, x)
    assert not np.allclose(np.asarray(out1), np.asarray(out2))  # dropout key advanced


def test_stateless_call_checks_counts():
    layer = Linear()
    layer(np.ones((1, 2), "float32"))
    with pytest.raises(ValueError, match="expected 2 trainable"):
        layer.stateless_call([jnp.ones((2, 3))], [], np.ones((1, 2)))


def test_regularization_and_activity_losses():
    layer = layers.Dense(
        2,
        kernel_initializer="ones",
        kernel_regularizer=keras.regularizers.l2(0.1),
        activity_regularizer=keras.regularizers.l1(0.01),
    )
    x = np.ones((4, 3), "float32")
    out = layer(x)
    losses = [float(v) for v in layer.losses]
    activity = 0.01 * np.abs(np.asarray(out)).sum() / 4
    assert sorted(losses) == pytest.approx(sorted([activity, 0.1 * 6.0]), rel=1e-6)
    _, _, step_losses = layer.stateless_call(
        [v.value for v in layer.trainable_variables], [], x, return_losses=True
    )
    assert sorted(float(v) for v in step_losses) == pytest.approx(sorted(losses), rel=1e-6)


def test_symbolic_call_infers_shapes_without_data():
    x = keras.Input(shape=(7,))
    y = Linear(units=4)(x)
    assert y.shape == (None, 4) and y.dtype == "float32"
    assert layers.Dense(5).compute_output_shape((None, 3)) == (None, 5)
    assert layers.Flatten().compute_output_shape((None, 2, 3)) == (None, 6)


def test_user_exception_in_symbolic_build_is_kept():
    class Broken(keras.Layer):
        def call(self, x):
            raise RuntimeError("my own bug")

    with pytest.raises(RuntimeError, match="my own bug"):
        Broken()(keras.Input(shape=(3,)))


def test_unknown_keyword_is_rejected():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(3, unitz=4)


def test_add_weight_with_name_first_gets_a_targeted_error():
    class Old(keras.Layer):
        def build(self, input_shape):
            self.add_weight("kernel", (3, 3))

    with pytest.raises(TypeError, match="add_weight\\(name="):
        Old()(np.ones((1, 3)))


def test_auto_config_and_from_config_round_trip():
    layer = Linear(units=6, name="lin6")
    config = layer.get_config()
    assert config["units"] == 6 and config["name"] == "lin6"
    clone = Linear.from_config(config)
    assert clone.units == 6 and clone.name == "lin6"


def test_auto_names_are_unique_per_class():
    a, b = layers.Dense(1), layers.Dense(1)
    assert a.name != b.name and a.name.startswith("dense") and b.name.startswith("dense")


def test_input_spec_error_names_layer_expected_and_received():
    layer = layers.Dense(2, name="head")
    layer(np.ones((1, 4), "float32"))
    with pytest.raises(ValueError, match=r'"head".*value 4.*\(1, 5\)'):
        layer(np.ones((1, 5), "float32"))


def test_layers_in_dicts_nested_lists_and_later_assignments_are_tracked():
    class Owner(keras.Layer):
        def __init__(self):
            super().__init__()
            self.by_name = {}
            self.by_name["a"] = layers.Dense(2)
            self.by_name.update(b=layers.Dense(2))
            self.grid = [[layers.Dense(2)], (layers.Dense(2),)]
            self.slots = [None]
            self.slots[0] = layers.Dense(2)

        def call(self, x):
            out = self.by_name["a"](x) + self.by_name["b"](x) + self.slots[0](x)
            return out + self.grid[0][0](x) + self.grid[1][0](x)

    owner = Owner()
    owner(np.ones((1, 3), "float32"))
    assert len(owner.layers) == 5 and len(owner.trainable_weights) == 10


def test_a_mock_patched_onto_a_model_is_not_tracked():
    # scikeras's tests wrap `model.fit` with `mock.patch.object(model, "fit", ...)`; a Mock
    # answers every attribute, and must not be taken for a metric.
    from unittest import mock

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
    with mock.patch.object(model, "fit", side_effect=model.fit) as fit:
        history = model.fit(x, y, epochs=1, verbose=0)
    assert fit.call_count == 1 and len(history.history["loss"]) == 1


def test_a_model_refuses_an_attribute_named_layers_as_keras_does():
    class Owner(keras.Model):
        def __init__(self):
            super().__init__()
            self.layers = [layers.Dense(2)]

    with pytest.raises(AttributeError, match="`Model.layers` attribute is reserved"):
        Owner()
