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


def _keep_key_order(template, result):
    """`result` with each plain dict's keys in the order of the matching dict of `template`.

    JAX rebuilds dicts in sorted key order; Keras (optree) keeps the order of the structure
    that was mapped or packed, so `map_structure(f, {"b": .., "a": ..})` starts with "b".
    """
    if type(template) is dict:
        if not isinstance(result, dict):
            return result
        return {k: _keep_key_order(v, result[k]) for k, v in template.items() if k in result}
    if isinstance(template, (list, tuple)) and isinstance(result, (list, tuple)):
        if len(template) != len(result):
            return result
        items = [_keep_key_order(t, r) for t, r in zip(template, result)]
        if all(a is b for a, b in zip(items, result)):
            return result
        if isinstance(result, list):
            return items
        return type(result)(*items) if hasattr(result, "_fields") else type(result)(items)
    return result


def is_nested(structure) -> bool:
    """Whether `structure` is a container that `keras.tree` descends into: a list, a tuple
    (namedtuples included) or a dict.

    Args:
        structure: any value.

    Returns:
        A bool.

    Example:
    >>> from lamina import tree
    >>> tree.is_nested([1, 2]), tree.is_nested({"a": 1}), tree.is_nested(3)
    (True, True, False)
    """
    return isinstance(structure, (list, tuple, dict))


def flatten(structure) -> list:
    """The leaves of a nested structure, as a flat list in depth-first order.

    Dict entries come in sorted key order, and `None` counts as a leaf (as in Keras).

    Args:
        structure: a nest of lists, tuples, dicts and leaves.

    Returns:
        A list of leaves.

    Example:
    >>> from lamina import tree
    >>> tree.flatten({"b": [1, 2], "a": (3, None)})
    [3, None, 1, 2]
    """
    return jax.tree_util.tree_leaves(structure, is_leaf=_none_leaf)


def flatten_with_path(structure) -> list:
    """The leaves of a nested structure together with their paths.

    Args:
        structure: a nest of lists, tuples, dicts and leaves.

    Returns:
        A list of `(path, leaf)` pairs in `flatten` order; a path is the tuple of dict keys and
        sequence indices that leads to the leaf.

    Example:
    >>> from lamina import tree
    >>> tree.flatten_with_path({"a": [10, 20], "b": 30})
    [(('a', 0), 10), (('a', 1), 20), (('b',), 30)]
    """
    pairs, _ = jax.tree_util.tree_flatten_with_path(structure, is_leaf=_none_leaf)
    return [(tuple(_key(k) for k in path), leaf) for path, leaf in pairs]


def map_structure(func, *structures, none_is_leaf: bool = True):
    """Applies `func` to the corresponding leaves of one or more structures and
    returns the results in the same structure.

    Args:
        func: a function taking one leaf from each structure.
        *structures: one or more structures of identical nesting.
        none_is_leaf: whether `None` is a leaf passed to `func` (the default) or an empty
            sub-structure left as it is.

    Returns:
        A structure like the first one, holding the results of `func`.

    Example:
    >>> from lamina import tree
    >>> tree.map_structure(lambda a, b: a + b, {"x": 1, "y": [2, 3]}, {"x": 10, "y": [20, 30]})
    {'x': 11, 'y': [22, 33]}
    """
    if not structures:
        raise ValueError("map_structure() needs at least one structure.")
    if len(structures) > 1:
        assert_same_structure(structures[0], *structures[1:])
    out = jax.tree_util.tree_map(func, *structures, is_leaf=_none_leaf if none_is_leaf else None)
    return _keep_key_order(structures[0], out)


def pack_sequence_as(structure, flat_sequence):
    """Arranges a flat sequence of values into the nesting of `structure`
    (the inverse of `flatten`).

    Args:
        structure: the nested structure to imitate (its leaves are ignored).
        flat_sequence: as many values as `structure` has leaves, in `flatten` order.

    Returns:
        A new structure holding the values of `flat_sequence`.

    Example:
    >>> from lamina import tree
    >>> tree.pack_sequence_as({"b": [0, 0], "a": 0}, [1, 2, 3])
    {'b': [2, 3], 'a': 1}
    """
    treedef = jax.tree_util.tree_structure(structure, is_leaf=_none_leaf)
    flat = list(flat_sequence)
    if len(flat) != treedef.num_leaves:
        raise ValueError(
            f"pack_sequence_as(): the structure has {treedef.num_leaves} leaves, but "
            f"flat_sequence has {len(flat)} elements."
        )
    return _keep_key_order(structure, jax.tree_util.tree_unflatten(treedef, flat))


def _plain_containers(x):
    """`x` with dict and list subclasses (a layer's tracked containers) as plain dicts and
    lists: Keras's structures compare those as their base types."""
    if isinstance(x, dict):
        return {k: _plain_containers(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain_containers(v) for v in x]
    if type(x) is tuple:
        return tuple(_plain_containers(v) for v in x)
    return x


def assert_same_structure(a, *others, check_types=None) -> None:
    """Checks that structures have the same nesting (containers, lengths
    and dict keys); the leaves may differ.

    Args:
        a: the first structure.
        *others: the structures to compare with it.
        check_types: accepted for Keras compatibility (container types are always compared as
            JAX sees them).

    Returns:
        None; raises `ValueError` when a structure differs.

    Example:
    >>> from lamina import tree
    >>> tree.assert_same_structure([1, (2, 3)], ["a", ("b", "c")])
    >>> try:
    ...     tree.assert_same_structure([1, 2], [1, 2, 3])
    ... except ValueError:
    ...     print("different")
    different
    """
    first = jax.tree_util.tree_structure(_plain_containers(a), is_leaf=_none_leaf)
    for other in others:
        second = jax.tree_util.tree_structure(_plain_containers(other), is_leaf=_none_leaf)
        if first != second:
            raise ValueError(
                f"The two structures don't have the same nested structure: {first} and {second}."
            )


def assert_same_paths(a, b) -> None:
    """Checks that two structures have the same set of leaf paths (the
    container types may differ, e.g. a list and a tuple).

    Args:
        a: the first structure.
        b: the second structure.

    Returns:
        None; raises `ValueError` naming the paths found in only one of them.

    Example:
    >>> from lamina import tree
    >>> tree.assert_same_paths([1, 2], (3, 4))
    >>> try:
    ...     tree.assert_same_paths({"a": 1}, {"b": 1})
    ... except ValueError:
    ...     print("different")
    different
    """
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            f"The structures don't have the same paths: only in the first "
            f"{sorted(map(str, paths_a - paths_b))}, only in the second "
            f"{sorted(map(str, paths_b - paths_a))}."
        )


def lists_to_tuples(structure):
    """Converts every list in a nested structure into a tuple, recursively.

    Args:
        structure: a nested structure.

    Returns:
        The same structure with tuples in place of lists.

    Example:
    >>> from lamina import tree
    >>> tree.lists_to_tuples({"a": [1, [2, 3]]})
    {'a': (1, (2, 3))}
    """
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
    """Returned by a `traverse` function to put `None` at that position of the result (returning
    `None` itself means "keep traversing").

    Args:
        (none: used as the class itself, `keras.tree.MAP_TO_NONE`)

    Example:
        >>> import lamina as keras
        >>> keras.tree.traverse(lambda x: keras.tree.MAP_TO_NONE if x == 2 else None, [1, 2])
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
        out = jax.tree_util.tree_unflatten(
            treedef, [traverse(func, c, top_down=top_down) for c in leaves]
        )
        return _keep_key_order(node, out) if type(node) is dict else out

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
    out = jax.tree_util.tree_unflatten(treedef, [func(*args) for args in zip(*parts)])
    return _keep_key_order(shallow_structure, out)


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
    out = jax.tree_util.tree_map(func, structure, is_leaf=lambda x: x is None or _is_shape(x))
    return _keep_key_order(structure, out)
