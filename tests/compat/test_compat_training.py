"""lamina's layers, configs and training loop against real Keras 3 (JAX backend) as an oracle.

Both libraries get the same weights (copied from Keras with get_weights/set_weights) and the same
data, so every number the user sees (outputs, losses, metrics, final weights, summaries) must agree.
"""

import re

import numpy as np
import pytest

import lamina

N, D, C = 200, 32, 10  # 200 samples: not divisible by the batch size 32 (partial last batch)
BATCH = 32
RTOL = 1e-4


# ---------------------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1234)
    x = rng.normal(size=(N, D)).astype("float32")
    labels = rng.integers(0, C, size=N)
    onehot = np.eye(C, dtype="float32")[labels]
    # A learnable regression target, so the loss moves over three epochs.
    w = rng.normal(size=(D, 1)).astype("float32") / np.sqrt(D)
    reg = (np.tanh(x @ w) + 0.1 * rng.normal(size=(N, 1))).astype("float32")
    sample_weight = rng.uniform(0.2, 2.0, size=N).astype("float32")
    return {"x": x, "labels": labels, "onehot": onehot, "reg": reg, "sw": sample_weight}


def _close(actual, expected, rtol=RTOL, atol=1e-6, what=""):
    np.testing.assert_allclose(
        np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol, err_msg=what
    )


# ------------------------------------------------------------------------------ 1. Dense outputs
# (units, activation, use_bias, input shape)
DENSE_CASES = [
    (4, None, True, (5, 3)),
    (7, "relu", True, (6, 8)),
    (3, "sigmoid", True, (4, 5)),
    (6, "softmax", True, (4, 5)),
    (5, "gelu", True, (3, 9)),
    (8, "tanh", False, (4, 6)),
    (4, "relu", False, (2, 3, 5)),
    (3, "softmax", True, (2, 4, 6)),
    (5, "gelu", False, (2, 3, 7)),
]


@pytest.mark.parametrize(
    "units, activation, use_bias, shape",
    DENSE_CASES,
    ids=[f"{u}-{a}-bias{b}-rank{len(s)}" for u, a, b, s in DENSE_CASES],
)
def test_dense_output_equals_keras(keras, units, activation, use_bias, shape):
    rng = np.random.default_rng(units)
    x = rng.normal(size=shape).astype("float32")
    # Zero initializers skip a per-shape random-init compile; the weights are set right after.
    kwargs = {"activation": activation, "use_bias": use_bias, "kernel_initializer": "zeros"}
    kd = keras.layers.Dense(units, **kwargs)
    kd.build(shape)
    kd.set_weights([rng.normal(size=w.shape).astype("float32") for w in kd.get_weights()])
    expected = np.asarray(kd(x))
    ld = lamina.layers.Dense(units, **kwargs)
    ld.build(shape)
    ld.set_weights(kd.get_weights())
    assert [w.shape for w in ld.get_weights()] == [w.shape for w in kd.get_weights()]
    actual = np.asarray(ld(x))
    assert actual.shape == expected.shape
    _close(actual, expected, rtol=0, atol=1e-5)


def _three_layer(k, final_activation=None):
    return k.Sequential(
        [
            k.Input((D,)),
            k.layers.Dense(16, activation="relu"),
            k.layers.Dense(8, activation="tanh"),
            k.layers.Dense(C, activation=final_activation),
        ]
    )


@pytest.mark.parametrize("final_activation", [None, "softmax"])
def test_sequential_outputs_equal_keras(keras, data, final_activation):
    km, lm = _three_layer(keras, final_activation), _three_layer(lamina, final_activation)
    lm.set_weights(km.get_weights())
    x = data["x"][:70]  # 70 with batch_size 32: a partial predict batch as well
    expected = km.predict(x, batch_size=BATCH, verbose=0)
    actual = lm.predict(x, batch_size=BATCH, verbose=0)
    assert isinstance(actual, np.ndarray) and actual.dtype == expected.dtype == np.float32
    _close(actual, expected, rtol=0, atol=1e-5)
    _close(np.asarray(lm(x)), np.asarray(km(x)), rtol=0, atol=1e-5)


# ------------------------------------------------------------------------------------ 2. Config
def _assert_configs_equal(actual, expected, path="config"):
    """Exact equality, except floats to 1e-6 (Keras stores some regularizer factors as float32:
    `'l1'` serializes as `{'l1': 0.009999999776482582}`) and lists equal to tuples (the same
    once written as JSON; `test_config_shapes_are_tuples_like_keras` checks the types)."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)), f"{path}: {actual!r} != {expected!r}"
    else:
        assert type(actual) is type(expected), f"{path}: {actual!r} != {expected!r}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            _assert_configs_equal(actual[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert_configs_equal(a, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-6), f"{path}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


DENSE_CONFIGS = {
    "plain": lambda k: {"units": 4},
    "relu-nobias": lambda k: {"units": 3, "activation": "relu", "use_bias": False},
    "activation-function": lambda k: {"units": 3, "activation": k.activations.relu},
    "regularizer-strings": lambda k: {
        "units": 2,
        "kernel_regularizer": "l1",
        "bias_regularizer": "l2",
    },
    "regularizer-l1l2": lambda k: {
        "units": 2,
        "kernel_regularizer": k.regularizers.L1L2(l1=0.01, l2=0.02),
    },
    "activity-regularizer": lambda k: {"units": 2, "activity_regularizer": k.regularizers.L2(0.1)},
    "initializers": lambda k: {
        "units": 2,
        "kernel_initializer": "orthogonal",
        "bias_initializer": k.initializers.Constant(2.0),
    },
    "constraint-and-frozen": lambda k: {
        "units": 2,
        "kernel_constraint": "max_norm",
        "trainable": False,
    },
}


MISSING_ACTIVITY_REGULARIZER = ()  # fixed: get_config includes activity_regularizer


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=MISSING_ACTIVITY_REGULARIZER) if c == "activity-regularizer" else c
        for c in DENSE_CONFIGS
    ],
)
def test_dense_config_equals_keras(keras, case):
    make = DENSE_CONFIGS[case]
    expected = keras.layers.Dense(name="probe", **make(keras)).get_config()
    actual = lamina.layers.Dense(name="probe", **make(lamina)).get_config()
    _assert_configs_equal(actual, expected)
    # lamina reads Keras's config back into an identical layer.
    _assert_configs_equal(lamina.layers.Dense.from_config(expected).get_config(), expected)


OTHER_CONFIGS = [
    ("Dropout", lambda k: {"rate": 0.3}),
    ("Dropout", lambda k: {"rate": 0.5, "noise_shape": (None, 1), "seed": 7}),
    ("Activation", lambda k: {"activation": "gelu"}),
    ("Activation", lambda k: {"activation": k.activations.tanh}),
    ("Flatten", lambda k: {}),
    ("Flatten", lambda k: {"data_format": "channels_first"}),
    ("InputLayer", lambda k: {"shape": (3,)}),
    ("InputLayer", lambda k: {"batch_shape": (8, 3, 2)}),
]


@pytest.mark.parametrize(
    "class_name, make", OTHER_CONFIGS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(OTHER_CONFIGS)]
)
def test_layer_config_equals_keras(keras, class_name, make):
    expected = getattr(keras.layers, class_name)(name="probe", **make(keras)).get_config()
    actual = getattr(lamina.layers, class_name)(name="probe", **make(lamina)).get_config()
    _assert_configs_equal(actual, expected)


def test_config_shapes_are_tuples_like_keras(keras):
    for k in (keras, lamina):
        assert type(k.layers.Dropout(0.5, noise_shape=(None, 1)).get_config()["noise_shape"]) is (
            tuple
        ), k.__name__
        assert type(k.layers.InputLayer(shape=(3,)).get_config()["batch_shape"]) is tuple, (
            k.__name__
        )


# ---------------------------------------------------------------------- 3. training equivalence
def _mlp(k, final_activation=None, out=C, regularizer=None):
    """The overview MLP: 32 -> 64 relu -> 64 relu -> out."""
    return k.Sequential(
        [
            k.Input((D,)),
            k.layers.Dense(64, activation="relu", kernel_regularizer=regularizer),
            k.layers.Dense(64, activation="relu"),
            k.layers.Dense(out, activation=final_activation),
        ]
    )


def _cce_logits(k):
    return k.losses.CategoricalCrossentropy(from_logits=True)


# id -> (model factory, optimizer factory, loss factory, metrics, target key, extras)
TRAIN_CASES = {
    "adam-cce-logits": (
        lambda k: _mlp(k),
        lambda k: k.optimizers.Adam(0.01),
        _cce_logits,
        ["accuracy"],
        "onehot",
        {},
    ),
    "sgd-momentum-sparse-cce": (
        lambda k: _mlp(k, final_activation="softmax"),
        lambda k: k.optimizers.SGD(0.1, momentum=0.9),
        lambda k: "sparse_categorical_crossentropy",
        ["accuracy"],
        "labels",
        {"validation": True},
    ),
    "rmsprop-mse-regression": (
        lambda k: _mlp(k, out=1),
        lambda k: k.optimizers.RMSprop(),
        lambda k: "mse",
        ["mae"],
        "reg",
        {},
    ),
    "sgd-mse-sample-weight": (
        lambda k: _mlp(k, out=1),
        lambda k: k.optimizers.SGD(0.05, momentum=0.9),
        lambda k: "mse",
        ["mae"],
        "reg",
        {"sample_weight": True, "validation": True},
    ),
    "adam-sparse-class-weight": (
        lambda k: _mlp(k),
        lambda k: k.optimizers.Adam(0.01),
        lambda k: k.losses.SparseCategoricalCrossentropy(from_logits=True),
        ["accuracy"],
        "labels",
        {"class_weight": True},
    ),
    "adam-cce-l2-regularizer": (
        lambda k: _mlp(k, regularizer=k.regularizers.L2(0.01)),
        lambda k: k.optimizers.Adam(0.01),
        _cce_logits,
        ["accuracy"],
        "onehot",
        {},
    ),
}

CLASS_WEIGHT = {i: 0.5 + 0.25 * i for i in range(C)}


def _train(k, case, data, weights=None):
    """Builds, compiles and fits one TRAIN_CASES entry in library `k`; returns what a user sees."""
    make_model, make_opt, make_loss, metrics, target, extras = TRAIN_CASES[case]
    if weights is None:
        k.utils.set_random_seed(0)  # reproducible initial weights (copied to lamina)
    model = make_model(k)
    if weights is not None:
        model.set_weights(weights)
    initial = [np.array(w) for w in model.get_weights()]
    model.compile(optimizer=make_opt(k), loss=make_loss(k), metrics=list(metrics))
    x, y = data["x"], data[target]
    fit_kwargs = {}
    if extras.get("validation"):
        fit_kwargs["validation_data"] = (x[:50] * 0.9, y[:50])
    if extras.get("sample_weight"):
        fit_kwargs["sample_weight"] = data["sw"]
    if extras.get("class_weight"):
        fit_kwargs["class_weight"] = CLASS_WEIGHT
    history = model.fit(x, y, epochs=3, batch_size=BATCH, shuffle=False, verbose=0, **fit_kwargs)
    return {
        "initial": initial,
        "history": history.history,
        "epoch": history.epoch,
        "params": history.params,
        "weights": model.get_weights(),
        "evaluate": model.evaluate(x, y, batch_size=BATCH, verbose=0),
        "evaluate_dict": model.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True),
        "evaluate_sw": (
            model.evaluate(x, y, sample_weight=data["sw"], batch_size=BATCH, verbose=0)
            if extras.get("sample_weight")
            else None
        ),
    }


@pytest.fixture(scope="module")
def trained(keras, data):
    """Each case trained once in each library (shared by the assertions below)."""
    cache = {}

    def get(case):
        if case not in cache:
            ref = _train(keras, case, data)
            cache[case] = (ref, _train(lamina, case, data, weights=ref["initial"]))
        return cache[case]

    return get


@pytest.mark.parametrize("case", list(TRAIN_CASES))
def test_fit_history_equals_keras(trained, case):
    ref, got = trained(case)
    assert list(got["history"]) == list(ref["history"])  # same keys, same (sorted) order
    assert got["epoch"] == ref["epoch"] == [0, 1, 2]
    assert got["params"] == ref["params"]
    for key, values in ref["history"].items():
        assert len(got["history"][key]) == len(values) == 3
        assert all(type(v) is float for v in got["history"][key]), key
        _close(got["history"][key], values, what=f"history[{key!r}]")


@pytest.mark.parametrize("case", list(TRAIN_CASES))
def test_fit_final_weights_equal_keras(trained, case):
    ref, got = trained(case)
    assert len(got["weights"]) == len(ref["weights"])
    for i, (a, e) in enumerate(zip(got["weights"], ref["weights"])):
        _close(a, e, rtol=0, atol=1e-4, what=f"weight {i}")
    # The weights actually moved (so the comparison is not vacuous).
    assert not np.allclose(ref["weights"][0], ref["initial"][0])


@pytest.mark.parametrize("case", list(TRAIN_CASES))
def test_evaluate_after_fit_equals_keras(trained, case):
    ref, got = trained(case)
    assert type(got["evaluate"]) is type(ref["evaluate"]) is list
    assert len(got["evaluate"]) == len(ref["evaluate"]) == 2
    assert all(type(v) is float for v in got["evaluate"])
    _close(got["evaluate"], ref["evaluate"], what="evaluate()")
    assert isinstance(got["evaluate_dict"], dict)
    assert sorted(got["evaluate_dict"]) == sorted(ref["evaluate_dict"])
    for key, value in ref["evaluate_dict"].items():
        _close(got["evaluate_dict"][key], value, what=f"evaluate(return_dict=True)[{key!r}]")
    if ref["evaluate_sw"] is not None:
        _close(got["evaluate_sw"], ref["evaluate_sw"], what="evaluate(sample_weight=...)")


def test_evaluate_return_dict_key_order_equals_keras(trained):
    ref, got = trained("adam-cce-logits")
    assert list(got["evaluate_dict"]) == list(ref["evaluate_dict"])


def _numpy_logits(weights, x):
    k1, b1, k2, b2, k3, b3 = weights
    h = np.maximum(x @ k1 + b1, 0)
    h = np.maximum(h @ k2 + b2, 0)
    return (h @ k3 + b3).astype("float64")


def test_regularizer_penalty_is_in_reported_loss(trained, data):
    """evaluate()'s loss = cross-entropy + 0.01 * sum(kernel**2), in both libraries."""
    ref, got = trained("adam-cce-l2-regularizer")
    logits = _numpy_logits(ref["weights"], data["x"])
    log_probs = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True))
    log_probs -= logits.max(1, keepdims=True)
    ce = -np.mean(np.sum(data["onehot"] * log_probs, axis=1))
    penalty = 0.01 * np.sum(np.square(ref["weights"][0].astype("float64")))
    assert penalty > 0.05  # large enough to matter at this tolerance
    _close(ref["evaluate"][0], ce + penalty, what="Keras")
    _close(got["evaluate"][0], ce + penalty, what="lamina")


def test_loss_only_model_evaluate_returns_float(keras, data):
    x, y = data["x"][:64], data["reg"][:64]
    results = []
    for k in (keras, lamina):
        model = _mlp(k, out=1)
        if results:
            model.set_weights(results[0][2])
        model.compile(optimizer=k.optimizers.SGD(0.01), loss="mse")
        weights = model.get_weights()
        history = model.fit(x, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=0)
        results.append((model.evaluate(x, y, verbose=0), history.history, weights))
    (k_eval, k_hist, _), (l_eval, l_hist, _) = results
    assert type(l_eval) is type(k_eval) is float
    assert list(l_hist) == list(k_hist) == ["loss"]
    _close(l_eval, k_eval)


# ------------------------------------------------------------ 4. train/test/predict_on_batch
def _on_batch_models(keras, data):
    km = _mlp(keras)
    lm = _mlp(lamina)
    lm.set_weights(km.get_weights())
    for k, m in ((keras, km), (lamina, lm)):
        m.compile(optimizer=k.optimizers.Adam(0.01), loss=_cce_logits(k), metrics=["accuracy"])
    return km, lm


def _batches(data):
    x, y = data["x"], data["onehot"]
    return [(x[i : i + BATCH], y[i : i + BATCH]) for i in (0, 32, 64)]


def _assert_same_logs(got, ref, what):
    assert type(got) is type(ref), what
    if isinstance(ref, dict):
        assert sorted(got) == sorted(ref), what
        for key in ref:
            assert type(got[key]) is float, what
            _close(got[key], ref[key], what=f"{what}[{key!r}]")
    else:
        assert len(got) == len(ref) and all(type(v) is float for v in got), what
        _close(got, ref, what=what)


@pytest.mark.parametrize(
    "method, kwargs",
    [
        ("train_on_batch", {}),
        ("train_on_batch", {"return_dict": True, "sample_weight": True}),
        ("test_on_batch", {}),
        ("test_on_batch", {"return_dict": True}),
    ],
    ids=["train", "train-dict-sw", "test", "test-dict"],
)
def test_first_on_batch_call_equals_keras(keras, data, method, kwargs):
    km, lm = _on_batch_models(keras, data)
    (x0, y0), _, _ = _batches(data)
    if kwargs.pop("sample_weight", False):
        kwargs["sample_weight"] = data["sw"][:BATCH]
    ref = getattr(km, method)(x0, y0, **kwargs)
    got = getattr(lm, method)(x0, y0, **kwargs)
    _assert_same_logs(got, ref, f"{method}({kwargs})")


def test_predict_on_batch_after_train_steps_equals_keras(keras, data):
    """Weight updates of successive train_on_batch calls (metrics aside) and predict_on_batch."""
    km, lm = _on_batch_models(keras, data)
    batches = _batches(data)
    for i, (x, y) in enumerate(batches):
        sw = data["sw"][:BATCH] if i == 1 else None
        km.train_on_batch(x, y, sample_weight=sw)
        lm.train_on_batch(x, y, sample_weight=sw)
    for a, e in zip(lm.get_weights(), km.get_weights()):
        _close(a, e, rtol=0, atol=1e-5)
    x = data["x"][100:140]
    ref, got = km.predict_on_batch(x), lm.predict_on_batch(x)
    assert isinstance(got, np.ndarray) and got.dtype == ref.dtype == np.float32
    assert got.shape == ref.shape == (40, C)
    _close(got, ref, rtol=0, atol=1e-5)


def test_on_batch_sequence_equals_keras(keras, data):
    km, lm = _on_batch_models(keras, data)
    (x0, y0), (x1, y1), (x2, y2) = _batches(data)
    for name, (x, y) in [
        ("train_on_batch", (x0, y0)),
        ("train_on_batch", (x1, y1)),
        ("test_on_batch", (x2, y2)),
        ("test_on_batch", (x0, y0)),
    ]:
        _assert_same_logs(getattr(lm, name)(x, y), getattr(km, name)(x, y), name)


def test_on_batch_after_reset_metrics_equals_keras(keras, data):
    km, lm = _on_batch_models(keras, data)
    (x0, y0), (x1, y1), (x2, y2) = _batches(data)
    for name, (x, y) in [
        ("train_on_batch", (x0, y0)),
        ("train_on_batch", (x1, y1)),
        ("test_on_batch", (x2, y2)),
    ]:
        km.reset_metrics()
        lm.reset_metrics()
        _assert_same_logs(getattr(lm, name)(x, y), getattr(km, name)(x, y), name)


def test_evaluate_and_fit_after_train_on_batch_equal_keras(keras, data):
    km, lm = _on_batch_models(keras, data)
    (x0, y0), _, _ = _batches(data)
    x, y = data["x"][:100], data["onehot"][:100]
    _assert_same_logs(lm.train_on_batch(x0, y0), km.train_on_batch(x0, y0), "train_on_batch")
    _assert_same_logs(lm.evaluate(x, y, verbose=0), km.evaluate(x, y, verbose=0), "evaluate")
    ref = km.fit(x, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=0).history
    got = lm.fit(x, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=0).history
    assert list(got) == list(ref)
    for key in ref:
        _close(got[key], ref[key], what=key)


# ------------------------------------------------------------- activity regularizer, partial batch
PADDED_BATCH = ()  # fixed: padded rows are masked out of activity penalties


@pytest.mark.parametrize("n", [96, pytest.param(100, marks=PADDED_BATCH)])
def test_activity_regularizer_loss_equals_keras(keras, data, n):
    x, y = data["x"][:n], data["reg"][:n]
    results, weights = [], None
    for k in (keras, lamina):
        model = k.Sequential(
            [
                k.Input((D,)),
                k.layers.Dense(16, activation="relu", activity_regularizer=k.regularizers.L1(0.01)),
                k.layers.Dense(1),
            ]
        )
        if weights is None:
            weights = model.get_weights()
        else:
            model.set_weights(weights)
        model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse")
        before = model.evaluate(x, y, batch_size=BATCH, verbose=0)
        history = model.fit(x, y, epochs=2, batch_size=BATCH, shuffle=False, verbose=0)
        results.append((before, history.history["loss"]))
    (k_before, k_hist), (l_before, l_hist) = results
    _close(l_before, k_before, what="evaluate() before fit")
    _close(l_hist, k_hist, what="history['loss']")


# ------------------------------------------------------------------------------- 5. summary()
ROW = re.compile(r"^\W\s*(\S+) \((\w+)\)\s*\W\s*(\([^)]*\))\s*\W\s*([\d,]+)\s*\W")
TOTAL = re.compile(r"(Total|Trainable|Non-trainable|Optimizer) params: ([\d,]+) \(([\d.]+ \w+)\)")


def _parse_summary(model):
    texts = []
    model.summary(print_fn=lambda text, **_: texts.append(text))
    text = "\n".join(texts)
    title = re.search(r'Model: "([^"]+)"', text).group(1)
    rows = [m.groups() for m in map(ROW.match, text.splitlines()) if m]
    totals = {kind: (count, size) for kind, count, size in TOTAL.findall(text)}
    return title, rows, totals


def _named_mlp(k, functional):
    layers = [
        k.layers.Dense(64, activation="relu", name="hidden1"),
        k.layers.Dense(64, activation="relu", name="hidden2"),
        k.layers.Dense(C, name="logits"),
    ]
    if not functional:
        return k.Sequential([k.Input((D,))] + layers, name="mlp")
    inputs = k.Input((D,), name="features")
    x = inputs
    for layer in layers:
        x = layer(x)
    return k.Model(inputs, x, name="mlp_fn")


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_summary_equals_keras(keras, functional):
    ref = _parse_summary(_named_mlp(keras, functional))
    got = _parse_summary(_named_mlp(lamina, functional))
    assert got == ref
    assert ref[2]["Total"] == ("6,922", "27.04 KB")
    assert len(ref[1]) == 3 + functional  # the functional table lists its InputLayer


def test_summary_after_fit_equals_keras(keras, data):
    parsed = []
    for k in (keras, lamina):
        model = _named_mlp(k, functional=False)
        model.compile(optimizer=k.optimizers.Adam(0.01), loss=_cce_logits(k))
        model.fit(data["x"][:64], data["onehot"][:64], epochs=1, batch_size=BATCH, verbose=0)
        parsed.append(_parse_summary(model))
    ref, got = parsed
    assert ref[2]["Optimizer"] == got[2]["Optimizer"]
    assert got == ref
