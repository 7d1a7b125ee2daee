"""Functional multi-output models against real Keras: losses, history keys, metrics_names."""

import numpy as np
import pytest

import lamina


def build(lib, residual=False):
    a = lib.Input(shape=(5,), name="a")
    b = lib.Input(shape=(3,), name="b")
    shared = lib.layers.Dense(4, activation="relu", name="shared")
    left = shared(a)
    if residual:
        left = lib.layers.add([left, lib.layers.Dense(4, name="skip")(a)], name="res")
    h = lib.layers.concatenate([left, lib.layers.Dense(4, name="bd")(b)], name="cat")
    reg = lib.layers.Dense(1, name="reg")(h)
    cls = lib.layers.Dense(3, name="cls")(h)
    return lib.Model({"a": a, "b": b}, {"reg": reg, "cls": cls}, name="two")


DATA_RNG = np.random.default_rng(0)
XA = DATA_RNG.normal(size=(50, 5)).astype("float32")
XB = DATA_RNG.normal(size=(50, 3)).astype("float32")
YR = DATA_RNG.normal(size=(50, 1)).astype("float32")
YC = DATA_RNG.integers(0, 3, 50)

COMPILES = {
    "dict": dict(
        loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
        loss_weights={"reg": 0.5, "cls": 2.0},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
    ),
    "list": dict(
        loss=["sparse_categorical_crossentropy", "mse"],
        loss_weights=[1.0, 3.0],
        metrics=[["accuracy"], ["mae", "mse"]],
    ),
    "single": dict(loss="mse", metrics={"reg": "mae", "cls": ["mse"]}),
}


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("case", sorted(COMPILES))
def test_multi_output_training_equals_keras(keras, case, residual):
    mk, ml = build(keras, residual), build(lamina, residual)
    assert [layer.name for layer in ml.layers] == [layer.name for layer in mk.layers]
    assert ml.output_names == mk.output_names
    for layer in mk.layers:
        ml.get_layer(layer.name).set_weights(layer.get_weights())
    yc = YC if case != "single" else np.eye(3, dtype="float32")[YC]
    targets = {"reg": YR, "cls": yc}
    results = []
    for model in (mk, ml):
        model.compile(optimizer="sgd", **COMPILES[case])
        hist = model.fit(
            {"a": XA, "b": XB},
            targets,
            epochs=2,
            batch_size=16,
            shuffle=False,
            validation_split=0.2,
            verbose=0,
        )
        results.append(
            (
                hist.history,
                model.evaluate({"a": XA, "b": XB}, targets, verbose=0),
                model.evaluate({"a": XA, "b": XB}, targets, verbose=0, return_dict=True),
                model.metrics_names,
            )
        )
    (hk, ek, dk, nk), (hl, el, dl, nl) = results
    assert list(hl) == list(hk)
    for key in hk:
        np.testing.assert_allclose(hl[key], hk[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(el, ek, rtol=1e-5, atol=1e-6)
    assert list(dl) == list(dk)
    assert nl == nk


def test_keras_docs_custom_train_step_equals_keras(keras):
    import jax

    def make(lib):
        class CustomModel(lib.Model):
            def compute_loss_and_updates(self, tv, ntv, x, y, training=False):
                y_pred, ntv = self.stateless_call(tv, ntv, x, training=training)
                return self.compute_loss(x, y, y_pred), (y_pred, ntv)

            def train_step(self, state, data):
                tv, ntv, ov, mv = state
                x, y = data
                grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
                (loss, (y_pred, ntv)), grads = grad_fn(tv, ntv, x, y, training=True)
                tv, ov = self.optimizer.stateless_apply(ov, grads, tv)
                new_mv, logs = [], {}
                for metric in self.metrics:
                    these = mv[len(new_mv) : len(new_mv) + len(metric.variables)]
                    if metric.name == "loss":
                        these = metric.stateless_update_state(these, loss)
                    else:
                        these = metric.stateless_update_state(these, y, y_pred)
                    logs[metric.name] = metric.stateless_result(these)
                    new_mv += these
                return logs, (tv, ntv, ov, new_mv)

        inputs = lib.Input(shape=(5,))
        outputs = lib.layers.Dense(1)(lib.layers.Dense(8, activation="relu")(inputs))
        return CustomModel(inputs, outputs)

    mk, ml = make(keras), make(lamina)
    ml.set_weights(mk.get_weights())
    x = XA
    for model in (mk, ml):
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    hk = mk.fit(x, YR, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    hl = ml.fit(x, YR, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    np.testing.assert_allclose(hl["loss"], hk["loss"], rtol=1e-5)
    np.testing.assert_allclose(hl["mae"], hk["mae"], rtol=1e-5)
    for a, b in zip(ml.get_weights(), mk.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_functional_and_sequential_configs_equal_keras_both_ways(keras):
    import json

    def seq(lib):
        m = lib.Sequential(
            [
                lib.Input(shape=(4,), name="inp"),
                lib.layers.Dense(8, activation="relu", name="d1"),
                lib.layers.Dropout(0.1, name="drop"),
                lib.layers.Dense(3, activation="softmax", name="out"),
            ],
            name="seq",
        )
        m.compile(
            optimizer=lib.optimizers.Adam(name="adam"),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return m

    def fun(lib):
        return build(lib, residual=True)

    for make in (seq, fun):
        mk, ml = make(keras), make(lamina)
        ck = json.loads(json.dumps(keras.saving.serialize_keras_object(mk)))
        cl = json.loads(json.dumps(lamina.saving.serialize_keras_object(ml)))
        assert cl == ck
        rebuilt_l = lamina.saving.deserialize_keras_object(ck)
        rebuilt_k = keras.saving.deserialize_keras_object(cl)
        rebuilt_l.set_weights(mk.get_weights())
        rebuilt_k.set_weights(mk.get_weights())
        data = np.ones((2, 4), "float32") if make is seq else {"a": XA[:2], "b": XB[:2]}
        for a, b in zip(
            jax_leaves(rebuilt_l.predict(data, verbose=0)),
            jax_leaves(rebuilt_k.predict(data, verbose=0)),
        ):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def jax_leaves(tree):
    import jax

    return jax.tree.leaves(tree)


@pytest.mark.parametrize("wrap", [list, tuple])
def test_one_output_in_a_list_is_returned_as_that_output(keras, wrap):
    """`Model(inp, [out])`: on data, call/predict/predict_on_batch give the array itself (Keras
    unpacks one-element output lists); a symbolic call keeps the list, as Keras does."""
    x = DATA_RNG.normal(size=(6, 5)).astype("float32")
    results = {}
    for lib in (keras, lamina):
        inp = lib.Input((5,))
        model = lib.Model(inp, wrap([lib.layers.Dense(2, name="d")(inp)]))
        if lib is lamina:
            model.set_weights(results["keras"]["initial"])
        initial = model.get_weights()
        symbolic = model(lib.Input((5,)))
        model.compile(optimizer="sgd", loss=["mse"])
        history = model.fit(x, [x[:, :2]], epochs=2, batch_size=3, verbose=0, shuffle=False)
        results["keras" if lib is keras else "lamina"] = {
            "initial": initial,
            "call": model(x),
            "predict": model.predict(x, verbose=0),
            "on_batch": model.predict_on_batch(x),
            "symbolic": type(symbolic).__name__,
            "loss": history.history["loss"],
        }
    want, got = results["keras"], results["lamina"]
    for key in ("call", "predict", "on_batch"):
        assert not isinstance(got[key], (list, tuple)), key
        np.testing.assert_allclose(np.asarray(got[key]), np.asarray(want[key]), atol=1e-5)
    assert want["symbolic"] == got["symbolic"] == wrap.__name__
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)


def _one_element_output_list(k):
    inp = k.Input((3,))
    hidden = k.layers.Dense(4, kernel_initializer="ones")(inp)
    model = k.Model(inp, [k.layers.Dense(2, kernel_initializer="ones")(hidden)])
    x, y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
    out = [type(model(x)).__name__, type(model.predict(x, verbose=0)).__name__, len(model.outputs)]
    for loss, target in (("mse", y), (["mse"], y), ("mse", [y]), (["mse"], [y])):
        model.compile("sgd", loss, metrics=["mae"])
        history = model.fit(x, target, epochs=1, verbose=0).history
        out.append((sorted(history), history["loss"][0], model.evaluate(x, target, verbose=0)))
    return out


def test_outputs_given_as_a_one_element_list_come_out_unwrapped_like_keras(keras):
    # scikeras builds its single-output models as `Model(inputs, [output])`.
    got, ref = _one_element_output_list(lamina), _one_element_output_list(keras)
    assert got[:3] == ["ArrayImpl", "ndarray", 1] == ref[:3]
    for (g_keys, g_loss, g_eval), (r_keys, r_loss, r_eval) in zip(got[3:], ref[3:]):
        assert g_keys == r_keys
        np.testing.assert_allclose([g_loss, *g_eval], [r_loss, *r_eval], rtol=1e-5)


def _metrics_list_per_output(k):
    inp = k.Input((3,))
    model = k.Model(inp, [k.layers.Dense(1, name="a")(inp), k.layers.Dense(1, name="b")(inp)])
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    model.compile("sgd", "mse", metrics=["mae", "mse"])
    return sorted(model.fit(x, [y, y], verbose=0).history)


def test_a_metrics_list_with_one_entry_per_output_is_per_output_like_keras(keras):
    assert _metrics_list_per_output(lamina) == _metrics_list_per_output(keras)
    assert _metrics_list_per_output(lamina) == ["a_loss", "a_mae", "b_loss", "b_mse", "loss"]
