"""lamina.distribution on 4 virtual CPU devices (several processes: test_distribution_multiprocess).

The main test process already imported JAX with one device, so each check runs a Python snippet
in a subprocess started with `XLA_FLAGS=--xla_force_host_platform_device_count=N`, which prints
one JSON line with its results.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import json, os, warnings
import numpy as np
import jax
import lamina as keras
from lamina import distribution as D

rng = np.random.RandomState(0)
x = rng.randn(64, 8).astype("float32")
y = rng.randn(64, 4).astype("float32")

def make(opt="sgd"):
    keras.utils.set_random_seed(1)
    m = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(16, activation="relu", name="d1"),
        keras.layers.Dense(4, name="d2"),
    ])
    o = keras.optimizers.SGD(0.1) if opt == "sgd" else keras.optimizers.Adam(0.01)
    m.compile(optimizer=o, loss="mse", metrics=["mae"])
    return m

def diff(a, b):
    return float(max(np.abs(np.asarray(u) - np.asarray(v)).max() for u, v in zip(a, b)))
"""


def _env(devices: int) -> dict:
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_snippet(code: str, devices: int = 4, timeout: int = 120) -> dict:
    """Runs PRELUDE + `code` in a fresh interpreter; `code` prints `RESULT <json>`."""
    src = PRELUDE + textwrap.dedent(code)
    proc = subprocess.run(
        [sys.executable, "-c", src],
        env=_env(devices),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(ROOT),
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(lines[-1][len("RESULT ") :])


def test_api_devices_and_bad_input():
    r = run_snippet(
        """
        out = {"devices": D.list_devices(), "count": D.get_device_count("cpu")}
        mesh = D.DeviceMesh((2, 2), ("batch", "model"))
        errors = {}
        for name, fn in {
            "axis": lambda: D.TensorLayout(("nope",), mesh),
            "mesh_size": lambda: D.DeviceMesh((3,), ("batch",)),
            "names": lambda: D.DeviceMesh((2, 2), ("batch",)),
        }.items():
            try:
                fn()
                errors[name] = None
            except ValueError as e:
                errors[name] = str(e)
        lm = D.LayoutMap(mesh)
        lm[".*kernel"] = (None, "model")
        lm["d2/bias"] = D.TensorLayout(("model",))
        out["lookup"] = list(lm["sequential/d1/kernel"].axes)
        out["exact"] = list(lm["d2/bias"].axes)
        out["miss"] = lm["d1/bias"] is None
        out["errors"] = errors
        assert D.distribution() is None
        dp = D.DataParallel()
        with dp.scope():
            out["scoped"] = D.distribution() is dp
        out["after"] = D.distribution() is None
        D.set_distribution(dp)
        out["set"] = D.distribution() is dp
        D.set_distribution(None)
        t = D.distribute_tensor(np.ones((8, 4), "float32"), D.TensorLayout(("batch", None), mesh))
        out["dt"] = list(t.sharding.spec)
        mp_old = D.ModelParallel(mesh, lm, "batch")
        out["old_form"] = mp_old.batch_dim_name
        with D.DataParallel().scope():
            m = make()
            try:
                m.fit(x, y, batch_size=6, epochs=1, verbose=0)
                out["bs_error"] = None
            except ValueError as e:
                out["bs_error"] = str(e)
        print("RESULT", json.dumps(out))
        """
    )
    assert r["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    assert r["count"] == 4
    assert "not an axis of the mesh" in r["errors"]["axis"]
    assert r["errors"]["mesh_size"] and r["errors"]["names"]
    assert r["lookup"] == [None, "model"] and r["exact"] == ["model"] and r["miss"]
    assert r["scoped"] and r["after"] and r["set"]
    assert r["dt"] == ["batch", None]
    assert r["old_form"] == "batch"
    assert "batch_size=6" in r["bs_error"]


def test_data_and_model_parallel_match_single_device(tmp_path):
    r = run_snippet(
        f"""
        out = {{}}
        m0 = make()
        m0.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        w0 = m0.get_weights()
        e0 = m0.evaluate(x, y, verbose=0)
        p0 = m0.predict(x, verbose=0)

        with D.DataParallel().scope():
            m1 = make()
            m1.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
            out["dp_w"] = diff(w0, m1.get_weights())
            out["dp_e"] = diff(e0, m1.evaluate(x, y, verbose=0))
            out["dp_p"] = diff([p0], [m1.predict(x, verbose=0)])
            out["dp_kernel_spec"] = list(m1.layers[0].kernel.value.sharding.spec)

        mesh = D.DeviceMesh((2, 2), ("batch", "model"))
        lm = D.LayoutMap(mesh)
        lm["d1/kernel"] = (None, "model")  # the Sequential path pitfall: matches nothing
        lm[".*d1/kernel"] = (None, "model")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with D.ModelParallel(layout_map=lm, batch_dim_name="batch").scope():
                m2 = make("adam")
                m2.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
                k = m2.layers[0].kernel.value
                out["mp_kind"] = type(k.sharding).__name__
                out["mp_spec"] = list(k.sharding.spec)
                out["mp_shard_shape"] = list(k.addressable_shards[0].data.shape)
                out["slot_specs"] = sorted(
                    str(list(v.value.sharding.spec))
                    for v in m2.optimizer.variables if "d1_kernel" in v.path
                )
                e2 = m2.evaluate(x, y, verbose=0)
                p2 = m2.predict(x, verbose=0)
                path = r"{tmp_path / "mp.weights.h5"}"
                m2.save_weights(path)
        out["warned"] = [str(w.message) for w in caught if "LayoutMap key" in str(w.message)]
        m3 = make("adam")
        m3.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        out["mp_vs_single_w"] = diff(m3.get_weights(), m2.get_weights())
        out["mp_vs_single_e"] = diff(m3.evaluate(x, y, verbose=0), e2)
        out["mp_vs_single_p"] = diff([m3.predict(x, verbose=0)], [p2])
        m4 = make("adam")
        m4.load_weights(path)
        out["load_w"] = diff(m4.get_weights(), m2.get_weights())
        with D.ModelParallel(layout_map=lm, batch_dim_name="batch").scope():
            out["load_p"] = diff([m4.predict(x, verbose=0)], [p2])
            m4.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
            out["load_spec"] = list(m4.layers[0].kernel.value.sharding.spec)
        print("RESULT", json.dumps(out))
        """
    )
    assert r["dp_w"] < 1e-5 and r["dp_e"] < 1e-5 and r["dp_p"] < 1e-5
    assert r["dp_kernel_spec"] in ([], [None, None])
    assert r["mp_kind"] == "NamedSharding"
    assert r["mp_spec"] == [None, "model"]
    assert r["mp_shard_shape"] == [8, 8]
    assert r["slot_specs"] == ["[None, 'model']"] * 2
    assert len(r["warned"]) == 1 and "'d1/kernel'" in r["warned"][0]
    assert r["mp_vs_single_w"] < 1e-5 and r["mp_vs_single_e"] < 1e-5
    assert r["mp_vs_single_p"] < 1e-5
    assert r["load_w"] == 0.0 and r["load_p"] < 1e-5
    assert r["load_spec"] == [None, "model"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_variables_made_before_the_distribution_are_laid_out_and_loads_keep_layouts(tmp_path):
    r = run_snippet(
        f"""
        out = {{}}
        ref = make("adam")
        ref.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        path = r"{tmp_path / "ref.weights.h5"}"
        ref.save_weights(path)

        mesh = D.DeviceMesh((2, 2), ("batch", "model"))
        lm = D.LayoutMap(mesh)
        lm[".*d1/kernel"] = (None, "model")
        mp = D.ModelParallel(layout_map=lm, batch_dim_name="batch")
        early = make("adam")                      # created before the distribution is set
        out["before"] = type(early.layers[0].kernel.value.sharding).__name__
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            D.set_distribution(mp)
            early.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        out["warnings"] = [str(w.message) for w in caught]
        out["spec"] = list(early.layers[0].kernel.value.sharding.spec)
        out["w"] = diff(ref.get_weights(), early.get_weights())

        # load_weights under the distribution: placed by layout at once, optimizer slots too.
        late = make("adam")
        late.load_weights(path)
        k = late.layers[0].kernel.value
        out["load_kind"] = type(k.sharding).__name__
        out["load_spec"] = list(k.sharding.spec)
        out["load_w"] = diff(ref.get_weights(), late.get_weights())
        out["slot_specs"] = sorted(
            str(list(v.value.sharding.spec)) for v in late.optimizer.variables
            if "d1_kernel" in v.path
        )
        D.set_distribution(None)

        # A loaded sharded kernel keeps its NamedSharding, also outside the distribution.
        early.load_weights(path)
        out["kept_spec"] = list(early.layers[0].kernel.value.sharding.spec)

        # load_model under a distribution places the values too.
        model_path = r"{tmp_path / "m.keras"}"
        ref.save(model_path)
        with mp.scope():
            loaded = keras.models.load_model(model_path)
        out["load_model_spec"] = list(loaded.layers[0].kernel.value.sharding.spec)
        out["load_model_p"] = diff([ref.predict(x, verbose=0)], [loaded.predict(x, verbose=0)])
        print("RESULT", json.dumps(out))
        """
    )
    assert r["before"] == "SingleDeviceSharding"
    assert r["warnings"] == []
    assert r["spec"] == [None, "model"] and r["w"] < 1e-5
    assert r["load_kind"] == "NamedSharding" and r["load_spec"] == [None, "model"]
    assert r["load_w"] == 0.0
    assert r["slot_specs"] == ["[None, 'model']"] * 2
    assert r["kept_spec"] == [None, "model"]
    assert r["load_model_spec"] == [None, "model"] and r["load_model_p"] < 1e-5
