"""Normalization, noise, activation, embedding and masking layers against NumPy formulas."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.core.masking import get_keras_mask

RNG = np.random.default_rng(3)
ATOL = 1e-5


def _np_batch_norm(x, mean, var, gamma, beta, eps):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# --------------------------------------------------------------------- BatchNormalization
def test_batch_normalization_training_and_inference():
    x = RNG.normal(size=(8, 3)).astype("float32") * 3 + 2
    bn = layers.BatchNormalization(momentum=0.9)
    out = bn(x)  # inference by default: moving stats are 0 and 1
    np.testing.assert_allclose(np.asarray(out), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    gamma = RNG.uniform(0.5, 2, size=3).astype("float32")
    beta = RNG.normal(size=3).astype("float32")
    bn.set_weights([gamma, beta, np.zeros(3), np.ones(3)])
    out = bn(x, training=True)
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(
        np.asarray(out), _np_batch_norm(x, mean, var, gamma, beta, 1e-3), atol=1e-5
    )
    np.testing.assert_allclose(bn.get_weights()[2], 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.get_weights()[3], 0.9 + 0.1 * var, rtol=1e-5)  # biased var
    out = bn(x, training=False)
    mm, mv = bn.get_weights()[2:]
    np.testing.assert_allclose(
        np.asarray(out), _np_batch_norm(x, mm, mv, gamma, beta, 1e-3), atol=1e-5
    )


def test_batch_normalization_defaults_and_weights():
    bn = layers.BatchNormalization()
    assert (bn.axis, bn.momentum, bn.epsilon, bn.center, bn.scale) == (-1, 0.99, 1e-3, True, True)
    bn.build((None, 4, 5))
    assert [v.path for v in bn.weights] == [
        f"{bn.name}/{n}" for n in ("gamma", "beta", "moving_mean", "moving_variance")
    ]
    assert [v.trainable for v in bn.weights] == [True, True, False, False]
    assert all(v.shape == (5,) for v in bn.weights)
    bare = layers.BatchNormalization(center=False, scale=False, axis=1)
    bare(np.ones((2, 3, 4), "float32"))
    assert [v.name for v in bare.weights] == ["moving_mean", "moving_variance"]
    assert bare.weights[0].shape == (3,)


def test_batch_normalization_channels_first_axis():
    x = RNG.normal(size=(4, 3, 5, 5)).astype("float32")
    bn = layers.BatchNormalization(axis=1, epsilon=0.01)
    out = np.asarray(bn(x, training=True))
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 0.01), atol=1e-5)
    assert bn.weights[0].shape == (3,)


def test_batch_normalization_not_trainable_runs_in_inference_mode():
    x = RNG.normal(size=(8, 3)).astype("float32") + 5
    bn = layers.BatchNormalization()
    bn.build(x.shape)
    bn.trainable = False
    out = bn(x, training=True)
    np.testing.assert_allclose(np.asarray(out), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.get_weights()[2], np.zeros(3))


def test_batch_normalization_stateless_call_returns_new_moving_stats():
    x = RNG.normal(size=(6, 2)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.5)
    bn.build(x.shape)
    trainable = [v.value for v in bn.trainable_variables]
    non_trainable = [v.value for v in bn.non_trainable_variables]

    @jax.jit
    def step(t, nt, x):
        return bn.stateless_call(t, nt, x, training=True)

    out, (mm, mv) = step(trainable, non_trainable, x)
    np.testing.assert_allclose(np.asarray(mm), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(mv), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    np.testing.assert_array_equal(bn.get_weights()[2], np.zeros(2))  # variables untouched


def test_batch_normalization_respects_an_input_mask():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    bn = layers.BatchNormalization(momentum=0.0)
    bn(x, training=True, mask=mask)
    kept = x[mask]
    np.testing.assert_allclose(bn.get_weights()[2], kept.mean(0), atol=1e-5)
    np.testing.assert_allclose(bn.get_weights()[3], kept.var(0), atol=1e-5)
    with pytest.raises(ValueError, match="one axis less"):
        bn(x, training=True, mask=mask[..., None])


def test_batch_normalization_fit_moving_stats_ignore_padded_rows():
    """100 samples, batch 32: the engine pads the last batch of 4; the padded rows must not
    reach the statistics. With learning rate 0 the moving stats follow the raw batches."""
    x = (RNG.normal(size=(100, 3)) * [1.0, 2.0, 0.5] + [0.0, 3.0, -1.0]).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.BatchNormalization(momentum=0.7)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.fit(x, x, batch_size=32, epochs=2, shuffle=False, verbose=0)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(2):
        for start in range(0, 100, 32):
            batch = x[start : start + 32]
            mean = 0.7 * mean + 0.3 * batch.mean(0)
            var = 0.7 * var + 0.3 * batch.var(0)
    got = model.layers[0].get_weights()
    np.testing.assert_allclose(got[2], mean, atol=1e-5)
    np.testing.assert_allclose(got[3], var, atol=1e-5)


def test_frozen_batch_normalization_keeps_moving_stats_during_fit():
    x = RNG.normal(size=(40, 3)).astype("float32") + 4
    bn = layers.BatchNormalization()
    model = keras.Sequential([keras.Input((3,)), bn, layers.Dense(1)])
    bn.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = bn.get_weights()
    model.fit(x, x[:, :1], batch_size=16, epochs=1, verbose=0)
    for a, b in zip(bn.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_batch_normalization_bad_axis_names_the_layer():
    bn = layers.BatchNormalization(axis=3, name="bn_bad")
    with pytest.raises(ValueError, match="bn_bad.*axis=3"):
        bn(np.ones((2, 3), "float32"))


def test_batch_normalization_renorm_adds_state():
    bn = layers.BatchNormalization(renorm=True)
    bn.build((None, 2))
    assert [v.name for v in bn.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance",
        "moving_stddev", "renorm_mean", "renorm_stddev",
    ]  # fmt: skip


# --------------------------------------------------------------------- other normalizations
def test_layer_normalization_matches_numpy():
    x = RNG.normal(size=(4, 3, 5)).astype("float32")
    ln = layers.LayerNormalization()
    out = np.asarray(ln(x))
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert ln.get_config()["axis"] == [-1]
    ln2 = layers.LayerNormalization(axis=[1, 2], center=False)
    out = np.asarray(ln2(x))
    ref = (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert [v.shape for v in ln2.weights] == [(3, 5)]


def test_layer_normalization_rms_scaling_warns():
    with pytest.warns(UserWarning, match="rms_scaling"):
        ln = layers.LayerNormalization(rms_scaling=True)
    x = RNG.normal(size=(2, 4)).astype("float32")
    out = np.asarray(ln(x))
    np.testing.assert_allclose(out, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), atol=1e-5)
    assert [v.name for v in ln.weights] == ["gamma"]


def test_group_normalization_matches_numpy():
    x = RNG.normal(size=(2, 5, 6)).astype("float32")
    gn = layers.GroupNormalization(groups=3)
    out = np.asarray(gn(x))
    g = x.reshape(2, 5, 3, 2)
    ref = (g - g.mean((1, 3), keepdims=True)) / np.sqrt(g.var((1, 3), keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, ref.reshape(x.shape), atol=1e-5)
    with pytest.raises(ValueError, match="multiple"):
        layers.GroupNormalization(groups=4)(x)
    with pytest.raises(ValueError, match="more than"):
        layers.GroupNormalization(groups=8)(x)
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)


def test_unit_and_rms_normalization_match_numpy():
    x = RNG.normal(size=(3, 4)).astype("float32")
    x[0] = 0.0
    out = np.asarray(layers.UnitNormalization()(x))
    norms = np.linalg.norm(x[1:], axis=-1, keepdims=True)
    np.testing.assert_allclose(out[1:], x[1:] / norms, atol=1e-6)
    np.testing.assert_array_equal(out[0], 0.0)
    rms = layers.RMSNormalization()
    out = np.asarray(rms(x[1:]))
    ref = x[1:] / np.sqrt((x[1:] ** 2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert [v.name for v in rms.weights] == ["scale"]


# --------------------------------------------------------------------- noise
NOISE = [
    layers.SpatialDropout1D(0.5, seed=1),
    layers.GaussianNoise(0.3, seed=1),
    layers.GaussianDropout(0.3, seed=1),
    layers.AlphaDropout(0.3, seed=1),
]


@pytest.mark.parametrize("layer", NOISE, ids=lambda layer: type(layer).__name__)
def test_noise_layers_act_only_in_training(layer):
    x = RNG.normal(size=(16, 10, 8)).astype("float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    a = np.asarray(layer(x, training=True))
    b = np.asarray(layer(x, training=True))
    assert not np.allclose(a, x) and not np.allclose(a, b)  # the generator advances
    assert len(layer.non_trainable_variables) == 1  # its seed state


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((64, 5, 5, 8), "float32")
    out = np.asarray(layers.SpatialDropout2D(0.5, seed=2)(x, training=True))
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert (out == out[:, :1, :1, :]).all()  # constant over the spatial axes
    assert 0.35 < (out > 0).mean() < 0.65
    first = np.asarray(layers.SpatialDropout2D(0.5, data_format="channels_first")(x, training=True))
    assert (first == first[:, :, :1, :1]).all()
    with pytest.raises(ValueError, match="rate"):
        layers.SpatialDropout3D(1.5)


def test_noise_statistics():
    x = np.full((200, 500), 2.0, "float32")
    out = np.asarray(layers.GaussianNoise(0.5, seed=0)(x, training=True))
    assert abs(out.mean() - 2.0) < 0.01 and abs(out.std() - 0.5) < 0.01
    out = np.asarray(layers.GaussianDropout(0.2, seed=0)(x, training=True))
    assert abs(out.mean() - 2.0) < 0.01 and abs(out.std() - 2.0 * 0.5) < 0.01
    z = RNG.normal(size=(200, 500)).astype("float32")
    out = np.asarray(layers.AlphaDropout(0.2, seed=0)(z, training=True))
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1.0) < 0.02  # SELU fixed point kept


def test_activity_regularization_adds_a_loss():
    x = RNG.normal(size=(4, 3)).astype("float32")
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x**2).sum()) / 4
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)
    assert "activity_regularizer" not in layer.get_config()


# --------------------------------------------------------------------- activation layers
X = np.linspace(-3, 3, 25, dtype="float32").reshape(5, 5)


@pytest.mark.parametrize(
    "layer, ref",
    [
        (layers.ReLU(), np.maximum(X, 0)),
        (layers.ReLU(max_value=1.0), np.clip(X, 0, 1)),
        (
            layers.ReLU(negative_slope=0.1, threshold=0.5),
            np.where(X > 0.5, X, 0.1 * (X - 0.5)),
        ),
        (layers.LeakyReLU(), np.where(X > 0, X, 0.3 * X)),
        (layers.ELU(alpha=0.5), np.where(X > 0, X, 0.5 * (np.exp(X) - 1))),
        (layers.Softmax(), np.exp(X) / np.exp(X).sum(-1, keepdims=True)),
        (layers.Softmax(axis=0), np.exp(X) / np.exp(X).sum(0, keepdims=True)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, keras.Layer) else "",
)
def test_activation_layers_match_numpy(layer, ref):
    np.testing.assert_allclose(np.asarray(layer(X)), ref, atol=1e-6)


def test_prelu_learns_per_feature_slopes():
    layer = layers.PReLU(alpha_initializer="ones", shared_axes=[1])
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    layer.build(x.shape)
    assert layer.alpha.shape == (1, 4)
    alpha = np.array([[0.1, 0.2, 0.3, 0.4]], "float32")
    layer.set_weights([alpha])
    np.testing.assert_allclose(np.asarray(layer(x)), np.where(x > 0, x, alpha * x), atol=1e-6)


def test_softmax_honours_a_mask():
    x = RNG.normal(size=(2, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], bool)
    out = np.asarray(layers.Softmax()(x, mask=mask))
    e = np.exp(x[0, :2])
    np.testing.assert_allclose(out[0], np.r_[e / e.sum(), 0, 0], atol=1e-6)
    np.testing.assert_array_equal(out[1], 0.0)


def test_relu_rejects_negative_arguments():
    for kwargs in ({"max_value": -1}, {"negative_slope": -0.1}, {"threshold": -1}):
        with pytest.raises(ValueError):
            layers.ReLU(**kwargs)


# --------------------------------------------------------------------- Embedding, Masking
class MaskedMean(keras.Layer):
    """Mean over time of the unmasked steps (a masked global average pooling)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is None:
            return jnp.mean(x, axis=1)
        w = mask[..., None].astype(x.dtype)
        return jnp.sum(x * w, axis=1) / jnp.maximum(jnp.sum(w, axis=1), 1.0)

    def compute_mask(self, x, previous_mask=None):
        return None


def test_embedding_lookup_and_mask_zero():
    emb = layers.Embedding(6, 3, mask_zero=True)
    ids = np.array([[1, 2, 0, 0], [5, 0, 0, 0]], "int32")
    out = emb(ids)
    table = emb.get_weights()[0]
    assert emb.weights[0].name == "embeddings" and table.shape == (6, 3)
    assert np.abs(table).max() <= 0.05  # 'uniform' is U(-0.05, 0.05)
    np.testing.assert_allclose(np.asarray(out), table[ids])
    np.testing.assert_array_equal(np.asarray(get_keras_mask(out)), ids != 0)
    pooled = np.asarray(MaskedMean()(out))
    np.testing.assert_allclose(pooled[0], table[[1, 2]].mean(0), atol=1e-6)
    np.testing.assert_allclose(pooled[1], table[5], atol=1e-6)
    assert get_keras_mask(layers.Embedding(6, 3)(ids)) is None
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 3)


def test_embedding_masked_model_ignores_padding_and_trains():
    ids = RNG.integers(1, 20, size=(256, 6)).astype("int32")
    lengths = RNG.integers(2, 7, size=256)
    ids[np.arange(6)[None, :] >= lengths[:, None]] = 0
    y = (np.sum(ids == 3, axis=1) > 0).astype("float32")[:, None]
    inputs = keras.Input((None,), dtype="int32")
    hidden = layers.Embedding(20, 8, mask_zero=True)(inputs)
    outputs = layers.Dense(1, activation="sigmoid")(MaskedMean()(hidden))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(ids, y, batch_size=32, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    padded = np.concatenate([ids[:8], np.zeros((8, 5), "int32")], axis=1)
    np.testing.assert_allclose(
        model.predict(padded, verbose=0), model.predict(ids[:8], verbose=0), atol=1e-6
    )


def test_masking_zeroes_masked_steps_and_sets_the_mask():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    x[0, 1] = -1.0
    x[1, 3] = -1.0
    x[1, 0, 0] = -1.0  # only partly equal: kept
    out = layers.Masking(mask_value=-1.0)(x)
    expected_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    np.testing.assert_array_equal(np.asarray(get_keras_mask(out)), expected_mask)
    np.testing.assert_array_equal(np.asarray(out), np.where(expected_mask[..., None], x, 0.0))
    sym = layers.Masking()(keras.Input((4, 3)))
    assert sym._keras_mask.shape == (None, 4)
