"""`KerasFileEditor`: inspect and edit the weights of a `.keras` or `.weights.h5` file."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import h5py
import numpy as np


def _read_group(group) -> dict:
    """The weights under an H5 group as nested dicts; each object's `vars` level is dropped."""
    out: dict = {}
    for key in group.keys():
        link = group.get(key, getclass=True, getlink=True)
        if link in (h5py.ExternalLink, h5py.SoftLink):
            raise ValueError(f"KerasFileEditor: links are not allowed in weight files ({key!r}).")
        value = group[key]
        if isinstance(value, h5py.Group):
            content = _read_group(value)
            own = content.pop("vars", None)
            if isinstance(own, dict):
                content = {**own, **content}
            if content:
                out[key] = content
        elif isinstance(value, h5py.Dataset):
            if value.external or value.is_virtual:
                raise ValueError(
                    f"KerasFileEditor: external or virtual datasets are not allowed ({key!r})."
                )
            out[key] = value[()]
    return out


class KerasFileEditor:
    """Opens a `.keras` (or `.weights.h5`) file to inspect and edit its weights, then writes
    them to a `.weights.h5` file.

    The weights are held in `weights_dict`, nested dicts mirroring the file (e.g.
    `{"layers": {"dense": {"0": kernel, "1": bias}}}`, objects keyed as the file stores them:
    by class, `dense`, `dense_1`, ...); an object is named by its key (when unique) or its full
    path (`"layers/dense"`).

    Args:
        filepath: path of a `.keras` or `.weights.h5` file.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> model.save(path)
        >>> editor = keras.saving.KerasFileEditor(path)  # doctest: +ELLIPSIS
        Keras model file '...m.keras'
        Saved with Keras ... - date: ...
        >>> sorted(editor.weights_dict["layers"]["dense"])
        ['0', '1']
        >>> editor.rename_object("dense", "dense_out")
        >>> editor.delete_weight("dense_out", "1")
        >>> editor.weights_dict["layers"]["dense_out"]["0"].shape
        (2, 3)
    """

    def __init__(self, filepath):
        filepath = str(filepath)
        self.filepath = filepath
        self.metadata = None
        self.config = None
        if filepath.endswith(".keras"):
            with zipfile.ZipFile(filepath, "r") as zf:
                self.config = json.loads(zf.read("config.json"))
                self.metadata = json.loads(zf.read("metadata.json"))
                with tempfile.TemporaryDirectory() as tmp:
                    weights = zf.extract("model.weights.h5", tmp)
                    with h5py.File(weights, "r") as f:
                        self.weights_dict = _read_group(f)
        elif filepath.endswith(".weights.h5"):
            with h5py.File(filepath, "r") as f:
                self.weights_dict = _read_group(f)
        else:
            raise ValueError(
                "KerasFileEditor: expected a `.keras` or `.weights.h5` file, received "
                f"filepath={filepath!r}."
            )
        print(f"Keras model file '{filepath}'")
        if self.metadata is not None:
            print(
                f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                f"{self.metadata.get('date_saved')}"
            )

    # ------------------------------------------------------------------------ inspecting
    def summary(self) -> None:
        """Prints the weight structure: each object with its weights' shapes and dtypes."""

        def show(d, indent):
            for key, value in d.items():
                if isinstance(value, dict):
                    print(f"{'  ' * indent}{key}")
                    show(value, indent + 1)
                else:
                    print(f"{'  ' * indent}{key}: shape={value.shape}, dtype={value.dtype}")

        show(self.weights_dict, 0)

    def compare(self, reference_model) -> dict:
        """Compares the file's weights with those of `reference_model` (structure and shapes).

        Args:
            reference_model: a model to compare with.

        Returns:
            A dict with `"status"` (`"success"` or `"error"`), `"error_count"` (mismatches)
            and `"match_count"` (weights of matching shape).
        """
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "reference.weights.h5")
            reference_model.save_weights(path)
            with h5py.File(path, "r") as f:
                reference = _read_group(f)
        errors, matches = [], 0

        def walk(ref, ours, where):
            nonlocal matches
            for key in sorted(set(ref) | set(ours)):
                path = f"{where}/{key}" if where else key
                if key not in ours:
                    errors.append(f"'{path}' is missing from the file")
                elif key not in ref:
                    errors.append(f"'{path}' is in the file but not in the reference model")
                elif isinstance(ref[key], dict) != isinstance(ours[key], dict):
                    errors.append(f"'{path}' is an object in one and a weight in the other")
                elif isinstance(ref[key], dict):
                    walk(ref[key], ours[key], path)
                elif tuple(ref[key].shape) != tuple(ours[key].shape):
                    errors.append(
                        f"'{path}': shape {tuple(ours[key].shape)} in the file, "
                        f"{tuple(ref[key].shape)} in the reference model"
                    )
                else:
                    matches += 1

        walk(reference, self.weights_dict, "")
        for line in errors:
            print(line)
        status = "error" if errors else "success"
        print(f"Comparison: {status}, {len(errors)} mismatch(es), {matches} matching weight(s)")
        return {"status": status, "error_count": len(errors), "match_count": matches}

    # ------------------------------------------------------------------------ editing
    def _locate(self, object_name: str):
        """The dict holding `object_name` (a name or a path) and the object's key in it."""
        if "/" in object_name:
            *parents, last = object_name.split("/")
            d = self.weights_dict
            for part in parents:
                if not isinstance(d.get(part), dict):
                    raise ValueError(f"Path '{object_name}' not found in the file.")
                d = d[part]
            if last not in d:
                raise ValueError(f"Path '{object_name}' not found in the file.")
            return d, last
        found = []

        def search(d):
            for key, value in d.items():
                if key == object_name:
                    found.append(d)
                if isinstance(value, dict):
                    search(value)

        search(self.weights_dict)
        if len(found) > 1:
            raise ValueError(
                f"Name '{object_name}' occurs more than once in the file; pass its full path "
                "(see `summary()`)."
            )
        if not found:
            raise ValueError(
                f"Name '{object_name}' does not appear in the file; `summary()` lists the objects."
            )
        return found[0], object_name

    def rename_object(self, object_name, new_name) -> None:
        """Renames an object (e.g. a layer), given by name (`"dense_2"`) or path
        (`"layers/dense_2"`)."""
        d, key = self._locate(object_name)
        d[new_name] = d.pop(key)

    def delete_object(self, object_name) -> None:
        """Removes an object (e.g. a layer) and its weights."""
        d, key = self._locate(object_name)
        d.pop(key)

    def add_object(self, object_path, weights) -> None:
        """Adds an object at `object_path` (e.g. `"layers/dense_2"`) with `weights`, a dict
        of weight names to arrays (e.g. `{"0": kernel, "1": bias}`)."""
        _check_weights(weights)
        *parents, last = object_path.split("/")
        d = self.weights_dict
        for part in parents:
            if not isinstance(d.get(part), dict):
                raise ValueError(f"Path '{'/'.join(parents)}' not found in the file.")
            d = d[part]
        d[last] = {k: np.asarray(v) for k, v in weights.items()}

    def delete_weight(self, object_name, weight_name) -> None:
        """Removes the weight `weight_name` (e.g. `"0"`) from an object."""
        d, key = self._locate(object_name)
        if weight_name not in d[key]:
            raise ValueError(
                f"Weight {weight_name} not found in object {object_name}. Weights found: "
                f"{list(d[key])}"
            )
        d[key].pop(weight_name)

    def add_weights(self, object_name, weights) -> None:
        """Adds weights (a dict of names to arrays) to an existing object."""
        _check_weights(weights)
        d, key = self._locate(object_name)
        d[key].update({k: np.asarray(v) for k, v in weights.items()})

    # ------------------------------------------------------------------------ writing
    def save(self, filepath) -> None:
        """Writes the (edited) weights to a `.weights.h5` file, which `model.load_weights`
        reads."""
        filepath = str(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(
                "KerasFileEditor.save: expected a `.weights.h5` file, received "
                f"filepath={filepath!r}."
            )

        def write(f, d, path):
            arrays = {k: v for k, v in d.items() if not isinstance(v, dict)}
            if arrays:
                group = f.require_group(f"{path}/vars" if path else "vars")
                for name, value in arrays.items():
                    group.create_dataset(name, data=value)
            for key, value in d.items():
                if isinstance(value, dict) and value:
                    write(f, value, f"{path}/{key}" if path else key)

        with h5py.File(filepath, "w") as f:
            write(f, self.weights_dict, "")

    def resave_weights(self, filepath) -> None:
        """Alias of `save`."""
        self.save(filepath)


def _check_weights(weights) -> None:
    if not isinstance(weights, dict):
        raise ValueError(
            "`weights` must be a dict of weight names (usually '0', '1', ...) to arrays; "
            f"received type(weights)={type(weights).__name__}."
        )
