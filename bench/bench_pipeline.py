"""Input-pipeline bench: images/s from a folder of JPEG files, and TextVectorization speed.

Rows (lamina, and Keras 3 + tf.data when `--tf-python` names a Python that has TensorFlow):

* `decode`: one pass of `image_dataset_from_directory(image_size=(180, 180), batch_size=32)`
  over the JPEG folder, nothing else (the pipeline's own speed);
* `fit`: one epoch of a small CNN on that dataset (after a warm-up epoch that compiles);
* `fit (arrays)`: the same epoch on the decoded images held in memory (the training step's
  ceiling: if `fit` is close to it, the loop does not wait on the pipeline);
* `adapt` / `vectorize`: `TextVectorization(max_tokens=20000, output_sequence_length=500)` on
  25,000 synthetic reviews of IMDB size (about 230 words each).

    python bench/bench_pipeline.py                  # 2,000 JPEGs 256x256 (made once, cached)
    python bench/bench_pipeline.py --files 256 --reviews 2000   # quick run
    python bench/bench_pipeline.py --tf-python /path/to/venv-with-tensorflow/bin/python

Each side runs `--repeat` times (default 3) in fresh processes, the sides alternating; the
table shows the median of each row.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
IMAGE_SIZE = (180, 180)


def make_jpegs(root: pathlib.Path, files: int, size: int = 256) -> pathlib.Path:
    """`files` random-noise-plus-gradient JPEGs in two class folders (kept between runs)."""
    from PIL import Image

    folder = root / f"jpegs_{files}_{size}"
    done = folder / ".complete"
    if done.exists():
        return folder
    rng = np.random.RandomState(0)
    ramp = np.linspace(0, 255, size, dtype="float32")
    for i in range(files):
        label = i % 2
        (folder / f"class{label}").mkdir(parents=True, exist_ok=True)
        base = ramp[None, :, None] if label else ramp[:, None, None]
        pixels = np.clip(base + rng.normal(0, 40, (size, size, 3)), 0, 255).astype("uint8")
        Image.fromarray(pixels).save(folder / f"class{label}" / f"{i}.jpg", quality=90)
    done.write_text("ok")
    return folder


def make_reviews(n: int, seed: int = 0) -> list[str]:
    """`n` synthetic reviews with a Zipf vocabulary of 50,000 words, 230 words on average."""
    rng = np.random.RandomState(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    lengths = rng.randint(60, 400, n)
    ids = np.minimum(rng.zipf(1.2, lengths.sum()) - 1, len(vocab) - 1)
    words = vocab[ids]
    out, start = [], 0
    for length in lengths:
        out.append(" ".join(words[start : start + length]).capitalize() + ".")
        start += length
    return out


def _cnn(keras):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((*IMAGE_SIZE, 3)),
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(16, 3, strides=2, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, strides=2, activation="relu"),
            layers.MaxPooling2D(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )
    model.compile(
        "adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    return model


def run_side(side: str, folder: str, reviews: int) -> dict:
    """Measures one side (`lamina` or `keras`, the latter with tf.data) in this process."""
    if side == "lamina":
        import lamina as keras

        def image_ds(**kw):
            return keras.utils.image_dataset_from_directory(folder, verbose=False, **kw)

        def prefetched(ds):
            return ds.prefetch(8)
    else:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import keras
        import tensorflow as tf

        def image_ds(**kw):
            return keras.utils.image_dataset_from_directory(folder, verbose=False, **kw)

        def prefetched(ds):
            return ds.prefetch(tf.data.AUTOTUNE)

    out = {}
    ds = image_ds(image_size=IMAGE_SIZE, batch_size=32, seed=1)
    n = len(ds.file_paths)
    start = time.perf_counter()
    images = [x for x, _ in ds]
    out["decode"] = n / (time.perf_counter() - start)
    arrays = np.concatenate([np.asarray(x) for x in images])
    labels = np.concatenate([np.asarray(y) for _, y in ds])
    del images
    model = _cnn(keras)
    model.fit(prefetched(ds), epochs=1, verbose=0)  # compiles
    start = time.perf_counter()
    model.fit(prefetched(ds), epochs=1, verbose=0)
    out["fit"] = n / (time.perf_counter() - start)
    model.fit(arrays, labels, batch_size=32, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(arrays, labels, batch_size=32, epochs=1, verbose=0)
    out["fit (arrays)"] = n / (time.perf_counter() - start)

    texts = make_reviews(reviews)
    layer = keras.layers.TextVectorization(max_tokens=20_000, output_sequence_length=500)
    start = time.perf_counter()
    layer.adapt(np.array(texts))
    out["adapt"] = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(0, len(texts), 256):
        np.asarray(layer(np.array(texts[i : i + 256])))
    out["vectorize"] = time.perf_counter() - start
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=25_000)
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "lamina_bench"))
    parser.add_argument("--tf-python", default=None, help="a Python with TensorFlow and Keras")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side (median shown)")
    parser.add_argument("--side", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:  # child process
        print(json.dumps(run_side(args.side, args.folder, args.reviews)))
        return
    folder = make_jpegs(pathlib.Path(args.cache), args.files)
    pythons = {"lamina": sys.executable}
    if args.tf_python:
        pythons["keras + tf.data"] = args.tf_python
    runs: dict = {side: [] for side in pythons}
    for _ in range(args.repeat):  # fresh processes, the sides alternating
        for side, python in pythons.items():
            proc = subprocess.run(
                [
                    python,
                    __file__,
                    "--side",
                    "lamina" if side == "lamina" else "keras",
                    "--folder",
                    str(folder),
                    "--reviews",
                    str(args.reviews),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if lines:
                runs[side].append(json.loads(lines[-1]))
            else:
                print(f"{side} side failed:\n" + proc.stderr[-2000:], file=sys.stderr)
    results = {
        side: {row: float(np.median([r[row] for r in rs])) for row in rs[0]}
        for side, rs in runs.items()
        if rs
    }
    sides = list(results)
    print(
        f"\n{args.files} JPEG files 256x256 -> {IMAGE_SIZE}, batch 32; {args.reviews} reviews; "
        f"median of {args.repeat} runs per side\n"
    )
    print("| row | unit | " + " | ".join(sides) + " |")
    print("|---|---|" + "---|" * len(sides))
    units = {
        "decode": "images/s",
        "fit": "images/s",
        "fit (arrays)": "images/s",
        "adapt": "s",
        "vectorize": "s",
    }
    for row, unit in units.items():
        cells = " | ".join(f"{results[s][row]:.1f}" for s in sides)
        print(f"| {row} | {unit} | {cells} |")


if __name__ == "__main__":
    main()
