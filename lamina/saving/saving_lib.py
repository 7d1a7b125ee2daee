"""Whole-model files: `save_model` / `load_model` in Keras 3's `.keras` format.

A `.keras` file (see `lamina.saving.archive`) holds `metadata.json`, `config.json` (the model's
record from `serialize_keras_object`, with `build_config` and `compile_config`) and
`model.weights.h5` (the same tree as `save_weights`, optimizer state included).

Differences from Keras, all on the safe side:
- every save is atomic (temporary file beside the target, then a rename);
- `overwrite=False` on an existing file raises `FileExistsError` instead of asking;
- a path without suffix (TensorFlow 2's SavedModel habit) gets the unzipped directory layout
  that Keras 3 also reads, with a warning;
- any failure while loading raises `ModelFileError` (a `ValueError`; a `TypeError` for an
  unknown class) naming the file and the problem; the archive is checked for unsafe members
  before anything is read, and nothing from the file is executed in safe mode.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings

import numpy as np

from lamina.core import registry
from lamina.core.config import SafeModeScope
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object
from lamina.distribution import engine as dist_engine
from lamina.distribution import multihost
from lamina.saving import archive
from lamina.saving.archive import ModelFileError
from lamina.version import __version__

# The Keras release whose `.keras` format lamina writes; Keras itself does not read this field.
KERAS_FORMAT_VERSION = "3.15.1"


def _path_str(filepath) -> str:
    path = os.fspath(filepath)
    return os.fsdecode(path) if isinstance(path, bytes) else path


def _metadata_json() -> bytes:
    return json.dumps(
        {
            "keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "lamina_version": __version__,
        }
    ).encode()


def model_config_json(model, **kwargs) -> str:
    """The JSON text of the model's serialized record (what `config.json` in a `.keras` file and
    `model.to_json()` hold).

    Args:
        model: the model.
        **kwargs: passed to `json.dumps` (e.g. `indent=2`).

    Returns:
        A JSON string.

    Example:
        >>> import json
        >>> import lamina as keras
        >>> from lamina.saving.saving_lib import model_config_json
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> json.loads(model_config_json(model))["class_name"]
        'Sequential'
    """
    return json.dumps(serialize_keras_object(model), **kwargs)


# ------------------------------------------------------------------------------------- saving
def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None, **kwargs):
    """Saves `model` (architecture, weights, optimizer state) to a Keras 3 file, the same as
    `model.save(filepath)`.

    `path.keras` gets the zip archive (readable by Keras 3 too); `zipped=False` writes the same
    files in a directory; `path.h5` writes the legacy Keras 2 HDF5 file.

    Args:
        model: the model to save.
        filepath: a path ending in `.keras` (or `.h5`), or an open binary file.
        overwrite: replace an existing file (otherwise an existing file is an error).
        zipped: False writes a directory instead of a zip archive; None: by the path.
        **kwargs: `include_optimizer` (default True) and Keras 2's `save_format` (`"keras"` or
            `"h5"`; `"tf"` is refused).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> keras.models.save_model(model, path)
        >>> restored = keras.models.load_model(path)
        >>> x = np.ones((1, 3), "float32")
        >>> np.allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
        True
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if isinstance(filepath, io.IOBase):
        if kwargs:
            raise ValueError(f"save_model: unsupported argument(s) {sorted(kwargs)}.")
        archive.write_zip(filepath, *_payload(model, include_optimizer), _asset_files(model))
        return
    path = _path_str(filepath)
    if kwargs:
        raise ValueError(
            f"save_model('{path}'): unsupported argument(s) {sorted(kwargs)}. Supported: "
            "overwrite, zipped, include_optimizer, save_format."
        )
    fmt = _choose_format(path, zipped, save_format)
    if not getattr(model, "built", False):
        warnings.warn(
            f"Saving model '{model.name}', which is not built yet: the file holds no weights. "
            "Build it first (call it on data or model.build(input_shape)).",
            stacklevel=3,
        )
    # Several processes: process 0 decides and writes; all gather (see `multihost`).
    if not overwrite and multihost.agree(os.path.exists(path)):
        raise FileExistsError(
            f"save('{path}'): the file already exists and overwrite=False. Pass overwrite=True "
            "to replace it."
        )
    with multihost.written_by_process_zero(path) as target:
        if fmt == "h5":
            from lamina.saving.legacy_h5 import save_legacy_h5

            save_legacy_h5(model, target, include_optimizer)
            return
        metadata, config, weights_fn = _payload(model, include_optimizer, lazy=True)
        assets = _asset_files(model)
        if fmt == "dir":
            archive.atomic_write_dir(target, metadata, config, weights_fn, assets)
        else:
            archive.atomic_write_zip(target, metadata, config, weights_fn, assets)


def _asset_files(model) -> dict[str, bytes]:
    """`{"<object path>/<file>": bytes}` from every object's `save_assets` (Keras's `assets/`)."""
    import tempfile

    from lamina.saving.weights_walk import walk

    files: dict[str, bytes] = {}
    for path, obj in walk(model):
        if not callable(getattr(obj, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            obj.save_assets(tmp)
            for root, _, names in os.walk(tmp):
                for name in names:
                    full = os.path.join(root, name)
                    rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        files[f"{path}/{rel}" if path else rel] = f.read()
    return files


def _load_assets(model, assets: dict[str, bytes] | None) -> None:
    """Gives every object with `load_assets` the files saved under its path."""
    import tempfile

    from lamina.saving.weights_walk import walk

    if not assets:
        return
    for path, obj in walk(model):
        if not callable(getattr(obj, "load_assets", None)):
            continue
        prefix = f"{path}/" if path else ""
        mine = {k[len(prefix) :]: v for k, v in assets.items() if k.startswith(prefix)}
        mine = {k: v for k, v in mine.items() if "/" not in k}
        if not mine:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in mine.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
            obj.load_assets(tmp)


def _payload(model, include_optimizer: bool, lazy: bool = False):
    from lamina.saving.weights_io import weights_bytes

    config = model_config_json(model).encode()
    optimizer = getattr(model, "optimizer", None)
    skip = () if include_optimizer or optimizer is None else (optimizer,)

    def weights_fn() -> bytes:
        return weights_bytes(model, skip)

    return _metadata_json(), config, (weights_fn if lazy else weights_fn())


def _choose_format(path: str, zipped: bool | None, save_format) -> str:
    if save_format is not None:
        fmt = str(save_format).lower()
        if fmt == "tf":
            raise ValueError(
                f"save('{path}', save_format='tf'): TensorFlow SavedModel is not a Keras 3 "
                "format. Save to 'name.keras' (or a directory with zipped=False); use "
                "model.export() tooling outside lamina for serving."
            )
        if fmt not in ("keras", "h5", "hdf5"):
            raise ValueError(
                f"save('{path}', save_format={save_format!r}): expected 'keras' or 'h5'."
            )
    lowered = path.lower()
    if lowered.endswith((".h5", ".hdf5")):
        if zipped is False:
            raise ValueError(f"save('{path}', zipped=False): an '.h5' file is never zipped.")
        warnings.warn(
            f"save('{path}'): the '.h5' (Keras 2) format is legacy; prefer 'name.keras'.",
            UserWarning,
            stacklevel=4,
        )
        return "h5"
    if zipped is False:
        if lowered.endswith(".keras"):
            raise ValueError(
                f"save('{path}', zipped=False): a directory layout must not end in '.keras'."
            )
        return "dir"
    if lowered.endswith(".keras"):
        return "zip"
    raise ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the "
        "native Keras format (recommended) or a `.h5` extension (legacy), or pass zipped=False "
        f"to write the unzipped `.keras` layout in a directory. Received: filepath={path}."
    )


# ------------------------------------------------------------------------------------ loading
def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Loads a model saved with `model.save()` by lamina or Keras 3.

    Reads `.keras` archives (also from an open binary file), the directory layout of
    `save(path, zipped=False)`, and legacy `.h5` files. With `compile=True` a saved
    compiled model comes back compiled with its optimizer state, so training resumes exactly.

    Args:
        filepath: the file (or directory, or open binary file) to read.
        custom_objects: a dict of the custom classes and functions the model uses, by name.
        compile: compile the model as it was saved.
        safe_mode: refuse objects whose loading would run code from the file (a `Lambda`
            holding Python bytecode); pass False only for files you trust.

    Returns:
        The model.

    Raises:
        ModelFileError: the file is not a readable model file (the message says why).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model.compile("adam", "mse")
        >>> _ = model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> model.save(path)
        >>> restored = keras.models.load_model(path)
        >>> type(restored.optimizer).__name__, int(restored.optimizer.iterations)
        ('Adam', 1)
    """
    if isinstance(filepath, io.IOBase):
        name = getattr(filepath, "name", "<file object>")
        contents = archive.read_zip(str(name), filepath)
        return _placed(_load_contents(str(name), contents, custom_objects, compile, safe_mode))
    path = _path_str(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no file or directory at '{path}'.")
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, archive.CONFIG)):
            from lamina.saving import orbax_io

            if orbax_io.is_orbax_checkpoint(path):
                return _placed(orbax_io.load_model(path, custom_objects, compile, safe_mode))
            raise ModelFileError(
                f"load_model('{path}'): this directory has no '{archive.CONFIG}', so it is not "
                "a model saved with save(path, zipped=False). TensorFlow SavedModel "
                "directories cannot be loaded by Keras 3 or lamina."
            )
        contents = archive.read_dir(path)
    elif archive.is_zip(path):
        contents = archive.read_zip(path, path)
    elif path.lower().endswith((".h5", ".hdf5")):
        from lamina.saving.legacy_h5 import load_legacy_h5

        return _placed(load_legacy_h5(path, custom_objects, compile, safe_mode))
    elif path.endswith(".weights.h5"):
        raise ModelFileError(
            f"load_model('{path}'): this is a weights-only file. Rebuild the model in code, "
            "then call model.load_weights(...)."
        )
    else:
        hint = " (truncated or corrupt)" if path.lower().endswith(".keras") else ""
        raise ModelFileError(
            f"load_model('{path}'): not a `.keras` zip archive{hint}. lamina reads `.keras` "
            "files, directories written with zipped=False, and legacy `.h5` files."
        )
    return _placed(_load_contents(path, contents, custom_objects, compile, safe_mode))


def _placed(model):
    """Under a distribution, the loaded values go straight to their devices, by layout."""
    dist_engine.place_loaded(model, {})
    return model


def _check_metadata(path: str, metadata: bytes | None) -> None:
    if metadata is None:
        return
    try:
        version = json.loads(metadata).get("keras_version", "")
        major = int(str(version).split(".")[0])
    except (ValueError, TypeError, AttributeError):
        warnings.warn(f"load_model('{path}'): unreadable metadata.json, ignored.", stacklevel=4)
        return
    if major > 3:
        raise ModelFileError(
            f"load_model('{path}'): the file was written by Keras {version}, a newer format "
            "than lamina reads (Keras 3). Save it with Keras 3 instead."
        )


def _parse_config(path: str, raw: bytes) -> dict:
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelFileError(
            f"Could not load '{path}': '{archive.CONFIG}' is not valid JSON ({e})."
        ) from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ModelFileError(
            f"Could not load '{path}': '{archive.CONFIG}' does not hold a model record (a "
            "JSON object with 'class_name' and 'config')."
        )
    return config


def model_from_config_dict(
    path: str, config: dict, custom_objects=None, compile: bool = True, safe_mode: bool = True
):
    """Rebuilds (and compiles) a model from its serialized record; error messages name `path`.

    Args:
        path: the file the record came from (for messages).
        config: the record (`{"class_name": ..., "config": ...}`).
        custom_objects: a dict of custom classes by name.
        compile: compile the model with the record's `compile_config`.
        safe_mode: refuse lambdas stored as bytecode.

    Returns:
        The model, with new weights.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.saving_lib import model_from_config_dict
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> record = keras.saving.serialize_keras_object(model)
        >>> model_from_config_dict("<memory>", record).count_params()
        8
    """
    config = dict(config)
    if not compile:
        config.pop("compile_config", None)
    try:
        with SafeModeScope(safe_mode), registry.custom_object_scope(custom_objects or {}):
            return deserialize_keras_object(config, custom_objects=custom_objects)
    except ModelFileError:
        raise
    except TypeError as e:
        raise TypeError(f"Could not load '{path}': {e}") from e
    except (ValueError, KeyError, AttributeError, NotImplementedError) as e:
        raise ModelFileError(
            f"Could not load '{path}': rebuilding the model from '{archive.CONFIG}' failed: "
            f"{type(e).__name__}: {e}"
        ) from e


def _load_contents(path, contents, custom_objects, compile, safe_mode):
    _check_metadata(path, contents.metadata)
    config = _parse_config(path, contents.config)
    model = model_from_config_dict(path, config, custom_objects, compile, safe_mode)
    if contents.weights is None:
        if contents.has_npz_weights:
            raise ModelFileError(
                f"Could not load '{path}': its weights are in '{archive.WEIGHTS_NPZ}' "
                "(weights_format='npz'), which lamina does not read. Re-save with the default "
                "HDF5 weights."
            )
        raise ModelFileError(f"Could not load '{path}': it has no '{archive.WEIGHTS}' member.")
    _load_weights_bytes(path, model, contents.weights)
    _load_assets(model, contents.assets)
    return model


def _load_weights_bytes(path: str, model, data: bytes) -> None:
    from lamina.saving.weights_io import load_from_store
    from lamina.saving.weights_store import WeightsStore

    try:
        store = WeightsStore.open(io.BytesIO(data), "r")
    except (OSError, ValueError) as e:
        raise ModelFileError(
            f"Could not load '{path}': '{archive.WEIGHTS}' is not a readable HDF5 file ({e})."
        ) from None
    try:
        load_from_store(model, store, f"{path}/{archive.WEIGHTS}")
    except (OSError, KeyError, RuntimeError) as e:
        raise ModelFileError(
            f"Could not load '{path}': '{archive.WEIGHTS}' is corrupt ({e})."
        ) from None
    finally:
        store.close()


# ------------------------------------------------------------------------------------ JSON
def model_from_json(json_string: str, custom_objects=None):
    """Rebuilds a model (with new weights) from `model.to_json()`'s output, compiled if it was.

    Args:
        json_string: the JSON text.
        custom_objects: a dict of custom classes by name.

    Returns:
        The model.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="out")])
        >>> clone = keras.models.model_from_json(model.to_json())
        >>> clone.layers[0].name, clone.count_params()
        ('out', 8)
    """
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e}).") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "model_from_json: expected the JSON of a model record (from model.to_json())."
        )
    return model_from_config_dict("<json string>", config, custom_objects, True, True)


def model_from_yaml(*args, **kwargs):
    """Removed, as in Keras 3 (loading YAML could run code): always raises. Use
    `model_from_json`.

    Args:
        *args: ignored.
        **kwargs: ignored.

    Raises:
        RuntimeError: always.

    Example:
        >>> import lamina as keras
        >>> keras.models.model_from_yaml("")
        Traceback (most recent call last):
        ...
        RuntimeError: model_from_yaml() was removed ...
    """
    raise RuntimeError(
        "model_from_yaml() was removed (Keras 3 has no YAML support: loading YAML could run "
        "arbitrary code). Use lamina.models.model_from_json(json_string) with the output of "
        "model.to_json()."
    )


class H5IOStore:
    """A small HDF5 store of named arrays, laid out as Keras's `H5IOStore` lays them out
    (`<path>/vars/<key>`): KerasHub saves and loads LoRA weights with it
    (`backbone.save_lora_weights`). Written files appear only when `close()` succeeds.

    Args:
        path: the file path.
        archive: unused (Keras's argument for stores inside a `.keras` zip).
        mode: "r" to read, "w" to write.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "lora.h5")
        >>> store = H5IOStore(path, mode="w")
        >>> entry = store.make("lora")
        >>> entry["rank"] = 4
        >>> store.close()
        >>> int(H5IOStore(path, mode="r").get("lora")["rank"][()])
        4
    """

    def __init__(self, path, archive=None, mode="r"):
        from lamina.saving.lazy_h5py import h5py

        if mode not in ("r", "w"):
            raise ValueError(f"H5IOStore: `mode` must be 'r' or 'w', received {mode!r}.")
        self.path, self.mode = _path_str(path), mode
        self._target = self.path + ".tmp" if mode == "w" else self.path
        self.h5_file = h5py.File(self._target, mode)

    def make(self, path, metadata=None):
        """A writable entry at `path` (`entry[key] = array` stores a dataset)."""
        group = self.h5_file.require_group(path).require_group("vars")
        for key, value in (metadata or {}).items():
            group.attrs[key] = value
        return _H5Entry(group)

    def get(self, path):
        """The entry at `path` for reading (`entry[key]` is the dataset)."""
        node = self.h5_file[path] if path else self.h5_file
        return _H5Entry(node["vars"] if "vars" in node else node)

    def close(self):
        """Closes the file (a written file replaces `path` atomically now)."""
        self.h5_file.close()
        if self.mode == "w":
            os.replace(self._target, self.path)


class _H5Entry:
    def __init__(self, group):
        self._group = group

    def __setitem__(self, key, value):
        value = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
        if key in self._group:
            del self._group[key]
        self._group.create_dataset(key, data=value)

    def __getitem__(self, key):
        return self._group[key]

    def __contains__(self, key):
        return key in self._group

    def __len__(self):
        return len(self._group)

    def keys(self):
        return self._group.keys()
