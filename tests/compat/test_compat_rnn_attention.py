"""Recurrent and attention layers against Keras 3 (JAX backend): configs, weight layouts,
outputs with copied weights, and `.weights.h5` files in both directions."""

import re

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import lamina  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 1, 0, 0], [1, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]], bool)


def _flat(out):
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in keras.tree.flatten(list(out))]
    return [np.asarray(out)]


def _unnumbered(path):
    return re.sub(r"_\d+(?=/|$)", "", path)


def _strip(config):
    return {k: v for k, v in config.items() if k not in ("name",)}


def _compare(k_layer, l_layer, call, tol=1e-5):
    """Build both, copy weights Keras -> lamina, compare weights layout, config and outputs."""
    call(k_layer)
    call(l_layer)
    # Paths agree up to the per-process counters of automatic names (`dense_7` vs `dense`).
    assert [(_unnumbered(w.path), tuple(w.shape)) for w in l_layer.weights] == [
        (_unnumbered(w.path), tuple(w.shape)) for w in k_layer.weights
    ]
    l_layer.set_weights(k_layer.get_weights())
    for a, b in zip(_flat(call(k_layer)), _flat(call(l_layer)), strict=True):
        np.testing.assert_allclose(b, a, atol=tol, rtol=tol)
    return k_layer.get_config(), l_layer.get_config()


RNN_CASES = [
    ("SimpleRNN", {}, False),
    ("SimpleRNN", {"activation": "relu", "use_bias": False, "return_sequences": True}, True),
    ("LSTM", {}, True),
    ("LSTM", {"return_sequences": True, "return_state": True, "go_backwards": True}, True),
    ("LSTM", {"unit_forget_bias": False, "recurrent_activation": "hard_sigmoid"}, False),
    ("LSTM", {"unroll": True, "return_sequences": True}, True),
    ("GRU", {}, True),
    ("GRU", {"reset_after": False, "return_state": True}, True),
    ("GRU", {"use_bias": False, "go_backwards": True, "return_sequences": True}, False),
    # Last output only (carried through the loop, not stacked): backwards, masked, unrolled.
    ("LSTM", {"go_backwards": True}, True),
    ("GRU", {"go_backwards": True, "return_state": True}, True),
    ("SimpleRNN", {"unroll": True}, True),
]


@pytest.mark.parametrize("cls,kwargs,masked", RNN_CASES)
def test_recurrent_layers(cls, kwargs, masked):
    kl = getattr(keras.layers, cls)(5, **kwargs)
    ll = getattr(lamina.layers, cls)(5, **kwargs)
    mask = MASK if masked else None
    kc, lc = _compare(kl, ll, lambda layer: layer(X, mask=mask))
    assert _strip(lc) == _strip(kc)


@pytest.mark.parametrize("cls", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_cells_through_rnn(cls):
    kl = keras.layers.RNN(getattr(keras.layers, cls)(3), return_sequences=True)
    ll = lamina.layers.RNN(getattr(lamina.layers, cls)(3), return_sequences=True)
    kc, lc = _compare(kl, ll, lambda layer: layer(X, mask=MASK))
    assert _strip(lc["cell"]["config"]) == _strip(kc["cell"]["config"])


def test_stacked_cells():
    kl = keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)], return_state=True)
    ll = lamina.layers.RNN([lamina.layers.LSTMCell(3), lamina.layers.GRUCell(2)], return_state=True)
    _compare(kl, ll, lambda layer: layer(X, mask=MASK))


@pytest.mark.parametrize(
    "merge_mode,return_sequences",
    [("concat", True), ("sum", False), ("mul", True), ("ave", False), (None, True)],
)
def test_bidirectional(merge_mode, return_sequences):
    def make(m):
        return m.layers.Bidirectional(
            m.layers.GRU(3, return_sequences=return_sequences), merge_mode=merge_mode
        )

    kc, lc = _compare(make(keras), make(lamina), lambda layer: layer(X, mask=MASK))
    assert lc["merge_mode"] == kc["merge_mode"]
    assert lc["layer"]["config"]["name"].startswith("forward_gru")
    assert lc["backward_layer"]["config"]["go_backwards"]


def test_bidirectional_lstm_return_state():
    def make(m):
        return m.layers.Bidirectional(m.layers.LSTM(3, return_state=True))

    _compare(make(keras), make(lamina), lambda layer: layer(X))


def test_time_distributed_dense():
    kl = keras.layers.TimeDistributed(keras.layers.Dense(2))
    ll = lamina.layers.TimeDistributed(lamina.layers.Dense(2))
    kc, lc = _compare(kl, ll, lambda layer: layer(X))
    assert _strip(lc["layer"]["config"]) == _strip(kc["layer"]["config"])


Q = RNG.normal(size=(2, 5, 8)).astype("float32")
V = RNG.normal(size=(2, 7, 6)).astype("float32")
K = RNG.normal(size=(2, 7, 3)).astype("float32")
AMASK = RNG.random((2, 5, 7)) > 0.3


MHA_CASES = [
    ({"num_heads": 2, "key_dim": 4}, lambda m: m(Q, Q)),
    ({"num_heads": 2, "key_dim": 4}, lambda m: m(Q, V, K)),
    ({"num_heads": 3, "key_dim": 2, "use_bias": False}, lambda m: m(Q, V, attention_mask=AMASK)),
    ({"num_heads": 2, "key_dim": 4, "output_shape": 5}, lambda m: m(Q, Q, use_causal_mask=True)),
    ({"num_heads": 2, "key_dim": 4}, lambda m: m(Q, V, return_attention_scores=True)),
]


@pytest.mark.parametrize("kwargs,call", MHA_CASES)
def test_multi_head_attention(kwargs, call):
    kl = keras.layers.MultiHeadAttention(**kwargs)
    ll = lamina.layers.MultiHeadAttention(**kwargs)
    kc, lc = _compare(kl, ll, call)
    assert _strip(lc) == _strip(kc)


def test_multi_head_attention_value_dim_shapes():
    # Keras 3.15 on JAX fails on value_dim != key_dim; check lamina's layout by construction.
    mha = lamina.layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3)
    out, scores = mha(Q, V, return_attention_scores=True)
    assert out.shape == (2, 5, 8) and scores.shape == (2, 2, 5, 7)
    assert [tuple(w.shape) for w in mha.weights] == [
        (8, 2, 4),
        (2, 4),
        (6, 2, 4),
        (2, 4),
        (6, 2, 3),
        (2, 3),
        (2, 3, 8),
        (8,),
    ]
    q = lamina.Input((5, 8))
    v = lamina.Input((7, 6))
    o, s = lamina.layers.MultiHeadAttention(2, 4, value_dim=3)(q, v, return_attention_scores=True)
    assert tuple(o.shape) == (None, 5, 8) and tuple(s.shape) == (None, 2, 5, 7)


@pytest.mark.parametrize(
    "cls,kwargs,with_key",
    [
        ("Attention", {}, False),
        ("Attention", {"use_scale": True}, True),
        ("Attention", {"score_mode": "concat", "use_scale": True}, False),
        ("AdditiveAttention", {}, True),
        ("AdditiveAttention", {"use_scale": False}, False),
    ],
)
def test_attention_layers(cls, kwargs, with_key):
    q = RNG.normal(size=(2, 4, 3)).astype("float32")
    v = RNG.normal(size=(2, 5, 3)).astype("float32")
    k = RNG.normal(size=(2, 5, 3)).astype("float32")
    inputs = [q, v, k] if with_key else [q, v]
    mask = [np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool), np.array([[1, 1, 0, 1, 1]] * 2, bool)]
    kl = getattr(keras.layers, cls)(**kwargs)
    ll = getattr(lamina.layers, cls)(**kwargs)
    kc, lc = _compare(
        kl,
        ll,
        lambda layer: layer(inputs, mask=mask, return_attention_scores=True, use_causal_mask=True),
    )
    assert _strip(lc) == _strip(kc)


def _keras_model(m, kind):
    if kind == "lstm_gru":
        x = m.Input((6, 4))
        y = m.layers.LSTM(5, return_sequences=True)(x)
        y = m.layers.GRU(3)(y)
        return m.Model(x, m.layers.Dense(2)(y))
    if kind == "bidirectional":
        x = m.Input((6, 4))
        y = m.layers.Bidirectional(m.layers.LSTM(3, return_sequences=True))(x)
        y = m.layers.TimeDistributed(m.layers.Dense(2))(y)
        return m.Model(x, m.layers.RNN([m.layers.GRUCell(2), m.layers.SimpleRNNCell(2)])(y))
    x = m.Input((6, 4))
    y = m.layers.MultiHeadAttention(2, 3)(x, x)
    return m.Model(x, m.layers.Dense(2)(y))


@pytest.mark.parametrize("kind", ["lstm_gru", "bidirectional", "mha"])
def test_weights_files_both_ways(kind, tmp_path):
    km, lm = _keras_model(keras, kind), _keras_model(lamina, kind)
    path = str(tmp_path / "k.weights.h5")
    km.save_weights(path)
    lm.load_weights(path)
    np.testing.assert_allclose(np.asarray(lm(X[:, :, :4])), np.asarray(km(X)), atol=1e-5)
    km2 = _keras_model(keras, kind)
    lm.set_weights([w * 0.5 for w in lm.get_weights()])
    path2 = str(tmp_path / "l.weights.h5")
    lm.save_weights(path2)
    km2.load_weights(path2)
    np.testing.assert_allclose(np.asarray(km2(X)), np.asarray(lm(X)), atol=1e-5)
