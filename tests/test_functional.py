"""The functional API, shared layers, nested models, subclassed models and custom layers."""

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)


def digits_flat():
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return (
        x_train.reshape(-1, 64).astype("float32") / 16,
        y_train.astype("int32"),
        x_test.reshape(-1, 64).astype("float32") / 16,
        y_test.astype("int32"),
    )


def test_toy_resnet_on_digits_reaches_95_percent():
    keras.utils.set_random_seed(0)
    x_train, y_train, x_test, y_test = digits_flat()
    inputs = keras.Input(shape=(64,))
    x = layers.Dense(64, activation="relu")(inputs)
    for _ in range(2):
        y = layers.Dense(64, activation="relu")(x)
        y = layers.Dense(64)(y)
        x = layers.Activation("relu")(layers.add([x, y]))
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="toy_resnet")
    model.compile(
        optimizer=keras.optimizers.Adam(0.003),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=0)
    assert model.evaluate(x_test, y_test, verbose=0)[1] >= 0.95


def two_in_two_out():
    a = keras.Input(shape=(5,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = layers.Dense(4, activation="relu", name="shared")
    h = layers.concatenate([shared(a), layers.Dense(4, name="bd")(b)])
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, name="cls")(h)
    return keras.Model({"a": a, "b": b}, {"reg": reg, "cls": cls}, name="two")


def test_two_inputs_two_outputs_with_dict_losses_and_weights():
    model = two_in_two_out()
    assert model.output_names == ["cls", "reg"]
    assert [layer.name for layer in model.layers][:2] == ["a", "b"]
    xa, xb = RNG.normal(size=(64, 5)), RNG.normal(size=(64, 3))
    yr, yc = RNG.normal(size=(64, 1)), RNG.integers(0, 3, 64)
    model.compile(
        optimizer="adam",
        loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
        loss_weights={"reg": 0.5, "cls": 2.0},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
    )
    hist = model.fit(
        {"a": xa, "b": xb}, {"reg": yr, "cls": yc}, epochs=3, validation_split=0.25, verbose=0
    )
    assert list(hist.history) == [
        "cls_accuracy",
        "cls_loss",
        "loss",
        "reg_loss",
        "reg_mae",
        "val_cls_accuracy",
        "val_cls_loss",
        "val_loss",
        "val_reg_loss",
        "val_reg_mae",
    ]
    h = hist.history
    for i in range(3):
        assert h["loss"][i] == pytest.approx(
            0.5 * h["reg_loss"][i] + 2.0 * h["cls_loss"][i], rel=1e-5
        )
    assert model.metrics_names == ["loss", "compile_metrics", "reg_loss", "cls_loss"]
    result = model.evaluate({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, verbose=0)
    named = model.evaluate({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, verbose=0, return_dict=True)
    assert result == [named[k] for k in ["loss", "reg_loss", "cls_loss", "cls_accuracy", "reg_mae"]]
    pred = model.predict({"a": xa, "b": xb}, verbose=0)
    assert set(pred) == {"cls", "reg"} and pred["cls"].shape == (64, 3)
    # Targets as a list follow the output order.
    model.fit({"a": xa, "b": xb}, [yc, yr], epochs=1, verbose=0)


def test_shared_layer_has_one_set_of_weights_and_gets_gradients_from_both_branches():
    a, b = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    shared = layers.Dense(3, name="shared")
    out = layers.add([shared(a), shared(b)])
    model = keras.Model([a, b], out)
    assert len(model.weights) == 2 and len(shared._inbound_nodes) == 2
    xa, xb = RNG.normal(size=(8, 4)).astype("float32"), RNG.normal(size=(8, 4)).astype("float32")
    kernel = shared.kernel.numpy()
    np.testing.assert_allclose(
        model.predict([xa, xb], verbose=0),
        xa @ kernel + xb @ kernel + 2 * shared.bias.numpy(),
        rtol=1e-5,
        atol=1e-5,
    )

    def loss(tv):
        out, _ = model.stateless_call(tv, [], [xa, xb])
        return out.sum()

    grads = jax.grad(loss)([v.value for v in model.trainable_variables])
    np.testing.assert_allclose(
        np.asarray(grads[0]), np.tile((xa + xb).sum(0)[:, None], (1, 3)), rtol=1e-5
    )


def test_nested_models_train_and_share_weights():
    inner_in = keras.Input(shape=(4,))
    inner = keras.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    seq = keras.Sequential([layers.Dense(3, input_shape=(3,), name="seq_dense")], name="seq")
    x = keras.Input(shape=(4,))
    outer = keras.Model(x, layers.Dense(1, name="head")(seq(inner(x))), name="outer")
    assert [layer.name for layer in outer.layers] == [
        x._keras_history.operation.name,
        "inner",
        "seq",
        "head",
    ]
    assert len(outer.trainable_weights) == 6
    data, target = RNG.normal(size=(64, 4)), RNG.normal(size=(64, 1))
    outer.compile("adam", "mse")
    before = inner.get_weights()[0].copy()
    losses = outer.fit(data, target, epochs=15, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    assert not np.allclose(before, inner.get_weights()[0])  # the inner model was trained
    lines = []
    outer.summary(print_fn=lines.append)
    assert "inner (Functional)" in lines[0] and "seq (Sequential)" in lines[0]


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(16, activation="relu")
        self.dropout = layers.Dropout(0.2)
        self.out = layers.Dense(3)

    def call(self, inputs, training=None):
        return self.out(self.dropout(self.hidden(inputs), training=training))


def test_subclassed_model_fit_evaluate_predict_and_build():
    model = MLP()
    assert not model.built
    model.build((None, 5))
    assert model.built and len(model.weights) == 4
    x, y = RNG.normal(size=(96, 5)), RNG.integers(0, 3, 96)
    model.compile(
        "adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    hist = model.fit(x, y, epochs=10, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert len(model.evaluate(x, y, verbose=0)) == 2
    assert model.predict(x, verbose=0).shape == (96, 3)
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: " in lines[0]


def test_functional_and_subclassed_versions_agree():
    sub = MLP()
    sub(np.zeros((1, 5), "float32"))
    inputs = keras.Input(shape=(5,))
    h = layers.Dense(16, activation="relu")(inputs)
    functional = keras.Model(inputs, layers.Dense(3)(layers.Dropout(0.2)(h)))
    functional.set_weights(sub.get_weights())
    x = RNG.normal(size=(10, 5)).astype("float32")
    np.testing.assert_allclose(
        functional.predict(x, verbose=0), sub.predict(x, verbose=0), rtol=1e-6
    )
    np.testing.assert_allclose(np.asarray(functional(x)), np.asarray(sub(x)), rtol=1e-6)


class RunningMean(keras.Layer):
    """A custom layer: a trainable scale, a non-trainable running mean and an activity loss."""

    def build(self, input_shape):
        self.scale = self.add_weight(
            shape=(input_shape[-1],),
            initializer="ones",
            name="scale",
            regularizer=keras.regularizers.l2(1e-3),
        )
        self.mean = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", trainable=False, name="mean"
        )

    def call(self, x, training=None):
        if training:
            self.mean.assign(0.9 * self.mean + 0.1 * keras.ops.mean(x, axis=0))
        self.add_loss(1e-3 * keras.ops.sum(keras.ops.square(self.scale)))
        return x * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config()


def test_custom_layer_with_running_mean_and_add_loss_trains():
    x = (RNG.normal(size=(128, 4)) + 3.0).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    layer = RunningMean()
    model = keras.Sequential([keras.Input(shape=(4,)), layer, layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    losses = model.fit(x, y, epochs=20, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.2 * losses[0]
    # The running mean moved towards the data mean (about 3) during fit.
    assert np.all(layer.mean.numpy() > 2.0)
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    assert RunningMean.from_config(layer.get_config()).name == layer.name


def test_graph_errors():
    a = keras.Input(shape=(4,))
    other = keras.Input(shape=(4,))
    d = layers.Dense(3, name="first")(a)
    with pytest.raises(ValueError, match="disconnected"):
        keras.Model(a, layers.add([d, layers.Dense(3)(other)]))
    with pytest.raises(ValueError, match="symbolic tensor"):
        keras.Model(a, np.ones(3))
    with pytest.raises(ValueError, match="used 2 times"):
        b = layers.Dense(3, name="twin")(a)
        keras.Model(a, layers.add([b, layers.Dense(3, name="twin")(a)]))
    with pytest.raises(ValueError, match=r"from layer 'first'.*from layer 'second'"):
        layers.add([d, layers.Dense(5, name="second")(a)])
    model = keras.Model([a, other], layers.add([d, layers.Dense(3)(other)]))
    with pytest.raises(ValueError, match="expects 2 input"):
        model.predict([np.ones((2, 4))], verbose=0)
    two = two_in_two_out()
    with pytest.raises(ValueError, match="missing"):
        two.predict({"a": np.ones((2, 5))}, verbose=0)
    with pytest.raises(ValueError, match="match no output"):
        two.compile("adam", loss={"nope": "mse"})
        two.fit(
            {"a": np.ones((2, 5)), "b": np.ones((2, 3))},
            {"cls": np.zeros(2), "reg": np.zeros((2, 1))},
            verbose=0,
        )


def test_user_exception_in_call_is_the_users_own():
    class Buggy(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            raise KeyError("oops in my call")

    model = Buggy()
    model.compile("adam", "mse")
    with pytest.raises(KeyError, match="oops in my call"):
        model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)


def test_subclass_built_from_inputs_and_outputs_keeps_its_methods(capsys):
    class Counting(keras.Model):
        def train_step(self, state, data):
            logs, state = super().train_step(state, data)
            return {"loss": logs["loss"], "nested": {"twice": logs["loss"] * 2}}, state

    inputs = keras.Input(shape=(3,))
    model = Counting(inputs, layers.Dense(1)(inputs))
    assert isinstance(model, keras.Functional) and isinstance(model, Counting)
    model.compile("sgd", "mse")
    hist = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=1)
    assert set(hist.history) == {"loss", "twice"}
    assert hist.history["twice"][0] == pytest.approx(2 * hist.history["loss"][0])
    assert "twice: " in capsys.readouterr().out


def test_functional_config_round_trip_preserves_graph_and_outputs():
    import json

    model = two_in_two_out()
    inner_in = keras.Input(shape=(4,))
    inner = keras.Model(inner_in, layers.Dense(3)(inner_in), name="inner_m")
    x = keras.Input(shape=(4,))
    nested = keras.Model(x, layers.Dense(1)(inner(x)))
    for original, data in (
        (model, {"a": RNG.normal(size=(3, 5)), "b": RNG.normal(size=(3, 3))}),
        (nested, RNG.normal(size=(3, 4))),
    ):
        config = json.loads(json.dumps(original.get_config()))
        clone = keras.Model.from_config(config)
        clone.set_weights(original.get_weights())
        assert json.loads(json.dumps(clone.get_config())) == config
        expected = original.predict(data, verbose=0)
        got = clone.predict(data, verbose=0)
        for a, b in zip(jax.tree.leaves(expected), jax.tree.leaves(got)):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_dropout_in_a_functional_model_is_active_in_fit_only():
    inputs = keras.Input(shape=(50,))
    outputs = layers.Dropout(0.5, seed=1)(inputs)
    model = keras.Model(inputs, outputs)
    x = np.ones((4, 50), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    trained = np.asarray(model(x, training=True))
    assert (trained == 0).mean() > 0.3 and np.allclose(trained[trained != 0], 2.0)
    node_kwargs = model.layers[1]._inbound_nodes[0].arguments[1]
    assert node_kwargs == {"training": False}  # recorded as Keras does; the replay overrides it


def test_a_graph_deeper_than_the_recursion_limit_builds_and_runs():
    """The graph walk is iterative: a chain longer than Python's recursion limit (with skip
    connections, so that paths of different lengths meet) builds, orders and runs."""
    import sys

    depth = sys.getrecursionlimit() + 100
    inputs = keras.Input(shape=(2,))
    x = skip = inputs
    for i in range(depth):
        x = layers.Identity(name=f"id_{i}")(x)
        if i % 250 == 249:
            x = skip = layers.Add(name=f"add_{i}")([x, skip])
    model = keras.Model(inputs, x)
    names = [layer.name for layer in model.layers]
    assert len(names) == 1 + depth + depth // 250
    assert names[1] == "id_0"
    assert names.index("id_249") < names.index("add_249") < names.index("id_250")
    out = np.asarray(model(np.ones((1, 2), "float32")))
    np.testing.assert_allclose(out, [[2.0 ** (depth // 250)] * 2])
    function = keras.Function(inputs, x)  # keras.Function walks the graph the same way
    assert len(function.operations) == len(model.layers)
    np.testing.assert_allclose(np.asarray(function(np.ones((1, 2), "float32"))), out)
