"""Functional graphs that call `keras.ops` on symbolic tensors: the config lamina writes is
Keras's record for record, and `.keras` files round-trip both ways with the same predictions."""

import json

import numpy as np
import pytest

import lamina

X = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def graph(k):
    """The same graph on Keras or lamina (`k` is the package)."""
    ops = k.ops
    inp = k.Input((4,), name="x")
    h = k.layers.Dense(6, name="dense")(inp)
    a = ops.add(h, 1.0)
    b = h * 2.0  # an operator: ops.multiply
    c = ops.concatenate([a, b], axis=-1)
    d = ops.relu(c)
    e = ops.sum(d, axis=-1, keepdims=True)
    f = ops.expand_dims(ops.mean(d, axis=1), axis=-1)
    g = ops.reshape(ops.transpose(ops.reshape(d, (-1, 3, 4)), axes=(0, 2, 1)), (-1, 12))
    s1 = h[:, 1:5:2]  # GetItem: slices
    s2 = ops.expand_dims(-h[..., 3], -1)  # Ellipsis, an operator
    out = k.layers.Dense(2, name="head")(ops.concatenate([g, e, f, s1, s2], axis=1))
    return k.Model(inp, ops.cast(out, "float32"), name="opsgraph")


def strip(config):
    """The config as JSON has it, without what two separately built models may differ in."""
    config = json.loads(json.dumps(config))
    return _strip(config)


def _strip(config):
    if isinstance(config, dict):
        return {k: _strip(v) for k, v in config.items() if k not in ("build_config",)}
    if isinstance(config, list):
        return [_strip(v) for v in config]
    return config


def renamed(config):
    """The config with every layer renamed by its position (automatic names depend on what
    the session built before, on either side)."""
    names = {r["name"]: f"layer{i}" for i, r in enumerate(config["layers"])}
    text = json.dumps(config)
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


def test_config_matches_keras_record_for_record(keras):
    keras.backend.clear_session()
    lamina.backend.clear_session()
    km, lm = graph(keras), graph(lamina)
    kc, lc = renamed(km.get_config()), renamed(lm.get_config())
    assert [r["class_name"] for r in lc["layers"]] == [r["class_name"] for r in kc["layers"]]
    for kr, lr in zip(kc["layers"], lc["layers"]):
        if str(kr.get("module", "")).startswith("keras.src.ops"):
            assert strip(lr) == strip(kr), kr["class_name"]


def test_keras_file_round_trips_both_ways(keras, tmp_path):
    km, lm = graph(keras), graph(lamina)
    lm.set_weights(km.get_weights())
    expected = np.asarray(km.predict(X, verbose=0))
    np.testing.assert_allclose(lm.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)
    lm.save(tmp_path / "lamina.keras")
    from_lamina = keras.saving.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(from_lamina.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)
    km.save(tmp_path / "keras.keras")
    from_keras = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(from_keras.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)
    again = lamina.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(again.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_an_operation_with_a_function_argument_fails_at_save_time(tmp_path):
    inp = lamina.Input((3,))
    out = lamina.ops.map(lambda row: row * 2.0, inp)
    model = lamina.Model(inp, out)
    with pytest.raises(TypeError, match="Lambda"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.parametrize(
    "name,args",
    [
        ("normal", ((3, 4),)),
        ("uniform", ((5,),)),
        ("truncated_normal", ((6,),)),
        ("randint", ((8,), 0, 10)),
    ],
)
def test_random_with_an_int_seed_gives_keras_values(keras, name, args):
    got = getattr(lamina.random, name)(*args, seed=42)
    want = getattr(keras.random, name)(*args, seed=42)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


STRUCTURES = [
    {"b": [1, (2, 3)], "a": None},
    [1, [2, {"z": 3, "y": (4, None)}]],
    (1,),
]


@pytest.mark.parametrize("structure", STRUCTURES)
def test_tree_functions_agree_with_keras(keras, structure):
    assert lamina.tree.flatten(structure) == keras.tree.flatten(structure)
    assert lamina.tree.flatten_with_path(structure) == keras.tree.flatten_with_path(structure)
    double = lambda v: None if v is None else v * 2  # noqa: E731
    assert lamina.tree.map_structure(double, structure) == keras.tree.map_structure(
        double, structure
    )
    flat = list(range(len(keras.tree.flatten(structure))))
    assert lamina.tree.pack_sequence_as(structure, flat) == keras.tree.pack_sequence_as(
        structure, flat
    )
    assert lamina.tree.lists_to_tuples(structure) == keras.tree.lists_to_tuples(structure)
    assert lamina.tree.is_nested(structure) == keras.tree.is_nested(structure)
    lamina.tree.assert_same_structure(structure, structure)
    with pytest.raises(ValueError):
        lamina.tree.assert_same_structure(structure, [structure])
