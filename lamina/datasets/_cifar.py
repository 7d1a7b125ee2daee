"""Reading one batch file of the CIFAR "python version" archives, without plain unpickling."""

from __future__ import annotations

import os

import numpy as np

from lamina.datasets._safe_pickle import safe_load


def load_batch(path: str | os.PathLike, label_key: str = "labels") -> tuple[np.ndarray, np.ndarray]:
    """Images `(n, 3, 32, 32)` and `uint8` labels `(n,)` from one CIFAR batch file.

    A batch is a pickled dict with a `data` entry (a `uint8` array of shape `(n, 3072)`,
    channel-major rows) and a label list. It is read with `SafeUnpickler`, which builds the
    array from its raw bytes and refuses to import anything, so a tampered file cannot run code.

    Args:
        path: the batch file (`data_batch_1`, `test_batch`, ...).
        label_key: the dict key of the labels (`"labels"`; CIFAR-100 uses `"fine_labels"` /
            `"coarse_labels"`).

    Returns:
        A tuple `(images, labels)`.

    Example:
        >>> import os, pickle, tempfile
        >>> import numpy as np
        >>> from lamina.datasets.cifar10 import load_batch
        >>> path = os.path.join(tempfile.mkdtemp(), "data_batch_1")
        >>> batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 7]}
        >>> with open(path, "wb") as handle:
        ...     pickle.dump(batch, handle)
        >>> images, labels = load_batch(path)
        >>> images.shape, labels.tolist()
        ((2, 3, 32, 32), [3, 7])
    """
    with open(path, "rb") as handle:
        batch = safe_load(handle, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{os.fspath(path)!r} is not a CIFAR batch file.")
    batch = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"{os.fspath(path)!r} has no `data` or `{label_key}` entry.")
    data = batch["data"]
    if isinstance(data, (bytes, bytearray)):
        data = np.frombuffer(bytes(data), dtype=np.uint8).reshape(-1, 3072)
    data = np.asarray(data, dtype=np.uint8)
    labels = np.asarray(batch[label_key], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), labels
