"""Keras's rules for layers written outside the library, against Keras 3 (JAX backend).

Libraries such as KerasHub subclass `keras.layers.Layer` and rely on: a symbolic call
(`keras.Input` graphs) uses an overridden `compute_output_spec` / `compute_output_shape`; a
`build` or `compute_output_shape` with several arguments gets the shapes of `call`'s arguments by
name (`<argument>_shape`); `get_build_config` / `build_from_config` keep those shapes.
"""

import numpy as np
import pytest

import lamina


def _layers(k):
    ops = k.ops

    class IntCast(k.layers.Layer):
        # `call` gives int32, but `compute_output_shape` is what a symbolic call uses: its
        # outputs take the layer's compute dtype.
        def call(self, x):
            return ops.cast(ops.concatenate([x, x], axis=-1), "int32")

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], input_shape[-1] * 2)

    class Split(k.layers.Layer):
        def call(self, x):
            return x[..., :1], ops.cast(x[..., 1:], "int32")

        def compute_output_spec(self, x):
            return (
                k.KerasTensor((*x.shape[:-1], 1), dtype=x.dtype),
                k.KerasTensor((*x.shape[:-1], x.shape[-1] - 1), dtype="int32"),
            )

    class Cross(k.layers.Layer):
        def build(self, query_shape, context_shape):
            self.seen = (tuple(query_shape), tuple(context_shape))
            self.wq = self.add_weight((query_shape[-1], 3), initializer="ones", name="wq")
            self.wc = self.add_weight((context_shape[-1], 3), initializer="ones", name="wc")

        def call(self, query, context):
            return (
                ops.matmul(query, self.wq)
                + ops.mean(ops.matmul(context, self.wc), axis=1)[:, None, :]
            )

        def compute_output_shape(self, query_shape, context_shape):
            return (*query_shape[:-1], 3)

    class OptionalContext(k.layers.Layer):
        def build(self, inputs_shape, context_shape=None):
            self.had_context = context_shape is not None
            self.w = self.add_weight((inputs_shape[-1], 2), initializer="ones", name="w")

        def call(self, inputs, context=None):
            return ops.matmul(inputs, self.w)

    class BadNames(k.layers.Layer):
        def build(self, a, b):
            pass

        def call(self, a, b):
            return a

    return IntCast, Split, Cross, OptionalContext, BadNames


def _symbolic(k):
    IntCast, Split, Cross, OptionalContext, _ = _layers(k)
    x = k.Input((5, 4))
    c = k.Input((7, 6))
    out = {
        "int_cast": IntCast()(x),
        "split": Split()(x),
        "cross": Cross()(x, c),
        "cross_kw": Cross()(query=x, context=c),
    }
    return {
        name: [(tuple(t.shape), str(t.dtype)) for t in (v if isinstance(v, tuple) else (v,))]
        for name, v in out.items()
    }


def test_symbolic_call_uses_compute_output_shape_and_spec_like_keras(keras):
    assert _symbolic(lamina) == _symbolic(keras)
    got = _symbolic(lamina)
    assert got["int_cast"] == [((None, 5, 8), "float32")]
    assert got["split"] == [((None, 5, 1), "float32"), ((None, 5, 3), "int32")]


def _listify(value):
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return value


def _build(k):
    _, _, Cross, OptionalContext, _ = _layers(k)
    cross = Cross()
    q = np.ones((2, 5, 4), "float32")
    c = np.ones((2, 7, 6), "float32")
    y = np.asarray(cross(q, context=c))
    rebuilt = Cross()
    rebuilt.build_from_config(cross.get_build_config())
    optional = OptionalContext()
    optional(q)
    return {
        "seen": cross.seen,
        "build_config": _listify(cross.get_build_config()),
        "weights": [tuple(w.shape) for w in cross.weights],
        "rebuilt": [tuple(w.shape) for w in rebuilt.weights],
        "rebuilt_seen": rebuilt.seen,
        "y": y,
        "optional": (optional.had_context, _listify(optional.get_build_config())),
    }


def test_multi_argument_build_gets_shapes_by_name_like_keras(keras):
    got, ref = _build(lamina), _build(keras)
    np.testing.assert_allclose(got.pop("y"), ref.pop("y"))
    assert got == ref
    assert got["build_config"] == {
        "shapes_dict": {"query_shape": [2, 5, 4], "context_shape": [2, 7, 6]}
    }
    assert got["optional"] == (False, {"input_shape": [2, 5, 4]})


def test_build_arguments_without_the_shape_suffix_are_an_error_like_keras(keras):
    for k in (keras, lamina):
        bad = _layers(k)[-1]()
        with pytest.raises(ValueError, match="_shape"):
            bad(np.ones((2, 3), "float32"), np.ones((2, 3), "float32"))


def test_direct_build_call_records_shapes_by_name(keras):
    for k in (keras, lamina):
        cross = _layers(k)[2]()
        cross.build((None, 5, 4), (None, 7, 6))
        config = _listify(cross.get_build_config())
        assert config == {
            "shapes_dict": {"query_shape": [None, 5, 4], "context_shape": [None, 7, 6]}
        }


def _masked(k):
    class Keep(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, x):
            return x * 2.0

        def compute_output_shape(self, input_shape):
            return input_shape

    ids = k.Input((6,), dtype="int32")
    h = k.layers.Embedding(10, 4, mask_zero=True)(ids)
    out = Keep()(h)
    model = k.Model(ids, k.layers.GlobalAveragePooling1D()(out))
    model.set_weights([np.arange(40, dtype="float32").reshape(10, 4) / 40])
    return tuple(out._keras_mask.shape), model.predict(np.array([[1, 2, 0, 0, 3, 0]]), verbose=0)


def test_masks_flow_through_a_layer_with_compute_output_shape_like_keras(keras):
    (got_shape, got), (ref_shape, ref) = _masked(lamina), _masked(keras)
    assert got_shape == ref_shape == (None, 6)
    np.testing.assert_allclose(got, ref, rtol=1e-6)
