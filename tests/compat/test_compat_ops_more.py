"""The `lamina.ops` functions beyond the basics against real `keras.ops` (JAX backend): same
values, shapes and dtypes on small random inputs, and the same results on symbolic tensors."""

import sys

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(7)
X = RNG.normal(size=(3, 4)).astype("float32")
Y = RNG.normal(size=(3, 4)).astype("float32")
POS = RNG.uniform(0.5, 3.0, size=(3, 4)).astype("float32")
XI = RNG.integers(1, 20, size=(3, 4)).astype("int32")
YI = RNG.integers(1, 5, size=(3, 4)).astype("int32")
XN = X.copy()
XN[0, 1] = XN[2, 3] = np.nan
V = RNG.normal(size=(6,)).astype("float32")
C3 = RNG.normal(size=(2, 4, 6)).astype("float32")
IMG = RNG.normal(size=(2, 6, 6, 4)).astype("float32")
K2 = RNG.normal(size=(3, 3, 4, 5)).astype("float32")
KT = RNG.normal(size=(3, 3, 5, 4)).astype("float32")
DK = RNG.normal(size=(3, 3, 4, 2)).astype("float32")
PK = RNG.normal(size=(1, 1, 8, 3)).astype("float32")
SEQ = RNG.normal(size=(2, 5, 4)).astype("float32")
K1 = RNG.normal(size=(3, 4, 2)).astype("float32")
Q = RNG.normal(size=(2, 5, 2, 4)).astype("float32")
KV = RNG.normal(size=(2, 6, 2, 4)).astype("float32")
MASK = RNG.uniform(size=(2, 1, 5, 6)) > 0.3
STATS = (RNG.normal(size=(4,)).astype("float32"), POS[0], POS[1], X[0])
EMPTY = {}

CASES = [(n, (X,), EMPTY) for n in (
    "angle", "cbrt", "conj", "deg2rad", "rad2deg", "fabs", "sinc", "signbit", "isneginf",
    "isposinf", "isreal", "fliplr", "flipud", "corrcoef", "i0", "sparse_sigmoid", "sparsemax",
    "nanmax", "nanmin", "nanmean", "nanmedian", "nanprod", "nansum", "nanstd", "nanvar",
    "nanargmax", "nanargmin", "ptp", "nancumsum", "nancumprod", "array", "diagflat", "diff",
    "rot90",
)] + [(n, (XI,), EMPTY) for n in (
    "angle", "cbrt", "sinc", "i0", "bitwise_invert", "bitwise_not", "deg2rad", "fabs",
)] + [(n, (XN,), {"axis": 1}) for n in (
    "nanmax", "nanmin", "nanmean", "nanmedian", "nanprod", "nansum", "nanstd", "nanvar",
    "nanargmax", "nanargmin", "nancumsum", "nancumprod",
)] + [(n, (X, Y), EMPTY) for n in (
    "divide_no_nan", "fmax", "fmin", "fmod", "heaviside", "nextafter", "logaddexp2",
    "allclose",
)] + [(n, (XI, YI), EMPTY) for n in (
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "left_shift", "right_shift", "gcd", "lcm", "divide_no_nan", "fmod",
)] + [(n, (7,), EMPTY) for n in ("bartlett", "blackman", "hamming", "hanning")] + [
    ("divide_no_nan", (X, np.where(Y > 0, Y, 0).astype("float32")), EMPTY),
    ("ldexp", (X, YI), EMPTY),
    ("kaiser", (7, 4.0), EMPTY),
    ("array", (XI,), {"dtype": "float32"}),
    ("empty_like", (X,), {"dtype": "int32"}),
    ("diagflat", (X[0],), {"k": 1}),
    ("diff", (X,), {"n": 2, "axis": 0}),
    ("correlate", (V, V[:3]), EMPTY),
    ("correlate", (V, V[:3]), {"mode": "full"}),
    ("correlate", (V, V[:3]), {"mode": "same"}),
    ("rot90", (C3,), {"k": 3, "axes": (1, 2)}),
    ("vander", (V,), {"N": 3, "increasing": True}),
    ("vander", (V[:4],), EMPTY),
    ("argpartition", (V, 2), EMPTY),
    ("array_split", (V, 4), EMPTY),
    ("array_split", (X, 3), {"axis": 1}),
    ("hsplit", (X, 2), EMPTY),
    ("hsplit", (X, [1, 3]), EMPTY),
    ("vsplit", (X, 3), EMPTY),
    ("dsplit", (C3, 3), EMPTY),
    ("dstack", ([X, Y],), EMPTY),
    ("isin", (XI, [1, 2, 3, 4, 5]), EMPTY),
    ("isin", (XI, [1, 2, 3, 4, 5]), {"invert": True}),
    ("allclose", (X, X + 1e-9), EMPTY),
    ("trapezoid", (X,), EMPTY),
    ("trapezoid", (X,), {"dx": 0.5, "axis": 0}),
    ("trapezoid", (X[0], POS[0].cumsum()), EMPTY),
    ("select", ([X > 0.5, X < -0.5], [X, Y]), {"default": 1.0}),
    ("unravel_index", (np.array([1, 5, 7]), (3, 4)), EMPTY),
    ("quantile", (X, 0.3), EMPTY),
    ("quantile", (X, [0.2, 0.7]), {"axis": 1, "keepdims": True}),
    ("quantile", (X, 0.5), {"method": "nearest"}),
    ("nanquantile", (XN, 0.4), {"axis": 1}),
    ("percentile", (X, 30.0), {"axis": 0}),
    ("nanpercentile", (XN, np.array([10.0, 90.0])), EMPTY),
    ("ptp", (X,), {"axis": 0, "keepdims": True}),
    ("histogram", (V,), {"bins": 4}),
    ("histogram", (V,), {"bins": 3, "range": (-1.0, 1.0)}),
    ("bincount", (np.array([0, 1, 1, 3, 2, 1]),), EMPTY),
    ("bincount", (np.array([0, 1, 1, 3]),), {"weights": V[:4], "minlength": 6}),
    ("bincount", (np.array([[0, 1], [2, 2]]),), {"minlength": 4}),
    ("geomspace", (1.0, 100.0, 5), EMPTY),
    ("logspace", (0.0, 2.0, 4), {"base": 2, "endpoint": False}),
    ("conv", (IMG, K2), EMPTY),
    ("conv", (IMG, K2), {"strides": 2, "padding": "same"}),
    ("conv", (IMG, K2), {"dilation_rate": 2}),
    ("conv", (IMG, RNG.normal(size=(3, 3, 2, 4)).astype("float32")), EMPTY),
    ("conv", (SEQ, K1), {"padding": "same"}),
    ("conv", (IMG.transpose(0, 3, 1, 2), K2), {"data_format": "channels_first"}),
    ("depthwise_conv", (IMG, DK), EMPTY),
    ("depthwise_conv", (IMG, DK), {"strides": (2, 1), "padding": "same"}),
    ("separable_conv", (IMG, DK, PK), EMPTY),
    ("separable_conv", (IMG, DK, PK), {"padding": "same", "strides": 2}),
    ("conv_transpose", (IMG, KT), EMPTY),
    ("conv_transpose", (IMG, KT), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (IMG, KT), {"strides": 2, "output_padding": 1}),
    ("max_pool", (IMG, 2), {"strides": 2}),  # Keras 3.15 fails on strides=None
    ("max_pool", (IMG, 3), {"strides": 2, "padding": "same"}),
    ("max_pool", (SEQ, 2), {"strides": 1}),
    ("average_pool", (IMG, 2), {"strides": 2}),
    ("average_pool", (IMG, (3, 2)), {"strides": 2, "padding": "same"}),
    ("average_pool", (IMG.transpose(0, 3, 1, 2), 2), {"strides": 1, "data_format": "channels_first"}),
    ("batch_normalization", (X, STATS[0], POS[0]), {"axis": 1}),
    ("batch_normalization", (X, STATS[0], POS[0], 1), {"offset": STATS[3], "epsilon": 0.1}),
    ("batch_normalization", (X, STATS[0], POS[0], -1), {"scale": STATS[2]}),
    ("dot_product_attention", (Q, KV, KV), EMPTY),
    ("dot_product_attention", (Q, KV, KV), {"mask": MASK, "scale": 0.3}),
    ("dot_product_attention", (Q, KV[:, :5], KV[:, :5]), {"is_causal": True}),
    ("dot_product_attention", (Q, KV, KV), {"bias": MASK.astype("float32")}),
    ("depth_to_space", (IMG, 2), EMPTY),
    ("depth_to_space", (IMG.transpose(0, 3, 1, 2), 2), {"data_format": "channels_first"}),
    ("space_to_depth", (IMG, 2), EMPTY),
    ("space_to_depth", (IMG.transpose(0, 3, 1, 2), 3), {"data_format": "channels_first"}),
    ("psnr", (POS, POS + 0.1 * X), {"max_val": 3.0}),
    ("sparsemax", (X,), {"axis": 0}),
]  # fmt: skip


def _ids(case):
    name, args, kwargs = case
    dtypes = "-".join(str(getattr(a, "dtype", type(a).__name__)) for a in args)
    return f"{name}[{dtypes}]{''.join(sorted(kwargs))}"


def _as_list(out):
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[_ids(c) for c in CASES])
def test_values_match_keras(keras, name, args, kwargs):
    ours = _as_list(getattr(lamina.ops, name)(*args, **kwargs))
    theirs = _as_list(getattr(keras.ops, name)(*args, **kwargs))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape, (name, a.shape, b.shape)
        assert a.dtype == b.dtype, (name, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5, err_msg=name)


@pytest.fixture(scope="module", autouse=True)
def fresh_names():
    """Restarts lamina's and Keras's automatic names after this module, so graph tests that
    run later compare default names (`add`, not `add_2`) on both sides."""
    yield
    lamina.backend.clear_session()
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()


def test_symbolic_graph_matches_eager():
    ops = lamina.ops
    inp = lamina.Input((6, 6, 4))
    h = ops.conv(inp, K2, padding="same")
    h = ops.max_pool(ops.relu(h), 2)
    h = ops.depth_to_space(ops.concatenate([h, h, h, h], axis=-1), 2)
    h = ops.average_pool(h, 2, strides=1, padding="same")
    flat = ops.reshape(h, (-1, 6 * 6 * 5))
    out = ops.divide_no_nan(ops.cbrt(flat), ops.fmax(ops.nanmean(flat, axis=1, keepdims=True), 0))
    parts = ops.array_split(ops.diff(out), 3, axis=1)
    model = lamina.Model(inp, [ops.sparsemax(parts[0]), ops.ptp(parts[2], axis=1)])
    got = model.predict(IMG, verbose=0)

    e = ops.conv(IMG, K2, padding="same")
    e = ops.max_pool(ops.relu(e), 2)
    e = ops.depth_to_space(ops.concatenate([e, e, e, e], axis=-1), 2)
    e = ops.average_pool(e, 2, strides=1, padding="same")
    e = ops.reshape(e, (-1, 6 * 6 * 5))
    e = ops.divide_no_nan(ops.cbrt(e), ops.fmax(ops.nanmean(e, axis=1, keepdims=True), 0))
    e = ops.array_split(ops.diff(e), 3, axis=1)
    expected = [ops.sparsemax(e[0]), ops.ptp(e[2], axis=1)]
    assert len(got) == 2
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-5)


def test_symbolic_shapes_match_keras(keras):
    for k in (keras, lamina):
        inp = k.Input((6, 6, 4))
        assert tuple(k.ops.space_to_depth(inp, 2).shape) == (None, 3, 3, 16)
        assert tuple(k.ops.conv_transpose(inp, KT, strides=2).shape) == (None, 13, 13, 5)
        assert tuple(k.ops.rot90(inp, axes=(1, 2)).shape) == (None, 6, 6, 4)
