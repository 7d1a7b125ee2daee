"""Issue 17 top-level and namespace additions against Keras 3.15 (JAX backend):
`keras.Operation`, `keras.Function`, `dtype_policies.DTypePolicyMap`."""

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(11)


# ---------------------------------------------------------------------------- Function
def _graph(k):
    a = k.KerasTensor(shape=(None, 3))
    b = k.KerasTensor(shape=(None, 3))
    outputs = [k.ops.sigmoid(a + b), {"m": k.ops.max(a * b, axis=-1)}]
    return k.Function(inputs={"x": a, "y": b}, outputs=outputs)


def test_function_matches_keras(keras):
    x = RNG.normal(size=(4, 3)).astype("float32")
    y = RNG.normal(size=(4, 3)).astype("float32")
    kf, lf = _graph(keras), _graph(lamina)
    k_out, l_out = kf({"x": x, "y": y}), lf({"x": x, "y": y})
    assert isinstance(l_out, list) and set(l_out[1]) == {"m"}
    np.testing.assert_allclose(np.asarray(l_out[0]), np.asarray(k_out[0]), atol=1e-6)
    np.testing.assert_allclose(np.asarray(l_out[1]["m"]), np.asarray(k_out[1]["m"]), atol=1e-6)
    shapes = {"x": (5, 3), "y": (5, 3)}
    assert lf.compute_output_shape(shapes) == kf.compute_output_shape(shapes)
    assert len(lf.operations) == len(kf.operations) == 4
    assert len(lf.inputs) == 2 and len(lf.outputs) == 2
    spec = lf({"x": lamina.KerasTensor((None, 3)), "y": lamina.KerasTensor((None, 3))})
    assert spec[0].shape == (None, 3) and spec[1]["m"].shape == (None,)


def test_function_over_layers_and_errors(keras):
    x = RNG.normal(size=(2, 4)).astype("float32")
    fns = {}
    for k in (keras, lamina):
        inp = k.Input((4,))
        dense = k.layers.Dense(2, name="d")
        fns[k] = (k.Function(inp, k.ops.relu(dense(inp))), dense)
    fns[lamina][1].set_weights(fns[keras][1].get_weights())
    np.testing.assert_allclose(
        np.asarray(fns[lamina][0](x)), np.asarray(fns[keras][0](x)), atol=1e-6
    )
    ops = [type(op).__name__ for op in fns[lamina][0].operations]
    assert ops[:2] == ["InputLayer", "Dense"]
    with pytest.raises(ValueError, match="expected shape \\(None, 4\\)"):
        fns[lamina][0](np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="invalid input structure"):
        fns[lamina][0]([x, x])
    a = lamina.KerasTensor((None, 3))
    with pytest.raises(ValueError, match="not connected to `inputs`"):
        lamina.Function(a, lamina.ops.add(lamina.KerasTensor((None, 3)), a))
    with pytest.raises(ValueError, match="must not be empty"):
        lamina.Function([], a)


def _scale_op(k):
    class Scale(k.Operation):
        def __init__(self, factor=2.0, name=None):
            super().__init__(name=name)
            self.factor = factor

        def call(self, x):
            return k.ops.multiply(x, self.factor)

    return Scale


def test_operation_subclass_matches_keras(keras):
    x = RNG.normal(size=(2, 3)).astype("float32")
    kop, lop = _scale_op(keras)(3.0, name="s"), _scale_op(lamina)(3.0, name="s")
    np.testing.assert_allclose(np.asarray(lop(x)), np.asarray(kop(x)), atol=1e-6)
    assert lop.get_config() == kop.get_config() == {"name": "s", "factor": 3.0}
    sym = lop(lamina.KerasTensor((None, 3)))
    assert sym.shape == (None, 3) and sym.dtype == "float32"
    assert sym._keras_history.operation is lop  # the call is a graph node
    assert lop.output is sym
    rebuilt = type(lop).from_config(lop.get_config())
    assert rebuilt.factor == 3.0 and rebuilt.name == "s"
    # Layers are operations, as in Keras.
    assert isinstance(lamina.layers.Dense(2), lamina.Operation)
    assert issubclass(keras.layers.Layer, keras.Operation)
    with pytest.raises(ValueError, match="without '/'"):
        _scale_op(lamina)(name="a/b")
    with pytest.raises(NotImplementedError, match="must implement `call"):
        lamina.Operation()(np.ones(2))
