"""`saving.KerasFileEditor` against Keras 3.15: the same weights tree read from a `.keras`
file, the same edits, and edited `.weights.h5` files that both libraries load."""

import contextlib
import io

import numpy as np
import pytest

import lamina


def _model(k):
    inp = k.Input((3,))
    h = k.layers.BatchNormalization()(k.layers.Dense(4)(inp))
    return k.Model(inp, k.layers.Dense(2)(h))


def _tree(d):
    return {k: _tree(v) if isinstance(v, dict) else tuple(v.shape) for k, v in d.items()}


def _edit(k, path, out):
    with contextlib.redirect_stdout(io.StringIO()):
        editor = k.saving.KerasFileEditor(str(path))
    editor.rename_object("dense", "first")
    editor.delete_weight("dense_1", "1")
    editor.add_weights("dense_1", {"1": np.full(2, 0.5, "float32")})
    editor.add_object("layers/extra", {"0": np.zeros(2, "float32")})
    editor.delete_object("layers/extra")
    editor.rename_object("layers/first", "dense")
    editor.save(str(out))
    return editor


def test_file_editor_matches_keras(keras, tmp_path):
    km = _model(keras)
    km.save(tmp_path / "m.keras")
    with contextlib.redirect_stdout(io.StringIO()):
        ke = keras.saving.KerasFileEditor(str(tmp_path / "m.keras"))
        le = lamina.saving.KerasFileEditor(str(tmp_path / "m.keras"))
    assert _tree(le.weights_dict) == _tree(ke.weights_dict)
    for a, b in zip(
        ke.weights_dict["layers"]["dense"].values(), le.weights_dict["layers"]["dense"].values()
    ):
        np.testing.assert_array_equal(b, a)
    assert le.config == ke.config and le.metadata == ke.metadata
    with contextlib.redirect_stdout(io.StringIO()):
        assert le.compare(_model(lamina))["status"] == "success"
        bad = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(5)])
        assert le.compare(bad)["error_count"] > 0
    _edit(keras, tmp_path / "m.keras", tmp_path / "k.weights.h5")
    edited = _edit(lamina, tmp_path / "m.keras", tmp_path / "l.weights.h5")
    np.testing.assert_array_equal(edited.weights_dict["layers"]["dense_1"]["1"], [0.5, 0.5])
    x = np.ones((2, 3), "float32")
    expected = None
    for k in (keras, lamina):
        for source in ("k", "l"):
            model = _model(k)
            model.load_weights(tmp_path / f"{source}.weights.h5")
            out = np.asarray(model.predict(x, verbose=0))
            expected = out if expected is None else expected
            np.testing.assert_allclose(out, expected, atol=1e-6)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        edited.summary()
    assert "dense_1" in buffer.getvalue() and "shape=(4, 2)" in buffer.getvalue()


def test_file_editor_errors(tmp_path):
    lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)]).save(tmp_path / "m.keras")
    with contextlib.redirect_stdout(io.StringIO()):
        editor = lamina.saving.KerasFileEditor(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("nothing")
    with pytest.raises(ValueError, match="Weight 7 not found"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="must be a dict"):
        editor.add_weights("dense", [np.zeros(1)])
    with pytest.raises(ValueError, match=".weights.h5"):
        editor.save(tmp_path / "out.h5")
    with pytest.raises(ValueError, match=".keras"):
        lamina.saving.KerasFileEditor(tmp_path / "m.zip")
