"""Keras semantics that user programs rely on, run as the same program on Keras and on lamina.

Each test writes one small program against a `K` module (real Keras 3 on JAX, then lamina),
copies Keras's initial weights into lamina's model, and compares what the user sees: history
values, `evaluate`'s returned list, predictions, configs.
"""

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
