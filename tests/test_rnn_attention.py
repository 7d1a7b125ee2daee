"""Recurrent and attention layers against NumPy step-by-step references, plus training runs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras

RNG = np.random.default_rng(1)
X = RNG.normal(size=(3, 5, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1], [0, 1, 1, 1, 1]], bool)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_step(kind, w, x, states, reset_after=True):
    if kind == "simple":
        k, r, b = w
        h = np.tanh(x @ k + states[0] @ r + b)
        return h, [h]
    if kind == "lstm":
        k, r, b = w
        h, c = states
        z = x @ k + h @ r + b
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]
    k, r, b = w
    h = states[0]
    if reset_after:
        xz, xr, xh = np.split(x @ k + b[0], 3, axis=-1)
        rz, rr, rh = np.split(h @ r + b[1], 3, axis=-1)
        z, rg = sigmoid(xz + rz), sigmoid(xr + rr)
        hh = np.tanh(xh + rg * rh)
    else:
        u = h.shape[-1]
        xz, xr, xh = np.split(x @ k + b, 3, axis=-1)
        z, rg = sigmoid(xz + h @ r[:, :u]), sigmoid(xr + h @ r[:, u : 2 * u])
        hh = np.tanh(xh + (rg * h) @ r[:, 2 * u :])
    h = z * h + (1 - z) * hh
    return h, [h]


def np_rnn(kind, w, x, units, mask=None, go_backwards=False, reset_after=True):
    n_states = 2 if kind == "lstm" else 1
    states = [np.zeros((x.shape[0], units), "float32") for _ in range(n_states)]
    order = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    outputs = []
    for t in order:
        out, new = np_step(kind, w, x[:, t], states, reset_after)
        if mask is not None:
            keep = mask[:, t][:, None]
            out = np.where(keep, out, states[0])
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
        states = new
        outputs.append(out)
    return np.stack(outputs, axis=1), states


CASES = [
    ("simple", keras.layers.SimpleRNN, {}),
    ("lstm", keras.layers.LSTM, {}),
    ("gru", keras.layers.GRU, {}),
    ("gru", keras.layers.GRU, {"reset_after": False}),
]


@pytest.mark.parametrize("kind,cls,kwargs", CASES)
@pytest.mark.parametrize("masked,go_backwards", [(False, False), (True, False), (True, True)])
def test_matches_numpy_reference(kind, cls, kwargs, masked, go_backwards):
    layer = cls(3, return_sequences=True, return_state=True, go_backwards=go_backwards, **kwargs)
    mask = MASK if masked else None
    out, *states = layer(X, mask=mask)
    w = [np.asarray(v) for v in layer.get_weights()]
    ref_out, ref_states = np_rnn(kind, w, X, 3, mask, go_backwards, kwargs.get("reset_after", True))
    np.testing.assert_allclose(out, ref_out, atol=1e-5)
    for s, r in zip(states, ref_states, strict=True):
        np.testing.assert_allclose(s, r, atol=1e-5)
    last = cls(3, go_backwards=go_backwards, **kwargs)
    last(X)
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(X, mask=mask), ref_out[:, -1], atol=1e-5)


def test_lstm_weights_and_forget_bias():
    layer = keras.layers.LSTM(4, name="lstm")
    layer(X)
    assert [(v.path, tuple(v.shape)) for v in layer.weights] == [
        ("lstm/lstm_cell/kernel", (4, 16)),
        ("lstm/lstm_cell/recurrent_kernel", (4, 16)),
        ("lstm/lstm_cell/bias", (16,)),
    ]
    bias = np.asarray(layer.cell.bias.value)
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    rk = np.asarray(layer.cell.recurrent_kernel.value)
    np.testing.assert_allclose(rk @ rk.T, np.eye(4), atol=1e-5)  # orthogonal rows
    assert keras.layers.GRU(2)(X).shape == (3, 2)


def test_stateful_continues_and_resets():
    full = keras.layers.GRU(3, return_sequences=True)
    stateful = keras.layers.GRU(3, return_sequences=True, stateful=True)
    full(X)
    stateful(X)
    stateful.reset_states()
    stateful.set_weights(full.get_weights())
    assert len(stateful.weights) == 3 and len(stateful.non_trainable_variables) >= 1
    a = stateful(X[:, :2])
    b = stateful(X[:, 2:])
    np.testing.assert_allclose(np.concatenate([a, b], axis=1), full(X), atol=1e-5)
    stateful.reset_states()
    assert not np.any(np.asarray(stateful.states[0].value))
    np.testing.assert_allclose(stateful(X[:, :2]), a, atol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        stateful(X[:2])


def test_stateful_inside_stateless_call():
    layer = keras.layers.SimpleRNN(2, stateful=True)
    layer(X)
    layer.reset_states()
    out, new_nt = layer.stateless_call(
        [v.value for v in layer.trainable_variables],
        [v.value for v in layer.non_trainable_variables],
        X,
    )
    assert not np.any(np.asarray(layer.states[0].value))  # untouched outside the scope
    moved = [
        np.asarray(n)
        for v, n in zip(layer.non_trainable_variables, new_nt)
        if v.name == "rnn_state"
    ]
    np.testing.assert_allclose(moved[0], out, atol=1e-6)


class MinimalCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")

    def call(self, inputs, states):
        out = inputs @ self.kernel.value + states[0] @ self.recurrent_kernel.value
        return out, [out]


def test_custom_cell_and_stacked_cells():
    layer = keras.layers.RNN(MinimalCell(2), return_sequences=True)
    out = layer(X)
    k, r = (np.asarray(v) for v in layer.get_weights())
    h, ref = np.zeros((3, 2)), []
    for t in range(5):
        h = X[:, t] @ k + h @ r
        ref.append(h)
    np.testing.assert_allclose(out, np.stack(ref, 1), atol=1e-5)
    assert layer.weights[0].path == f"{layer.name}/minimal_cell/kernel"
    stacked = keras.layers.RNN([MinimalCell(3), keras.layers.LSTMCell(2)], return_state=True)
    out, s1, s2 = stacked(X)
    assert out.shape == (3, 2) and s1.shape == (3, 3) and len(s2) == 2


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge(merge_mode):
    layer = keras.layers.Bidirectional(
        keras.layers.LSTM(2, return_sequences=True), merge_mode=merge_mode
    )
    out = layer(X)
    fwd = np.asarray(layer.forward_layer(X))
    bwd = np.flip(np.asarray(layer.backward_layer(X)), axis=1)
    expected = {
        "concat": lambda: np.concatenate([fwd, bwd], -1),
        "sum": lambda: fwd + bwd,
        "mul": lambda: fwd * bwd,
        "ave": lambda: (fwd + bwd) / 2,
        None: lambda: None,
    }[merge_mode]()
    if merge_mode is None:
        np.testing.assert_allclose(out[0], fwd, atol=1e-6)
        np.testing.assert_allclose(out[1], bwd, atol=1e-6)
    else:
        np.testing.assert_allclose(out, expected, atol=1e-6)
    assert layer.forward_layer.name == "forward_lstm" or layer.forward_layer.name.startswith(
        "forward_"
    )
    assert layer.backward_layer.go_backwards


def test_time_distributed_dense():
    dense = keras.layers.Dense(3)
    td = keras.layers.TimeDistributed(dense)
    out = td(X)
    for t in range(5):
        np.testing.assert_allclose(out[:, t], dense(X[:, t]), atol=1e-6)
    assert td.compute_output_shape((None, 5, 4)) == (None, 5, 3)


def test_dropout_only_in_training_and_jit():
    layer = keras.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.3, seed=1)
    a = np.asarray(layer(X))
    np.testing.assert_allclose(layer(X), a)
    assert not np.allclose(layer(X, training=True), a)

    @jax.jit
    def run(tv, ntv):
        return layer.stateless_call(tv, ntv, X, training=True)

    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]
    out1, ntv = run(tv, ntv)
    out2, _ = run(tv, ntv)
    assert not np.allclose(out1, out2)  # the seed advanced between steps


def test_compiled_once_per_shape():
    calls = []

    class CountingCell(MinimalCell):
        def call(self, inputs, states):
            calls.append(1)
            return super().call(inputs, states)

    layer = keras.layers.RNN(CountingCell(2))
    layer(X)
    calls.clear()

    @jax.jit
    def f(tv, x):
        return layer.stateless_call(tv, [], x)[0]

    tv = [v.value for v in layer.trainable_variables]
    for _ in range(3):
        f(tv, X)
    assert len(calls) == 1  # one trace of the scanned step
    f(tv, X[:, :3])
    assert len(calls) == 2


def _sign_task(n=512, steps=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, steps, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")[:, None]
    return x, y


@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_learns_sequence_sign(rnn):
    keras.utils.set_random_seed(0)
    x, y = _sign_task()
    model = keras.Sequential(
        [keras.Input((8, 1)), getattr(keras.layers, rnn)(8), keras.layers.Dense(1, "sigmoid")]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=12, batch_size=64, verbose=0)
    xt, yt = _sign_task(256, seed=1)
    assert model.evaluate(xt, yt, verbose=0)[1] > 0.9


def test_masked_model_ignores_padding():
    keras.utils.set_random_seed(0)
    x, y = _sign_task(256, steps=6)
    padded = np.concatenate([x, np.zeros((256, 3, 1), "float32")], axis=1)
    model = keras.Sequential(
        [
            keras.Input((9, 1)),
            keras.layers.Masking(0.0),
            keras.layers.GRU(6),
            keras.layers.Dense(1, "sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(padded, y, epochs=2, batch_size=64, verbose=0)
    # Any values in fully masked (zero) padding steps give the same prediction as none at all.
    gru, dense = model.layers[1], model.layers[2]
    ref = dense(gru(x))
    np.testing.assert_allclose(model.predict(padded, verbose=0), ref, atol=1e-5)


def test_causal_mask_blocks_the_future():
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q = RNG.normal(size=(2, 5, 4)).astype("float32")
    out, scores = mha(q, q, use_causal_mask=True, return_attention_scores=True)
    assert np.all(np.triu(np.asarray(scores)[0, 0], k=1) == 0)
    changed = q.copy()
    changed[:, 3:] += 10.0
    out2 = mha(changed, changed, use_causal_mask=True)
    np.testing.assert_allclose(out[:, :3], out2[:, :3], atol=1e-5)
    att = keras.layers.Attention()
    o1 = att([q, q], use_causal_mask=True)
    o2 = att([changed, changed], use_causal_mask=True)
    np.testing.assert_allclose(o1[:, :3], o2[:, :3], atol=1e-5)


def test_mha_matches_numpy_and_masks():
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)
    q = RNG.normal(size=(2, 4, 5)).astype("float32")
    v = RNG.normal(size=(2, 6, 3)).astype("float32")
    vmask = RNG.random((2, 6)) > 0.3
    vmask[:, 0] = True
    out, scores = mha(q, v, value_mask=vmask, return_attention_scores=True)
    wq, bq, wk, bk, wv, bv, wo, bo = (np.asarray(w) for w in mha.get_weights())
    pq = np.einsum("btd,dnh->btnh", q, wq) + bq
    pk = np.einsum("bsd,dnh->bsnh", v, wk) + bk
    pv = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    logits = np.einsum("btnh,bsnh->bnts", pq / np.sqrt(3), pk)
    logits = np.where(vmask[:, None, None, :], logits, -1e9)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    ref = np.einsum("bnts,bsnh->btnh", p, pv)
    ref = np.einsum("btnh,nhd->btd", ref, wo) + bo
    np.testing.assert_allclose(scores, p, atol=1e-5)
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_transformer_block_trains():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 6, 8)).astype("float32")
    y = np.cumsum(x, axis=1)[..., :1] / 3.0  # needs causal mixing over time
    inp = keras.Input((6, 8))
    h = inp + keras.layers.MultiHeadAttention(2, 8)(inp, inp, use_causal_mask=True)
    h = h + keras.layers.Dense(8, activation="relu")(h)
    out = keras.layers.Dense(1)(h)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]


def test_bad_inputs_name_the_layer():
    with pytest.raises(ValueError, match="units"):
        keras.layers.LSTM(0)
    with pytest.raises(ValueError, match="merge_mode"):
        keras.layers.Bidirectional(keras.layers.GRU(2), merge_mode="max")
    with pytest.raises(ValueError):
        keras.layers.LSTM(2)(jnp.zeros((2, 3)))
    with pytest.raises(ValueError, match="list"):
        keras.layers.Attention()(jnp.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="stateful"):
        keras.Sequential([keras.Input((3, 2)), keras.layers.LSTM(2, stateful=True)])


def test_keras_archive_round_trip(tmp_path):
    inp = keras.Input((5, 4))
    h = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))(inp)
    h = keras.layers.TimeDistributed(keras.layers.Dense(4))(h)
    h = keras.layers.Add()([h, keras.layers.MultiHeadAttention(2, 2)(h, h)])
    h = keras.layers.RNN([keras.layers.GRUCell(3), keras.layers.SimpleRNNCell(2)])(h)
    model = keras.Model(inp, h)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
