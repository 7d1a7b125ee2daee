"""The training engine: compile/fit/evaluate/predict, exact counting, the jit contract."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)


def blobs(n=300, dim=32, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(classes, dim)) * 3
    labels = rng.integers(0, classes, size=n)
    x = (centers[labels] + rng.normal(size=(n, dim))).astype("float32")
    return x, np.eye(classes, dtype="float32")[labels], labels


def mlp(dim=32, classes=10, seed=1):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            layers.Dense(64, activation="relu", input_shape=(dim,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(classes),
        ]
    )


def compile_overview(model, **kwargs):
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        **kwargs,
    )
    return model


def test_overview_trains_and_history_is_keras_shaped():
    x, y, _ = blobs(400)
    x, y, vx, vy = x[:300], y[:300], x[300:], y[300:]
    model = compile_overview(mlp())
    history = model.fit(x, y, epochs=5, batch_size=32, validation_data=(vx, vy), verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 10}
    assert history.epoch == [0, 1, 2, 3, 4] and model.history is history
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history.history["val_accuracy"][-1] > 0.9
    assert all(isinstance(v, float) for v in losses)
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.9 and isinstance(loss, float)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "accuracy": acc}
    pred = model.predict(x, verbose=0)
    assert isinstance(pred, np.ndarray) and pred.shape == (300, 10) and pred.dtype == np.float32


def test_evaluate_counts_the_partial_batch_exactly():
    x, y, _ = blobs(100)
    model = compile_overview(mlp())
    logits = model.predict(x, verbose=0)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected_loss = float(-(y * logp).sum(-1).mean())
    expected_acc = float((logits.argmax(-1) == y.argmax(-1)).mean())
    for batch_size in (32, 7, 100):
        loss, acc = model.evaluate(x, y, batch_size=batch_size, verbose=0)
        assert loss == pytest.approx(expected_loss, rel=1e-5)
        assert acc == pytest.approx(expected_acc, abs=1e-7)


def reference_sgd_epoch(params, x, y, batch_size, lr):
    """One epoch of plain SGD on the overview MLP, written directly in JAX."""

    def forward(p, xb):
        h = jax.nn.relu(xb @ p[0] + p[1])
        h = jax.nn.relu(h @ p[2] + p[3])
        return h @ p[4] + p[5]

    def loss_fn(p, xb, yb):
        return optax.softmax_cross_entropy(forward(p, xb), yb).mean()

    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        grads = jax.grad(loss_fn)(params, xb, yb)
        params = [p - lr * g for p, g in zip(params, grads)]
    return params


@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_fit_equals_a_hand_written_loop_including_the_partial_batch(steps_per_execution):
    x, y, _ = blobs(100)
    model = mlp()
    start = [jnp.asarray(w) for w in model.get_weights()]
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        steps_per_execution=steps_per_execution,
    )
    model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0)
    expected = reference_sgd_epoch(start, x, y, 32, 0.05)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations.value) == 4


def test_repeated_calls_do_not_retrace():
    x, y, _ = blobs(100)
    model = compile_overview(mlp())
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    counts = dict(model._step_builder.trace_counts)
    model.fit(x, y, epochs=2, verbose=0)
    model.fit(x[:97], y[:97], epochs=1, verbose=0)  # same size bucket: same compiled step
    model.evaluate(x, y, verbose=0)
    model.predict(x[:99], verbose=0)
    assert model._step_builder.trace_counts == counts


def test_learning_rate_change_takes_effect_without_retrace():
    x, y, _ = blobs(64)
    model = compile_overview(mlp())
    model.fit(x, y, epochs=1, verbose=0)
    counts = dict(model._step_builder.trace_counts)
    model.optimizer.learning_rate = 0.0
    assert float(model.optimizer.learning_rate) == 0.0
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model._step_builder.trace_counts == counts


def test_same_seed_same_losses_bit_for_bit():
    x, y, _ = blobs(200)

    def run():
        keras.utils.set_random_seed(7)
        model = keras.Sequential(
            [
                layers.Dense(32, activation="relu", input_shape=(32,)),
                layers.Dropout(0.3),
                layers.Dense(10),
            ]
        )
        compile_overview(model)
        return model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]

    assert run() == run()


def test_run_eagerly_gives_the_same_results_as_jit():
    x, y, _ = blobs(70)
    results = []
    for eager in (False, True):
        model = mlp()
        model.compile(
            optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
            loss=keras.losses.CategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            run_eagerly=eager,
        )
        hist = model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
        results.append((hist.history["loss"], model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_train_state_is_donated():
    x, y, _ = blobs(32)
    model = compile_overview(mlp())
    model.fit(x, y, epochs=1, verbose=0)
    builder = model._step_builder
    state = model._gather_state(builder, reset_metrics=True)
    from lamina.training import data as data_lib

    data = data_lib.to_device((x, y, None))
    idx = jnp.arange(32, dtype=jnp.int32)[None]
    mask = jnp.ones((1, 32))
    new_state, _ = builder.get("train", 1)(state, data, idx, mask, 0, 1)
    if jax.default_backend() != "cpu" or state.trainable[0].is_deleted():
        assert state.trainable[0].is_deleted()
    model._sync_state(builder, new_state)
    assert model.predict(x, verbose=0).shape == (32, 10)


def test_sample_and_class_weights():
    x, y, labels = blobs(64)
    model = compile_overview(mlp())
    zero = np.zeros(64, "float32")
    assert model.evaluate(x, y, sample_weight=zero, verbose=0)[0] == pytest.approx(0.0)
    w = RNG.uniform(size=64).astype("float32")
    logits = model.predict(x, verbose=0)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    per_sample = -(y * logp).sum(-1)
    loss = model.evaluate(x, y, sample_weight=w, batch_size=64, verbose=0)[0]
    assert loss == pytest.approx(float((per_sample * w).sum() / 64), rel=1e-5)
    before = model.get_weights()
    model.fit(x, y, class_weight={i: 0.0 for i in range(10)}, epochs=1, verbose=0)
    # Zero class weights give zero gradients, and Adam's first step moves by ~lr*0/(0+eps).
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_callbacks_see_and_change_the_model():
    x, y, _ = blobs(96)
    model = compile_overview(mlp())
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_train_batch_end(self, batch, logs=None):
            events.append(f"batch_end {batch}")
            assert isinstance(logs["loss"], float)
            self.model.get_weights()  # readable mid-epoch

        def on_test_begin(self, logs=None):
            events.append("test_begin")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")
            if epoch == 1:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            events.append("train_end")

    model.fit(
        x, y, epochs=5, batch_size=32, validation_data=(x, y), callbacks=[Recorder()], verbose=0
    )
    keys = "['accuracy', 'loss', 'val_accuracy', 'val_loss']"
    assert events == [
        "train_begin",
        "epoch_begin 0",
        "batch_end 0",
        "batch_end 1",
        "batch_end 2",
        "test_begin",
        f"epoch_end 0 {keys}",
        "epoch_begin 1",
        "batch_end 0",
        "batch_end 1",
        "batch_end 2",
        "test_begin",
        f"epoch_end 1 {keys}",
        "train_end",
    ]

    class Zero(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])

    model.fit(x, y, epochs=1, callbacks=[Zero()], verbose=0)
    assert all(not w.any() for w in model.get_weights())


def test_interrupted_fit_keeps_valid_weights():
    x, y, _ = blobs(96)
    model = compile_overview(mlp())

    class Boom(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=3, batch_size=32, callbacks=[Boom()], verbose=0)
    assert int(model.optimizer.iterations.value) == 2
    assert model.predict(x, verbose=0).shape == (96, 10)
    model.fit(x, y, epochs=1, verbose=0)


def test_on_batch_methods_and_return_types():
    x, y, _ = blobs(16)
    model = compile_overview(mlp())
    logs = model.train_on_batch(x, y)
    assert isinstance(logs, list) and len(logs) == 2
    assert set(model.test_on_batch(x, y, return_dict=True)) == {"loss", "accuracy"}
    out = model.predict_on_batch(x)
    assert isinstance(out, np.ndarray) and out.shape == (16, 10)
    model.compile(optimizer="sgd", loss="mse")
    assert isinstance(model.train_on_batch(x, y), float)


def test_validation_split_takes_the_last_fraction():
    x, y, _ = blobs(100)
    model = compile_overview(mlp())
    seen = {}

    class Spy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.update(logs)

    model.fit(x, y, epochs=1, validation_split=0.2, verbose=0, callbacks=[Spy()])
    expected = model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)
    assert seen["val_loss"] == pytest.approx(expected["loss"], rel=1e-6)


def test_fit_accepts_lists_dicts_and_jax_arrays():
    a_in, b_in = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    merged = layers.concatenate([layers.Dense(4)(a_in), layers.Dense(4)(b_in)])
    model = keras.Model([a_in, b_in], layers.Dense(1)(merged))
    model.compile("adam", "mse")
    a, b = RNG.normal(size=(40, 3)), RNG.normal(size=(40, 2))
    t = RNG.normal(size=(40, 1))
    model.fit([a, b], t, epochs=1, verbose=0)
    model.fit({"a": jnp.asarray(a), "b": jnp.asarray(b)}, jnp.asarray(t), epochs=1, verbose=0)
    assert model.predict([a, b], verbose=0).shape == (40, 1)


def test_progress_bar_and_epoch_lines(capsys):
    x, y, _ = blobs(64)
    model = compile_overview(mlp())
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "2/2 - " in out and "accuracy: " in out and "loss: " in out
    model.fit(x, y, epochs=1, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "2/2 " in out and "━" in out and "/step" in out
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda m, x, y: m.fit(x, y[:10], verbose=0), "x has 64, y has 10"),
        (lambda m, x, y: m.fit(x[:, :5], y, verbose=0), "value 32"),
        (lambda m, x, y: m.fit(x, y.argmax(-1), verbose=0), "sparse_categorical_crossentropy"),
    ],
)
def test_bad_data_errors(call, match):
    x, y, _ = blobs(64)
    model = mlp()
    model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match=match):
        call(model, x, y)


def test_fit_before_compile_and_unknown_names():
    model = mlp()
    with pytest.raises(ValueError, match="compile"):
        model.fit(np.ones((2, 32)), np.ones((2, 10)))
    with pytest.raises(ValueError, match="Did you mean.*'adam'"):
        model.compile(optimizer="adma", loss="mse")
    with pytest.raises(ValueError, match="Did you mean 'mse'"):
        model.compile(optimizer="adam", loss="mes")
    with pytest.raises(ValueError, match="Did you mean"):
        model.compile(optimizer="adam", loss="mse", metrics=["mea"])


@pytest.mark.parametrize(
    "metric,loss,labels",
    [
        ("accuracy", "categorical_crossentropy", "onehot"),
        ("accuracy", "sparse_categorical_crossentropy", "sparse"),
        ("acc", "binary_crossentropy", "binary"),
    ],
)
def test_accuracy_string_resolves_from_shapes(metric, loss, labels):
    x, y, ints = blobs(64)
    classes = 1 if labels == "binary" else 10
    model = mlp(classes=classes)
    model.compile("adam", loss, metrics=[metric])
    target = {"onehot": y, "sparse": ints, "binary": (ints % 2).astype("float32")[:, None]}[labels]
    logs = model.evaluate(x, target, verbose=0, return_dict=True)
    assert set(logs) == {"loss", metric}
    expected = {
        "onehot": "CategoricalAccuracy",
        "sparse": "SparseCategoricalAccuracy",
        "binary": "BinaryAccuracy",
    }[labels]
    assert model.metrics_names == ["loss", "compile_metrics"]
    assert type(model.metrics[1].metrics[0]).__name__ == expected


def test_initial_epoch_and_steps_per_epoch():
    x, y, _ = blobs(128)
    model = compile_overview(mlp())
    hist = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0)
    assert hist.epoch == [2, 3]
    before = int(model.optimizer.iterations.value)
    hist = model.fit(x, y, epochs=2, steps_per_epoch=3, batch_size=16, verbose=0)
    assert hist.params["steps"] == 3
    assert int(model.optimizer.iterations.value) == before + 6


def test_evaluate_and_predict_callback_hooks():
    x, y, _ = blobs(40)
    model = compile_overview(mlp())
    calls = []

    class Hooks(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            calls.append("test_begin")

        def on_test_batch_begin(self, batch, logs=None):
            calls.append(f"test_batch_begin {batch}")

        def on_test_batch_end(self, batch, logs=None):
            calls.append(f"test_batch_end {batch} {sorted(logs)}")

        def on_test_end(self, logs=None):
            calls.append(f"test_end {sorted(logs)}")

        def on_predict_begin(self, logs=None):
            calls.append("predict_begin")

        def on_predict_batch_end(self, batch, logs=None):
            calls.append(f"predict_batch_end {batch} {sorted(logs)}")

        def on_predict_end(self, logs=None):
            calls.append("predict_end")

    model.evaluate(x, y, batch_size=32, callbacks=[Hooks()], verbose=0)
    model.predict(x, batch_size=32, callbacks=[Hooks()], verbose=0)
    assert calls == [
        "test_begin",
        "test_batch_begin 0",
        "test_batch_end 0 ['accuracy', 'loss']",
        "test_batch_begin 1",
        "test_batch_end 1 ['accuracy', 'loss']",
        "test_end ['accuracy', 'loss']",
        "predict_begin",
        "predict_batch_end 0 ['outputs']",
        "predict_batch_end 1 ['outputs']",
        "predict_end",
    ]


def test_regularization_is_part_of_the_reported_loss():
    x, y, _ = blobs(32)
    model = keras.Sequential(
        [layers.Dense(10, input_shape=(32,), kernel_regularizer=keras.regularizers.l2(0.5))]
    )
    model.compile("sgd", keras.losses.CategoricalCrossentropy(from_logits=True))
    logits = model.predict(x, verbose=0)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    penalty = 0.5 * (model.layers[0].kernel.numpy() ** 2).sum()
    expected = float(-(y * logp).sum(-1).mean() + penalty)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_model_call_is_compiled_once_and_matches_the_layer_by_layer_path():
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            layers.Dense(
                16,
                activation="relu",
                input_shape=(8,),
                activity_regularizer=keras.regularizers.l2(0.1),
            ),
            layers.Dropout(0.5),
            layers.Dense(2),
        ]
    )
    x = RNG.normal(size=(4, 8)).astype("float32")
    out = np.asarray(model(x))
    reference = np.asarray(model._call_uncompiled(x))
    np.testing.assert_allclose(out, reference, rtol=1e-6)
    assert len(model.losses) == 1
    fn = model._call_function
    for _ in range(5):
        model(x)
        model(x.astype("float64"))  # converted to float32 first: same compiled call
    assert fn.trace_count == 1
    a, b = np.asarray(model(x, training=True)), np.asarray(model(x, training=True))
    assert not np.allclose(a, b)  # the dropout key advanced between calls
    assert fn.trace_count == 2
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((4, 2)), epochs=1, verbose=0)  # new optimizer variables
    np.testing.assert_allclose(np.asarray(model(x)), model.predict(x, verbose=0), rtol=1e-5)


def test_run_eagerly_gives_call_concrete_values_in_predict_and_evaluate():
    seen = []

    class Inspecting(keras.Layer):
        def call(self, x):
            if isinstance(x, jax.core.Tracer):
                seen.append("tracer")
                return x
            # Python control flow on values, and float(), work on concrete arrays.
            seen.append(float(jnp.max(x)) > 100)
            return x * 2 if float(jnp.max(x)) > 100 else x

    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(1)(Inspecting()(inputs)))
    model.compile("sgd", "mse", run_eagerly=True, steps_per_execution=4)
    x, y = np.full((8, 3), 1000.0, "float32"), np.zeros((8, 1), "float32")
    model.evaluate(x, y, batch_size=4, verbose=0)  # the first call also builds (shapes only)
    seen.clear()
    model.predict(x, batch_size=4, verbose=0)
    model.evaluate(x, y, batch_size=4, verbose=0)
    assert seen == [True] * 4
    seen.clear()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    # In fit, values that do not depend on the weights stay concrete (Keras passes tracers);
    # values downstream of a weight are tracers, since gradients need tracing.
    assert seen == [True] * 2


def test_automatic_steps_per_execution_gives_the_same_results_as_single_steps():
    x, y, _ = blobs(600)
    runs = {}
    for spe in ("auto", 1):
        keras.utils.set_random_seed(11)
        model = keras.Sequential(
            [
                layers.Dense(32, activation="relu", input_shape=(32,)),
                layers.Dropout(0.2),
                layers.Dense(10),
            ]
        )
        model.compile(
            keras.optimizers.Adam(0.01),
            keras.losses.CategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            steps_per_execution=spe,
        )
        hist = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
        runs[spe] = (
            hist.history,
            model.get_weights(),
            model.evaluate(x, y, verbose=0),
            model.predict(x, verbose=0),
            model,
        )
    auto, single = runs["auto"], runs[1]
    assert auto[4]._step_builder.auto["train"].decided is not None  # it measured and chose
    for key in single[0]:
        np.testing.assert_allclose(auto[0][key], single[0][key], rtol=1e-5)
    for a, b in zip(auto[1], single[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(auto[2], single[2], rtol=1e-5)
    np.testing.assert_allclose(auto[3], single[3], rtol=1e-5, atol=1e-6)
    assert auto[4].get_compile_config()["steps_per_execution"] == 1  # Keras reads the file


def test_compile_without_an_optimizer_evaluates_and_fit_says_what_is_missing():
    # Keras accepts optimizer=None (scikeras relies on it to give its own error).
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=None, loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
    assert model.optimizer is None
    assert np.isfinite(model.evaluate(x, y, verbose=0))
    with pytest.raises(ValueError, match="optimizer=None.*fit"):
        model.fit(x, y, verbose=0)


def test_validation_logs_are_bitwise_what_evaluate_gives():
    # Keras's rule for the validation batch size (validation_batch_size, else batch_size, else
    # evaluate's default) makes `val_*` equal to `evaluate` on the same weights to the bit;
    # KerasTuner's SaveBestEpoch test compares them with `==`.
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((10,)), layers.Dense(1)])
    model.compile(loss="mse", metrics=["mae"])
    vx, vy = rng.random((10, 10)), rng.random((10, 10))
    x, y = rng.random((10, 10)), rng.random((10, 1))
    for batch_size in (None, 4):
        for _ in range(3):
            history = model.fit(
                x, y, validation_data=(vx, vy), epochs=1, batch_size=batch_size, verbose=0
            )
            got = [history.history["val_loss"][-1], history.history["val_mae"][-1]]
            assert got == model.evaluate(vx, vy, batch_size=batch_size, verbose=0)
