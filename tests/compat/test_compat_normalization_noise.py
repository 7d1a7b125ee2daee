"""Normalization, noise, activation, embedding and masking layers against real Keras."""

import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lamina  # noqa: E402
from lamina.core.masking import get_keras_mask  # noqa: E402

RNG = np.random.default_rng(7)
ATOL = 1e-5


def _json(config):
    return json.loads(json.dumps(config, default=str))


# (class name, kwargs, per-sample input shape, whether training mode is deterministic)
CASES = [
    ("BatchNormalization", {}, (6,), True),
    ("BatchNormalization", {"axis": 1, "momentum": 0.9, "epsilon": 1e-2}, (3, 4), True),
    ("BatchNormalization", {"center": False}, (3, 4), True),
    ("BatchNormalization", {"scale": False, "gamma_regularizer": "l2"}, (6,), True),
    (
        "BatchNormalization",
        {"beta_initializer": "ones", "moving_variance_initializer": "zeros", "axis": -2},
        (3, 4),
        True,
    ),
    ("BatchNormalization", {"renorm": True, "renorm_momentum": 0.9}, (6,), True),
    (
        "BatchNormalization",
        {"renorm": True, "renorm_clipping": {"rmax": 1.5, "rmin": 0.5, "dmax": 0.2}},
        (3, 4),
        True,
    ),
    ("LayerNormalization", {}, (6,), True),
    ("LayerNormalization", {"axis": [1, 2], "epsilon": 1e-5}, (3, 4), True),
    ("LayerNormalization", {"axis": 1, "center": False}, (3, 4), True),
    ("LayerNormalization", {"scale": False, "beta_regularizer": "l2"}, (6,), True),
    ("GroupNormalization", {"groups": 2}, (3, 6), True),
    ("GroupNormalization", {"groups": -1, "epsilon": 1e-4}, (3, 4), True),
    ("GroupNormalization", {"groups": 3, "axis": 1}, (6, 2, 2), True),
    ("GroupNormalization", {"groups": 1, "center": False}, (2, 3, 4), True),
    ("UnitNormalization", {}, (6,), True),
    ("UnitNormalization", {"axis": [1, 2]}, (3, 4), True),
    ("RMSNormalization", {}, (6,), True),
    ("RMSNormalization", {"axis": [-2, -1], "epsilon": 1e-3}, (3, 4), True),
    ("SpatialDropout1D", {"rate": 0.3, "seed": 1}, (3, 4), False),
    ("SpatialDropout2D", {"rate": 0.5, "data_format": "channels_first"}, (3, 4, 4), False),
    ("SpatialDropout3D", {"rate": 0.2}, (2, 3, 3, 4), False),
    ("SpatialDropout2D", {"rate": 0.0}, (3, 4, 4), True),
    ("GaussianNoise", {"stddev": 0.5, "seed": 3}, (6,), False),
    ("GaussianNoise", {"stddev": 0.0}, (6,), True),
    ("GaussianDropout", {"rate": 0.4}, (6,), False),
    ("GaussianDropout", {"rate": 0.0}, (6,), True),
    ("AlphaDropout", {"rate": 0.2, "noise_shape": (None, 1)}, (6,), False),
    ("AlphaDropout", {"rate": 0.0}, (6,), True),
    ("ActivityRegularization", {"l1": 0.01, "l2": 0.1}, (6,), True),
    ("ReLU", {}, (6,), True),
    ("ReLU", {"max_value": 1.0}, (6,), True),
    ("ReLU", {"max_value": 6.0}, (6,), True),
    ("ReLU", {"negative_slope": 0.1}, (6,), True),
    ("ReLU", {"negative_slope": 0.2, "threshold": 0.5, "max_value": 1.5}, (6,), True),
    ("ReLU", {"threshold": 0.3}, (6,), True),
    ("LeakyReLU", {}, (6,), True),
    ("LeakyReLU", {"negative_slope": 0.05}, (6,), True),
    ("PReLU", {}, (3, 4), True),
    ("PReLU", {"shared_axes": [1], "alpha_initializer": "ones"}, (3, 4), True),
    ("PReLU", {"shared_axes": 2, "alpha_regularizer": "l2"}, (3, 4), True),
    ("ELU", {}, (6,), True),
    ("ELU", {"alpha": 0.5}, (6,), True),
    ("Softmax", {}, (6,), True),
    ("Softmax", {"axis": 1}, (3, 4), True),
    ("Softmax", {"axis": [1, 2]}, (3, 4), True),
    ("Masking", {}, (3, 4), True),
    ("Masking", {"mask_value": 1.0}, (3, 4), True),
]


def _input(shape, batch=4):
    x = RNG.normal(size=(batch, *shape)).astype("float32")
    if len(shape) >= 2:
        x[0, 1] = 0.0  # a fully "padded" step for Masking
    return x


def _randomize(layer):
    """Gives the Keras layer non-trivial weights (positive where they are variances)."""
    new = []
    for v in layer.weights:
        w = RNG.uniform(0.5, 1.5, size=v.shape).astype("float32")
        if not any(k in v.path for k in ("variance", "stddev")):
            w = w - 1.0
        new.append(w)
    layer.set_weights(new)


@pytest.mark.parametrize("class_name, kwargs, shape, deterministic", CASES)
def test_layer_matches_keras(class_name, kwargs, shape, deterministic):
    theirs = getattr(keras.layers, class_name)(name="probe", **kwargs)
    ours = getattr(lamina.layers, class_name)(name="probe", **kwargs)
    assert _json(ours.get_config()) == _json(theirs.get_config())
    assert ours.built == theirs.built

    x = _input(shape)
    k_out = theirs(x)
    l_out = ours(x)
    assert [v.path for v in ours.weights] == [v.path for v in theirs.weights]
    assert [tuple(v.shape) for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    assert [v.trainable for v in ours.weights] == [v.trainable for v in theirs.weights]
    assert _json(ours.get_config()) == _json(theirs.get_config())  # after build

    if theirs.weights:
        _randomize(theirs)
        ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        np.asarray(ours(x, training=False)), np.asarray(theirs(x, training=False)), atol=ATOL
    )
    if deterministic:
        np.testing.assert_allclose(
            np.asarray(ours(x, training=True)), np.asarray(theirs(x, training=True)), atol=ATOL
        )
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, atol=ATOL)  # moving statistics after the update
    else:
        out = np.asarray(ours(x, training=True))
        assert out.shape == x.shape and not np.allclose(out, x)
    assert tuple(l_out.shape) == tuple(k_out.shape)
    k_mask = getattr(k_out, "_keras_mask", None)
    l_mask = get_keras_mask(l_out)
    assert (k_mask is None) == (l_mask is None)
    if k_mask is not None:
        np.testing.assert_array_equal(np.asarray(l_mask), np.asarray(k_mask))

    # Symbolic shapes and a config round trip.
    sym = ours.__class__.from_config(theirs.get_config())(lamina.Input(shape))
    assert tuple(sym.shape) == tuple(theirs(keras.Input(shape)).shape)
    clone = ours.__class__.from_config(ours.get_config())
    assert _json(clone.get_config()) == _json(ours.get_config())


def test_activity_regularization_loss_matches_keras():
    x = _input((6,))
    theirs = keras.layers.ActivityRegularization(l1=0.01, l2=0.1)
    ours = lamina.layers.ActivityRegularization(l1=0.01, l2=0.1)
    theirs(x)
    ours(x)
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-5)


EMBEDDING_CASES = [
    {"input_dim": 10, "output_dim": 4},
    {"input_dim": 7, "output_dim": 3, "mask_zero": True},
    {
        "input_dim": 5,
        "output_dim": 2,
        "embeddings_initializer": "ones",
        "embeddings_regularizer": "l2",
    },
    {"input_dim": 6, "output_dim": 2, "embeddings_constraint": "non_neg"},
]


@pytest.mark.parametrize("kwargs", EMBEDDING_CASES)
def test_embedding_matches_keras(kwargs):
    theirs = keras.layers.Embedding(name="emb", **kwargs)
    ours = lamina.layers.Embedding(name="emb", **kwargs)
    assert _json(ours.get_config()) == _json(theirs.get_config())
    ids = RNG.integers(0, kwargs["input_dim"], size=(3, 5)).astype("int32")
    ids[:, -2:] = 0
    k_out = theirs(ids)
    l_out = ours(ids)
    assert [(v.path, tuple(v.shape)) for v in ours.weights] == [
        (v.path, tuple(v.shape)) for v in theirs.weights
    ]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(ids)), np.asarray(theirs(ids)), atol=ATOL)
    np.testing.assert_allclose(
        np.asarray(ours(ids.astype("float32"))), np.asarray(theirs(ids.astype("float32")))
    )
    k_mask = theirs.compute_mask(ids)
    l_mask = ours.compute_mask(ids)
    assert (k_mask is None) == (l_mask is None)
    if k_mask is not None:
        np.testing.assert_array_equal(np.asarray(l_mask), np.asarray(k_mask))
        np.testing.assert_array_equal(np.asarray(get_keras_mask(l_out)), np.asarray(k_mask))
        np.testing.assert_array_equal(np.asarray(k_out._keras_mask), np.asarray(k_mask))
    sym = ours(lamina.Input((5,), dtype="int32"))
    assert tuple(sym.shape) == tuple(theirs(keras.Input((5,), dtype="int32")).shape)


def test_softmax_mask_matches_keras():
    x = _input((3, 4))
    mask = RNG.uniform(size=(4, 3, 4)) > 0.4
    mask[0, 0] = False  # a fully masked row
    for m in (mask, mask[0, 0:1], mask.astype("float32")):
        np.testing.assert_allclose(
            np.asarray(lamina.layers.Softmax()(x, mask=m)),
            np.asarray(keras.layers.Softmax()(x, mask=m)),
            atol=ATOL,
        )


def test_batch_normalization_with_sequence_mask_matches_keras():
    x = _input((5, 3))
    mask = RNG.uniform(size=(4, 5)) > 0.3
    theirs = keras.layers.BatchNormalization(momentum=0.5)
    ours = lamina.layers.BatchNormalization(momentum=0.5)
    k_out = theirs(x, training=True, mask=mask)
    l_out = ours(x, training=True, mask=mask)
    np.testing.assert_allclose(np.asarray(l_out), np.asarray(k_out), atol=ATOL)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL)


def _bn_model(lib, renorm=False):
    return lib.Sequential(
        [
            lib.Input((6,)),
            lib.layers.Dense(8, name="d1"),
            lib.layers.BatchNormalization(name="bn", momentum=0.8, renorm=renorm),
            lib.layers.Dense(1, name="d2"),
        ]
    )


@pytest.mark.parametrize("renorm", [False, True])
def test_batch_normalization_fit_with_partial_batch_matches_keras(renorm):
    """100 samples with batch 32: lamina pads the last batch of 4 and masks the padding out of
    the batch statistics; the result must equal Keras's, which runs a batch of 4."""
    x = RNG.normal(size=(100, 6)).astype("float32") * 2.0 + 1.0
    y = (x[:, :1] * 0.5 - x[:, 1:2]).astype("float32")
    theirs = _bn_model(keras, renorm)
    ours = _bn_model(lamina, renorm)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse")
    k_hist = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    l_hist = ours.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(l_hist.history["loss"], k_hist.history["loss"], rtol=1e-5)
    bn_k = theirs.get_layer("bn")
    bn_l = ours.get_layer("bn")
    assert [v.name for v in bn_l.weights] == [v.name for v in bn_k.weights]
    for a, b in zip(bn_l.get_weights(), bn_k.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL)
    np.testing.assert_allclose(
        ours.predict(x, batch_size=32, verbose=0),
        theirs.predict(x, batch_size=32, verbose=0),
        atol=1e-4,
    )
    np.testing.assert_allclose(
        ours.evaluate(x, y, batch_size=32, verbose=0),
        theirs.evaluate(x, y, batch_size=32, verbose=0),
        rtol=1e-5,
    )


def test_frozen_batch_normalization_fit_matches_keras():
    x = RNG.normal(size=(40, 6)).astype("float32")
    y = x[:, :1].astype("float32")
    theirs = _bn_model(keras)
    ours = _bn_model(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.get_layer("bn").trainable = False
    ours.get_layer("bn").trainable = False
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse")
    theirs.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL)


def test_stateless_call_non_trainable_order_matches_keras():
    def build(lib):
        model = lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(3, name="d"),
                lib.layers.Dropout(0.5, name="drop"),
                lib.layers.BatchNormalization(name="bn"),
            ]
        )
        return [v.name for v in model.non_trainable_variables]

    assert build(lamina) == build(keras)


@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("GaussianNoise", {"stddev": -0.1}),
        ("GaussianNoise", {"stddev": 1.5}),
        ("GaussianDropout", {"rate": -0.1}),
        ("AlphaDropout", {"rate": 1.5}),
        ("SpatialDropout1D", {"rate": -1.0}),
        ("ReLU", {"max_value": -1.0}),
        ("ReLU", {"negative_slope": -0.1}),
        ("ReLU", {"threshold": -0.1}),
        ("LeakyReLU", {"negative_slope": -0.3}),
        ("GroupNormalization", {"groups": 0}),
        ("Embedding", {"input_dim": 0, "output_dim": 3}),
        ("Embedding", {"input_dim": 3, "output_dim": -1}),
        ("BatchNormalization", {"renorm": True, "renorm_clipping": {"rmax": 0.5, "rmin": 1.0}}),
        ("BatchNormalization", {"renorm": True, "renorm_clipping": {"bogus": 1.0}}),
    ],
)
def test_invalid_arguments_fail_at_construction_like_keras(class_name, kwargs):
    with pytest.raises(ValueError):
        getattr(keras.layers, class_name)(**kwargs)
    with pytest.raises(ValueError):
        getattr(lamina.layers, class_name)(**kwargs)


@pytest.mark.parametrize(
    "class_name, kwargs",
    [("LayerNormalization", {"axis": "x"}), ("UnitNormalization", {"axis": 1.5})],
)
def test_bad_axis_type_raises_type_error_like_keras(class_name, kwargs):
    with pytest.raises(TypeError):
        getattr(keras.layers, class_name)(**kwargs)
    with pytest.raises(TypeError):
        getattr(lamina.layers, class_name)(**kwargs)


class _MaskedMean(lamina.Layer):
    """lamina's stand-in for a masked `GlobalAveragePooling1D`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        w = mask[..., None].astype(x.dtype)
        return (x * w).sum(axis=1) / w.sum(axis=1)

    def compute_mask(self, x, previous_mask=None):
        return None


def test_masked_embedding_batch_norm_fit_with_partial_batch_matches_keras():
    """Both masks at once: Embedding(mask_zero) padding and the engine's padded last batch."""
    ids = RNG.integers(1, 20, size=(50, 6)).astype("int32")
    ids[:, 4:] = 0
    ids[::3, 2:] = 0
    y = RNG.normal(size=(50, 1)).astype("float32")

    def build(lib, pool):
        inputs = lib.Input((6,), dtype="int32")
        h = lib.layers.Embedding(20, 4, mask_zero=True)(inputs)
        h = lib.layers.BatchNormalization(momentum=0.5)(h)
        return lib.Model(inputs, lib.layers.Dense(1)(pool(h)))

    theirs = build(keras, keras.layers.GlobalAveragePooling1D())
    ours = build(lamina, _MaskedMean())
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    k_hist = theirs.fit(ids, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    l_hist = ours.fit(ids, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(l_hist.history["loss"], k_hist.history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL)
