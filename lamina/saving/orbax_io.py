"""Orbax checkpoints (Keras 3.15's layout, written by `callbacks.OrbaxCheckpoint`).

A checkpoint directory holds numbered step directories; each has a `pytree` item (the model's
`get_state_tree()`), and unless saved weights-only, a `model_config` item (`{"config": <the
model's JSON record>}`) and, when the model has files to save, an `assets` item (nested dicts
of uint8 arrays mirroring the asset paths). `load_model` and `load_weights` read the latest
step of a checkpoint directory, or the step directory they are given.
"""

from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np

_INDICATORS = {"orbax.checkpoint", "pytree.orbax-checkpoint", "checkpoint_metadata"}
_GROUPS = (
    "trainable_variables",
    "non_trainable_variables",
    "optimizer_variables",
    "metrics_variables",
)


def _ocp():
    from lamina.callbacks.orbax_checkpoint import orbax_v1

    return orbax_v1()


def is_orbax_checkpoint(path: str) -> bool:
    """Whether `path` is an Orbax checkpoint directory or one of its step directories.

    Args:
        path: a directory.

    Returns:
        A bool.

    Example:
        >>> import tempfile
        >>> from lamina.saving.orbax_io import is_orbax_checkpoint
        >>> is_orbax_checkpoint(tempfile.mkdtemp())  # an empty folder is not one
        False
    """
    if not os.path.isdir(path):
        return False
    try:
        contents = os.listdir(path)
    except OSError:
        return False
    if not _INDICATORS.isdisjoint(contents) or "_CHECKPOINT_METADATA" in contents:
        return True
    return any(
        ".orbax-checkpoint-tmp" in item
        or (item.isdigit() and os.path.isdir(os.path.join(path, item)))
        for item in contents
    )


def _step_dirs(path: str) -> list[int]:
    return sorted(
        int(item)
        for item in os.listdir(path)
        if item.isdigit() and os.path.isdir(os.path.join(path, item))
    )


def latest_step_path(path: str) -> str:
    """The step directory to read: the latest step under a checkpoint root, or `path` itself.

    Args:
        path: a checkpoint root (steps `0`, `1`, ... below it) or a step directory.

    Returns:
        The step directory's path.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.saving.orbax_io import latest_step_path
        >>> root = os.path.join(tempfile.mkdtemp(), "ckpt")
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, verbose=0,
        ...               callbacks=[keras.callbacks.OrbaxCheckpoint(root)])
        >>> os.path.basename(latest_step_path(root))
        '1'
    """
    if not _step_dirs(path):
        return path
    latest = _ocp().training.Checkpointer(directory=path).latest
    if latest is None:
        raise ValueError(f"No valid checkpoints found in {path}")
    return os.path.join(path, str(latest.step))


# --------------------------------------------------------------------------------------- saving
def assets_tree(model) -> dict | None:
    """The model's asset files as nested dicts of uint8 arrays (None when it has none).

    Args:
        model: the model.

    Returns:
        A nested dict of arrays, or None.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.orbax_io import assets_tree
        >>> assets_tree(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])) is None
        True
    """
    from lamina.saving.saving_lib import _asset_files

    files = _asset_files(model)
    if not files:
        return None
    tree: dict = {}
    for rel, data in files.items():
        parts = rel.split("/")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = np.frombuffer(data, dtype=np.uint8)
    return tree


def checkpoint_payload(model, weights_only: bool) -> dict:
    """The checkpointables of one step: `pytree`, and `model_config` / `assets` unless
    `weights_only`.

    Args:
        model: the model.
        weights_only: leave out the model's config and assets.

    Returns:
        A dict of checkpointables.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.orbax_io import checkpoint_payload
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> sorted(checkpoint_payload(model, weights_only=False))
        ['model_config', 'pytree']
        >>> sorted(checkpoint_payload(model, weights_only=True))
        ['pytree']
    """
    from lamina.saving.saving_lib import model_config_json

    state_tree = model.get_state_tree()
    if weights_only:
        state_tree = {
            "trainable_variables": state_tree["trainable_variables"],
            "non_trainable_variables": state_tree["non_trainable_variables"],
        }
    payload: dict = {"pytree": state_tree}
    if not weights_only:
        payload["model_config"] = {"config": model_config_json(model)}
        assets = assets_tree(model)
        if assets is not None:
            payload["assets"] = assets
    return payload


# -------------------------------------------------------------------------------------- loading
def _flatten_assets(tree, prefix: str = "") -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            files.update(_flatten_assets(value, f"{prefix}{key}/"))
        else:
            files[f"{prefix}{key}"] = np.asarray(value, dtype=np.uint8).tobytes()
    return files


def _restore_state(model, state_tree: dict) -> None:
    optimizer = getattr(model, "optimizer", None)
    if (
        state_tree.get("optimizer_variables")
        and optimizer is not None
        and not getattr(optimizer, "built", True)
    ):
        # Build the slots first, so that the saved optimizer state has somewhere to go.
        optimizer.build(model.trainable_variables)
    state_tree = {k: v for k, v in state_tree.items() if k in _GROUPS}
    saved_optimizer = state_tree.get("optimizer_variables")
    if saved_optimizer and optimizer is not None:
        state_tree["optimizer_variables"] = _match_optimizer_name(optimizer, saved_optimizer)
    model.set_state_tree(state_tree)


def _match_optimizer_name(optimizer, saved: dict) -> dict:
    """The saved optimizer subtree, renamed to the optimizer's name when both hold a single
    optimizer under different names (`adam` saved, `adam_1` now: an automatic name taken
    twice in one process); otherwise as saved, with a warning when none of it fits."""
    names = {v.path.split("/")[0] for v in optimizer.variables}
    if names & set(saved):
        return saved
    if len(names) == 1 and len(saved) == 1:
        return {next(iter(names)): next(iter(saved.values()))}
    warnings.warn(
        f"The checkpoint's optimizer state (under {sorted(saved)}) does not match the "
        f"optimizer's variables (under {sorted(names)}); the optimizer state was not restored. "
        "Give the optimizer the same `name` as when the checkpoint was saved.",
        stacklevel=4,
    )
    return saved


@contextlib.contextmanager
def _quiet():
    # Orbax warns that it reads the saved shardings when none are given; lamina puts the
    # loaded values on their devices by layout itself afterwards.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sharding info not provided when restoring")
        yield


def load_weights(model, path: str) -> None:
    """Restores the latest (or the given) step's state into `model`, optimizer included.

    Args:
        model: a model with the checkpoint's structure.
        path: a checkpoint root or step directory.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> def build():
        ...     inputs = keras.Input((3,))
        ...     model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))
        ...     model.compile("sgd", "mse")
        ...     return model
        >>> root = os.path.join(tempfile.mkdtemp(), "ckpt")
        >>> model = build()
        >>> _ = model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0,
        ...               callbacks=[keras.callbacks.OrbaxCheckpoint(root)])
        >>> other = build()
        >>> other.load_weights(root)  # reads the latest step
        >>> bool(np.allclose(other.get_weights()[0], model.get_weights()[0]))
        True
    """
    ocp = _ocp()
    step_path = latest_step_path(path)
    with _quiet(), ocp.Context():
        loaded = ocp.load_checkpointables(step_path, {"pytree": None})
    _restore_state(model, loaded["pytree"])


def load_model(path: str, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Rebuilds the model of the latest step from its config, then restores its state.

    Args:
        path: a checkpoint root or step directory (saved with the model's config).
        custom_objects: a dict of custom classes by name.
        compile: compile the model as it was saved.
        safe_mode: refuse lambdas stored as bytecode.

    Returns:
        The model.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> root = os.path.join(tempfile.mkdtemp(), "ckpt")
        >>> inputs = keras.Input((3,))
        >>> model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0,
        ...               callbacks=[keras.callbacks.OrbaxCheckpoint(root)])
        >>> restored = keras.models.load_model(root)
        >>> bool(np.allclose(restored.get_weights()[0], model.get_weights()[0]))
        True
    """
    import json

    from lamina.saving.saving_lib import _load_assets, model_from_config_dict

    ocp = _ocp()
    step_path = latest_step_path(path)
    with ocp.Context():
        saved = set(ocp.checkpointables_metadata(step_path).metadata.keys())
        if "model_config" not in saved:
            raise ValueError(
                "Checkpoint does not contain model configuration. This checkpoint may have been "
                "saved with save_weights_only=True. Rebuild the model in code and call "
                f"model.load_weights('{path}') instead."
            )
        config = ocp.load_checkpointables(step_path, {"model_config": None})["model_config"]
        model = model_from_config_dict(
            step_path, json.loads(config["config"]), custom_objects, compile, safe_mode
        )
        request = {"pytree": None}
        if "assets" in saved:
            request["assets"] = None
        with _quiet():
            loaded = ocp.load_checkpointables(step_path, request)
    _restore_state(model, loaded["pytree"])
    if loaded.get("assets"):
        _load_assets(model, _flatten_assets(loaded["assets"]))
    return model
