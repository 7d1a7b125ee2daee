"""Exact resume: a `fit` killed with SIGKILL mid-epoch and started again with the same
`BackupAndRestore(save_freq=N)` ends with bitwise the weights of a run never interrupted, for
shuffled arrays and for a `PyDataset`, with (unseeded) `Dropout` in the model.

The resumed process gets another global seed, so it matches only if the backup restores the
shuffle generator, the seed generators and the position in the epoch.
"""

import json
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_backup_kill import _run, _run_and_kill, _write_script

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    import lamina as keras

    args = json.loads(sys.argv[1])
    keras.utils.set_random_seed(args["seed"])
    rng = np.random.RandomState(0)
    x = rng.randn(40, 5).astype("float32")
    y = (x @ rng.randn(5, 1) + 0.1 * rng.randn(40, 1)).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return x[8 * i : 8 * i + 8], y[8 * i : 8 * i + 8]

    class StopHere(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if [self.epoch, batch] == args["crash_at"]:
                with open(args["marker"], "w") as f:
                    f.write("ready")
                time.sleep(120)

    callbacks = []
    if args["backup_dir"]:
        callbacks.append(keras.callbacks.BackupAndRestore(args["backup_dir"], save_freq=2))
    if args["crash_at"]:
        callbacks.append(StopHere())
    if args["data"] == "arrays":
        model.fit(x, y, epochs=3, batch_size=8, shuffle=True, verbose=0, callbacks=callbacks)
    else:
        model.fit(Batches(), epochs=3, verbose=0, callbacks=callbacks)
    np.save(args["out"], np.concatenate([w.ravel() for w in model.get_weights()]))
    """
)


def _args(tmp_path, tag, data, **kwargs):
    args = {
        "data": data,
        "backup_dir": None,
        "crash_at": None,
        "seed": 0,
        "marker": str(tmp_path / f"{tag}.marker"),
        "out": str(tmp_path / f"{tag}.npy"),
    }
    args.update(kwargs)
    return [str(tmp_path / "train.py"), json.dumps(args)]


@pytest.mark.parametrize("data", ["arrays", "pydataset"])
def test_sigkill_mid_epoch_then_resume_is_bitwise_exact(tmp_path, data):
    _write_script(tmp_path, "train.py", SCRIPT)
    backup = str(tmp_path / "backup")
    reference = _args(tmp_path, "reference", data)
    crashed = _args(tmp_path, "crashed", data, backup_dir=backup, crash_at=[1, 3])
    resumed = _args(tmp_path, "resumed", data, backup_dir=backup, seed=7)
    with ThreadPoolExecutor(2) as pool:
        uninterrupted = pool.submit(_run, reference, tmp_path, 300)
        _run_and_kill(crashed, str(tmp_path / "crashed.marker"), tmp_path, timeout=300)
        with open(os.path.join(backup, "training_metadata.json")) as f:
            # 5 batches an epoch, a backup every 2 counted across epochs: epoch 1, step 3
            assert json.load(f) == {"epoch": 1, "batch": 2, "step": 3}
        _run(resumed, tmp_path, 300)
        uninterrupted.result()
    expected = np.load(tmp_path / "reference.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "resumed.npy"), expected)
    # and the run with another seed and no backup really differs (the check can fail)
    _run(_args(tmp_path, "other", data, seed=7), tmp_path, 300)
    assert not np.array_equal(np.load(tmp_path / "other.npy"), expected)
