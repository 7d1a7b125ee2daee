"""`keras.tree`: nested structures (lists, tuples, dicts, namedtuples) as `jax.tree_util`
sees them, with Keras's conventions: `None` is a leaf, dict entries come in sorted key order.

Provided: `flatten`, `flatten_with_path`, `map_structure`, `map_structure_up_to`,
`map_shape_structure`, `traverse` (with `MAP_TO_NONE`), `pack_sequence_as`, `is_nested`,
`assert_same_structure`, `assert_same_paths`, `lists_to_tuples`.
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
    "MAP_TO_NONE",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
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


# Issue 17: traverse, map_structure_up_to, map_shape_structure, MAP_TO_NONE.


class MAP_TO_NONE:  # noqa: N801 (Keras's name)
    """Returned by a `traverse` function to put `None` at that position of the result.

    Example:
    >>> traverse(lambda x: MAP_TO_NONE if x == 2 else None, [1, 2])
    [1, None]
    """


def _children(structure):
    leaves, treedef = jax.tree_util.tree_flatten(
        structure, is_leaf=lambda x: x is not structure or x is None
    )
    return leaves, treedef


def traverse(func, structure, top_down: bool = True):
    """Applies `func` to every node of `structure` (containers and leaves), depth first.

    Top-down, `func` sees a node before its children; when it returns something other than
    `None`, that value replaces the node and its children are not visited. Bottom-up, `func`
    sees each node after its children were replaced. Returning `MAP_TO_NONE` puts `None`.

    Args:
        func: a function of one node; `None` means "keep (and descend into) this node".
        structure: a nested structure.
        top_down: the visiting order.

    Returns:
        The transformed structure.

    Example:
    >>> traverse(lambda x: x * 10 if isinstance(x, int) else None, (1, [2, 3]))
    (10, [20, 30])
    """

    def visit_children(node):
        if not is_nested(node):
            return node
        leaves, treedef = _children(node)
        if treedef.num_leaves == 1 and treedef.num_nodes == 1:
            return node
        return jax.tree_util.tree_unflatten(
            treedef, [traverse(func, c, top_down=top_down) for c in leaves]
        )

    if top_down:
        out = func(structure)
        if out is None:
            return visit_children(structure)
    else:
        structure = visit_children(structure)
        out = func(structure)
        if out is None:
            return structure
    return None if out is MAP_TO_NONE else out


def map_structure_up_to(shallow_structure, func, *structures):
    """`map_structure` that stops at the leaves of `shallow_structure`: `func` receives the
    (possibly nested) parts of `structures` found at those positions.

    Args:
        shallow_structure: a structure that is a prefix of each of `structures`.
        func: a function of as many arguments as there are structures.
        *structures: the structures to map over.

    Returns:
        A structure shaped like `shallow_structure`.

    Example:
    >>> map_structure_up_to((None, None), len, ([1, 2], [3]))
    (2, 1)
    """
    if not structures:
        raise ValueError("map_structure_up_to() needs at least one structure.")
    treedef = jax.tree_util.tree_structure(shallow_structure, is_leaf=_none_leaf)
    try:
        parts = [treedef.flatten_up_to(s) for s in structures]
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"map_structure_up_to: the structures do not start with the shallow structure "
            f"{shallow_structure!r}: {e}"
        ) from None
    return jax.tree_util.tree_unflatten(treedef, [func(*args) for args in zip(*parts)])


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(e, int) or e is None for e in x)


def map_shape_structure(func, structure):
    """`map_structure` where shape tuples (tuples or lists of ints and `None`) are leaves.

    Args:
        func: a function of one shape.
        structure: a nested structure of shapes.

    Returns:
        The structure with `func` applied to each shape.

    Example:
    >>> map_shape_structure(lambda s: s[1:], {"a": (None, 3), "b": [(2, 4)]})
    {'a': (3,), 'b': [(4,)]}
    """
    return jax.tree_util.tree_map(func, structure, is_leaf=lambda x: x is None or _is_shape(x))
