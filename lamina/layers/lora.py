"""LoRA (low-rank adaptation) for `Dense`, `EinsumDense` and `Embedding`, as Keras 3 does it.

`layer.enable_lora(rank)` freezes the layer's matrix `W` and adds two float32 weights `A`
(`W.shape[:-1] + (rank,)`) and `B` (`(rank, W.shape[-1])`); the layer then computes with
`W + (lora_alpha / rank) * A @ B`. `B` starts at zero, so the output does not change until
training moves it. Saving writes the merged matrix in `W`'s place (the file layout of the layer
without LoRA, as Keras writes it); loading zeroes `A` and `B` again. `KerasHub`'s
`backbone.enable_lora(rank)` calls this on the attention projections.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import initializers


def enable(
    layer,
    base: str,
    names: tuple[str, str],
    rank,
    lora_alpha,
    a_initializer,
    b_initializer,
    regularizer,
    constraint,
) -> None:
    """Adds the two LoRA weights to `layer` and freezes its matrix `getattr(layer, base)`.

    Args:
        layer: a built `Dense`, `EinsumDense` or `Embedding`.
        base: the attribute holding the matrix (`"kernel"`, `"_kernel"`, `"embeddings"`).
        names: the names of the two weights (`"lora_kernel_a"`, `"lora_kernel_b"`).
        rank: the rank of the update.
        lora_alpha: the scale numerator (`None`: `rank`).
        a_initializer: the initializer of `A`.
        b_initializer: the initializer of `B`.
        regularizer: the matrix's regularizer (applied to `A` and `B` too, as Keras does).
        constraint: the matrix's constraint (LoRA refuses one).

    Returns:
        None.

    Example:
        >>> import lamina as keras
        >>> layer = keras.layers.Dense(3)
        >>> layer.build((None, 4))
        >>> layer.enable_lora(2)
        >>> [w.name for w in layer.trainable_weights]
        ['bias', 'lora_kernel_a', 'lora_kernel_b']
    """
    kind = type(layer).__name__
    if constraint is not None:
        raise ValueError(
            f"{kind} '{layer.name}': LoRA is incompatible with a constraint on its matrix. To "
            "enable LoRA on this layer, remove the constraint argument."
        )
    if not layer.built:
        raise ValueError(
            f"{kind} '{layer.name}': cannot enable LoRA on a layer that isn't built yet. Build "
            "it first (call it on data or `layer.build(input_shape)`)."
        )
    if getattr(layer, "lora_enabled", False):
        raise ValueError(
            f"{kind} '{layer.name}': LoRA is already enabled. This can only be done once per layer."
        )
    if layer.quantization_mode is not None:
        raise NotImplementedError(
            f"{kind} '{layer.name}': lamina does not combine LoRA with a quantized layer "
            f"({layer.quantization_mode!r}) yet (Keras does); enable LoRA on the float model."
        )
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError(
            f"{kind} '{layer.name}': `rank` must be a positive int, received {rank!r}."
        )
    matrix = getattr(layer, base)
    shape = tuple(matrix.shape)
    a = layer.add_weight(
        name=names[0],
        shape=shape[:-1] + (rank,),
        initializer=initializers.get(a_initializer),
        dtype="float32",
        regularizer=regularizer,
    )
    b = layer.add_weight(
        name=names[1],
        shape=(rank, shape[-1]),
        initializer=initializers.get(b_initializer),
        dtype="float32",
        regularizer=regularizer,
    )
    setattr(layer, names[0], a)
    setattr(layer, names[1], b)
    matrix.trainable = False
    layer.lora_enabled = True
    layer.lora_rank = rank
    layer.lora_alpha = lora_alpha if lora_alpha is not None else rank


def merged(layer, matrix, a, b, dtype):
    """`matrix + (lora_alpha / lora_rank) * a @ b` in `dtype` (the matrix the layer computes
    with while LoRA is enabled).

    Args:
        layer: the layer (for `lora_alpha` and `lora_rank`).
        matrix: the frozen matrix's value.
        a: `A`'s value.
        b: `B`'s value.
        dtype: the result's dtype.

    Returns:
        The merged matrix.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Dense(2)
        >>> layer.build((None, 2))
        >>> layer.enable_lora(1)
        >>> w = merged(layer, layer.kernel.value, layer.lora_kernel_a.value,
        ...            layer.lora_kernel_b.value, "float32")
        >>> bool(np.allclose(w, layer.kernel.value))  # B starts at zero
        True
    """
    scale = layer.lora_alpha / layer.lora_rank
    return jnp.add(matrix, scale * jnp.matmul(a, b)).astype(dtype)


def matrix(layer, base: str, names: tuple[str, str]):
    """The matrix `layer` computes with: `getattr(layer, base)`'s value, merged with the LoRA
    update (in the compute dtype) while LoRA is enabled.

    Args:
        layer: a `Dense`, `EinsumDense` or `Embedding`.
        base: the attribute holding the matrix.
        names: the attribute names of `A` and `B`.

    Returns:
        The matrix.

    Example:
        >>> import lamina as keras
        >>> layer = keras.layers.Dense(2)
        >>> layer.build((None, 3))
        >>> matrix(layer, "kernel", ("lora_kernel_a", "lora_kernel_b")).shape
        (3, 2)
    """
    value = getattr(layer, base).value
    if not layer.lora_enabled:
        return value
    a, b = (getattr(layer, n).value for n in names)
    return merged(layer, value, a, b, layer.compute_dtype)


def refuse_quantize(layer) -> None:
    """Raises when `layer` has LoRA enabled (lamina does not quantize such a layer yet).

    Args:
        layer: the layer being quantized.

    Returns:
        None.

    Example:
        >>> import lamina as keras
        >>> refuse_quantize(keras.layers.Dense(2))  # no LoRA: nothing to refuse
    """
    if layer.lora_enabled:
        raise NotImplementedError(
            f"{type(layer).__name__} '{layer.name}': lamina does not quantize a layer with LoRA "
            "enabled (Keras does): merge or drop the LoRA update first, or keep the layer float."
        )


def reset(layer, names: tuple[str, str]) -> None:
    """Zeroes `A` and `B` (after loading a merged matrix, as Keras does).

    Args:
        layer: the layer.
        names: the two weights' attribute names.

    Returns:
        None.

    Example:
        >>> import lamina as keras
        >>> layer = keras.layers.Embedding(5, 3)
        >>> layer.build()
        >>> layer.enable_lora(2)
        >>> reset(layer, ("lora_embeddings_a", "lora_embeddings_b"))
        >>> float(abs(layer.lora_embeddings_a.numpy()).sum())
        0.0
    """
    for name in names:
        variable = getattr(layer, name)
        variable.assign(jnp.zeros(variable.shape, variable.dtype))


def save_merged(layer, store, names, base: str, ab: tuple[str, str], attrs=None) -> None:
    """Writes the layer's variables as `save_by_spec` does, with the merged matrix in place of
    the frozen one (Keras's file layout of a LoRA layer: no `A`/`B` in the file).

    Args:
        layer: a layer with LoRA enabled.
        store: the dict-like store.
        names: the variable names in file order (`["kernel", "bias"]`).
        base: the attribute holding the matrix.
        ab: the attribute names of `A` and `B`.
        attrs: optional name -> attribute mapping (as `save_by_spec`).

    Returns:
        None.

    Example:
        >>> import lamina as keras
        >>> layer = keras.layers.Dense(2)
        >>> layer.build((None, 3))
        >>> layer.enable_lora(1)
        >>> store = {}
        >>> save_merged(layer, store, ["kernel", "bias"], "kernel",
        ...             ("lora_kernel_a", "lora_kernel_b"))
        >>> sorted(store)
        ['0', '1']
    """
    import numpy as np

    attrs = attrs or {}
    idx = 0
    for name in names:
        attr = attrs.get(name, name)
        v = getattr(layer, attr, None)
        if v is None:
            continue
        if attr == base:
            a, b = (getattr(layer, n).value for n in ab)
            store[str(idx)] = np.asarray(merged(layer, v.value, a, b, v.dtype))
        else:
            store[str(idx)] = v.numpy()
        idx += 1
