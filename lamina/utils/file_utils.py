"""Downloading files into a local cache, with hash checks and archive extraction (`get_file`)."""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from lamina.utils.progbar import Progbar

_CHUNK_SIZE = 1 << 16
_TIMEOUT_S = 60.0
_HOME_ENV = "LAMINA_HOME"
_DEFAULT_HOME = os.path.join("~", ".lamina")


def _cache_root(cache_dir: str | os.PathLike | None) -> str:
    """The writable cache folder: `cache_dir`, else `$LAMINA_HOME`, else `~/.lamina`.

    An unwritable folder is replaced by one under the system's temporary folder, with a warning.
    """
    if cache_dir is None:
        cache_dir = os.environ.get(_HOME_ENV) or _DEFAULT_HOME
    root = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(root, exist_ok=True)
        writable = os.access(root, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        fallback = os.path.join(tempfile.gettempdir(), ".lamina")
        warnings.warn(
            f"The cache folder {root!r} is not writable; using {fallback!r} instead.",
            stacklevel=3,
        )
        root = fallback
    return root


def _resolve_algorithm(algorithm: str, file_hash: str | None) -> str:
    """`'sha256'` or `'md5'`; `'auto'` picks by the length of `file_hash` (64 hex digits: sha256)."""
    algorithm = (algorithm or "auto").lower()
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(
            f"`hash_algorithm` must be 'auto', 'sha256' or 'md5'. Received: {algorithm!r}"
        )
    return algorithm


def hash_file(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex digest of the file at `path`.

    Args:
        path: the file.
        algorithm: `"sha256"` (also for `"auto"`) or `"md5"`.

    Returns:
        The digest as a lowercase hex string.

    Example:
        >>> import os, tempfile
        >>> from lamina.utils.file_utils import hash_file
        >>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
        >>> _ = open(path, "wb").write(b"hello")
        >>> hash_file(path, "md5")
        '5d41402abc4b2a76b9719d911017c592'
    """
    hasher = hashlib.new("sha256" if algorithm == "auto" else _resolve_algorithm(algorithm, None))
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(path: str | os.PathLike, file_hash: str, algorithm: str = "auto") -> bool:
    """Whether the file at `path` has the hash `file_hash`.

    Args:
        path: the file.
        file_hash: the expected hex digest.
        algorithm: `"sha256"`, `"md5"`, or `"auto"` (sha256 for a 64-character hash, else md5).

    Returns:
        A bool.

    Example:
        >>> import os, tempfile
        >>> from lamina.utils.file_utils import validate_file
        >>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
        >>> _ = open(path, "wb").write(b"hello")
        >>> validate_file(path, "5d41402abc4b2a76b9719d911017c592")
        True
    """
    algorithm = _resolve_algorithm(algorithm, file_hash)
    return hash_file(path, algorithm) == file_hash.lower()


def _download(origin: str, target: str) -> None:
    """Streams `origin` into a temporary file next to `target`, then renames it to `target`.

    On any failure the temporary file is removed, so `target` is either complete or absent.
    """
    folder = os.path.dirname(target)
    fd, partial = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".part", dir=folder
    )
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=_TIMEOUT_S) as response:
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    bar = Progbar(total, unit_name="byte")
                    received = 0
                    while True:
                        chunk = response.read(_CHUNK_SIZE)
                        if not chunk:
                            break
                        out.write(chunk)
                        received += len(chunk)
                        bar.update(received)
                    if total is not None and received != total:
                        raise http.client.IncompleteRead(b"", total - received)
                    if total is None:
                        bar.update(received, finalize=True)
            except urllib.error.HTTPError as error:
                raise ConnectionError(
                    f"Could not download {origin}: the server answered HTTP {error.code} "
                    f"({error.reason})."
                ) from error
            except urllib.error.URLError as error:
                raise ConnectionError(
                    f"Could not download {origin}: {error.reason}. Check the network connection "
                    "and the URL, or place the file in the cache folder (`cache_dir`) yourself."
                ) from error
            except http.client.IncompleteRead as error:
                raise ConnectionError(
                    f"Could not download {origin}: the connection closed after {received} bytes "
                    f"of {total if total is not None else 'an unknown number'}."
                ) from error
            except OSError as error:
                raise ConnectionError(
                    f"Could not download {origin}: {error}. Check the network connection, "
                    "or place the file in the cache folder (`cache_dir`) yourself."
                ) from error
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _is_unsafe_name(name: str) -> bool:
    """Whether an archive member name is absolute or climbs out of the extraction folder."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in normalized.split("/")


def _check_tar(archive: tarfile.TarFile) -> None:
    """Raises if a tar member could write outside the folder it is extracted into."""
    for member in archive.getmembers():
        if _is_unsafe_name(member.name):
            raise ValueError(f"Refusing to extract the unsafe archive member {member.name!r}.")
        if member.issym() or member.islnk():
            if _is_unsafe_name(member.linkname):
                raise ValueError(
                    f"Refusing to extract the link {member.name!r} -> {member.linkname!r}."
                )
        elif not (member.isfile() or member.isdir()):
            raise ValueError(f"Refusing to extract the special file {member.name!r}.")


def _check_zip(archive: zipfile.ZipFile) -> None:
    """Raises if a zip member could write outside the folder it is extracted into."""
    for name in archive.namelist():
        if _is_unsafe_name(name):
            raise ValueError(f"Refusing to extract the unsafe archive member {name!r}.")


def extract_archive(
    path: str | os.PathLike,
    destination: str | os.PathLike,
    archive_format: str | list | None = "auto",
) -> bool:
    """Extracts a tar (also .gz/.bz2/.xz) or zip archive into `destination`.

    Members with absolute paths or `..` parts are refused with a `ValueError`. The archive is
    unpacked into a temporary folder first and moved into place when complete (an existing
    `destination` is replaced).

    Args:
        path: the archive file.
        destination: the folder to create.
        archive_format: `"auto"` (tar or zip), `"tar"`, `"zip"`, a list of these, or None
            (extract nothing).

    Returns:
        True if `path` was an archive of one of the accepted formats and was extracted.

    Example:
        >>> import os, tempfile, zipfile
        >>> from lamina.utils.file_utils import extract_archive
        >>> folder = tempfile.mkdtemp()
        >>> with zipfile.ZipFile(os.path.join(folder, "a.zip"), "w") as archive:
        ...     archive.writestr("data/x.txt", "x")
        >>> extract_archive(os.path.join(folder, "a.zip"), os.path.join(folder, "out"))
        True
        >>> os.listdir(os.path.join(folder, "out", "data"))
        ['x.txt']
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        formats = ["tar", "zip"]
    elif isinstance(archive_format, str):
        formats = [archive_format]
    else:
        formats = list(archive_format)
    path, destination = os.fspath(path), os.fspath(destination)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(path):
            opener, checker = tarfile.open, _check_tar
        elif fmt == "zip" and zipfile.is_zipfile(path):
            opener, checker = zipfile.ZipFile, _check_zip
        else:
            continue
        parent = os.path.dirname(os.path.abspath(destination))
        staging = tempfile.mkdtemp(prefix=".extract-", dir=parent)
        try:
            with opener(path) as archive:
                checker(archive)
                if isinstance(archive, tarfile.TarFile) and hasattr(tarfile, "data_filter"):
                    archive.extractall(staging, filter="data")
                else:
                    archive.extractall(staging)
            if os.path.isdir(destination):
                shutil.rmtree(destination)
            elif os.path.exists(destination):
                os.remove(destination)
            os.replace(staging, destination)
        finally:
            if os.path.exists(staging):
                shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


def get_file(
    fname: str | os.PathLike | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str | list | None = "auto",
    cache_dir: str | os.PathLike | None = None,
    force_download: bool = False,
) -> str:
    """Downloads `origin` into the cache unless a good copy is already there; returns its path.

    The file lands in `<cache_dir>/<cache_subdir>/<fname>`, where `cache_dir` defaults to
    `$LAMINA_HOME` or `~/.lamina` (an absolute `cache_subdir` is used as is). A download goes
    to a temporary name in the same folder and is renamed only once complete and, when
    `file_hash` is given, verified, so a failed download never leaves a partial file. A cached
    file whose hash does not match is downloaded again.

    Args:
        fname: the file's name in the cache; defaults to the last part of `origin`'s path.
        origin: the URL to download from.
        untar: deprecated spelling of `extract=True, archive_format='tar'`.
        md5_hash: deprecated spelling of `file_hash` with `hash_algorithm='md5'`.
        file_hash: the expected sha256 or md5 hex digest of the file.
        cache_subdir: the sub-folder of the cache holding the file.
        hash_algorithm: `'sha256'`, `'md5'` or `'auto'` (chosen by the length of `file_hash`).
        extract: unpack a tar or zip archive next to the downloaded file.
        archive_format: `'auto'` (tar, then zip), `'tar'`, `'zip'`, a list of these, or None.
        cache_dir: the cache's root folder.
        force_download: download again even when a cached copy exists.

    Returns:
        The path of the downloaded file, or with `extract=True` the folder it was unpacked into:
        `<fname>` when `fname` has no extension (the archive itself is `<fname>_archive`), else
        `<fname without extension>_extracted`.

    Raises:
        ValueError: a missing `origin`, a bad `fname`, a hash mismatch, or an unsafe archive.
        ConnectionError: the origin could not be reached or the transfer broke off.

    Example:
        >>> import hashlib, os, pathlib, tempfile
        >>> import lamina as keras
        >>> source = pathlib.Path(tempfile.mkdtemp(), "data.csv")
        >>> _ = source.write_text("a,b")
        >>> digest = hashlib.sha256(source.read_bytes()).hexdigest()
        >>> cache = tempfile.mkdtemp()
        >>> path = keras.utils.get_file(origin=source.as_uri(), file_hash=digest, cache_dir=cache)
        Downloading data from file://.../data.csv
        3/3 ...
        >>> os.path.relpath(path, cache), open(path).read().splitlines()
        ('datasets/data.csv', ['a,b'])
    """
    if origin is None:
        raise ValueError("`origin` is required: the URL of the file to download.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if untar:
        extract, archive_format = True, "tar"
    datadir = os.path.join(_cache_root(cache_dir), os.path.expanduser(cache_subdir))
    os.makedirs(datadir, exist_ok=True)

    given = os.fspath(fname) if fname is not None else ""
    if given:
        if os.sep in given or "/" in given:
            raise ValueError(
                f"`fname` must be a plain file name; use `cache_dir` or `cache_subdir` to "
                f"choose the folder. Received: fname={given!r}"
            )
        name = given
    else:
        name = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not name:
            raise ValueError(f"Cannot take a file name from origin {origin!r}; pass `fname`.")

    if extract:
        if given and "." in name:
            target = os.path.join(datadir, name)
            extraction_dir = os.path.join(datadir, f"{name[: name.find('.')]}_extracted")
        else:
            target = os.path.join(datadir, f"{name}_archive")
            extraction_dir = os.path.join(datadir, name)
    else:
        target = os.path.join(datadir, name)

    algorithm = _resolve_algorithm(hash_algorithm, file_hash)
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, algorithm):
        print(
            f"The cached file {target} does not match the expected {algorithm} hash "
            f"{file_hash}; downloading it again."
        )
        download = True

    if download:
        print(f"Downloading data from {origin}")
        _download(origin, target)
        if file_hash is not None:
            received = hash_file(target, algorithm)
            if received != file_hash.lower():
                os.remove(target)
                raise ValueError(
                    f"The file downloaded from {origin} is corrupted or not the expected one: "
                    f"its {algorithm} hash is {received}, expected {file_hash}. The download "
                    "was deleted."
                )

    if extract:
        if download or not os.path.exists(extraction_dir):
            if not extract_archive(target, extraction_dir, archive_format):
                warnings.warn(f"Could not extract the archive {target}.", stacklevel=2)
        return extraction_dir
    return target
