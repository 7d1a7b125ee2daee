"""JAX's persistent compilation cache, turned on by lamina by default.

Every `fit`, `evaluate` and `predict` compiles its steps with XLA. JAX can keep the compiled
executables on disk, keyed by everything that determines them (the lowered program, the jaxlib
version, the platform and its devices, the compile options and XLA flags), so a second run of the
same script, a notebook restart or a test process reuses them instead of compiling again. Neither
JAX nor Keras enables that cache; lamina does when it is imported, unless:

- the environment variable `LAMINA_COMPILATION_CACHE` is `0` (or `false`, `off`, `no`), or
- JAX's own cache directory is already set (`JAX_COMPILATION_CACHE_DIR` or
  `jax.config.update("jax_compilation_cache_dir", ...)`): then JAX's setting is left alone.

`LAMINA_COMPILATION_CACHE` may also name the directory to use. The default directory follows the
platform's convention for per-user caches (`$XDG_CACHE_HOME/lamina` or `~/.cache/lamina` on Linux,
`~/Library/Caches/lamina` on macOS, `%LOCALAPPDATA%\\lamina\\Cache` on Windows), with one
sub-folder per JAX version. Its size is capped (`LAMINA_COMPILATION_CACHE_MAX_MB`, default 2048):
when lamina is imported, the least recently used entries beyond the cap are deleted, in a
background thread. A cache entry that cannot be read (a truncated or corrupt file) is reported as
a warning by JAX and compiled afresh, never fatal.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import jax

ENV_VAR = "LAMINA_COMPILATION_CACHE"
ENV_MAX_MB = "LAMINA_COMPILATION_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048
_OFF = {"0", "false", "off", "no"}
_ON = {"", "1", "true", "on", "yes"}

_lock = threading.Lock()
_owned_dir: str | None = None  # the directory lamina set (None: lamina did not set JAX's)


def default_cache_root() -> Path:
    """The per-user cache folder for lamina on this platform (not created here):
    `$XDG_CACHE_HOME/lamina` or `~/.cache/lamina` on Linux, `~/Library/Caches/lamina` on macOS,
    `%LOCALAPPDATA%\\lamina\\Cache` on Windows.

    Args:
        None.

    Returns:
        A `pathlib.Path`.

    Example:
        >>> from lamina.core.compilation_cache import default_cache_root
        >>> default_cache_root().name in ("lamina", "Cache")
        True
    """
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lamina"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "lamina" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lamina"


def _version_dir(root: Path) -> Path:
    return root / f"jax-{jax.__version__}"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def _max_bytes_from_env() -> int:
    raw = os.environ.get(ENV_MAX_MB, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 2**20
    try:
        value = float(raw)
    except ValueError as err:
        raise ValueError(
            f"{ENV_MAX_MB} must be a number of megabytes (e.g. 2048); received {raw!r}. "
            f"Set it to a positive number, or unset it for the default ({DEFAULT_MAX_MB})."
        ) from err
    return int(value * 2**20)


def prune(root: str | os.PathLike, max_bytes: int) -> int:
    """Deletes the least recently used cache entries under `root` until it holds at most
    `max_bytes`.

    Entries are JAX's `*-cache` files (and their `*-atime` companions), in every JAX-version
    sub-folder of `root`. Recency is the later of the file's access and modification times.

    Args:
        root: the cache folder (lamina's, holding one sub-folder per JAX version).
        max_bytes: the size to shrink to, in bytes.

    Returns:
        The number of bytes deleted.

    Example:
        >>> import tempfile, pathlib
        >>> from lamina.core.compilation_cache import prune
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for i in range(3):
        ...     _ = (root / f"jit_f-{i}-cache").write_bytes(b"x" * 100)
        >>> prune(root, 150)
        200
    """
    entries = []
    total = 0
    for folder in [Path(root), *(p for p in Path(root).glob("jax-*") if p.is_dir())]:
        try:
            names = list(os.scandir(folder))
        except OSError:
            continue
        for entry in names:
            if not entry.name.endswith("-cache") or not entry.is_file():
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            entries.append((max(st.st_atime, st.st_mtime), st.st_size, entry.path))
            total += st.st_size
    removed = 0
    entries.sort()
    for _, size, path in entries:
        if total - removed <= max_bytes:
            break
        try:
            os.remove(path)
            removed += size
        except OSError:
            continue
        companion = path[: -len("-cache")] + "-atime"
        if os.path.exists(companion):
            try:
                os.remove(companion)
            except OSError:
                pass
    return removed


def _reset_jax_cache() -> None:
    # JAX initializes its cache once, at the first compile; a change afterwards needs a reset.
    from jax.experimental.compilation_cache import compilation_cache as cc

    cc.reset_cache()


def enable_compilation_cache(directory: str | os.PathLike | None = None, max_size_mb=None) -> str:
    """Turns on JAX's persistent compilation cache in `directory` (lamina's default when None).

    Compiled training, evaluation and prediction steps are then written to disk and reused by
    later processes that compile the same program on the same JAX version and device.

    Args:
        directory: where to keep the compiled executables; default: the per-user cache folder
            (see `lamina.core.compilation_cache.default_cache_root`), one sub-folder per JAX
            version.
        max_size_mb: size cap in megabytes; the least recently used entries beyond it are
            deleted now (in a background thread). Default: `LAMINA_COMPILATION_CACHE_MAX_MB`
            or 2048.

    Returns:
        The directory in use.

    Example:
        >>> import tempfile
        >>> import lamina as keras
        >>> path = keras.config.enable_compilation_cache(tempfile.mkdtemp())
        >>> keras.config.compilation_cache_dir() == path
        True
        >>> keras.config.disable_compilation_cache()
        >>> keras.config.compilation_cache_dir() is None
        True
    """
    global _owned_dir
    root = Path(directory) if directory is not None else default_cache_root()
    folder = root if directory is not None else _version_dir(root)
    if not _writable(folder):
        raise OSError(
            f"enable_compilation_cache: cannot write to {str(folder)!r}. Pass a writable "
            f"directory, or set {ENV_VAR}=0 to run without the compilation cache."
        )
    if max_size_mb is not None and not (isinstance(max_size_mb, (int, float)) and max_size_mb > 0):
        raise ValueError(
            f"enable_compilation_cache: max_size_mb must be a positive number of megabytes; "
            f"received {max_size_mb!r}."
        )
    max_bytes = _max_bytes_from_env() if max_size_mb is None else int(max_size_mb * 2**20)
    with _lock:
        jax.config.update("jax_compilation_cache_dir", str(folder))
        jax.config.update("jax_enable_compilation_cache", True)
        # lamina's steps are many small programs: cache every one (reading a small entry takes
        # well under a millisecond; compiling it takes tens).
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
        _reset_jax_cache()
        _owned_dir = str(folder)
    threading.Thread(target=prune, args=(root, max_bytes), daemon=True).start()
    return str(folder)


def disable_compilation_cache() -> None:
    """Turns off the persistent compilation cache for the rest of this process.

    Nothing on disk is deleted; later compiles are neither read from nor written to the cache.

    Example:
        >>> import lamina as keras
        >>> keras.config.disable_compilation_cache()
        >>> keras.config.compilation_cache_dir() is None
        True

    Args:
        None.
    """
    global _owned_dir
    with _lock:
        jax.config.update("jax_enable_compilation_cache", False)
        _reset_jax_cache()
        _owned_dir = None


def compilation_cache_dir() -> str | None:
    """The directory of the persistent compilation cache in use, or None when it is off.

    This reports JAX's setting too when the cache was turned on outside lamina
    (`JAX_COMPILATION_CACHE_DIR`).

    Example:
        >>> import lamina as keras
        >>> isinstance(keras.config.compilation_cache_dir(), (str, type(None)))
        True

    Args:
        None.

    Returns:
        A directory path, or None.
    """
    if not jax.config.jax_enable_compilation_cache:
        return None
    return jax.config.jax_compilation_cache_dir or None


def enable_default_cache() -> None:
    """Called once when lamina is imported: applies `LAMINA_COMPILATION_CACHE` (see the module
    docstring). Never raises: an unwritable default folder leaves the cache off.

    Args:
        None.

    Example:
        >>> from lamina.core.compilation_cache import enable_default_cache
        >>> enable_default_cache()  # already done by `import lamina`; safe to call again
    """
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw.lower() in _OFF:
        return
    if jax.config.jax_compilation_cache_dir:  # the user configured JAX's cache: keep it
        return
    directory = None if raw.lower() in _ON else raw
    try:
        enable_compilation_cache(directory)
    except (OSError, ValueError) as err:
        import warnings

        warnings.warn(
            f"lamina could not turn on the compilation cache ({err}); running without it.",
            stacklevel=3,
        )
