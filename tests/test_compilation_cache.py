"""The persistent compilation cache: on by default, keyed correctly, robust to bad entries."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lamina.core.compilation_cache import prune

ROOT = Path(__file__).resolve().parent.parent

# A fresh process: builds a tiny model with fixed weights, predicts, and reports the predictions,
# the cache directory in use and how many executables came from the cache.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from jax import monitoring
    hits = []
    monitoring.register_event_listener(
        lambda name, **kw: hits.append(name) if name.endswith("cache_hits") else None)
    import lamina as keras
    activation = sys.argv[1]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=activation)])
    model.set_weights([np.array([[1., -2.], [0.5, 1.], [-1., 0.25]], "float32"),
                       np.array([0.1, -0.3], "float32")])
    x = np.array([[1., 2., 3.], [-1., 0.5, 2.]], "float32")
    y = model.predict(x, verbose=0)
    print(json.dumps({"y": y.tolist(), "dir": keras.config.compilation_cache_dir(),
                      "hits": len(hits)}))
    """
)

W = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.25]], "float32")
B = np.array([0.1, -0.3], "float32")
X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], "float32")


def _run(activation, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LAMINA_", "JAX_COMP"))}
    full.update(PYTHONPATH=str(ROOT), **env)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, activation],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def _entries(folder):
    return sorted(p for p in Path(folder).rglob("*-cache"))


def test_on_by_default_in_the_per_user_cache_folder_and_reused(tmp_path):
    first, _ = _run("relu", XDG_CACHE_HOME=str(tmp_path))
    assert first["dir"].startswith(str(tmp_path / "lamina" / "jax-"))
    assert _entries(first["dir"]), "nothing was written to the cache"
    assert first["hits"] == 0
    second, _ = _run("relu", XDG_CACHE_HOME=str(tmp_path))
    assert second["hits"] > 0  # the second process reads its executables from disk
    expected = np.maximum(X @ W + B, 0)
    np.testing.assert_allclose(first["y"], expected, rtol=1e-6)
    np.testing.assert_allclose(second["y"], expected, rtol=1e-6)


def test_switched_off_by_environment(tmp_path):
    res, _ = _run("relu", XDG_CACHE_HOME=str(tmp_path), LAMINA_COMPILATION_CACHE="0")
    assert res["dir"] is None
    assert not _entries(tmp_path)


def test_jax_setting_is_left_alone(tmp_path):
    res, _ = _run("relu", JAX_COMPILATION_CACHE_DIR=str(tmp_path / "mine"))
    assert res["dir"] == str(tmp_path / "mine")


def test_changed_model_does_not_reuse_a_wrong_executable(tmp_path):
    cache = str(tmp_path / "c")
    relu, _ = _run("relu", LAMINA_COMPILATION_CACHE=cache)
    tanh, _ = _run("tanh", LAMINA_COMPILATION_CACHE=cache)
    np.testing.assert_allclose(relu["y"], np.maximum(X @ W + B, 0), rtol=1e-6)
    np.testing.assert_allclose(tanh["y"], np.tanh(X @ W + B), rtol=1e-6)


def test_corrupt_entries_are_ignored_not_fatal(tmp_path):
    cache = str(tmp_path / "c")
    _run("relu", LAMINA_COMPILATION_CACHE=cache)
    entries = _entries(cache)
    assert entries
    for i, path in enumerate(entries):  # truncate half, scramble the other half
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3] if i % 2 else bytes(reversed(data)))
    res, stderr = _run("relu", LAMINA_COMPILATION_CACHE=cache)
    np.testing.assert_allclose(res["y"], np.maximum(X @ W + B, 0), rtol=1e-6)


def test_prune_keeps_the_most_recently_used(tmp_path):
    sub = tmp_path / "jax-0.0"
    sub.mkdir()
    for i in range(5):
        path = sub / f"jit_f-{i}-cache"
        path.write_bytes(b"x" * 1000)
        (sub / f"jit_f-{i}-atime").write_bytes(b"t")
        os.utime(path, (1000 + i, 1000 + i))  # entry i was used at time 1000 + i
    removed = prune(tmp_path, 2500)
    assert removed == 3000
    assert sorted(p.name for p in sub.glob("*-cache")) == ["jit_f-3-cache", "jit_f-4-cache"]
    assert sorted(p.name for p in sub.glob("*-atime")) == ["jit_f-3-atime", "jit_f-4-atime"]


def test_bad_arguments_are_clear(tmp_path, monkeypatch):
    import lamina as keras

    with pytest.raises(ValueError, match="max_size_mb"):
        keras.config.enable_compilation_cache(tmp_path, max_size_mb=-1)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError, match="cannot write"):
        keras.config.enable_compilation_cache(blocker / "sub")
