"""Top-level names added for issue 17 against Keras 3.15: the tree functions, the scopes
(`StatelessScope`, `SymbolicScope`, `name_scope`, `device`, `RematScope`, `remat`) and
`keras.dtype_policies`."""

import jax
import numpy as np
import pytest

import lamina

STRUCTURES = [
    (1, [2, (3, None)], {"b": 4, "a": [5]}),
    {"x": (None, 3), "y": [(2, 4), (None,)]},
]


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("top_down", [True, False])
def test_traverse_matches_keras(keras, structure, top_down):
    def func(m):
        def f(x):
            if isinstance(x, int):
                return x * 10
            if x is None:
                return m.tree.MAP_TO_NONE
            if isinstance(x, list) and len(x) == 1:
                return "single"
            return None

        return f

    ours = lamina.tree.traverse(func(lamina), structure, top_down=top_down)
    assert ours == keras.tree.traverse(func(keras), structure, top_down=top_down)


def test_map_structure_up_to_and_map_shape_structure_match_keras(keras):
    shallow = (0, {"a": 0, "b": 0})
    deep = ([1, 2], {"a": (3, 4), "b": 5})
    other = ([10, 20], {"a": (1, 2), "b": 6})
    fn = lambda x, y: (len(x) if isinstance(x, (list, tuple)) else x, str(y))  # noqa: E731
    assert lamina.tree.map_structure_up_to(
        shallow, fn, deep, other
    ) == keras.tree.map_structure_up_to(shallow, fn, deep, other)
    shapes = STRUCTURES[1]
    f = lambda s: tuple(reversed(s))  # noqa: E731
    assert lamina.tree.map_shape_structure(f, shapes) == keras.tree.map_shape_structure(f, shapes)
    with pytest.raises(ValueError, match="shallow"):
        lamina.tree.map_structure_up_to((None, None, None), len, ([1], [2]))


def test_stateless_scope_matches_keras(keras):
    results = []
    for k in (keras, lamina):
        layer = k.layers.BatchNormalization()
        x = np.arange(12.0, dtype="float32").reshape(4, 3)
        layer.build(x.shape)
        mapping = [(v, np.full(v.shape, 2.0, "float32")) for v in layer.weights]
        with k.StatelessScope(state_mapping=mapping) as scope:
            out = layer(x, training=True)
            moving = scope.get_current_value(layer.moving_mean)
        results.append((np.asarray(out), np.asarray(moving), np.asarray(layer.moving_mean)))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)


def test_name_scope_and_symbolic_scope(keras):
    paths = []
    for k in (keras, lamina):
        with k.name_scope("outer"):
            with k.name_scope("inner"):
                v = k.Variable(np.zeros(2, "float32"), name="w")
        paths.append(v.path)
    assert paths[0] == paths[1] == "outer/inner/w"
    with lamina.SymbolicScope():
        from lamina.core.state import in_symbolic_scope

        assert in_symbolic_scope()
    assert not in_symbolic_scope()


def test_device_remat_and_remat_scope(keras):
    with lamina.device("cpu:0"):
        x = lamina.ops.ones((3,))
    assert next(iter(x.devices())).platform == "cpu"
    with pytest.raises(ValueError, match="device"):
        with lamina.device("npu:0"):
            pass
    f = lambda v: lamina.ops.sum(lamina.ops.sin(v) ** 2)  # noqa: E731
    v = np.linspace(0, 1, 5).astype("float32")
    np.testing.assert_allclose(jax.grad(lamina.remat(f))(v), jax.grad(f)(v), rtol=1e-6)
    np.testing.assert_allclose(
        keras.remat(lambda t: keras.ops.sin(t) * 2.0)(v),
        lamina.remat(lambda t: lamina.ops.sin(t) * 2.0)(v),
    )
    with lamina.RematScope(mode="larger_than", output_size_threshold=10) as scope:
        assert lamina.RematScope.current() is scope
    assert lamina.RematScope.current() is None
    with pytest.raises(ValueError, match="mode"):
        lamina.RematScope(mode="sometimes")


@pytest.mark.parametrize("name", ["float32", "mixed_float16", "bfloat16"])
def test_dtype_policies_match_keras(keras, name):
    for cls in ("DTypePolicy", "FloatDTypePolicy"):
        ours = getattr(lamina.dtype_policies, cls)(name)
        theirs = getattr(keras.dtype_policies, cls)(name)
        assert lamina.dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
        assert (ours.compute_dtype, ours.variable_dtype) == (
            theirs.compute_dtype,
            theirs.variable_dtype,
        )
        back = lamina.dtype_policies.deserialize(keras.dtype_policies.serialize(theirs))
        assert type(back).__name__ == cls and back.name == name
    got, want = lamina.dtype_policies.get(name), keras.dtype_policies.get(name)
    assert type(got).__name__ == type(want).__name__ and got.name == want.name
    assert lamina.FloatDTypePolicy is lamina.dtype_policies.FloatDTypePolicy
    layer = lamina.layers.Dense(2, dtype=lamina.dtype_policies.get(name))
    assert layer.dtype_policy.name == name


def test_legacy_optimizers_explain_like_keras(keras):
    for name in ("Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"):
        with pytest.raises(ImportError, match="not supported in Keras 3"):
            getattr(keras.optimizers.legacy, name)(learning_rate=0.1)
        with pytest.raises(ImportError, match="not supported in Keras 3"):
            getattr(lamina.optimizers.legacy, name)(learning_rate=0.1)
