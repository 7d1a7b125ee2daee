"""The `.keras` container: a zip of `metadata.json`, `config.json` and `model.weights.h5`.

Writing stores every member uncompressed with 0600 permissions, in Keras's order, into a
temporary file beside the target that is then renamed over it (a failed save leaves the old
file). Reading checks every member before anything is read: names must stay inside the archive
(no absolute paths, no `..`, no drive letters), members must be plain files (no links), and no
member may expand far beyond its stored size (a decompression bomb). The directory form
(`save(path, zipped=False)`) holds the same files.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import time
import uuid
import zipfile
from dataclasses import dataclass

METADATA = "metadata.json"
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
WEIGHTS_NPZ = "model.weights.npz"
ASSETS = "assets"

# A member over this size that expands more than `_MAX_EXPANSION` times is a zip bomb.
_BOMB_FLOOR = 1 << 32
_MAX_EXPANSION = 100
# JSON members are small; anything this large is not a model config.
_MAX_JSON_BYTES = 256 << 20
_JSON_TIME = (1980, 1, 1, 0, 0, 0)


class ModelFileError(ValueError):
    """A model file that lamina refuses to read: malformed, unsafe (paths leaving the archive,
    links, decompression bombs) or unsupported. A subclass of `ValueError`.

    Args:
        message: what is wrong with which file.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> path = os.path.join(tempfile.mkdtemp(), "broken.keras")
        >>> _ = open(path, "wb").write(b"not a zip file")
        >>> try:
        ...     keras.models.load_model(path)
        ... except keras.saving.ModelFileError as error:
        ...     print(type(error).__name__, isinstance(error, ValueError))
        ModelFileError True
    """


@dataclass
class ArchiveContents:
    """The members of a model archive or directory that loading uses.

    Args:
        config: the `config.json` bytes.
        weights: the `model.weights.h5` bytes, or None when absent.
        metadata: the `metadata.json` bytes, or None.
        has_npz_weights: whether the archive holds `model.weights.npz` (not read by lamina).
        assets: files under `assets/` (vocabularies of lookup layers), by path, or None.

    Example:
        >>> import io, os, tempfile
        >>> import lamina as keras
        >>> from lamina.saving.archive import read_zip
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> model.save(path)
        >>> contents = read_zip(path, path)
        >>> contents.config[:1], contents.weights[1:4]  # JSON, and the HDF5 signature
        (b'{', b'HDF')
    """

    config: bytes
    weights: bytes | None
    metadata: bytes | None
    has_npz_weights: bool = False
    # Files under `assets/` (vocabularies of lookup layers), by path inside `assets/`.
    assets: dict | None = None


# ------------------------------------------------------------------------------------- writing
def _member(name: str, when: tuple) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16  # what Keras writes (no file-type bits)
    return info


def write_zip(fileobj, metadata: bytes, config: bytes, weights: bytes, assets=None) -> None:
    """Writes the three members of a `.keras` archive (`metadata.json`, `config.json`,
    `model.weights.h5`) and any `assets/` files, uncompressed and in Keras's order, into a
    binary file.

    Args:
        fileobj: a writable binary file (or path).
        metadata: the `metadata.json` bytes.
        config: the `config.json` bytes.
        weights: the HDF5 weights bytes.
        assets: a dict of asset files (path inside `assets/` -> bytes), or None.

    Example:
        >>> import io, zipfile
        >>> from lamina.saving.archive import write_zip
        >>> buffer = io.BytesIO()
        >>> write_zip(buffer, b"{}", b"{}", b"weights")
        >>> zipfile.ZipFile(buffer).namelist()
        ['metadata.json', 'config.json', 'model.weights.h5']
    """
    now = time.localtime()[:6]
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_member(METADATA, _JSON_TIME), metadata)
        archive.writestr(_member(CONFIG, _JSON_TIME), config)
        archive.writestr(_member(WEIGHTS, now), weights)
        for name, data in (assets or {}).items():
            archive.writestr(_member(f"{ASSETS}/{name}", now), data)


def _temp_name(path: str) -> str:
    directory = os.path.dirname(os.path.abspath(path))
    return os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")


def atomic_write_zip(path: str, metadata: bytes, config: bytes, weights_fn, assets=None) -> None:
    """Writes a `.keras` archive to `path` through a temporary file and a rename.

    `weights_fn()` returns the HDF5 bytes; it runs after the temporary file exists, so any
    failure (in it or in writing) removes the temporary file and leaves `path` as it was.

    Args:
        path: the `.keras` file to write.
        metadata: the `metadata.json` bytes.
        config: the `config.json` bytes.
        weights_fn: a function returning the HDF5 weights bytes.
        assets: a dict of asset files, or None.

    Example:
        >>> import os, tempfile, zipfile
        >>> from lamina.saving.archive import atomic_write_zip
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> def failing():
        ...     raise RuntimeError("no weights")
        >>> try:
        ...     atomic_write_zip(path, b"{}", b"{}", failing)
        ... except RuntimeError:
        ...     pass
        >>> os.listdir(os.path.dirname(path))  # nothing half-written is left
        []
        >>> atomic_write_zip(path, b"{}", b"{}", lambda: b"weights")
        >>> len(zipfile.ZipFile(path).namelist())
        3
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = _temp_name(path)
    try:
        with open(tmp, "xb") as f:
            write_zip(f, metadata, config, weights_fn(), assets)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def atomic_write_dir(path: str, metadata: bytes, config: bytes, weights_fn, assets=None) -> None:
    """Writes the unzipped layout of `save(path, zipped=False)` into directory `path`: built in
    a temporary directory beside it, then swapped in, so a failed save leaves the old one.

    Args:
        path: the directory to write.
        metadata: the `metadata.json` bytes.
        config: the `config.json` bytes.
        weights_fn: a function returning the HDF5 weights bytes.
        assets: a dict of asset files, or None.

    Example:
        >>> import os, tempfile
        >>> from lamina.saving.archive import atomic_write_dir
        >>> path = os.path.join(tempfile.mkdtemp(), "model")
        >>> atomic_write_dir(path, b"{}", b"{}", lambda: b"weights")
        >>> sorted(os.listdir(path))
        ['config.json', 'metadata.json', 'model.weights.h5']
    """
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ModelFileError(
            f"save('{path}', zipped=False): a file (not a directory) already has that name."
        )
    tmp = _temp_name(path)
    backup = None
    try:
        os.makedirs(tmp)
        for name, data in ((METADATA, metadata), (CONFIG, config), (WEIGHTS, weights_fn())):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        for name, data in (assets or {}).items():
            target = os.path.join(tmp, ASSETS, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        if os.path.isdir(path):
            backup = _temp_name(path)
            os.replace(path, backup)
        os.replace(tmp, path)
    except BaseException:
        if backup is not None and not os.path.exists(path):
            os.replace(backup, path)
            backup = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)


# ------------------------------------------------------------------------------------- reading
def _check_name(path: str, name: str) -> None:
    normalized = name.replace("\\", "/")
    parts = normalized.split("/")
    if (
        normalized.startswith("/")
        or ".." in parts
        or (len(normalized) > 1 and normalized[1] == ":")
        or "\x00" in name
    ):
        raise ModelFileError(
            f"Refusing to load '{path}': the archive member '{name}' points outside the "
            "archive (an absolute path or '..'). The file is corrupt or was crafted to attack "
            "the reader."
        )
    allowed = (METADATA, CONFIG, WEIGHTS, WEIGHTS_NPZ)
    if normalized not in allowed and parts[0] != ASSETS:
        raise ModelFileError(
            f"Refusing to load '{path}': unexpected archive member '{name}'. A `.keras` file "
            f"holds only {', '.join(allowed[:3])} and files under '{ASSETS}/'."
        )


def _check_member(path: str, info: zipfile.ZipInfo) -> None:
    _check_name(path, info.filename)
    # Keras writes bare permissions (no file-type bits); only links and devices are refused.
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise ModelFileError(
            f"Refusing to load '{path}': the archive member '{info.filename}' is not a plain "
            "file (a symbolic link or a device)."
        )
    if info.file_size > _BOMB_FLOOR and info.file_size > _MAX_EXPANSION * max(
        info.compress_size, 1
    ):
        raise ModelFileError(
            f"Refusing to load '{path}': the archive member '{info.filename}' declares "
            f"{info.file_size} bytes but stores only {info.compress_size} (a decompression "
            "bomb)."
        )
    if info.filename in (METADATA, CONFIG) and info.file_size > _MAX_JSON_BYTES:
        raise ModelFileError(
            f"Refusing to load '{path}': '{info.filename}' declares {info.file_size} bytes, "
            f"far more than a model config (limit {_MAX_JSON_BYTES} bytes)."
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # Read at most the declared size (+1 to notice a lying header); zipfile checks the CRC.
    with archive.open(info, "r") as f:
        data = f.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(f"member '{info.filename}' has a wrong size")
    return data


def read_zip(path: str, source) -> ArchiveContents:
    """Validates and reads a `.keras` archive. Every member is checked before anything is read:
    names must stay inside the archive, members must be plain files, and none may expand far
    beyond its stored size.

    Args:
        path: the file's name, for messages.
        source: a path or a binary file object.

    Returns:
        An `ArchiveContents`.

    Raises:
        ModelFileError: the archive is malformed or unsafe.

    Example:
        >>> import os, tempfile
        >>> from lamina.saving.archive import read_zip, write_zip
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> with open(path, "wb") as handle:
        ...     write_zip(handle, b"{}", b'{"class_name": "Sequential"}', b"weights")
        >>> read_zip(path, path).config
        b'{"class_name": "Sequential"}'
    """
    try:
        with zipfile.ZipFile(source, "r") as archive:
            infos = archive.infolist()
            for info in infos:
                _check_member(path, info)
            by_name = {info.filename: info for info in infos}
            if CONFIG not in by_name:
                raise ModelFileError(
                    f"Could not load '{path}': the archive has no '{CONFIG}' member, so it is "
                    f"not a Keras 3 model file (members: {sorted(by_name) or 'none'}). Weights-"
                    "only files load with model.load_weights()."
                )
            config = _read_member(archive, by_name[CONFIG])
            metadata = _read_member(archive, by_name[METADATA]) if METADATA in by_name else None
            weights = _read_member(archive, by_name[WEIGHTS]) if WEIGHTS in by_name else None
            assets = {
                name[len(ASSETS) + 1 :]: _read_member(archive, info)
                for name, info in by_name.items()
                if name.startswith(ASSETS + "/") and not name.endswith("/")
            }
            return ArchiveContents(config, weights, metadata, WEIGHTS_NPZ in by_name, assets)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as e:
        raise ModelFileError(
            f"Could not load '{path}': the file is not a readable `.keras` zip archive "
            f"(truncated or corrupt): {e}"
        ) from None


def read_dir(path: str) -> ArchiveContents:
    """Reads the unzipped layout written by `save(path, zipped=False)`.

    Args:
        path: the directory.

    Returns:
        An `ArchiveContents`.

    Raises:
        ModelFileError: a member is missing or unsafe (a link, an oversized file).

    Example:
        >>> import os, tempfile
        >>> from lamina.saving.archive import atomic_write_dir, read_dir
        >>> path = os.path.join(tempfile.mkdtemp(), "model")
        >>> atomic_write_dir(path, b"{}", b"{}", lambda: b"weights")
        >>> read_dir(path).weights
        b'weights'
    """
    names = os.listdir(path)
    for name in names:
        if name != ASSETS:
            _check_name(path, name)
        full = os.path.join(path, name)
        if os.path.islink(full):
            raise ModelFileError(
                f"Refusing to load '{path}': '{name}' is a symbolic link, not a plain file."
            )

    def read(name: str, limit: int | None) -> bytes | None:
        full = os.path.join(path, name)
        if not os.path.isfile(full):
            return None
        size = os.path.getsize(full)
        if limit is not None and size > limit:
            raise ModelFileError(
                f"Refusing to load '{path}': '{name}' is {size} bytes, far more than a model "
                "config."
            )
        with open(full, "rb") as f:
            return f.read()

    config = read(CONFIG, _MAX_JSON_BYTES)
    if config is None:
        raise ModelFileError(f"Could not load '{path}': the directory has no '{CONFIG}'.")
    assets = {}
    assets_dir = os.path.join(path, ASSETS)
    for root, _, files in os.walk(assets_dir):
        for file in files:
            full = os.path.join(root, file)
            if os.path.islink(full):
                raise ModelFileError(f"Refusing to load '{path}': '{full}' is a symbolic link.")
            with open(full, "rb") as f:
                assets[os.path.relpath(full, assets_dir).replace(os.sep, "/")] = f.read()
    return ArchiveContents(
        config,
        read(WEIGHTS, None),
        read(METADATA, _MAX_JSON_BYTES),
        WEIGHTS_NPZ in names,
        assets,
    )


def is_zip(source) -> bool:
    """Whether `source` starts like a zip archive (a `.keras` file rather than a legacy HDF5
    file or a directory).

    Args:
        source: a path or a seekable binary file (its position is kept).

    Returns:
        A bool.

    Example:
        >>> import io
        >>> from lamina.saving.archive import is_zip, write_zip
        >>> buffer = io.BytesIO()
        >>> write_zip(buffer, b"{}", b"{}", b"weights")
        >>> is_zip(buffer), is_zip(io.BytesIO(b"HDF5 file"))
        (True, False)
    """
    if isinstance(source, (io.IOBase,)):
        position = source.tell()
        try:
            return zipfile.is_zipfile(source)
        finally:
            source.seek(position)
    return zipfile.is_zipfile(source)
