"""`keras.tree`: nested structures (lists, tuples, dicts, namedtuples) as `jax.tree_util`
sees them, with Keras's conventions: `None` is a leaf, dict entries come in sorted key order.

Provided: `flatten`, `flatten_with_path`, `map_structure`, `pack_sequence_as`, `is_nested`,
`assert_same_structure`, `assert_same_paths`, `lists_to_tuples`. (Keras's `traverse`,
`map_structure_up_to` and `map_shape_structure` are not here yet; see docs/differences.md.)
"""

from __future__ import annotations

import jax

__all__ = [
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_structure",
    "pack_sequence_as",
]


def _none_leaf(x) -> bool:
    return x is None


def _key(entry):
    for attr in ("key", "idx", "name"):
        if hasattr(entry, attr):
            return getattr(entry, attr)
    return entry


def is_nested(structure) -> bool:
    """Whether `structure` is a list, tuple (namedtuples included) or dict."""
    return isinstance(structure, (list, tuple, dict))


def flatten(structure) -> list:
    """The leaves of `structure`, depth first (dicts by sorted key; `None` is a leaf)."""
    return jax.tree_util.tree_leaves(structure, is_leaf=_none_leaf)


def flatten_with_path(structure) -> list:
    """`(path, leaf)` pairs; a path is the tuple of keys and indices leading to the leaf."""
    pairs, _ = jax.tree_util.tree_flatten_with_path(structure, is_leaf=_none_leaf)
    return [(tuple(_key(k) for k in path), leaf) for path, leaf in pairs]


def map_structure(func, *structures, none_is_leaf: bool = True):
    """`func` applied to the corresponding leaves of `structures` (all of the same structure)."""
    if not structures:
        raise ValueError("map_structure() needs at least one structure.")
    if len(structures) > 1:
        assert_same_structure(structures[0], *structures[1:])
    return jax.tree_util.tree_map(func, *structures, is_leaf=_none_leaf if none_is_leaf else None)


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence` arranged in the structure of `structure`."""
    treedef = jax.tree_util.tree_structure(structure, is_leaf=_none_leaf)
    flat = list(flat_sequence)
    if len(flat) != treedef.num_leaves:
        raise ValueError(
            f"pack_sequence_as(): the structure has {treedef.num_leaves} leaves, but "
            f"flat_sequence has {len(flat)} elements."
        )
    return jax.tree_util.tree_unflatten(treedef, flat)


def assert_same_structure(a, *others, check_types=None) -> None:
    """Raises `ValueError` when the structures differ (their nesting or their keys)."""
    first = jax.tree_util.tree_structure(a, is_leaf=_none_leaf)
    for other in others:
        second = jax.tree_util.tree_structure(other, is_leaf=_none_leaf)
        if first != second:
            raise ValueError(
                f"The two structures don't have the same nested structure: {first} and {second}."
            )


def assert_same_paths(a, b) -> None:
    """Raises `ValueError` when `a` and `b` do not have the same set of leaf paths."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            f"The structures don't have the same paths: only in the first "
            f"{sorted(map(str, paths_a - paths_b))}, only in the second "
            f"{sorted(map(str, paths_b - paths_a))}."
        )


def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple, recursively."""
    if isinstance(structure, dict):
        return type(structure)((k, lists_to_tuples(v)) for k, v in structure.items())
    if isinstance(structure, list):
        return tuple(lists_to_tuples(v) for v in structure)
    if isinstance(structure, tuple):
        items = [lists_to_tuples(v) for v in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return structure
