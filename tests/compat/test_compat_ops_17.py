"""The `keras.ops` functions added for issue 17 (spectral, linear algebra, normalization,
adaptive pooling, fold/unfold, CTC, array utilities) and the `keras.ops.numpy` / `nn` /
`linalg` sub-namespaces, against real Keras 3.15 (JAX backend)."""

import json
import sys

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(17)
X = RNG.normal(size=(3, 8)).astype("float32")
Y = RNG.normal(size=(3, 8)).astype("float32")
SIG = RNG.normal(size=(2, 40)).astype("float32")
SQ = (RNG.normal(size=(2, 4, 4)) + 4 * np.eye(4)).astype("float32")
SPD = (SQ @ np.swapaxes(SQ, -1, -2)).astype("float32")
LOWER = np.tril(SQ).astype("float32")
TALL = RNG.normal(size=(6, 3)).astype("float32")
RHS = RNG.normal(size=(6, 2)).astype("float32")
IMG = RNG.normal(size=(2, 3, 7, 6)).astype("float32")
SEQ = RNG.normal(size=(2, 7, 3)).astype("float32")
VOL = RNG.normal(size=(1, 5, 7, 6, 2)).astype("float32")
LOGITS = RNG.normal(size=(2, 6, 5)).astype("float32")
LABELS = np.array([[1, 2, 2, 0], [3, 4, 0, 0]], "int32")
SPEC = (RNG.normal(size=(2, 5, 5)).astype("float32"), RNG.normal(size=(2, 5, 5)).astype("float32"))
EMPTY = {}

CASES = [
    ("fft", ((X, Y),), EMPTY),
    ("fft2", ((X, Y),), EMPTY),
    ("ifft2", ((X, Y),), EMPTY),
    ("rfft", (X,), {"fft_length": 6}),
    ("irfft", ((X, Y),), EMPTY),
    ("irfft", ((X, Y),), {"fft_length": 10}),
    ("stft", (SIG, 8, 4, 8), EMPTY),
    ("stft", (SIG, 6, 3, 8), {"window": "hamming", "center": False}),
    ("istft", (SPEC, 8, 4, 8), EMPTY),
    ("istft", (SPEC, 6, 3, 8), {"center": False}),
    ("istft", (SPEC, 8, 4, 8), {"window": None}),
    ("extract_sequences", (SIG, 5, 3), EMPTY),
    ("eig", (SQ,), EMPTY),
    ("lstsq", (TALL, RHS), EMPTY),
    ("lu_factor", (SQ,), EMPTY),
    ("matrix_rank", (SQ,), EMPTY),
    ("matrix_rank", (np.ones((3, 3), "float32"),), {"tol": 0.5}),
    ("pinv", (TALL,), EMPTY),
    ("pinv", (TALL,), {"rcond": 0.5}),
    ("slogdet", (SQ[0],), EMPTY),
    ("solve_triangular", (LOWER, RHS[:4]), {"lower": True}),
    ("solve_triangular", (np.swapaxes(LOWER, -1, -2), RHS[:4, 0]), EMPTY),
    ("cholesky_inverse", (np.linalg.cholesky(SPD[0]),), EMPTY),
    ("cholesky_inverse", (np.linalg.cholesky(SPD[1]).T,), {"upper": True}),
    ("cdist", (X[:, :4], Y[:2, :4]), EMPTY),
    ("layer_normalization", (X,), EMPTY),
    ("layer_normalization", (X, Y[0], X[1]), {"epsilon": 1e-3}),
    ("layer_normalization", (IMG,), {"axis": (1, 2)}),
    ("layer_normalization", (IMG, IMG[0, :, 0, 0]), {"axis": 1}),
    ("rms_normalization", (X,), EMPTY),
    ("rms_normalization", (IMG, IMG[0, 0, 0]), {"axis": (-1,), "epsilon": 1e-4}),
    ("adaptive_average_pool", (SEQ, 3), {"data_format": "channels_last"}),
    ("adaptive_average_pool", (IMG, (3, 4)), {"data_format": "channels_first"}),
    ("adaptive_max_pool", (IMG, (2, 5)), {"data_format": "channels_first"}),
    ("adaptive_max_pool", (VOL, (3, 2, 4)), {"data_format": "channels_last"}),
    ("unfold", (IMG, 2), EMPTY),
    ("unfold", (IMG, (3, 2)), {"dilation": (1, 2), "padding": 1, "stride": 2}),
    ("fold", (RNG.normal(size=(2, 12, 30)).astype("float32"), (7, 6), 2), EMPTY),
    (
        "fold",
        (RNG.normal(size=(2, 18, 12)).astype("float32"), (7, 6), (3, 2)),
        {"dilation": (1, 2), "padding": 1, "stride": 2},
    ),
    ("multi_hot", (np.array([[0, 2, 2], [1, 3, 0]]), 5), EMPTY),
    ("multi_hot", (np.array([1, 3]), 4), {"dtype": "int32"}),
    ("polar", (np.abs(X), Y), EMPTY),
    ("ctc_loss", (LABELS, LOGITS, np.array([3, 2]), np.array([6, 6])), {"mask_index": 4}),
    ("ctc_decode", (LOGITS, np.array([6, 4])), EMPTY),
    ("ctc_decode", (LOGITS, np.array([5, 6])), {"merge_repeated": False, "mask_index": 2}),
    ("nonzero", (np.array([[0, 1, 0], [2, 0, 3]]),), EMPTY),
    ("unique", (np.array([3, 1, 3, 2, 1]),), EMPTY),
    (
        "unique",
        (np.array([3, 1, 3, 2, 1]),),
        {"return_index": True, "return_inverse": True, "return_counts": True},
    ),
    ("unique", (np.array([[1, 2], [1, 2], [0, 5]]),), {"axis": 0}),
    ("saturate_cast", (np.array([-3.0, 0.5, 300.0, 1e10]),), {"dtype": "uint8"}),
    ("saturate_cast", (np.array([-1e10, 7.0, 1e10], "float32"),), {"dtype": "int32"}),
    ("saturate_cast", (np.array([-200, 5, 200], "int32"),), {"dtype": "int8"}),
    ("view", (X,), {"dtype": "int32"}),
    ("view", (X,), {"dtype": "int16"}),
    ("view_as_complex", (X.reshape(3, 4, 2),), EMPTY),
    ("view_as_real", ((X + 1j * Y).astype("complex64"),), EMPTY),
]


def _as_list(x):
    if isinstance(x, (list, tuple)):
        return [np.asarray(v) for part in x for v in _as_list(part)]
    return [np.asarray(x)]


def _ids(case):
    name, _, kwargs = case
    return name + ("-" + "-".join(map(str, kwargs)) if kwargs else "")


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[_ids(c) for c in CASES])
def test_values_match_keras(keras, name, args, kwargs):
    ours = _as_list(getattr(lamina.ops, name)(*args, **kwargs))
    theirs = _as_list(getattr(keras.ops, name)(*args, **kwargs))
    assert len(ours) == len(theirs), name
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape, (name, a.shape, b.shape)
        assert a.dtype == b.dtype, (name, a.dtype, b.dtype)
        if name == "eig":  # eigenvectors are unique up to a phase: compare A v = w v instead
            continue
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=name)


def test_eig_decomposes_like_keras(keras):
    w, v = (np.asarray(t) for t in lamina.ops.eig(SQ))
    kw = np.asarray(keras.ops.eig(SQ)[0])
    np.testing.assert_allclose(np.sort_complex(w.ravel()), np.sort_complex(kw.ravel()), atol=1e-4)
    np.testing.assert_allclose(SQ @ v, v * w[..., None, :], atol=1e-4)


def test_rearrange_jvp_scan_vectorize_match_keras(keras):
    t = RNG.normal(size=(2, 6, 4)).astype("float32")
    for pattern, lengths in [
        ("b h w -> b (h w)", {}),
        ("b (h k) w -> b h k w", {"k": 3}),
        ("b h w -> w b h", {}),
    ]:
        np.testing.assert_array_equal(
            lamina.ops.rearrange(t, pattern, **lengths), keras.ops.rearrange(t, pattern, **lengths)
        )
    for k in (keras, lamina):
        out, tan = k.ops.jvp(lambda a, k=k: k.ops.sin(a) * a, (X,), (Y,))
        np.testing.assert_allclose(out, np.sin(X) * X, rtol=1e-5)
        np.testing.assert_allclose(tan, (np.cos(X) * X + np.sin(X)) * Y, rtol=1e-4, atol=1e-5)
    ours = lamina.ops.associative_scan(lambda a, b: a * b, X, reverse=True, axis=1)
    np.testing.assert_allclose(ours, keras.ops.associative_scan(lambda a, b: a * b, X, True, 1))
    f = lambda a, b: a @ b  # noqa: E731
    ours = lamina.ops.vectorize(f, signature="(n),(n)->()")(X, Y)
    np.testing.assert_allclose(ours, keras.ops.vectorize(f, signature="(n),(n)->()")(X, Y))


def test_subnamespaces_hold_keras_names(keras):
    for ns in ("numpy", "nn", "linalg"):
        names = [n for n in dir(getattr(keras.ops, ns)) if not n.startswith("_")]
        ours = getattr(lamina.ops, ns)
        assert [n for n in names if not hasattr(ours, n)] == [], ns
        assert all(getattr(ours, n) is getattr(lamina.ops, n) for n in names), ns
    assert lamina.ops.linalg.inv is lamina.ops.inv and lamina.ops.nn.gelu is lamina.ops.gelu
    np.testing.assert_allclose(lamina.ops.numpy.sum(X), keras.ops.numpy.sum(X), rtol=1e-6)
    with pytest.raises(AttributeError):
        lamina.ops.linalg.gelu  # noqa: B018 (not in Keras's linalg namespace)


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="tuple"):
        lamina.ops.fft(X)
    with pytest.raises(ValueError, match="window"):
        lamina.ops.stft(SIG, 8, 4, 8, window="kaiser")
    with pytest.raises(ValueError, match="output_size"):
        lamina.ops.adaptive_average_pool(IMG, (2, 2, 2))
    with pytest.raises(NotImplementedError, match="greedy"):
        lamina.ops.ctc_decode(LOGITS, np.array([6, 6]), strategy="beam_search")


@pytest.fixture(scope="module", autouse=True)
def fresh_names():
    yield
    lamina.backend.clear_session()
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()


def graph(k):
    ops = k.ops
    inp = k.Input((3, 7, 6), name="img")
    h = ops.fold(ops.unfold(inp, 2), (7, 6), 2)
    flat = ops.reshape(h, (-1, 126))
    re, im = ops.rfft(flat, fft_length=16)
    spec = ops.stft(flat, 8, 4, 8)
    n = ops.rms_normalization(ops.concatenate([re, im], axis=-1), epsilon=1e-3)
    d = ops.cdist(ops.reshape(n, (-1, 3, 6)), ops.reshape(n, (-1, 3, 6)))
    out = ops.concatenate([ops.reshape(d, (-1, 9)), ops.reshape(spec[0], (-1, 160))], axis=-1)
    return k.Model(inp, k.layers.Dense(3, name="head")(out), name="ops17")


def test_graph_config_and_keras_files_cross_both_ways(keras, tmp_path):
    keras.backend.clear_session()
    lamina.backend.clear_session()
    km, lm = graph(keras), graph(lamina)
    kc, lc = km.get_config(), lm.get_config()
    for kr, lr in zip(kc["layers"], lc["layers"]):
        assert lr["class_name"] == kr["class_name"]
        if str(kr.get("module", "")).startswith("keras.src.ops"):
            a = json.loads(json.dumps(lr["config"]))
            b = json.loads(json.dumps(kr["config"]))
            a.pop("name"), b.pop("name")
            assert a == b, kr["class_name"]
    lm.set_weights(km.get_weights())
    expected = np.asarray(km.predict(IMG, verbose=0))
    np.testing.assert_allclose(lm.predict(IMG, verbose=0), expected, rtol=1e-5, atol=1e-5)
    lm.save(tmp_path / "lamina.keras")
    from_lamina = keras.saving.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(from_lamina.predict(IMG, verbose=0), expected, rtol=1e-5, atol=1e-5)
    km.save(tmp_path / "keras.keras")
    from_keras = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(from_keras.predict(IMG, verbose=0), expected, rtol=1e-5, atol=1e-5)
