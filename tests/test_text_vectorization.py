"""TextVectorization against hand-computed expectations from Keras's documented algorithm.

Keras 3.15 cannot create TextVectorization without TensorFlow, so the oracle is the algorithm
Keras's source runs: ASCII lowercasing (tf.strings.lower), removal of ASCII punctuation, split on
whitespace, n-grams of each width joined by a space, vocabulary ordered by count with ties going
to the larger token (np.lexsort(...)[::-1]), idf = log(1 + docs / (1 + document count)) with the
mean for the OOV slot, "" at index 0 and "[UNK]" at index 1 in "int" mode.
"""

import zipfile

import numpy as np
import pytest

import lamina
from lamina.layers import TextVectorization

CORPUS = ["The cat sat on the mat.", "The dog ate my homework!", "THE END, the end?", "Émile"]


def test_adapt_vocabulary_and_ids():
    layer = TextVectorization()
    layer.adapt(CORPUS)
    # the:5, end:2, then count-1 tokens from the largest down; É is not lowercased (ASCII only).
    assert layer.get_vocabulary() == [
        "",
        "[UNK]",
        "the",
        "end",
        "Émile",
        "sat",
        "on",
        "my",
        "mat",
        "homework",
        "dog",
        "cat",
        "ate",
    ]
    assert layer.vocabulary_size() == 13
    ids = np.asarray(layer(["the cat and the dog", "end"]))
    assert ids.dtype == np.int32
    assert ids.tolist() == [[2, 11, 1, 2, 10], [3, 0, 0, 0, 0]]
    fixed = TextVectorization(output_sequence_length=3, vocabulary=["the", "cat"])
    assert np.asarray(fixed(np.array([["the cat the cat"], ["x"]]))).tolist() == [
        [2, 3, 2],
        [1, 0, 0],
    ]


def test_max_tokens_ngrams_and_modes():
    layer = TextVectorization(max_tokens=5, ngrams=2, output_mode="count")
    layer.adapt(np.array(["a b a", "a b"]))
    # 1-grams then 2-grams: a:3, b:2, "a b":2, "b a":1; "[UNK]" takes index 0.
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "a b", "b a"]
    assert np.asarray(layer(["a b c"])).tolist() == [[2.0, 1.0, 1.0, 1.0, 0.0]]
    multi = TextVectorization(output_mode="multi_hot", vocabulary=["a", "b"])
    assert np.asarray(multi(["a a z"])).tolist() == [[1.0, 1.0, 0.0]]
    padded = TextVectorization(
        output_mode="multi_hot", vocabulary=["a"], max_tokens=5, pad_to_max_tokens=True
    )
    assert np.asarray(padded(["a"])).shape == (1, 5)
    chars = TextVectorization(split="character", standardize=None)
    chars.adapt(["aab"])
    assert chars.get_vocabulary() == ["", "[UNK]", "a", "b"]
    whole = TextVectorization(split=None, standardize="lower")
    whole.adapt(["New York", "new york", "Paris"])
    assert whole.get_vocabulary() == ["", "[UNK]", "new york", "paris"]
    assert np.asarray(whole(["PARIS", "Rome"])).tolist() == [3, 1]


def test_tf_idf():
    layer = TextVectorization(output_mode="tf_idf")
    docs = ["a a b", "a c", "c c c"]
    layer.adapt(docs)
    vocab = layer.get_vocabulary()
    assert vocab == ["[UNK]", "c", "a", "b"]
    df = {"c": 2, "a": 2, "b": 1}
    idf = {t: np.log(1 + 3 / (1 + df[t])) for t in df}
    unk = np.mean(list(idf[t] for t in vocab[1:]))
    out = np.asarray(layer(["a a c z"]))
    np.testing.assert_allclose(out, [[unk, idf["c"], 2 * idf["a"], 0.0]], rtol=1e-6)
    given = TextVectorization(output_mode="tf_idf", vocabulary=["x", "y"], idf_weights=[0.5, 2.0])
    np.testing.assert_allclose(np.asarray(given(["y y q"])), [[1.25, 0.0, 4.0]], rtol=1e-6)


def test_callables_and_datasets():
    layer = TextVectorization(
        standardize=lambda s: np.char.replace(np.char.lower(s), "-", " "),
        split=lambda s: [t.split(" ") for t in s],
    )
    layer.adapt(lamina.utils.Dataset.from_tensor_slices(["Well-known", "well"]).batch(1))
    assert layer.get_vocabulary() == ["", "[UNK]", "well", "known"]
    with pytest.raises(ValueError, match="texts only"):
        layer.adapt(lamina.utils.Dataset.from_tensor_slices((["a"], [1])).batch(1))
    ds = lamina.utils.Dataset.from_tensor_slices((["well known", "x"], [0, 1])).batch(2)
    x, y = next(iter(ds.map(lambda t, label: (layer(t), label))))
    assert x.tolist() == [[2, 3], [1, 0]] and y.tolist() == [0, 1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="output_mode"):
        TextVectorization(output_mode="bag")
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ngrams"):
        TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="static vocabulary"):
        TextVectorization(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(TypeError, match="expects strings"):
        TextVectorization(vocabulary=["a"])(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="expects string inputs"):
        TextVectorization(vocabulary=["a"])(lamina.Input((1,)))


def test_config_and_keras_file_layout(tmp_path):
    layer = TextVectorization(max_tokens=10, ngrams=(1, 2), output_sequence_length=4)
    layer.adapt(["a b", "b c"])
    config = layer.get_config()
    assert config["vocabulary"] is None and config["vocabulary_size"] == len(layer.get_vocabulary())
    assert config["ngrams"] == (1, 2) and config["standardize"] == "lower_and_strip_punctuation"
    clone = TextVectorization.from_config(config)
    clone.set_vocabulary(layer.get_vocabulary())
    assert clone.get_vocabulary() == layer.get_vocabulary()

    @lamina.saving.register_keras_serializable(package="test16")
    class Classifier(lamina.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.vectorize = TextVectorization(output_mode="tf_idf", max_tokens=6)
            self.dense = lamina.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    model = Classifier()
    model.vectorize.adapt(["a b b", "c c c a"])
    model(np.zeros((1, 4), "float32"))
    model.save(tmp_path / "m.keras")
    names = zipfile.ZipFile(tmp_path / "m.keras").namelist()
    # Keras's layout: the layer's assets, and those of its `_lookup_layer` attribute.
    assert "assets/layers/text_vectorization/vocabulary.txt" in names
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in names
    text = zipfile.ZipFile(tmp_path / "m.keras").read(
        "assets/layers/text_vectorization/vocabulary.txt"
    )
    assert text == b"[UNK]\nc\nb\na"
    for source in (tmp_path / "m.keras",):
        loaded = lamina.saving.load_model(source)
        assert loaded.vectorize.get_vocabulary() == ["[UNK]", "c", "b", "a"]
        np.testing.assert_allclose(
            np.asarray(loaded.vectorize(["a c"])), np.asarray(model.vectorize(["a c"]))
        )
    model.save(tmp_path / "d", zipped=False)
    assert (tmp_path / "d/assets/layers/text_vectorization/vocabulary.txt").exists()
    assert lamina.saving.load_model(tmp_path / "d").vectorize.get_vocabulary()[1] == "c"


def _recorded_corpus() -> list[str]:
    # The corpus of tests/data/make_text_vectorization_keras_tf.py.
    rng = np.random.RandomState(3)
    words = np.array([f"w{i}" for i in range(400)] + ["The", "cat's", "DOG!", "end.", "é"])
    texts = []
    for n in rng.randint(3, 25, 120):
        texts.append(" ".join(words[np.minimum(rng.zipf(1.3, n) - 1, len(words) - 1)]))
    return texts + ["Héllo, WORLD! it's a test-case.", "ÉCOLE école", "tab\tsep\nnew  line"]


def test_equal_to_keras_on_tensorflow():
    """Vocabularies and outputs recorded from Keras 3.15 + TensorFlow 2.20 (see tests/data)."""
    import json
    import pathlib

    path = pathlib.Path(__file__).parent / "data" / "text_vectorization_keras_tf.json"
    texts = _recorded_corpus()
    for record in json.loads(path.read_text(encoding="utf-8")):
        layer = TextVectorization(**record["kwargs"])
        layer.adapt(np.array(texts))
        assert layer.get_vocabulary() == record["vocabulary"], record["kwargs"]
        np.testing.assert_allclose(
            np.asarray(layer(np.array(texts[-12:]))), record["values"], rtol=1e-5, atol=1e-5
        )


def test_whitespace_split_fast_path_keeps_ascii_whitespace_rules():
    # TensorFlow splits on ASCII whitespace only: \x1c and a no-break space stay in tokens.
    layer = TextVectorization(standardize=None, vocabulary=["a\x1cb", "c", "é\xa0d", "x"])
    out = np.asarray(layer(np.array(["a\x1cb  c\tx", "é\xa0d x\n", "x"])))
    assert out.tolist() == [[2, 3, 5], [4, 5, 0], [5, 0, 0]]


def test_adapt_split_rules_and_truncation_match_the_per_text_path():
    # adapt's one-pass count and call's batched lookup give what the per-text reference gives:
    # ASCII-whitespace tokens (\x1c and no-break spaces stay inside tokens), rows cut at
    # output_sequence_length, padding with 0 and [UNK] as 1.
    texts = ["b a\x1cb a", "C c c\xa0d, b!", "a b c d e f g h", ""]
    layer = TextVectorization(output_sequence_length=5)
    layer.adapt(np.array(texts))
    vocabulary = ["", "[UNK]", "c", "b", "a", "h", "g", "f", "e", "d", "c\xa0d", "a\x1cb"]
    assert layer.get_vocabulary() == vocabulary
    out = np.asarray(layer(np.array(texts + ["zz a"])))
    assert out.dtype == np.int32
    assert out.tolist() == [
        [3, 11, 4, 0, 0],
        [2, 2, 10, 3, 0],
        [4, 3, 2, 9, 8],
        [0, 0, 0, 0, 0],
        [1, 4, 0, 0, 0],
    ]


def test_adapt_over_many_texts_counts_across_chunks():
    # adapt standardizes and counts ~1k texts at a time: counts from every chunk add up, so the
    # vocabulary is the one a plain count over all texts gives (count desc, then token desc).
    import collections

    from lamina.layers.preprocessing import text_vectorization as tv

    rng = np.random.RandomState(0)
    words = np.array([f"W{i}," for i in range(300)])
    texts = [" ".join(words[rng.randint(0, 300, rng.randint(1, 9))]) for _ in range(2 * 1024 + 7)]
    assert len(texts) > 2 * tv._ADAPT_CHUNK
    counts = collections.Counter(" ".join(texts).lower().replace(",", "").split())
    expected = sorted(counts, key=lambda t: (counts[t], t), reverse=True)[:48]
    layer = TextVectorization(max_tokens=50)
    layer.adapt(np.array(texts))
    assert layer.get_vocabulary() == ["", "[UNK]", *expected]
