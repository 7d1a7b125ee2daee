"""`lamina.ops`: values against NumPy, symbolic shapes, graph nodes, replay and training."""

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import ops
from lamina.core.symbolic import KerasTensor
from lamina.ops.operation import OpLayer

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(3, 4)).astype("float32")
P = RNG.uniform(0.1, 2.0, size=(3, 4)).astype("float32")
M = RNG.normal(size=(4, 5)).astype("float32")
IDX = np.array([[0, 2], [1, 3], [3, 0]], dtype="int32")


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


# (name, call, numpy reference); `call` receives the first array (maybe a Variable) as `x`.
VALUE_CASES = [
    ("add", lambda x: ops.add(x, B), lambda x: x + B),
    ("subtract", lambda x: ops.subtract(x, 1.5), lambda x: x - 1.5),
    ("multiply", lambda x: ops.multiply(x, B), lambda x: x * B),
    ("divide", lambda x: ops.divide(x, P), lambda x: x / P),
    ("true_divide", lambda x: ops.true_divide(x, P), lambda x: x / P),
    ("power", lambda x: ops.power(x, 2), lambda x: x**2),
    ("negative", ops.negative, np.negative),
    ("abs", ops.abs, np.abs),
    ("absolute", ops.absolute, np.abs),
    ("square", ops.square, np.square),
    ("sqrt", lambda x: ops.sqrt(ops.abs(x)), lambda x: np.sqrt(np.abs(x))),
    ("exp", ops.exp, np.exp),
    ("log", lambda x: ops.log(ops.abs(x)), lambda x: np.log(np.abs(x))),
    ("log1p", lambda x: ops.log1p(ops.abs(x)), lambda x: np.log1p(np.abs(x))),
    ("expm1", ops.expm1, np.expm1),
    ("sin", ops.sin, np.sin),
    ("cos", ops.cos, np.cos),
    ("tanh", ops.tanh, np.tanh),
    ("maximum", lambda x: ops.maximum(x, B), lambda x: np.maximum(x, B)),
    ("minimum", lambda x: ops.minimum(x, 0.0), lambda x: np.minimum(x, 0.0)),
    ("clip", lambda x: ops.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5)),
    ("sum", lambda x: ops.sum(x, axis=1), lambda x: x.sum(1)),
    ("mean", lambda x: ops.mean(x, axis=0, keepdims=True), lambda x: x.mean(0, keepdims=True)),
    ("max", lambda x: ops.max(x, axis=-1), lambda x: x.max(-1)),
    ("min", ops.min, np.min),
    ("prod", lambda x: ops.prod(x, axis=0), lambda x: x.prod(0)),
    ("std", lambda x: ops.std(x, axis=1), lambda x: x.std(1)),
    ("var", ops.var, np.var),
    ("argmax", lambda x: ops.argmax(x, axis=1), lambda x: x.argmax(1)),
    ("argmin", ops.argmin, np.argmin),
    ("matmul", lambda x: ops.matmul(x, M), lambda x: x @ M),
    ("dot", lambda x: ops.dot(x, M), lambda x: x @ M),
    ("tensordot", lambda x: ops.tensordot(x, B, axes=([1], [1])), lambda x: x @ B.T),
    ("einsum", lambda x: ops.einsum("ij,jk->ik", x, M), lambda x: x @ M),
    ("reshape", lambda x: ops.reshape(x, (2, -1)), lambda x: x.reshape(2, -1)),
    ("transpose", ops.transpose, np.transpose),
    ("expand_dims", lambda x: ops.expand_dims(x, 1), lambda x: x[:, None]),
    ("squeeze", lambda x: ops.squeeze(ops.expand_dims(x, 0)), lambda x: x),
    ("concatenate", lambda x: ops.concatenate([x, B], axis=1), lambda x: np.hstack([x, B])),
    ("stack", lambda x: ops.stack([x, B]), lambda x: np.stack([x, B])),
    ("split", lambda x: ops.split(x, 2, axis=1)[1], lambda x: x[:, 2:]),
    ("where", lambda x: ops.where(x > 0, x, B), lambda x: np.where(x > 0, x, B)),
    ("cast", lambda x: ops.cast(x, "int32"), lambda x: x.astype("int32")),
    ("ones_like", ops.ones_like, np.ones_like),
    ("zeros_like", ops.zeros_like, np.zeros_like),
    ("take", lambda x: ops.take(x, [2, 0], axis=1), lambda x: x[:, [2, 0]]),
    (
        "take_along_axis",
        lambda x: ops.take_along_axis(x, IDX, axis=1),
        lambda x: np.take_along_axis(x, IDX, 1),
    ),
    ("cumsum", lambda x: ops.cumsum(x, axis=1), lambda x: np.cumsum(x, 1)),
    ("sort", ops.sort, np.sort),
    ("argsort", ops.argsort, np.argsort),
    ("round", lambda x: ops.round(x, 1), lambda x: np.round(x, 1)),
    ("floor", ops.floor, np.floor),
    ("ceil", ops.ceil, np.ceil),
    ("sign", ops.sign, np.sign),
    ("equal", lambda x: ops.equal(x, x), lambda x: x == x),
    ("not_equal", lambda x: ops.not_equal(x, B), lambda x: x != B),
    ("greater", lambda x: ops.greater(x, B), lambda x: x > B),
    ("greater_equal", lambda x: ops.greater_equal(x, 0), lambda x: x >= 0),
    ("less", lambda x: ops.less(x, B), lambda x: x < B),
    ("less_equal", lambda x: ops.less_equal(x, 0), lambda x: x <= 0),
    ("logical_and", lambda x: ops.logical_and(x > 0, B > 0), lambda x: (x > 0) & (B > 0)),
    ("logical_or", lambda x: ops.logical_or(x > 0, B > 0), lambda x: (x > 0) | (B > 0)),
    ("logical_not", lambda x: ops.logical_not(x > 0), lambda x: ~(x > 0)),
    ("all", lambda x: ops.all(x > -10, axis=0), lambda x: (x > -10).all(0)),
    ("any", lambda x: ops.any(x > 1), lambda x: (x > 1).any()),
    ("tile", lambda x: ops.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1))),
    ("repeat", lambda x: ops.repeat(x, 2, axis=0), lambda x: np.repeat(x, 2, 0)),
    ("pad", lambda x: ops.pad(x, ((1, 0), (0, 2))), lambda x: np.pad(x, ((1, 0), (0, 2)))),
    ("flip", lambda x: ops.flip(x, axis=1), lambda x: x[:, ::-1]),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)), lambda x: np.stack([x, x])),
    ("norm", lambda x: ops.norm(x, axis=-1), lambda x: np.linalg.norm(x, axis=-1)),
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), lambda x: np.log(np.exp(x).sum(1))),
    ("get_item", lambda x: ops.get_item(x, (slice(1, None), 0)), lambda x: x[1:, 0]),
    ("relu", ops.relu, lambda x: np.maximum(x, 0)),
    ("relu6", lambda x: ops.relu6(x * 10), lambda x: np.clip(x * 10, 0, 6)),
    ("sigmoid", ops.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ("softmax", ops.softmax, _softmax),
    ("log_softmax", lambda x: ops.log_softmax(x, axis=0), lambda x: np.log(_softmax(x, 0))),
    ("softplus", ops.softplus, lambda x: np.log1p(np.exp(x))),
    ("softsign", ops.softsign, lambda x: x / (1 + np.abs(x))),
    ("silu", ops.silu, lambda x: x / (1 + np.exp(-x))),
    ("swish", ops.swish, lambda x: x / (1 + np.exp(-x))),
    ("elu", ops.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("leaky_relu", ops.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("hard_sigmoid", ops.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    (
        "gelu",
        ops.gelu,
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    ),
    (
        "moments",
        lambda x: ops.moments(x, axes=[0])[1],
        lambda x: x.var(0),
    ),
    (
        "normalize",
        ops.normalize,
        lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True),
    ),
    (
        "categorical_crossentropy",
        lambda x: ops.categorical_crossentropy(_softmax(B), x, from_logits=True),
        lambda x: -(_softmax(B) * np.log(_softmax(x))).sum(-1),
    ),
]


@pytest.mark.parametrize("name,call,ref", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
@pytest.mark.parametrize("as_variable", [False, True])
def test_values_match_numpy(name, call, ref, as_variable):
    x = keras.Variable(A) if as_variable else A
    out = call(x)
    assert isinstance(out, jax.Array)
    np.testing.assert_allclose(np.asarray(out), ref(A), rtol=1e-5, atol=1e-5)


def test_creation_and_properties():
    assert ops.ones((2, 3)).dtype == "float32"
    assert ops.full((2,), 1).dtype == "float32"
    assert ops.zeros((2,), dtype="int32").dtype == "int32"
    assert ops.arange(3).dtype == "int32"
    np.testing.assert_allclose(ops.linspace(0, 1, 5), np.linspace(0, 1, 5))
    np.testing.assert_array_equal(ops.eye(3, k=1), np.eye(3, k=1))
    v = keras.Variable(A)
    assert ops.shape(v) == (3, 4) and ops.ndim(v) == 2
    assert isinstance(ops.convert_to_numpy(v), np.ndarray)
    assert ops.convert_to_tensor(np.zeros(2)).dtype == "float32"
    np.testing.assert_array_equal(ops.one_hot(np.array([0, 2]), 3), np.eye(3)[[0, 2]])
    out = ops.sparse_categorical_crossentropy(np.array([1, 0]), _softmax(A[:2]))
    np.testing.assert_allclose(out, -np.log(_softmax(A[:2])[[0, 1], [1, 0]]), rtol=1e-5)
    out = ops.binary_crossentropy(np.ones((2,)), np.array([0.5, 0.25]))
    np.testing.assert_allclose(out, -np.log([0.5, 0.25]), rtol=1e-5)


def test_variables_inside_lists_and_core_ops():
    v = keras.Variable(A)
    np.testing.assert_allclose(ops.concatenate([v, v]), np.vstack([A, A]))
    np.testing.assert_allclose(ops.slice(v, (1, 1), (2, 2)), A[1:3, 1:3])
    g = jax.grad(lambda x: ops.sum(ops.stop_gradient(x) * x))(A)
    np.testing.assert_allclose(g, A)
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    out = jax.jit(lambda p: ops.cond(p, lambda: ops.ones(()), lambda: ops.zeros(())))(False)
    assert float(out) == 0.0


def test_ops_under_jit():
    f = jax.jit(lambda x: ops.softmax(ops.matmul(x, M)))
    np.testing.assert_allclose(f(A), _softmax(A @ M), rtol=1e-5)


# (call on a symbolic (None, 4, 6) tensor, expected shape, expected dtype)
SYMBOLIC_CASES = [
    (lambda x: ops.add(x, 1.0), (None, 4, 6), "float32"),
    (lambda x: ops.sum(x, axis=-1), (None, 4), "float32"),
    (lambda x: ops.mean(x, axis=0), (4, 6), "float32"),
    (lambda x: ops.reshape(x, (-1, 24)), (None, 24), "float32"),
    (lambda x: ops.transpose(x, (0, 2, 1)), (None, 6, 4), "float32"),
    (lambda x: ops.expand_dims(x, 1), (None, 1, 4, 6), "float32"),
    (lambda x: ops.matmul(x, np.ones((6, 3), "float32")), (None, 4, 3), "float32"),
    (lambda x: ops.concatenate([x, x], axis=-1), (None, 4, 12), "float32"),
    (lambda x: ops.stack([x, x], axis=1), (None, 2, 4, 6), "float32"),
    (lambda x: ops.argmax(x, axis=-1), (None, 4), "int32"),
    (lambda x: ops.cast(x, "int32"), (None, 4, 6), "int32"),
    (lambda x: ops.greater(x, 0), (None, 4, 6), "bool"),
    (lambda x: ops.softmax(x), (None, 4, 6), "float32"),
    (lambda x: ops.one_hot(ops.cast(x, "int32"), 3), (None, 4, 6, 3), "float32"),
    (lambda x: ops.einsum("bij,bkj->bik", x, x), (None, 4, 4), "float32"),
    (lambda x: ops.take(x, [0, 1], axis=1), (None, 2, 6), "float32"),
    (lambda x: ops.pad(x, ((0, 0), (1, 1), (0, 0))), (None, 6, 6), "float32"),
    (lambda x: ops.tile(x, (1, 2, 1)), (None, 8, 6), "float32"),
    (lambda x: ops.norm(x, axis=-1), (None, 4), "float32"),
    (lambda x: ops.get_item(x, (Ellipsis, None, 0)), (None, 4, 1), "float32"),
    (lambda x: ops.ones_like(x, dtype="int32"), (None, 4, 6), "int32"),
]


@pytest.mark.parametrize("call,shape,dtype", SYMBOLIC_CASES)
def test_symbolic_shapes(call, shape, dtype):
    x = keras.Input((4, 6))
    out = call(x)
    assert isinstance(out, KerasTensor)
    assert out.shape == shape
    assert out.dtype == dtype
    assert isinstance(out._keras_history.operation, OpLayer)


def test_multi_output_ops_are_symbolic_lists():
    x = keras.Input((6,))
    a, b, c = ops.split(x, 3, axis=-1)
    assert a.shape == b.shape == c.shape == (None, 2)
    mean, var = ops.moments(x, axes=[-1])
    assert mean.shape == var.shape == (None,)
    model = keras.Model(x, [c, var])
    data = RNG.normal(size=(5, 6)).astype("float32")
    out_c, out_var = model.predict(data, verbose=0)
    np.testing.assert_allclose(out_c, data[:, 4:])
    np.testing.assert_allclose(out_var, data.var(-1), rtol=1e-5)


def test_op_names_follow_keras():
    x = keras.Input((4,))
    y = ops.add(x, 1.0)
    z = ops.add(y, x)
    e = ops.expand_dims(z, 1)
    first = y._keras_history.operation.name
    assert first.startswith("add")
    suffix = int(first.split("_")[-1]) if first != "add" else 0
    assert z._keras_history.operation.name == f"add_{suffix + 1}"
    assert e._keras_history.operation.name.startswith("expand_dims")
    assert ops.abs(x)._keras_history.operation.name.startswith("absolute")


def test_op_layer_compute_output_shape():
    x = keras.Input((4,))
    y = ops.matmul(x, np.ones((4, 2), "float32"))
    op = y._keras_history.operation
    assert op.compute_output_shape((None, 4)) == (None, 2)
    assert op.compute_output_shape((7, 4)) == (7, 2)
    z = ops.add(x, keras.Input((1,)))
    assert z._keras_history.operation.compute_output_shape([(None, 4), (None, 1)]) == (None, 4)


def test_functional_model_replays_ops():
    x = keras.Input((4,))
    dense = keras.layers.Dense(3)
    y = ops.add(dense(x), 1.0)
    model = keras.Model(x, y)
    data = RNG.normal(size=(6, 4)).astype("float32")
    ref = data @ dense.kernel.numpy() + dense.bias.numpy() + 1.0
    np.testing.assert_allclose(model.predict(data, verbose=0), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model(data), ref, rtol=1e-5, atol=1e-5)


def test_operators_on_keras_tensors():
    x = keras.Input((4,))
    w = np.arange(8, dtype="float32").reshape(4, 2)
    outs = [
        x + 1.0,
        2.0 + x,
        x - 1.0,
        1.0 - x,
        x * 3.0,
        3.0 * x,
        x / 2.0,
        2.0 / (abs(x) + 1.0),
        -x,
        x**2,
        abs(x),
        x @ w,
        x[:, 1:3],
        x[:, 0],
        ops.cast(x > 0, "float32"),
        ops.cast(x <= 0, "float32"),
        ops.cast(x != 0, "float32"),
    ]
    assert x == x and x in [x] and len({x: 1}) == 1
    model = keras.Model(x, outs)
    data = RNG.normal(size=(5, 4)).astype("float32")
    refs = [
        data + 1,
        2 + data,
        data - 1,
        1 - data,
        data * 3,
        3 * data,
        data / 2,
        2 / (np.abs(data) + 1),
        -data,
        data**2,
        np.abs(data),
        data @ w,
        data[:, 1:3],
        data[:, 0],
        (data > 0).astype("float32"),
        (data <= 0).astype("float32"),
        (data != 0).astype("float32"),
    ]
    for got, ref in zip(model.predict(data, verbose=0), refs):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError):
        iter(x)


def test_ops_model_trains_with_fit():
    keras.utils.set_random_seed(0)
    x = keras.Input((4,))
    h = keras.layers.Dense(16)(x)
    h = ops.relu(h)
    h = ops.multiply(h, 2.0)
    y = keras.layers.Dense(1)(h)
    model = keras.Model(x, y)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    data = RNG.normal(size=(128, 4)).astype("float32")
    target = data.sum(-1, keepdims=True)
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=20, batch_size=32, verbose=0)
    after = model.evaluate(data, target, verbose=0)
    assert after < 0.2 * before
    ref = np.maximum(data @ model.layers[1].kernel.numpy() + model.layers[1].bias.numpy(), 0)
    ref = (ref * 2.0) @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    np.testing.assert_allclose(model.predict(data, verbose=0), ref, rtol=1e-4, atol=1e-4)


class OpsOnlyDense(keras.Layer):
    """A layer whose computation uses only `keras.ops`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        h = ops.add(ops.matmul(inputs, self.w), self.b)
        return ops.where(h > 0, h, ops.multiply(h, 0.1))


def test_custom_layer_with_ops_trains():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), OpsOnlyDense(16), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    data = RNG.normal(size=(128, 4)).astype("float32")
    target = np.tanh(data[:, :1]) + data[:, 1:2]
    before = model.evaluate(data, target, verbose=0)
    history = model.fit(data, target, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.3 * before


def test_functional_model_with_ops_used_as_layer():
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, ops.sqrt(ops.square(inner_in) + 1.0))
    x = keras.Input((3,))
    outer = keras.Model(x, ops.sum(inner(x), axis=-1))
    data = RNG.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(
        outer.predict(data, verbose=0), np.sqrt(data**2 + 1).sum(-1), rtol=1e-5
    )
