"""Keras semantics that user programs rely on, run as the same program on Keras and on lamina.

Each test writes one small program against a `K` module (real Keras 3 on JAX, then lamina),
copies Keras's initial weights into lamina's model, and compares what the user sees: history
values, `evaluate`'s returned list, predictions, configs.
"""

import copy
import json

import numpy as np
import pytest

import lamina

RTOL = 1e-4


def _close(actual, expected, what=""):
    np.testing.assert_allclose(
        np.asarray(actual, "float64"),
        np.asarray(expected, "float64"),
        rtol=RTOL,
        atol=1e-6,
        err_msg=what,
    )


def _close_history(lam_history, keras_history):
    assert sorted(lam_history) == sorted(keras_history)
    for key, values in keras_history.items():
        _close(lam_history[key], values, what=key)


def _json(config):
    """A config as a saved file holds it (tuples and lists alike)."""
    return json.loads(json.dumps(config))


def _data(n=10, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1)) + 0.5).astype("float32")
    return x, y


def _run_both(keras, program):
    """Runs `program(K, weights)` on Keras (weights None: its own initial weights, returned),
    then on lamina with Keras's weights; returns both results."""
    keras.utils.set_random_seed(0)
    expected, weights = program(keras, None)
    actual, _ = program(lamina, weights)
    return actual, expected


# ------------------------------------------------------------------- compute_loss overrides
def _compute_loss_program(with_training_arg, call_super):
    def program(K, weights):
        class Regressor(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = K.layers.Dense(1)

            def call(self, x):
                return self.dense(x)

            if with_training_arg:

                def compute_loss(self, x, y, y_pred, sample_weight=None, training=True):
                    loss = K.ops.mean(K.ops.abs(y - y_pred))
                    # Training and evaluation see different values of `training`.
                    return loss + (0.5 if training else 0.0)

            elif call_super:

                def compute_loss(self, x, y, y_pred, sample_weight):
                    return 2.0 * super().compute_loss(x, y, y_pred, sample_weight)

            else:

                def compute_loss(self, x, y, y_pred, sample_weight):
                    return K.ops.mean((y - y_pred) ** 2)

        model = Regressor()
        x, y = _data()
        model(x[:1])
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.05), loss="mse" if call_super else None, metrics=["mae"])
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        evaluated = model.evaluate(x, y, batch_size=4, verbose=0)
        return (history.history, evaluated), weights

    return program


@pytest.mark.parametrize(
    "with_training_arg, call_super",
    [(False, False), (True, False), (False, True)],
    ids=["no-training-arg", "training-arg", "calls-super"],
)
def test_compute_loss_override_logs_loss_and_metrics(keras, with_training_arg, call_super):
    (lam_hist, lam_eval), (ker_hist, ker_eval) = _run_both(
        keras, _compute_loss_program(with_training_arg, call_super)
    )
    _close_history(lam_hist, ker_hist)
    assert isinstance(lam_eval, list) and len(lam_eval) == len(ker_eval) == 2
    _close(lam_eval, ker_eval, "evaluate")
    assert all(v > 0 for v in lam_eval)


# ------------------------------------------------------------- the data custom steps receive
def test_custom_steps_receive_x_itself_without_targets(keras):
    def program(K, weights):
        seen = {}

        class Probe(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = K.layers.Dense(2)

            def call(self, x):
                return self.dense(x)

            def train_step(self, state, data):
                seen["train"] = type(data).__name__
                return {"total": K.ops.sum(data)}, state

            def test_step(self, state, data):
                seen["test"] = type(data).__name__
                return {"total": K.ops.sum(data)}, state

            def predict_step(self, state, data):
                seen["predict"] = type(data).__name__
                return data * 2.0, state[1]

        model = Probe()
        model.build((None, 3))
        model.compile(K.optimizers.SGD(0.1))
        x = np.arange(12, dtype="float32").reshape(4, 3)
        history = model.fit(x, batch_size=4, epochs=1, verbose=0)
        evaluated = model.evaluate(x, batch_size=4, verbose=0)
        predicted = model.predict(x, batch_size=4, verbose=0)
        kinds = {k: ("tuple" if v == "tuple" else "array") for k, v in seen.items()}
        return (history.history, evaluated, predicted, kinds), None

    (lam_hist, lam_eval, lam_pred, lam_kinds), (ker_hist, ker_eval, ker_pred, ker_kinds) = (
        _run_both(keras, program)
    )
    assert lam_kinds == ker_kinds == {"train": "array", "test": "array", "predict": "array"}
    _close_history(lam_hist, ker_hist)
    _close(lam_eval, ker_eval)
    _close(lam_pred, ker_pred)


def test_custom_train_step_gets_x_y_tuple_and_list_inputs_wrapped(keras):
    def program(K, weights):
        seen = []

        class Probe(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = K.layers.Dense(1)

            def call(self, inputs):
                return self.dense(K.ops.concatenate(inputs, axis=-1))

            def train_step(self, state, data):
                x, y, sw = K.utils.unpack_x_y_sample_weight(data)
                seen.append((type(data).__name__, len(data), y is None, sw is None))
                return {"total": K.ops.sum(x[0]) + K.ops.sum(x[1])}, state

        model = Probe()
        model.build([(None, 2), (None, 1)])
        model.compile(K.optimizers.SGD(0.1))
        a = np.ones((4, 2), "float32")
        b = np.full((4, 1), 2.0, "float32")
        model.fit([a, b], batch_size=4, epochs=1, verbose=0)
        model.fit([a, b], np.zeros((4, 1)), batch_size=4, epochs=1, verbose=0)
        history = model.fit(
            [a, b], np.zeros((4, 1)), sample_weight=np.ones(4), batch_size=4, verbose=0
        )
        return (seen, history.history), None

    (lam_seen, lam_hist), (ker_seen, ker_hist) = _run_both(keras, program)
    assert lam_seen == ker_seen
    _close_history(lam_hist, ker_hist)


# --------------------------------------------------------------- training on add_loss alone
def test_fit_on_add_loss_alone_endpoint_layer(keras):
    def program(K, weights):
        class Endpoint(K.layers.Layer):
            def call(self, targets, predictions, sample_weight):
                errors = K.ops.squeeze((targets - predictions) ** 2, -1)
                self.add_loss(K.ops.sum(errors * sample_weight) / K.ops.sum(sample_weight))
                return predictions

        features = K.Input((3,), name="features")
        targets = K.Input((1,), name="targets")
        weights_in = K.Input((), name="weights")
        predictions = K.layers.Dense(1)(features)
        outputs = Endpoint()(targets, predictions, weights_in)
        model = K.Model([features, targets, weights_in], outputs)
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.05))
        x, y = _data()
        sw = np.linspace(0.5, 1.5, len(x)).astype("float32")
        history = model.fit([x, y, sw], batch_size=4, epochs=3, shuffle=False, verbose=0)
        evaluated = model.evaluate([x, y, sw], batch_size=4, verbose=0)
        return (history.history, evaluated), weights

    (lam_hist, lam_eval), (ker_hist, ker_eval) = _run_both(keras, program)
    assert list(lam_hist) == ["loss"]
    _close_history(lam_hist, ker_hist)
    _close(lam_eval, ker_eval, "evaluate")


# ------------------------------------------------------------------ losses returning a scalar
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_scalar_loss_function(keras, weighted):
    def program(K, weights):
        def reduced_mse(y_true, y_pred):
            return K.ops.mean(K.ops.square(y_true - y_pred))

        model = K.Sequential([K.Input((3,)), K.layers.Dense(1)])
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.05), loss=reduced_mse, metrics=["mae"])
        x, y = _data()
        sw = np.linspace(0.2, 2.0, len(x)).astype("float32") if weighted else None
        # 10 samples in batches of 4: the last batch is partial.
        history = model.fit(
            x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0
        )
        evaluated = model.evaluate(x, y, sample_weight=sw, batch_size=4, verbose=0)
        return (history.history, evaluated), weights

    (lam_hist, lam_eval), (ker_hist, ker_eval) = _run_both(keras, program)
    _close_history(lam_hist, ker_hist)
    _close(lam_eval, ker_eval, "evaluate")


# ------------------------------------------------- subclassed models with constructor arguments
def _recommender_program(K, weights):
    class RecommenderNet(K.Model):
        def __init__(self, num_users, num_items, embedding_size, **kwargs):
            super().__init__(**kwargs)
            self.user_embedding = K.layers.Embedding(num_users, embedding_size)
            self.item_embedding = K.layers.Embedding(num_items, embedding_size)
            self.item_bias = K.layers.Embedding(num_items, 1)

        def call(self, inputs):
            user = self.user_embedding(inputs[:, 0])
            item = self.item_embedding(inputs[:, 1])
            dot = K.ops.sum(user * item, axis=1, keepdims=True)
            return K.ops.sigmoid(dot + self.item_bias(inputs[:, 1]))

    rng = np.random.default_rng(3)
    ids = np.stack([rng.integers(0, 5, 12), rng.integers(0, 7, 12)], axis=1).astype("int32")
    ratings = rng.uniform(size=(12, 1)).astype("float32")
    model = RecommenderNet(5, 7, 4)
    model(ids[:2])
    if weights is not None:
        model.set_weights(weights)
    weights = model.get_weights()
    model.compile(K.optimizers.SGD(0.5), loss="mse", metrics=["mae"])
    history = model.fit(ids, ratings, batch_size=5, epochs=2, shuffle=False, verbose=0)
    facts = (type(model).__name__, isinstance(model, K.Model), "Functional" in str(type(model)))
    return (facts, history.history, model.predict(ids, verbose=0)), weights


def test_subclass_with_positional_constructor_arguments(keras):
    (lam_facts, lam_hist, lam_pred), (ker_facts, ker_hist, ker_pred) = _run_both(
        keras, _recommender_program
    )
    assert lam_facts == ker_facts == ("RecommenderNet", True, False)
    _close_history(lam_hist, ker_hist)
    _close(lam_pred, ker_pred)


def test_subclass_taking_two_models_is_not_functional(keras):
    def program(K, weights):
        class AutoEncoder(K.Model):
            def __init__(self, encoder, decoder, **kwargs):
                super().__init__(**kwargs)
                self.encoder = encoder
                self.decoder = decoder

            def call(self, x):
                return self.decoder(self.encoder(x))

        x_in = K.Input((4,), name="x")
        encoder = K.Model(x_in, K.layers.Dense(2, name="code")(x_in), name="encoder")
        z_in = K.Input((2,), name="z")
        decoder = K.Model(z_in, K.layers.Dense(4, name="recon")(z_in), name="decoder")
        model = AutoEncoder(encoder, decoder)
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.1), loss="mse")
        x = np.random.default_rng(4).normal(size=(8, 4)).astype("float32")
        history = model.fit(x, x, batch_size=4, epochs=2, shuffle=False, verbose=0)
        facts = (type(model).__name__, [layer.name for layer in model.layers])
        return (facts, history.history, model.predict(x, verbose=0)), weights

    (lam_facts, lam_hist, lam_pred), (ker_facts, ker_hist, ker_pred) = _run_both(keras, program)
    assert lam_facts == ker_facts == ("AutoEncoder", ["encoder", "decoder"])
    _close_history(lam_hist, ker_hist)
    _close(lam_pred, ker_pred)


# ------------------------------------------------------------------------ functional subclasses
def _functional_subclasses(K):
    class Packaged(K.Model):
        """Builds its graph in `__init__` from its own arguments."""

        def __init__(self, units=3, **kwargs):
            features = K.Input((4,), name="features")
            hidden = K.layers.Dense(units, activation="relu", name="hidden")(features)
            outputs = K.layers.Dense(1, name="score")(hidden)
            super().__init__(inputs=features, outputs=outputs, **kwargs)
            self.units = units

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class PassThrough(K.Model):
        """Takes Functional's arguments (`*args, **kwargs`): its config is the graph."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

    return Packaged, PassThrough


def _graph(K):
    features = K.Input((4,), name="features")
    outputs = K.layers.Dense(2, name="dense_out")(features)
    return features, outputs


def test_functional_subclass_trains_and_has_keras_config(keras):
    def program(K, weights):
        Packaged, PassThrough = _functional_subclasses(K)
        model = Packaged(units=5, name="packaged")
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.1), loss="mse")
        x = np.random.default_rng(5).normal(size=(8, 4)).astype("float32")
        y = x[:, :1] - x[:, 1:2]
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        facts = (
            type(model).__name__,
            [c.__name__ for c in type(model).__mro__[:2]],
            [layer.name for layer in model.layers],
        )
        config = model.get_config()
        rebuilt = Packaged.from_config(copy.deepcopy(config))
        graph = PassThrough(*_graph(K), name="pass_through")
        graph_config = graph.get_config()
        # (Keras's from_config empties the dict it is given: pass a copy.)
        graph_rebuilt = PassThrough.from_config(copy.deepcopy(graph_config))
        results = (
            facts,
            history.history,
            model.predict(x, verbose=0),
            config,
            (type(rebuilt).__name__, rebuilt.units, rebuilt.name),
            graph_config,
            (type(graph_rebuilt).__name__, [w.shape for w in graph_rebuilt.weights]),
        )
        return results, weights

    lam, ker = _run_both(keras, program)
    assert lam[0] == ker[0]
    assert lam[0][1] == ["Packaged", "Functional"]
    _close_history(lam[1], ker[1])
    _close(lam[2], ker[2])
    assert _json(lam[3]) == _json(ker[3])  # name, trainable, dtype and units: not a graph
    assert lam[4] == ker[4] == ("Packaged", 5, "packaged")
    assert _json(lam[5]) == _json(ker[5])  # the graph config, layer by layer
    assert lam[6][0] == ker[6][0] == "PassThrough"
    assert [tuple(s) for s in lam[6][1]] == [tuple(s) for s in ker[6][1]]


@pytest.mark.parametrize("writer", ["keras", "lamina"])
def test_functional_subclass_keras_files_load_in_both(keras, tmp_path, writer):
    x = np.random.default_rng(6).normal(size=(3, 4)).astype("float32")
    models = {}
    for name, K in (("keras", keras), ("lamina", lamina)):
        Packaged, PassThrough = _functional_subclasses(K)
        models[name] = (K, Packaged(units=3, name="packaged"), PassThrough)
    _, source, _ = models[writer]
    models["lamina" if writer == "keras" else "keras"][1].set_weights(source.get_weights())
    path = str(tmp_path / "packaged.keras")
    source.save(path)
    expected = np.asarray(source.predict(x, verbose=0))
    for name, (K, model, PassThrough) in models.items():
        custom = {"Packaged": type(model), "PassThrough": PassThrough}
        loaded = K.saving.load_model(path, custom_objects=custom)
        assert type(loaded).__name__ == "Packaged", name
        assert loaded.units == 3 and loaded.name == "packaged", name
        _close(loaded.predict(x, verbose=0), expected, what=name)


# ---------------------------------------------------------------------- input rank adjustment
@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_input_rank_adjustment_adds_the_channel_axis(keras, kind):
    def program(K, weights):
        layers = [
            K.layers.Conv2D(2, 3, name="conv"),
            K.layers.Flatten(name="flat"),
            K.layers.Dense(1, name="out"),
        ]
        if kind == "sequential":
            model = K.Sequential([K.Input((6, 6, 1)), *layers])
        else:
            inputs = K.Input((6, 6, 1))
            x = inputs
            for layer in layers:
                x = layer(x)
            model = K.Model(inputs, x)
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.01), loss="mse")
        rng = np.random.default_rng(7)
        images = rng.normal(size=(10, 6, 6)).astype("float32")  # no channel axis
        targets = rng.normal(size=(10, 1)).astype("float32")
        history = model.fit(images, targets, batch_size=4, epochs=2, shuffle=False, verbose=0)
        evaluated = model.evaluate(images, targets, batch_size=4, verbose=0)
        predicted = model.predict(images, batch_size=4, verbose=0)
        called = model(images[:3])
        return (history.history, evaluated, predicted, called), weights

    (lh, le, lp, lc), (kh, ke, kp, kc) = _run_both(keras, program)
    _close_history(lh, kh)
    _close(le, ke)
    _close(lp, kp)
    _close(lc, kc)


def test_input_rank_adjustment_squeezes_and_converts_dtype(keras):
    def program(K, weights):
        inputs = K.Input((5,), name="vector")
        model = K.Model(inputs, K.layers.Dense(2, name="proj")(inputs))
        ids = K.Input((1,), dtype="int32", name="ids")
        lookup = K.Model(ids, K.layers.Embedding(4, 3, name="table")(ids))
        if weights is not None:
            model.set_weights(weights[0])
            lookup.set_weights(weights[1])
        weights = (model.get_weights(), lookup.get_weights())
        x = np.linspace(-1, 1, 15, dtype="float32").reshape(3, 5, 1)  # extra trailing 1
        squeezed = model.predict(x, verbose=0)
        as_ints = model(np.arange(10).reshape(2, 5).astype("int32"))
        looked_up = lookup(np.array([0, 3, 1], "int32"))  # rank 1 for an input (None, 1)
        errors = []
        try:  # a trailing axis of size 2 cannot be squeezed
            model.predict(np.ones((3, 5, 2), "float32"), verbose=0)
        except ValueError:
            errors.append("ValueError")
        facts = (str(as_ints.dtype), tuple(looked_up.shape), errors)
        return (facts, squeezed, as_ints, looked_up), weights

    (lf, ls, li, ll), (kf, ks, ki, kl) = _run_both(keras, program)
    assert lf == kf == ("float32", (3, 1, 3), ["ValueError"])
    _close(ls, ks)
    _close(li, ki)
    _close(ll, kl)


# --------------------------------------------------------------- first call argument by keyword
def test_first_call_argument_by_keyword(keras):
    def program(K, weights):
        attention = K.layers.MultiHeadAttention(2, 4, name="mha")
        dense = K.layers.Dense(3, name="dense")
        query = K.Input((3, 4), name="query")
        value = K.Input((5, 4), name="value")
        attended = attention(query=query, value=value, key=value)
        outputs = dense(inputs=attended)
        model = K.Model([query, value], outputs)
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        rng = np.random.default_rng(8)
        q = rng.normal(size=(2, 3, 4)).astype("float32")
        v = rng.normal(size=(2, 5, 4)).astype("float32")
        eager = (
            attention(query=q, value=v, key=v),
            dense(inputs=q),
            model(inputs=[q, v]),
        )
        nodes = [layer["inbound_nodes"] for layer in model.get_config()["layers"][2:]]
        return (eager, model.predict([q, v], verbose=0), nodes), weights

    (le, lp, ln), (ke, kp, kn) = _run_both(keras, program)
    for a, b in zip(le, ke):
        _close(a, b)
    _close(lp, kp)
    assert _json(ln) == _json(kn)


# ------------------------------------------------------------------ convolution_op overrides
def test_convolution_op_override_changes_the_computation(keras):
    def program(K, weights):
        class WSConv2D(K.layers.Conv2D):
            """Weight standardization: the kernel is normalized before each convolution."""

            def convolution_op(self, inputs, kernel):
                mean = K.ops.mean(kernel, axis=(0, 1, 2), keepdims=True)
                var = K.ops.var(kernel, axis=(0, 1, 2), keepdims=True)
                return super().convolution_op(inputs, (kernel - mean) / K.ops.sqrt(var + 1e-5))

        model = K.Sequential(
            [
                K.Input((5, 5, 2)),
                WSConv2D(3, 3, padding="same", name="ws"),
                K.layers.GlobalAveragePooling2D(),
                K.layers.Dense(1),
            ]
        )
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        plain = K.layers.Conv2D(3, 3, padding="same")
        plain.build((None, 5, 5, 2))
        plain.set_weights(model.layers[0].get_weights())
        rng = np.random.default_rng(9)
        x = rng.normal(size=(6, 5, 5, 2)).astype("float32")
        y = rng.normal(size=(6, 1)).astype("float32")
        differs = not np.allclose(np.asarray(model.layers[0](x)), np.asarray(plain(x)))
        model.compile(K.optimizers.SGD(0.05), loss="mse")
        history = model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        return (differs, history.history, model.predict(x, verbose=0)), weights

    (ld, lh, lp), (kd, kh, kp) = _run_both(keras, program)
    assert ld and kd
    _close_history(lh, kh)
    _close(lp, kp)


# -------------------------------------------------- a subclassed model keeps its input dtypes
def test_subclassed_model_first_call_keeps_integer_inputs(keras):
    def program(K, weights):
        seen = []

        class Lookup(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.embedding = K.layers.Embedding(10, 3)
                self.dense = K.layers.Dense(1)

            def call(self, ids):
                seen.append(str(ids.dtype))
                offsets = K.ops.take(K.ops.arange(10, dtype="float32") / 10.0, ids)
                pooled = K.ops.mean(self.embedding(ids), axis=1)
                return self.dense(pooled) + K.ops.sum(offsets, axis=1, keepdims=True)

        ids = np.array([[1, 2, 3], [4, 5, 9]], "int32")
        model = Lookup()
        first = model(ids)
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        return (sorted(set(seen)), model(ids), tuple(first.shape)), weights

    (ls, lo, lf), (ks, ko, kf) = _run_both(keras, program)
    assert ls == ks == ["int32"]
    assert lf == kf
    _close(lo, ko)


# ----------------------------------------- metrics updated by compute_loss / compute_metrics
def test_compute_loss_updating_its_own_tracker(keras):
    # Keras's documented `compute_loss` example: the override updates a tracker it lists in
    # `metrics`, and the logs show that tracker.
    def program(K, weights):
        class Tracked(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = K.layers.Dense(1)
                self.loss_tracker = K.metrics.Mean(name="custom_loss")

            def call(self, x):
                return self.dense(x)

            def compute_loss(self, x, y, y_pred, sample_weight, training=True):
                loss = K.ops.mean((y_pred - y) ** 2)
                self.loss_tracker.update_state(loss)
                return loss

            def reset_metrics(self):
                self.loss_tracker.reset_state()

            @property
            def metrics(self):
                return [self.loss_tracker]

        model = Tracked()
        x, y = _data(8)
        model(x[:1])
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.05))
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        evaluated = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
        return (history.history, evaluated), weights

    (lh, le), (kh, ke) = _run_both(keras, program)
    _close_history(lh, kh)
    assert list(le) == list(ke) == ["custom_loss"]
    _close(le["custom_loss"], ke["custom_loss"])


def test_compute_metrics_override_and_tracked_metrics(keras):
    def program(K, weights):
        class WithExtra(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = K.layers.Dense(1)
                self.input_mean = K.metrics.Mean(name="input_mean")

            def call(self, x):
                return self.dense(x)

            def compute_metrics(self, x, y, y_pred, sample_weight=None):
                results = super().compute_metrics(x, y, y_pred, sample_weight)
                self.input_mean.update_state(K.ops.mean(x))
                results["input_mean"] = self.input_mean.result()
                return results

        model = WithExtra()
        x, y = _data(8)
        x = np.abs(x)
        model(x[:1])
        if weights is not None:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(K.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        names = [m.name for m in model.metrics]
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        evaluated = model.evaluate(x, y, batch_size=4, verbose=0)
        return (names, history.history, evaluated), weights

    (ln, lh, le), (kn, kh, ke) = _run_both(keras, program)
    assert ln == kn == ["loss", "compile_metrics", "input_mean"]
    _close_history(lh, kh)
    _close(le, ke)
