"""The hand-written side: pure-JAX forwards, optax Adam, jitted steps with donated state.

The training state is a dict `{"params", "opt"}` (plus `"key"`, a PRNG key split inside the step,
for the CNN's dropout), passed to and returned from every jitted step and donated.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from workloads import DROPOUT, EPSILON, LEARNING_RATE, Workload, init_params_numpy


# ---------------------------------------------------------------------------------- forwards
def _dense(p, x):
    return x @ p["w"] + p["b"]


def mlp_forward(params, x, key=None):
    for layer in params["dense"][:-1]:
        x = jax.nn.relu(_dense(layer, x))
    return _dense(params["dense"][-1], x)


def _max_pool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def cnn_forward(params, x, key=None):
    """NHWC input, HWIO kernels, 'valid' convolutions and pooling; dropout when `key` is given."""
    for conv in params["convs"]:
        x = jax.lax.conv_general_dilated(
            x, conv["w"], (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        x = _max_pool(jax.nn.relu(x + conv["b"]))
    x = x.reshape(x.shape[0], -1)
    if key is not None:
        keep = 1.0 - DROPOUT
        mask = jax.random.bernoulli(key, keep, x.shape)
        x = jnp.where(mask, x / keep, 0.0)
    return _dense(params["out"], x)


def lstm_forward(params, x, key=None):
    """Embedding lookup, then a Keras-style LSTM cell (gates i, f, c, o; sigmoid / tanh) scanned
    over time, the input projection inside the cell; the last hidden state feeds the Dense."""
    emb = jnp.take(params["emb"], x, axis=0)  # (batch, time, embed)
    w, u, b = params["kernel"], params["recurrent"], params["bias"]
    units = u.shape[0]

    def cell(carry, xt):
        h, c = carry
        z = xt @ w + h @ u + b
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], units), emb.dtype)
    (h, _), _ = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(emb, 0, 1))
    return _dense(params["out"], h)


FORWARDS = {"mlp": mlp_forward, "cnn": cnn_forward, "lstm": lstm_forward}


class JaxLoops:
    """Hand-written training / inference loops for one workload and one dataset."""

    def __init__(self, wl: Workload, x: np.ndarray, y: np.ndarray, seed: int = 0):
        self.wl = wl
        self.x, self.y = x, y
        self.n = x.shape[0]
        self.steps = self.n // wl.batch_size
        self.rng = np.random.default_rng(seed + 1)
        self.opt = optax.adam(LEARNING_RATE, eps=EPSILON)
        params = jax.tree.map(jnp.asarray, init_params_numpy(wl, seed))
        self.state = {"params": params, "opt": self.opt.init(params)}
        self.uses_rng = wl.kind == "cnn"
        if self.uses_rng:
            self.state["key"] = jax.random.PRNGKey(seed)
        self._x_dev = self._y_dev = None
        opt, bs, steps = self.opt, wl.batch_size, self.steps
        fwd = FORWARDS[wl.kind]
        self.forward_fn = fwd

        def loss_fn(params, xb, yb, key=None):
            return optax.softmax_cross_entropy(fwd(params, xb, key), yb).mean()

        def train_step(state, xb, yb):
            new = {}
            key = None
            if "key" in state:
                new["key"], key = jax.random.split(state["key"])
            loss, grads = jax.value_and_grad(loss_fn)(state["params"], xb, yb, key)
            updates, new["opt"] = opt.update(grads, state["opt"], state["params"])
            new["params"] = optax.apply_updates(state["params"], updates)
            return new, loss

        def step_indexed(state, x_all, y_all, perm, i):
            idx = jax.lax.dynamic_index_in_dim(perm, i, keepdims=False)
            state, loss = train_step(state, jnp.take(x_all, idx, axis=0), jnp.take(y_all, idx, 0))
            return state, loss, i + 1

        def epoch_scan(state, x_all, y_all, perm):
            def body(st, idx):
                return train_step(st, jnp.take(x_all, idx, axis=0), jnp.take(y_all, idx, 0))

            state, losses = jax.lax.scan(body, state, perm)
            return state, losses[-1]

        def batch_sums(params, xb, yb):
            logits = fwd(params, xb)
            loss = optax.softmax_cross_entropy(logits, yb).sum()
            hits = (jnp.argmax(logits, -1) == jnp.argmax(yb, -1)).sum().astype(jnp.float32)
            return jnp.stack([loss, hits])

        def eval_step(params, totals, xb, yb):
            return totals + batch_sums(params, xb, yb)

        def eval_indexed(params, totals, x_all, y_all, i):
            xb = jax.lax.dynamic_slice_in_dim(x_all, i * bs, bs)
            yb = jax.lax.dynamic_slice_in_dim(y_all, i * bs, bs)
            return totals + batch_sums(params, xb, yb), i + 1

        def predict_indexed(params, x_all, i):
            return fwd(params, jax.lax.dynamic_slice_in_dim(x_all, i * bs, bs)), i + 1

        def _batched(a):
            return a[: steps * bs].reshape(steps, bs, *a.shape[1:])

        def eval_scan(params, x_all, y_all):
            def body(totals, xy):
                return totals + batch_sums(params, *xy), None

            totals, _ = jax.lax.scan(body, jnp.zeros((2,)), (_batched(x_all), _batched(y_all)))
            return totals

        def predict_scan(params, x_all):
            _, outs = jax.lax.scan(lambda c, xb: (c, fwd(params, xb)), 0, _batched(x_all))
            return outs.reshape(steps * bs, -1)

        self.train_step = jax.jit(train_step, donate_argnums=(0,))
        self.train_step_indexed = jax.jit(step_indexed, donate_argnums=(0, 4))
        self.train_epoch_scan = jax.jit(epoch_scan, donate_argnums=(0,))
        self.eval_step = jax.jit(eval_step, donate_argnums=(1,))
        self.eval_indexed = jax.jit(eval_indexed, donate_argnums=(1, 4))
        self.eval_scan_fn = jax.jit(eval_scan)
        self.forward = jax.jit(fwd)
        self.predict_indexed = jax.jit(predict_indexed, donate_argnums=(2,))
        self.predict_scan_fn = jax.jit(predict_scan)

    @property
    def params(self):
        return self.state["params"]

    def _device_data(self):
        if self._x_dev is None:
            self._x_dev, self._y_dev = jnp.asarray(self.x), jnp.asarray(self.y)
        return self._x_dev, self._y_dev

    def _perm(self):
        bs = self.wl.batch_size
        return self.rng.permutation(self.n)[: self.steps * bs].reshape(self.steps, bs)

    # ---- training epochs (each ends with block_until_ready; returns the last batch's loss)
    def epoch_numpy_feed(self):
        """Shuffles on the host once per epoch, then feeds contiguous NumPy slices per step."""
        perm = self._perm().reshape(-1)
        xs, ys = self.x[perm], self.y[perm]
        bs = self.wl.batch_size
        state, loss = self.state, None
        for i in range(self.steps):
            sl = slice(i * bs, (i + 1) * bs)
            state, loss = self.train_step(state, xs[sl], ys[sl])
        self.state = jax.block_until_ready(state)
        return float(loss)

    def epoch_on_device(self):
        """Data already on device; a per-epoch permutation; batches gathered inside the step."""
        x_all, y_all = self._device_data()
        perm = jnp.asarray(self._perm(), dtype=jnp.int32)
        i = jnp.zeros((), jnp.int32)
        state, loss = self.state, None
        for _ in range(self.steps):
            state, loss, i = self.train_step_indexed(state, x_all, y_all, perm, i)
        self.state = jax.block_until_ready(state)
        return float(loss)

    def epoch_scan(self):
        x_all, y_all = self._device_data()
        perm = jnp.asarray(self._perm(), dtype=jnp.int32)
        self.state, loss = self.train_epoch_scan(self.state, x_all, y_all, perm)
        jax.block_until_ready(self.state)
        return float(loss)

    def first_step(self):
        """One training step on the first batch (time-to-first-step measurements)."""
        bs = self.wl.batch_size
        self.state, loss = self.train_step(self.state, self.x[:bs], self.y[:bs])
        jax.block_until_ready(self.state)
        return float(loss)

    # ---- inference passes (no shuffling, full batches); evaluate returns (loss, accuracy)
    def _means(self, totals):
        loss, hits = np.asarray(totals)
        count = self.steps * self.wl.batch_size
        return float(loss) / count, float(hits) / count

    def evaluate_numpy_feed(self):
        bs = self.wl.batch_size
        totals = jnp.zeros((2,), jnp.float32)
        for i in range(self.steps):
            sl = slice(i * bs, (i + 1) * bs)
            totals = self.eval_step(self.params, totals, self.x[sl], self.y[sl])
        return self._means(totals)

    def evaluate_on_device(self):
        x_all, y_all = self._device_data()
        totals, i = jnp.zeros((2,), jnp.float32), jnp.zeros((), jnp.int32)
        for _ in range(self.steps):
            totals, i = self.eval_indexed(self.params, totals, x_all, y_all, i)
        return self._means(totals)

    def evaluate_scan(self):
        """Whole dataset in one jitted `lax.scan` over batches (data already on the device)."""
        x_all, y_all = self._device_data()
        return self._means(self.eval_scan_fn(self.params, x_all, y_all))

    def predict_numpy_feed(self):
        bs = self.wl.batch_size
        outs = [self.forward(self.params, self.x[i * bs : (i + 1) * bs]) for i in range(self.steps)]
        return np.concatenate(jax.device_get(outs))

    def predict_on_device(self):
        x_all, _ = self._device_data()
        i = jnp.zeros((), jnp.int32)
        outs = []
        for _ in range(self.steps):
            out, i = self.predict_indexed(self.params, x_all, i)
            outs.append(out)
        return np.concatenate(jax.device_get(outs))

    def predict_scan(self):
        x_all, _ = self._device_data()
        return np.asarray(self.predict_scan_fn(self.params, x_all))
