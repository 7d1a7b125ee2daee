"""Writes text_vectorization_keras_tf.json: Keras 3.15's TextVectorization on TensorFlow 2.20.

Keras needs TensorFlow for this layer, so the test suite cannot run it; this script (run once in
an environment with `tensorflow-cpu==2.20.0` and `keras==3.15.1`) records Keras's vocabularies
and outputs on a fixed corpus, and tests/test_text_vectorization.py compares lamina to them.
"""

import json
import os
import pathlib

os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402


def corpus() -> list[str]:
    """The fixed corpus (the same function is in the test)."""
    rng = np.random.RandomState(3)
    words = np.array([f"w{i}" for i in range(400)] + ["The", "cat's", "DOG!", "end.", "é"])
    texts = []
    for n in rng.randint(3, 25, 120):
        texts.append(" ".join(words[np.minimum(rng.zipf(1.3, n) - 1, len(words) - 1)]))
    return texts + ["Héllo, WORLD! it's a test-case.", "ÉCOLE école", "tab\tsep\nnew  line"]


CASES = [
    {"max_tokens": 60},
    {"max_tokens": 50, "output_sequence_length": 8},
    {"ngrams": 2, "max_tokens": 40, "output_mode": "count"},
    {"output_mode": "tf_idf", "max_tokens": 30},
    {"split": "character", "standardize": "lower", "output_mode": "multi_hot"},
    {"standardize": "strip_punctuation", "max_tokens": 40, "output_sequence_length": 6},
    {"standardize": None, "split": None, "max_tokens": 20},
]

if __name__ == "__main__":
    texts = corpus()
    records = []
    for kwargs in CASES:
        layer = keras.layers.TextVectorization(**kwargs)
        layer.adapt(np.array(texts))
        values = np.asarray(layer(np.array(texts[-12:])))
        records.append(
            {
                "kwargs": kwargs,
                "vocabulary": [str(v) for v in layer.get_vocabulary()],
                "values": np.round(values, 6).tolist(),
            }
        )
    out = pathlib.Path(__file__).with_name("text_vectorization_keras_tf.json")
    out.write_text(json.dumps(records, ensure_ascii=False))
