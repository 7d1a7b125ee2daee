"""`lamina.ops` against real `keras.ops` (JAX backend): same values, dtypes and symbolic shapes."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(42)
X = RNG.normal(size=(3, 4)).astype("float32")
Y = RNG.normal(size=(3, 4)).astype("float32")
POS = RNG.uniform(0.1, 3.0, size=(3, 4)).astype("float32")
UNIT = RNG.uniform(-0.9, 0.9, size=(3, 4)).astype("float32")
PROB = RNG.uniform(0.05, 0.95, size=(3, 4)).astype("float32")
XI = RNG.integers(-5, 5, size=(3, 4)).astype("int32")
SQ = (RNG.normal(size=(3, 3)) + 3 * np.eye(3)).astype("float32")
SPD = (SQ @ SQ.T).astype("float32")
LABELS = np.array([0, 3, 1], dtype="int32")
SOFT = np.exp(X) / np.exp(X).sum(-1, keepdims=True)

UNARY = [
    (X, [
        "negative", "abs", "absolute", "square", "exp", "expm1", "sin", "cos", "tan", "tanh",
        "arctan", "sinh", "cosh", "arcsinh", "floor", "ceil", "trunc", "sign", "round",
        "isnan", "isinf", "isfinite", "relu", "relu6", "sigmoid", "softplus", "softsign",
        "silu", "swish", "log_sigmoid", "hard_sigmoid", "hard_silu", "hard_swish", "selu",
        "sparse_plus", "hard_tanh", "tanh_shrink", "leaky_relu", "elu", "celu", "gelu",
        "soft_shrink", "hard_shrink", "squareplus", "softmax", "log_softmax", "normalize",
        "erf", "transpose", "ravel", "copy", "ones_like", "zeros_like", "logical_not",
        "stop_gradient", "sort", "argsort", "flip", "count_nonzero", "median", "logsumexp",
        "norm", "cumsum", "cumprod", "tril", "triu",
    ]),
    (POS, ["sqrt", "log", "log1p", "log2", "log10", "reciprocal", "rsqrt", "arccosh"]),
    (UNIT, ["arcsin", "arccos", "arctanh", "erfinv"]),
    (XI, ["abs", "square", "sqrt", "exp", "sign", "negative", "sin", "floor", "mean", "norm"]),
    (SQ, ["inv", "det", "logdet"]),
]  # fmt: skip

BINARY = [
    ((X, Y), [
        "add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum",
        "arctan2", "hypot", "logaddexp", "equal", "not_equal", "greater", "greater_equal",
        "less", "less_equal", "logical_and", "logical_or", "logical_xor", "inner",
    ]),
    ((X, POS), ["power", "floor_divide", "mod"]),
    ((XI, X), ["add", "multiply", "divide", "maximum"]),
    ((X, 2.0), ["add", "subtract", "multiply", "divide", "power", "maximum"]),
    ((XI, 3), ["add", "floor_divide", "mod", "multiply"]),
]  # fmt: skip

REDUCTIONS = ["sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "amax",
              "amin", "all", "any"]  # fmt: skip

OTHER = [
    ("matmul", (X, Y.T), {}),
    ("dot", (X, Y.T), {}),
    ("outer", (X[0], Y[0]), {}),
    ("vdot", (X, Y), {}),
    ("tensordot", (X, Y), {"axes": ([1], [1])}),
    ("einsum", ("ij,kj->ik", X, Y), {}),
    ("clip", (X, -0.5, 0.5), {}),
    ("where", (X > 0, X, Y), {}),
    ("reshape", (X, (2, -1)), {}),
    ("transpose", (X, (1, 0)), {}),
    ("expand_dims", (X, 1), {}),
    ("squeeze", (X[None],), {}),
    ("squeeze", (X[:, :1],), {"axis": 1}),
    ("concatenate", ([X, Y],), {"axis": 1}),
    ("stack", ([X, Y],), {"axis": -1}),
    ("hstack", ([X, Y],), {}),
    ("vstack", ([X, Y],), {}),
    ("split", (X, 2), {"axis": 1}),
    ("split", (X, [1, 3]), {"axis": 1}),
    ("cast", (X, "int32"), {}),
    ("cast", (XI, "float32"), {}),
    ("ones", ((2, 3),), {}),
    ("zeros", ((2,),), {"dtype": "int32"}),
    ("full", ((2, 2), 3), {}),
    ("full_like", (X, 2.5), {}),
    ("ones_like", (XI,), {"dtype": "float32"}),
    ("arange", (5,), {}),
    ("arange", (1.0, 4.0, 0.5), {}),
    ("linspace", (0.0, 2.0, 7), {}),
    ("eye", (3,), {"k": 1}),
    ("identity", (3,), {}),
    ("tri", (3,), {}),
    ("take", (X, LABELS[:2]), {"axis": 1}),
    ("take", (X, [0, 5]), {}),
    ("take_along_axis", (X, np.argsort(X, axis=1)), {"axis": 1}),
    ("cumsum", (X,), {"axis": 1}),
    ("sort", (X,), {"axis": 0}),
    ("round", (X * 10,), {"decimals": -1}),
    ("round", (X,), {"decimals": 2}),
    ("tile", (X, (2, 1)), {}),
    ("repeat", (X, 2), {"axis": 1}),
    ("repeat", (X, 2), {}),
    ("pad", (X, ((1, 2), (0, 1))), {}),
    ("pad", (X, 1), {"mode": "reflect"}),
    ("pad", (X, 1), {"constant_values": 7.0}),
    ("flip", (X,), {"axis": 1}),
    ("roll", (X, 1), {"axis": 0}),
    ("broadcast_to", (X[0], (2, 4)), {}),
    ("moveaxis", (X[None], 0, -1), {}),
    ("swapaxes", (X, 0, 1), {}),
    ("diag", (X[0],), {}),
    ("diagonal", (X,), {}),
    ("trace", (SQ,), {}),
    ("append", (X, Y), {"axis": 0}),
    ("get_item", (X, (slice(None), 1)), {}),
    ("searchsorted", (np.sort(X[0]), Y[0]), {}),
    ("digitize", (X[0], np.array([-1.0, 0.0, 1.0], "float32")), {}),
    ("nan_to_num", (np.array([np.nan, np.inf, 1.0], "float32"),), {}),
    ("isclose", (X, X + 1e-7), {}),
    ("average", (X,), {"axis": 1, "weights": POS[0]}),
    ("cross", (X[:, :3], Y[:, :3]), {}),
    ("kron", (SQ, SQ[:2, :2]), {}),
    ("meshgrid", (X[0], Y[0]), {"indexing": "ij"}),
    ("max", (X,), {"axis": 0, "initial": 0.5}),
    ("logsumexp", (X,), {"axis": 1, "keepdims": True}),
    ("norm", (X,), {"ord": 1, "axis": -1}),
    ("norm", (X,), {"ord": "fro"}),
    ("softmax", (X,), {"axis": 0}),
    ("log_softmax", (X,), {"axis": (0, 1)}),
    ("leaky_relu", (X,), {"negative_slope": 0.05}),
    ("elu", (X,), {"alpha": 0.5}),
    ("gelu", (X,), {"approximate": False}),
    ("glu", (X,), {}),
    ("threshold", (X, 0.1, -1.0), {}),
    ("one_hot", (LABELS, 4), {}),
    ("one_hot", (LABELS, 4), {"axis": 0, "dtype": "int32"}),
    ("binary_crossentropy", (PROB > 0.5, PROB), {}),
    ("binary_crossentropy", (PROB, X), {"from_logits": True}),
    ("categorical_crossentropy", (SOFT, PROB), {}),
    ("categorical_crossentropy", (SOFT, X), {"from_logits": True}),
    ("sparse_categorical_crossentropy", (LABELS, PROB), {}),
    ("sparse_categorical_crossentropy", (LABELS[:, None], X), {"from_logits": True}),
    ("moments", (X,), {"axes": [0]}),
    ("moments", (X,), {"axes": [0, 1], "keepdims": True}),
    ("normalize", (X,), {"axis": 0, "order": 1}),
    ("top_k", (X, 2), {}),
    ("in_top_k", (LABELS, X, 2), {}),
    ("segment_sum", (X, np.array([0, 0, 1])), {"num_segments": 2}),
    ("segment_max", (X, np.array([0, 1, 1])), {"num_segments": 2}),
    ("slice", (X, (1, 1), (2, 2)), {}),
    ("slice_update", (X, (1, 1), np.zeros((2, 2), "float32")), {}),
    (
        "scatter",
        (np.array([[0, 1], [2, 2], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"), (3, 3)),
        {},
    ),
    ("scatter_update", (X, np.array([[0, 1], [2, 2]]), np.array([9.0, 8.0], "float32")), {}),
    ("unstack", (X,), {"axis": 1}),
    ("solve", (SQ, X[:, :3]), {}),
    ("cholesky", (SPD,), {}),
    ("convert_to_tensor", (X,), {}),
    ("convert_to_tensor", (XI,), {"dtype": "float32"}),
]


def _cases():
    out = [(n, (arr,), {}) for arr, names in UNARY for n in names]
    out += [(n, args, {}) for args, names in BINARY for n in names]
    for n in REDUCTIONS:
        out.append((n, (X,), {}))
        out.append((n, (X,), {"axis": 1, "keepdims": True}))
    return out + OTHER


CASES = _cases()


def _ids(case):
    name, args, kwargs = case
    dtypes = "-".join(str(getattr(a, "dtype", type(a).__name__)) for a in args)
    return f"{name}[{dtypes}]{''.join(sorted(kwargs))}"


def _as_list(out):
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[_ids(c) for c in CASES])
def test_values_match_keras(name, args, kwargs):
    ours = _as_list(getattr(lamina.ops, name)(*args, **kwargs))
    theirs = _as_list(getattr(keras.ops, name)(*args, **kwargs))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape, (name, a.shape, b.shape)
        assert a.dtype == b.dtype, (name, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6, err_msg=name)


SYMBOLIC = [
    ("add", lambda ops, x: ops.add(x, 1.0)),
    ("sum", lambda ops, x: ops.sum(x, axis=1)),
    ("mean", lambda ops, x: ops.mean(x, axis=0, keepdims=True)),
    ("max", lambda ops, x: ops.max(x, axis=-1)),
    ("argmax", lambda ops, x: ops.argmax(x, axis=-1)),
    ("reshape", lambda ops, x: ops.reshape(x, (-1, 3, 2))),
    ("transpose", lambda ops, x: ops.transpose(x, (0, 2, 1))),
    ("expand_dims", lambda ops, x: ops.expand_dims(x, -1)),
    ("squeeze", lambda ops, x: ops.squeeze(ops.expand_dims(x, 1), 1)),
    ("concatenate", lambda ops, x: ops.concatenate([x, x], axis=1)),
    ("stack", lambda ops, x: ops.stack([x, x], axis=1)),
    ("matmul", lambda ops, x: ops.matmul(x, np.ones((6, 2), "float32"))),
    ("einsum", lambda ops, x: ops.einsum("bij,bkj->bik", x, x)),
    ("softmax", lambda ops, x: ops.softmax(x)),
    ("one_hot", lambda ops, x: ops.one_hot(ops.cast(x, "int32"), 5)),
    ("take", lambda ops, x: ops.take(x, [0, 2], axis=2)),
    ("tile", lambda ops, x: ops.tile(x, (1, 2, 3))),
    ("pad", lambda ops, x: ops.pad(x, ((0, 0), (1, 1), (2, 0)))),
    ("greater", lambda ops, x: ops.greater(x, 0.0)),
    ("cast", lambda ops, x: ops.cast(x, "int32")),
    ("norm", lambda ops, x: ops.norm(x, axis=-1)),
    ("getitem", lambda ops, x: x[:, 1:, 0]),
    ("operators", lambda ops, x: (2.0 * x - 1.0) / (abs(x) + 1.0) @ np.ones((6, 2), "float32")),
]


@pytest.mark.parametrize("name,build", SYMBOLIC, ids=[s[0] for s in SYMBOLIC])
def test_symbolic_shapes_match_keras(name, build):
    ours = build(lamina.ops, lamina.Input((4, 6)))
    theirs = build(keras.ops, keras.Input((4, 6)))
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == theirs.dtype


def test_functional_model_with_ops_matches_keras():
    def build(k):
        x = k.Input((4,))
        h = k.layers.Dense(5, name="d1")(x)
        h = k.ops.multiply(k.ops.relu(h), 2.0)
        h = k.ops.concatenate([h, k.ops.sin(x)], axis=-1)
        return k.Model(x, k.layers.Dense(2, name="d2")(h))

    ours, theirs = build(lamina), build(keras)
    ours.set_weights(theirs.get_weights())
    data = RNG.normal(size=(6, 4)).astype("float32")
    np.testing.assert_allclose(
        ours.predict(data, verbose=0), theirs.predict(data, verbose=0), rtol=1e-5, atol=1e-5
    )
