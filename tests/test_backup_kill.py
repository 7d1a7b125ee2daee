"""BackupAndRestore against a real crash: a training process killed with SIGKILL, then resumed.

Each child process trains the same small model on the same data; the test kills one mid-run
(after a marker file says it reached the chosen batch), runs the script again to the end, and
compares the final weights with an uninterrupted run's. A last test kills a process in the middle
of `save_weights` and checks that the previous weights file is untouched.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCHS = 4

TRAIN_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    import numpy as np
    import lamina as keras

    args = json.loads(sys.argv[1])
    # The resumed run gets another seed: it ends with the right weights only if the backup is
    # loaded.
    keras.utils.set_random_seed(args["seed"])
    rng = np.random.RandomState(0)
    x = rng.randn(40, 5).astype("float32")
    y = (x @ rng.randn(5, 1) + 0.1 * rng.randn(40, 1)).astype("float32")
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")

    class Trace(keras.callbacks.Callback):
        # Records the (epoch, batch) of every batch this process trains.
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append([self.epoch, batch])

    class StopHere(keras.callbacks.Callback):
        # Announces the chosen batch through a marker file, then waits to be killed.
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if [self.epoch, batch] == args["crash_at"]:
                with open(args["marker"], "w") as f:
                    f.write("ready")
                time.sleep(120)

    trace = Trace()
    callbacks = [trace]
    if args["backup_dir"]:
        callbacks.append(
            keras.callbacks.BackupAndRestore(args["backup_dir"], save_freq=args["save_freq"])
        )
    if args["crash_at"]:
        callbacks.append(StopHere())
    model.fit(
        x, y, epochs=args["epochs"], batch_size=8, shuffle=False, verbose=0, callbacks=callbacks
    )
    np.save(args["out"], np.concatenate([w.ravel() for w in model.get_weights()]))
    with open(args["out"] + ".json", "w") as f:
        json.dump(trace.seen, f)
    """
)

SAVE_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    import h5py
    import lamina as keras

    path, marker = sys.argv[1], sys.argv[2]
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8), keras.layers.Dense(1)]
    )
    original = h5py.Group.create_dataset
    count = [0]

    def slow_create_dataset(self, *args, **kwargs):
        # The second dataset of the file is written, then the process waits to be killed.
        dataset = original(self, *args, **kwargs)
        count[0] += 1
        if count[0] == 2:
            self.file.flush()
            with open(marker, "w") as f:
                f.write("ready")
            time.sleep(120)
        return dataset

    h5py.Group.create_dataset = slow_create_dataset
    model.save_weights(path)
    """
)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([REPO] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("JAX_PLATFORMS", "cpu")
    return env


def _write_script(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _run(argv: list[str], tmp_path, timeout: float = 60) -> None:
    done = subprocess.run(
        [sys.executable, *argv],
        env=_env(),
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"child failed:\n{done.stdout}\n{done.stderr}"


def _run_and_kill(argv: list[str], marker: str, tmp_path, timeout: float = 60) -> None:
    """Starts the child, waits for its marker file, and kills it with SIGKILL."""
    log = open(tmp_path / "killed_child.log", "w")
    child = subprocess.Popen(
        [sys.executable, *argv], env=_env(), cwd=str(tmp_path), stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + timeout
        while not os.path.exists(marker):
            if child.poll() is not None:
                log.close()
                text = (tmp_path / "killed_child.log").read_text()
                pytest.fail(f"the child ended (rc={child.returncode}) before its marker:\n{text}")
            if time.monotonic() > deadline:
                pytest.fail("the child did not reach its marker in time")
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        log.close()


def _train_args(tmp_path, tag: str, **kwargs) -> list[str]:
    args = {
        "epochs": EPOCHS,
        "backup_dir": None,
        "save_freq": "epoch",
        "crash_at": None,
        "seed": 0,
        "marker": str(tmp_path / f"{tag}.marker"),
        "out": str(tmp_path / f"{tag}.npy"),
    }
    args.update(kwargs)
    return [str(tmp_path / "train.py"), json.dumps(args)]


@pytest.mark.parametrize(
    "save_freq, crash_at",
    [(2, [2, 3]), ("epoch", [2, 1])],
    ids=["save_freq=2", "save_freq=epoch"],
)
def test_sigkill_then_resume_gives_the_uninterrupted_weights(tmp_path, save_freq, crash_at):
    _write_script(tmp_path, "train.py", TRAIN_SCRIPT)
    backup = str(tmp_path / "backup")
    reference = _train_args(tmp_path, "reference")
    crashed = _train_args(
        tmp_path, "crashed", backup_dir=backup, save_freq=save_freq, crash_at=crash_at
    )
    resumed = _train_args(tmp_path, "resumed", backup_dir=backup, save_freq=save_freq, seed=7)
    with ThreadPoolExecutor(2) as pool:
        # The uninterrupted run does not depend on the other two: run it alongside.
        uninterrupted = pool.submit(_run, reference, tmp_path)
        _run_and_kill(crashed, str(tmp_path / "crashed.marker"), tmp_path)
        assert not os.path.exists(tmp_path / "crashed.npy")
        # The backup says where the killed run stopped: mid-epoch 2 at step 2 (batches 0 and 1
        # done) with save_freq=2, the start of epoch 2 with save_freq="epoch".
        with open(os.path.join(backup, "training_metadata.json")) as f:
            metadata = json.load(f)
        assert (metadata["epoch"], metadata.get("step", 0)) == (
            (2, 2) if save_freq == 2 else (2, 0)
        )
        _run(resumed, tmp_path)
        uninterrupted.result()
    assert not os.path.exists(backup)  # a normal end deletes the backup
    expected = np.load(tmp_path / "reference.npy")
    got = np.load(tmp_path / "resumed.npy")
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    # The resumed process trained only what the killed one had not backed up.
    with open(tmp_path / "resumed.npy.json") as f:
        seen = json.load(f)
    assert seen[0] == ([2, 2] if save_freq == 2 else [2, 0])
    assert seen[-1] == [EPOCHS - 1, 4] and len(seen) == (8 if save_freq == 2 else 10)


def test_sigkill_during_save_weights_keeps_the_previous_file(tmp_path):
    import lamina as keras

    path = str(tmp_path / "model.weights.h5")
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    model.save_weights(path)
    before = open(path, "rb").read()

    script = _write_script(tmp_path, "save.py", SAVE_SCRIPT)
    marker = str(tmp_path / "save.marker")
    _run_and_kill([script, path, marker], marker, tmp_path)

    assert open(path, "rb").read() == before
    loaded = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    loaded.load_weights(path)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Only a hidden temporary file may be left beside it.
    others = set(os.listdir(tmp_path)) - {"model.weights.h5", "save.py", "save.marker"}
    others.discard("killed_child.log")
    assert all(name.startswith(".") for name in others), others
