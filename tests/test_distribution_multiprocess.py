"""lamina.distribution across processes: 2 local processes x 2 virtual CPU devices each, joined
on 127.0.0.1, against one process on one device.

One script runs in both settings. In the job it covers: the same full arrays on every process
(`auto_shard_dataset=True`, shuffled), each process passing its own half of the data
(`auto_shard_dataset=False`), a kernel sharded across the two processes (`ModelParallel`),
saving (only process 0 writes) and loading (the layout is kept).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import h5py
import numpy as np
from test_distribution import PRELUDE, ROOT, _env, _free_port, run_snippet

SCRIPT = """
import sys
multi = sys.argv[1] != "single"
out_dir = sys.argv[3]
if multi:
    D.initialize(f"127.0.0.1:{sys.argv[2]}", 2, int(sys.argv[1]), initialization_timeout=30)
    assert len(D.list_devices()) == 4 and len(jax.local_devices()) == 2
me, procs = jax.process_index(), jax.process_count()
out = {}

def record(name, m, xs, ys):
    out[name] = {"w": [w.tolist() for w in m.get_weights()],
                 "e": m.evaluate(xs, ys, batch_size=16, verbose=0),
                 "p": m.predict(xs, batch_size=16, verbose=0).tolist()}

def scope(d):
    return d.scope() if multi else __import__("contextlib").nullcontext()

# 1. The same full arrays on every process; shuffled (the processes must shuffle alike).
with scope(D.DataParallel()):
    m = make()
    m.fit(x, y, batch_size=16, epochs=2, verbose=0)
    record("full", m, x, y)

# 2. Each process passes its own half; the halves are joined in process order.
part = slice(me * 32, (me + 1) * 32) if multi else slice(None)
with scope(D.DataParallel(auto_shard_dataset=False)):
    m = make()
    m.fit(x[part], y[part], batch_size=16, epochs=3, shuffle=False, verbose=0)
    record("parts", m, x[part], y[part])
    os.makedirs(os.path.join(out_dir, f"p{me}"), exist_ok=True)
    m.save_weights(os.path.join(out_dir, f"p{me}", "dp.weights.h5"))
    if multi:
        try:
            m.predict(x[: 2 + 2 * me], verbose=0)   # parts of different sizes
            out["unequal"] = None
        except ValueError as e:
            out["unequal"] = str(e)

# 3. A kernel split across the processes: mesh axis "model" spans them.
if multi:
    mesh = D.DeviceMesh((2, 2), ("model", "batch"))
    lm = D.LayoutMap(mesh)
    lm[".*d1/kernel"] = (None, "model")
    mp = D.ModelParallel(layout_map=lm, batch_dim_name="batch")
else:
    mp = None
with scope(mp):
    m = make("adam")
    m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    if multi:
        k = m.layers[0].kernel.value
        out["mp_kernel"] = [list(k.sharding.spec), k.is_fully_addressable,
                            [list(s.data.shape) for s in k.addressable_shards]]
    record("mp", m, x, y)
    path = os.path.join(out_dir, "mp.weights.h5")
    m.save_weights(path)
    fresh = make("adam")
    fresh.load_weights(path)
    k = fresh.layers[0].kernel.value
    out["loaded"] = [type(k.sharding).__name__, list(getattr(k.sharding, "spec", []))]
    out["loaded_w"] = max(
        float(np.abs(a - b).max()) for a, b in zip(fresh.get_weights(), m.get_weights())
    )
json.dump(out, open(os.path.join(out_dir, f"r{me}.json"), "w"))
print("RESULT", json.dumps({"ok": True}))
"""


def _arrays(path) -> dict:
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: (
                found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
            )
        )
    return found


def _close(a, b, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a, "float64"), np.asarray(b, "float64"), atol=atol)


def test_two_processes_match_one_process_and_save_once(tmp_path):
    single_dir, multi_dir = tmp_path / "single", tmp_path / "multi"
    single_dir.mkdir()
    multi_dir.mkdir()
    # The reference: one process, one device, no distribution.
    run_snippet(
        SCRIPT.replace("sys.argv[1]", "'single'").replace("sys.argv[3]", repr(str(single_dir))),
        devices=1,
    )

    port = str(_free_port())
    src = PRELUDE + SCRIPT
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", src, str(i), port, str(multi_dir)],
            env=_env(2),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(ROOT),
        )
        for i in range(2)
    ]
    try:
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err[-4000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    ref = json.loads((single_dir / "r0.json").read_text())
    for rank in range(2):
        r = json.loads((multi_dir / f"r{rank}.json").read_text())
        for name in ("full", "parts", "mp"):
            for a, b in zip(ref[name]["w"], r[name]["w"]):
                _close(a, b)
            _close(ref[name]["e"], r[name]["e"])
            # predict returns the whole result (all 64 rows, global order) on every process.
            assert np.asarray(r[name]["p"]).shape == (64, 4)
            _close(ref[name]["p"], r[name]["p"])
        assert "samples" in r["unequal"] and "[2, 4]" in r["unequal"]
        # The kernel is split over the processes: each holds 2 of its 4 device shards.
        spec, fully_addressable, shard_shapes = r["mp_kernel"]
        assert spec == [None, "model"] and not fully_addressable
        assert shard_shapes == [[8, 8], [8, 8]]
        # Loaded under the distribution: placed back by layout at once.
        assert r["loaded"] == ["NamedSharding", [None, "model"]]
        assert r["loaded_w"] == 0.0

    # Only process 0 wrote: process 1 saved to its own directory, which stays empty.
    assert (multi_dir / "p0" / "dp.weights.h5").exists()
    assert not (multi_dir / "p1" / "dp.weights.h5").exists()
    assert os.listdir(multi_dir / "p1") == []
    for name in ("p0/dp.weights.h5", "mp.weights.h5"):
        ours, theirs = _arrays(multi_dir / name), _arrays(single_dir / name)
        assert sorted(ours) == sorted(theirs)
        for key in ours:
            _close(ours[key], theirs[key])
        # No timestamps in the file: identical values give identical bytes.
        if all(np.array_equal(ours[k], theirs[k]) for k in ours):
            assert (multi_dir / name).read_bytes() == (single_dir / name).read_bytes()


def test_unreachable_coordinator_times_out():
    code = """
    import time
    start = time.monotonic()
    try:
        D.initialize("127.0.0.1:PORT", 2, 1, initialization_timeout=3)
        print("RESULT", json.dumps({"error": None}))
    except RuntimeError as e:
        print("RESULT", json.dumps({"error": str(e), "seconds": time.monotonic() - start}))
    """.replace("PORT", str(_free_port()))
    r = run_snippet(code, devices=1, timeout=60)
    assert r["error"] and "could not join the job" in r["error"]
    assert "did not answer within 3 s" in r["error"] and r["seconds"] < 30
