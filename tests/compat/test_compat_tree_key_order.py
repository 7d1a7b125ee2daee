"""`keras.tree` rebuilds dicts in the key order of the structure it was given (optree keeps
insertion order), while `jax.tree_util` sorts the keys; lamina must give Keras's order."""

import collections

import pytest

import lamina

NESTED = {"b": [0, {"z": 1, "y": 2}], "a": 0, "c": None}


def _orders(x):
    """Every dict's key list, depth first, so a test compares order and not only equality."""
    if isinstance(x, dict):
        return [list(x)] + [o for v in x.values() for o in _orders(v)]
    if isinstance(x, (list, tuple)):
        return [o for v in x for o in _orders(v)]
    return []


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.map_structure(lambda v: v, NESTED),
        lambda t: t.pack_sequence_as(NESTED, [1, 2, 3, 4, 5]),
        lambda t: t.map_shape_structure(lambda s: s, {"b": (1, 2), "a": [(3,)]}),
        lambda t: t.traverse(lambda v: None, NESTED),
        lambda t: t.traverse(lambda v: None, NESTED, top_down=False),
        lambda t: t.map_structure_up_to({"b": 0, "a": 0}, str, {"b": [1], "a": 2}),
        lambda t: t.map_structure(
            lambda v: v, collections.namedtuple("P", "q r")({"b": 1, "a": 2}, [3])
        ),
    ],
)
def test_dict_key_order_matches_keras(keras, call):
    ours, theirs = call(lamina.tree), call(keras.tree)
    assert ours == theirs
    assert _orders(ours) == _orders(theirs)
    assert type(ours) is type(theirs) or type(ours).__name__ == type(theirs).__name__
