"""`save_weights` / `load_weights` in Keras 3's `.weights.h5` format.

Differences from Keras, all on the safe side:
- a plain path without suffix, or a `.h5` name (what the TensorFlow 2 guides use), is accepted
  with a warning and gets the same `.weights.h5` layout;
- the file is written to a temporary file beside the target and then renamed, so a failed save
  never leaves a truncated file behind;
- a load validates every variable count and shape first and changes nothing when it fails; the
  error lists every mismatch with its path in the file;
- weights in the file that the model has no place for are an error (Keras ignores them);
- sharded files (`max_shard_size`, a `.weights.json` index) follow Keras's layout; each file is
  written to a temporary name and renamed, the index last;
- the optimizer of a compiled model is built on load when the file holds its state, so that
  `fit` resumes with the saved moments;
- in a job of several processes, every process calls `save_weights` (values sharded over
  processes are gathered, a collective) and only process 0 writes the file; loaded values are
  put back on the devices by their layout at once.
"""

from __future__ import annotations

import io
import os
import uuid
import warnings
import zipfile
from typing import Any

import numpy as np

from lamina.core.layer import Layer
from lamina.distribution import engine as dist_engine
from lamina.distribution import multihost
from lamina.saving.lazy_h5py import h5py
from lamina.saving.weights_sharded import ShardedReader, ShardedWriter
from lamina.saving.weights_store import VarsEntry, WeightsStore, vars_group_path
from lamina.saving.weights_walk import walk

SUFFIX = ".weights.h5"
_KERAS_WEIGHTS_MEMBER = "model.weights.h5"


# ----------------------------------------------------------------------------------- file names
def _check_save_path(filepath, save_format: str | None) -> str:
    path = os.fspath(filepath)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    if save_format is not None and str(save_format).lower() not in ("h5", "hdf5", "keras"):
        raise ValueError(
            f"save_weights(save_format={save_format!r}) is not supported: lamina writes Keras 3's "
            f"HDF5 layout only. Drop `save_format` and name the file '*{SUFFIX}'."
        )
    if path.endswith(SUFFIX):
        return path
    base = os.path.basename(path)
    extension = os.path.splitext(base)[1]
    if base and (extension == "" or extension.lower() in (".h5", ".hdf5")):
        warnings.warn(
            f"save_weights('{path}'): Keras 3 needs file names ending in '{SUFFIX}' and will "
            f"not read this one under its current name. lamina writes the '{SUFFIX}' layout "
            "here anyway; rename the file to share it with Keras.",
            UserWarning,
            stacklevel=3,
        )
        return path
    if path.endswith(".weights.json"):
        raise ValueError(
            f"save_weights('{path}'): a '.weights.json' index needs `max_shard_size` (in GiB). "
            f"To write one file, name it '*{SUFFIX}'."
        )
    raise ValueError(
        f"The filename must end in `{SUFFIX}`. Received: filepath={path}. (To save the whole "
        "model use model.save('*.keras').)"
    )


def _check_sharded_path(filepath) -> str:
    path = os.fsdecode(os.fspath(filepath))
    if path.endswith(".weights.json"):
        return path
    if path.endswith(SUFFIX):
        renamed = path[: -len(".h5")] + ".json"
        warnings.warn(
            f"Saving sharded weights requires `*.json` as the extension. The original path: "
            f"{path} will be renamed to {renamed}.",
            UserWarning,
            stacklevel=3,
        )
        return renamed
    raise ValueError(
        "The filename must end in `.weights.json` when `max_shard_size` is specified. "
        f"Received: filepath={path}"
    )


# ----------------------------------------------------------------------------------- saving
def _atomic_h5_write(path: str, write) -> None:
    """Runs `write(store)` on a temporary HDF5 file beside `path`, then renames it to `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # Created like an ordinary file (mode 0o666 minus the umask), not 0o600 as `mkstemp` does.
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        store = WeightsStore.open(tmp, "w")
        try:
            write(store)
        finally:
            store.close()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def write_weights(model: Layer, store: WeightsStore | ShardedWriter, objects_to_skip=()) -> None:
    """Writes every saveable object of `model` (but `objects_to_skip`) to `store`, one `vars`
    group per object, in Keras's layout.

    Args:
        model: a built model.
        store: a `WeightsStore` open for writing, or a `ShardedWriter`.
        objects_to_skip: objects whose weights are left out.

    Example:
        >>> import io
        >>> import lamina as keras
        >>> from lamina.saving.weights_io import write_weights
        >>> from lamina.saving.weights_store import WeightsStore
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> buffer = io.BytesIO()
        >>> with WeightsStore.open(buffer, "w") as store:
        ...     write_weights(model, store)
        >>> with WeightsStore.open(io.BytesIO(buffer.getvalue()), "r") as store:
        ...     sorted(store.get("layers/dense").keys())
        ['0', '1']
    """
    for path, obj in walk(model, objects_to_skip):
        name = getattr(obj, "name", None)
        metadata = {"name": name} if isinstance(name, str) else None
        obj.save_own_variables(store.make(path, metadata))


def weights_bytes(model: Layer, objects_to_skip=()) -> bytes:
    """The model's `.weights.h5` file as bytes (the `model.weights.h5` member of a `.keras`
    archive).

    Args:
        model: a built model.
        objects_to_skip: objects whose weights are left out.

    Returns:
        The HDF5 file's bytes.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.weights_io import weights_bytes
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> weights_bytes(model)[1:4]  # the HDF5 signature
        b'HDF'
    """
    buffer = io.BytesIO()
    store = WeightsStore.open(buffer, "w")
    try:
        write_weights(model, store, objects_to_skip)
    finally:
        store.close()
    return buffer.getvalue()


def save_weights(
    model: Layer,
    filepath,
    overwrite: bool = True,
    max_shard_size: float | None = None,
    *,
    save_format: str | None = None,
) -> None:
    """Saves the weights of `model` (and its optimizer's state) to a Keras 3 `.weights.h5` file.

    The file is written atomically. With `max_shard_size` (GiB), the weights are split over
    `<name>_00000.weights.h5`, ... indexed by `<name>.weights.json`. Unlike Keras, an existing
    file with `overwrite=False` raises `FileExistsError` instead of asking on the console.

    Args:
        model: a built model (or layer).
        filepath: a path ending in `.weights.h5` (`.weights.json` with `max_shard_size`).
        overwrite: replace an existing file; False raises `FileExistsError` if it exists.
        max_shard_size: split the weights into files of at most this many GiB.
        save_format: Keras 2's argument; only `"h5"` (or None) is accepted.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> keras.saving.save_weights(model, path)  # same as model.save_weights(path)
        >>> other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> keras.saving.load_weights(other, path)
        >>> bool(np.array_equal(other.get_weights()[0], model.get_weights()[0]))
        True
    """
    if max_shard_size is not None:
        path = _check_sharded_path(filepath)
    else:
        path = _check_save_path(filepath, save_format)
    if not getattr(model, "built", False):
        raise ValueError(
            f"Model '{getattr(model, 'name', model)}' has no weights yet: build the model "
            "first: call it on data or model.build(input_shape)."
        )
    # Several processes: process 0 decides and writes; all gather (see `multihost`).
    if not overwrite and multihost.agree(os.path.exists(path)):
        raise FileExistsError(
            f"save_weights: '{path}' already exists and overwrite=False. Pass overwrite=True "
            "to replace it."
        )
    with multihost.written_by_process_zero(path) as target:
        if max_shard_size is None:
            _atomic_h5_write(target, lambda store: write_weights(model, store))
            return
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        writer = ShardedWriter(target, max_shard_size)
        try:
            write_weights(model, writer)
            writer.commit()
        except BaseException:
            writer.abort()
            raise


# ----------------------------------------------------------------------------------- loading
def _open_for_reading(filepath, allow_legacy: bool = False) -> WeightsStore | ShardedReader:
    path = os.fspath(filepath)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not os.path.exists(path):
        hint = ""
        if not path.endswith((SUFFIX, ".keras", ".h5")) and os.path.exists(path + ".index"):
            hint = " This looks like a TensorFlow checkpoint, which Keras 3 and lamina cannot read."
        raise FileNotFoundError(f"load_weights: no file at '{path}'.{hint}")
    if path.endswith(".weights.json"):
        return ShardedReader(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if _KERAS_WEIGHTS_MEMBER not in archive.namelist():
                raise ValueError(
                    f"load_weights('{path}'): this zip archive has no '{_KERAS_WEIGHTS_MEMBER}' "
                    "member; it is not a Keras 3 `.keras` file with HDF5 weights."
                )
            data = archive.read(_KERAS_WEIGHTS_MEMBER)
        return WeightsStore.open(io.BytesIO(data), "r")
    if not h5py.is_hdf5(path):
        raise ValueError(
            f"load_weights('{path}'): the file is neither HDF5 (`{SUFFIX}`) nor a `.keras` archive."
        )
    store = WeightsStore.open(path, "r")
    if store.is_legacy_keras2() and not allow_legacy:
        store.close()
        raise ValueError(
            f"load_weights('{path}'): this is a Keras 2 (tf.keras) HDF5 file, whose layout "
            f"differs from Keras 3's. Re-save it with Keras 3 as '*{SUFFIX}'."
        )
    return store


def _own_layer_variables(layer: Layer) -> list:
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _reads_variables_in_order(layer: Layer) -> bool:
    """Whether `layer` reads its own variables in creation order (Layer's rule), so that its
    entry can be checked before anything is loaded. Dense and Embedding read theirs by their
    quantization mode's layout, which is that order when they are not quantized."""
    if type(layer).load_own_variables is Layer.load_own_variables:
        return True
    spec = getattr(type(layer), "_SERIALIZATION_SPEC", None)
    return spec is not None and getattr(layer, "quantization_mode", None) is None


def _describe(variables) -> str:
    return ", ".join(f"'{v.path}' {tuple(v.shape)}" for v in variables) or "none"


def _check_counts_and_shapes(path: str, label: str, variables: list, entry: VarsEntry) -> list:
    """Problems (strings) with loading `entry` into `variables`; empty when it fits."""
    group = vars_group_path(path)
    if not entry.found and variables:
        return [
            f"{label}: the file has no group '{group}'; expected {len(variables)} variables "
            f"({_describe(variables)})."
        ]
    keys = [str(i) for i in range(len(variables))]
    if len(entry) != len(variables) or any(k not in entry for k in keys):
        received = ", ".join(f"'{k}' {tuple(np.shape(v))}" for k, v in sorted(entry.items()))
        return [
            f"{label} at '{group}': expected {len(variables)} variables "
            f"({_describe(variables)}), received {len(entry)} ({received or 'none'})."
        ]
    problems = []
    for key, variable in zip(keys, variables):
        received = tuple(np.shape(entry[key]))
        if received != tuple(variable.shape):
            problems.append(
                f"{label}: variable '{variable.path}' ('{group}/{key}') has shape "
                f"{tuple(variable.shape)}, but the file holds shape {received}."
            )
    return problems


def _plan(
    model: Layer, store: WeightsStore | ShardedReader, objects_to_skip
) -> tuple[list, list, list]:
    """Pairs each object with its entry and validates them; returns (loads, problems, notes)."""
    from lamina.optimizers.optimizer import Optimizer
    from lamina.optimizers.variables import OptimizerVariablesMixin

    optimizer = getattr(model, "optimizer", None)
    if isinstance(optimizer, Optimizer) and not optimizer.built:
        if len(store.get("optimizer")) > 0:
            # Build the slots now, so that the saved optimizer state has somewhere to go.
            optimizer.build(model.trainable_variables)

    entries = walk(model, objects_to_skip or ())
    loads: list[tuple[str, Any, VarsEntry]] = []
    problems: list[tuple[str, str]] = []
    notes: list[str] = []
    for path, obj in entries:
        entry = store.get(path)
        if isinstance(obj, Optimizer):
            label = f"optimizer '{obj.name}'"
            variables = obj.variables
            if type(obj).load_own_variables is OptimizerVariablesMixin.load_own_variables:
                if entry.found and len(entry) != len(variables):
                    # Keras's rule: a different optimizer state is skipped, with a warning.
                    notes.append(
                        f"Skipping variable loading for optimizer '{obj.name}', because it has "
                        f"{len(variables)} variables whereas the saved optimizer has "
                        f"{len(entry)} variables."
                    )
                    continue
                if not entry.found:
                    continue
                found = _check_counts_and_shapes(path, label, variables, entry)
                problems.extend((path, p) for p in found)
                if found:
                    continue
        elif isinstance(obj, Layer):
            if _reads_variables_in_order(obj):
                label = f"{type(obj).__name__} '{obj.name}'"
                found = _check_counts_and_shapes(path, label, _own_layer_variables(obj), entry)
                problems.extend((path, p) for p in found)
                if found:
                    continue
        loads.append((path, obj, entry))

    used = {path for path, _ in entries}
    has_optimizer = isinstance(optimizer, Optimizer)
    for path, count in store.vars_paths():
        if objects_to_skip or path in used or count == 0:
            continue
        if path == "optimizer" and not has_optimizer:
            continue  # optimizer state saved from a compiled model; this one is not compiled
        problems.append(
            (
                path,
                f"the file holds {count} variables at '{vars_group_path(path)}', but the model "
                "has no object at that path (a different architecture or layer order?).",
            )
        )
    return loads, problems, notes


def _snapshot(model: Layer) -> list[tuple[Any, Any]]:
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and hasattr(optimizer, "variables"):
        variables += list(optimizer.variables)
    return [(v, v.value) for v in variables]


def load_weights(model: Layer, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Loads weights saved by `save_weights` (lamina's or Keras 3's) into a built `model`.

    Also reads the weights of a `.keras` archive, and Keras 2 HDF5 weights or `.h5` model
    files (told by content; matched by layer order, or by layer name with `by_name=True`).
    Every count and shape is checked before any variable changes, so a failed load leaves
    the model as it was. With `skip_mismatch=True` the objects that do not fit keep their
    weights and a warning lists them. Keras's keyword `objects_to_skip` (objects, with what
    they hold, left as they are) is accepted.

    Args:
        model: a built model (or layer) with the same structure as the saved one.
        filepath: a `.weights.h5` file, a `.weights.json` shard index, a `.keras` archive or a
            Keras 2 `.h5` file.
        skip_mismatch: leave objects whose weights do not fit as they are (with a warning)
            instead of raising.
        **kwargs: `objects_to_skip` (Keras 3) and `by_name` (Keras 2 `.h5` files only).

    Raises:
        ValueError: the file does not match the model (counts or shapes), named in the message.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> model.save_weights(path)
        >>> wider = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
        >>> keras.saving.load_weights(wider, path)
        Traceback (most recent call last):
        ...
        ValueError: ...
    """
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not getattr(model, "built", False):
        raise ValueError(
            f"load_weights: model '{getattr(model, 'name', model)}' has no weights yet to "
            "load into: build the model first: call it on data or model.build(input_shape)."
        )
    path = os.fspath(filepath)
    layouts = dist_engine.current_shardings(model)
    try:
        _load_weights_checked(model, filepath, path, skip_mismatch, objects_to_skip, by_name)
        # Loaded values go straight back to their devices, by layout.
        dist_engine.place_loaded(model, layouts)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except (OSError, RuntimeError, KeyError) as e:
        if not _raised_in_h5py(e):
            raise
        # h5py's own messages ("truncated file: eof = ...") do not say which file or what to do.
        raise ValueError(
            f"load_weights: '{os.fsdecode(path)}' is not a readable weights file (truncated or "
            f"corrupt HDF5: {e}). No weights were changed. Save the weights again, or load an "
            "intact copy."
        ) from e


def _raised_in_h5py(error: BaseException) -> bool:
    # Only h5py's own failures are rewrapped; a user's load_own_variables error passes through.
    tb = error.__traceback__
    while tb is not None:
        if "h5py" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _load_weights_checked(model, filepath, path, skip_mismatch, objects_to_skip, by_name):
    if os.path.isdir(path):
        from lamina.saving import orbax_io

        if orbax_io.is_orbax_checkpoint(os.fsdecode(path)):
            if objects_to_skip is not None or by_name:
                raise ValueError(
                    "load_weights: `objects_to_skip` and `by_name` do not apply to Orbax "
                    f"checkpoints. Received: {os.fsdecode(path)}"
                )
            orbax_io.load_weights(model, os.fsdecode(path))
            return
    store = _open_for_reading(filepath, allow_legacy=True)
    if isinstance(store, WeightsStore) and store.is_legacy_keras2():
        # A Keras 2 layout (told by content): weights go by layer order, or by name.
        from lamina.saving.legacy_h5_weights import load_legacy_weights

        store.close()
        load_legacy_weights(model, os.fsdecode(path), bool(by_name), skip_mismatch)
        return
    if by_name:
        store.close()
        raise ValueError(
            "load_weights(by_name=...) only applies to Keras 2 '.h5' files. Keras 3 files "
            "match weights by their path in the model."
        )
    try:
        load_from_store(model, store, path, skip_mismatch, objects_to_skip)
    finally:
        store.close()


def load_from_store(
    model: Layer,
    store: WeightsStore | ShardedReader,
    path: str,
    skip_mismatch: bool = False,
    objects_to_skip=None,
) -> None:
    """Validates then loads every object of `model` from an open weights `store` (read from
    `path`): every count and shape is checked before any variable changes.

    Args:
        model: the model to fill.
        store: an open `WeightsStore` or `ShardedReader`.
        path: the file's name, for messages.
        skip_mismatch: skip (with a warning) the objects that do not fit instead of raising.
        objects_to_skip: objects left as they are.

    Example:
        >>> import io
        >>> import lamina as keras
        >>> from lamina.saving.weights_io import load_from_store, weights_bytes
        >>> from lamina.saving.weights_store import WeightsStore
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> with WeightsStore.open(io.BytesIO(weights_bytes(model)), "r") as store:
        ...     load_from_store(other, store, "<memory>")
        >>> bool((other.layers[0].kernel.numpy() == model.layers[0].kernel.numpy()).all())
        True
    """
    loads, problems, notes = _plan(model, store, objects_to_skip)
    for note in notes:
        warnings.warn(note, stacklevel=3)
    if problems:
        listing = "\n".join(f"  - {message}" for _, message in problems)
        paths = sorted({p for p, _ in problems})
        summary = (
            f"Could not load {len(paths)} object(s) of model '{model.name}' from '{path}':\n"
            f"{listing}"
        )
        if not skip_mismatch:
            raise ValueError(
                f"{summary}\nNo weights were changed. Pass skip_mismatch=True to load the "
                "objects that fit and skip the others."
            )
        warnings.warn(f"{summary}\nThese objects were skipped.", stacklevel=3)
    snapshot = _snapshot(model)
    try:
        for _, obj, entry in loads:
            obj.load_own_variables(entry)
    except BaseException:
        # A custom `load_own_variables` failed halfway: put every value back.
        for variable, value in snapshot:
            variable.assign(value)
        raise
