"""`.weights.h5` files shared both ways between lamina and real Keras 3 (JAX backend).

The same architecture is built in both libraries; one side trains a step and saves, the other
loads. Predictions and optimizer state must match, and both writers must produce the same HDF5
tree (group and dataset paths, `name` attributes, shapes and dtypes).
"""

import json
import os

import h5py
import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

ATOL = 1e-6


# ------------------------------------------------------------------------------------ models
# Every name is explicit: both libraries number automatic names per process, so counts would
# depend on which tests ran before.
def _sequential(lib):
    model = lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(8, activation="relu", name="d1"),
            lib.layers.Dropout(0.1, name="dropout"),
            lib.layers.Dense(3, activation="softmax", name="out"),
        ],
        name="seq",
    )
    model.compile(optimizer=lib.optimizers.Adam(0.01, name="adam"), loss="categorical_crossentropy")
    return model


def _functional(lib):
    a = lib.Input((5,), name="a")
    b = lib.Input((5,), name="b")
    shared = lib.layers.Dense(4, name="shared")
    sa, sb = shared(a), shared(b)
    added = lib.layers.Add(name="add")([sa, sb])
    joined = lib.layers.Concatenate(name="cat")([sa, sb])
    cls = lib.layers.Dense(2, activation="softmax", name="cls")(added)
    reg = lib.layers.Dense(1, name="reg")(joined)
    model = lib.Model([a, b], [cls, reg], name="fn")
    model.compile(
        optimizer=lib.optimizers.SGD(0.05, momentum=0.9, name="sgd"),
        loss=["categorical_crossentropy", "mse"],
    )
    return model


def _subclassed(lib):
    """Public attributes, a list, the `layers` list and a private attribute (contract 7.3)."""

    class Net(lib.Model):
        def __init__(self):
            super().__init__(name="m")
            self.alpha = lib.layers.Dense(4, name="alpha")
            self.zeta = lib.layers.Dense(4, name="zeta")
            self._hidden = lib.layers.Dense(4, name="hidden")
            self.blocks = [lib.layers.Dense(4, name="b0"), lib.layers.Dense(2, name="b1")]

        def call(self, x):
            x = self._hidden(self.zeta(self.alpha(x)))
            for block in self.blocks:
                x = block(x)
            return x

    model = Net()
    model.compile(optimizer=lib.optimizers.Adam(0.01, name="adam"), loss="mse")
    return model


def _nested(lib):
    """A custom layer holding sublayers and its own weight, and a Sequential inside a graph."""

    class Block(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = [lib.layers.Dense(4, name="i1"), lib.layers.Dense(4, name="i2")]
            self.proj = lib.layers.Dense(3, name="p")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            for layer in self.inner:
                x = layer(x)
            return self.proj(x) * self.scale

    inner = lib.Sequential([lib.layers.Dense(5, activation="tanh", name="s1")], name="inner")
    a = lib.Input((6,), name="a")
    model = lib.Model(a, Block(name="blk")(inner(a)), name="fn")
    model.compile(optimizer=lib.optimizers.Adam(0.01, name="adam"), loss="mse")
    return model


BUILDERS = {
    "sequential": _sequential,
    "functional": _functional,
    "subclassed": _subclassed,
    "nested": _nested,
}
KINDS = list(BUILDERS)


def _data(kind):
    rng = np.random.default_rng(7)
    if kind == "functional":
        x = [rng.normal(size=(16, 5)).astype("float32") for _ in range(2)]
        y = [
            np.eye(2, dtype="float32")[rng.integers(0, 2, size=16)],
            rng.normal(size=(16, 1)).astype("float32"),
        ]
        return x, y
    if kind == "sequential":
        x = rng.normal(size=(16, 4)).astype("float32")
        return x, np.eye(3, dtype="float32")[rng.integers(0, 3, size=16)]
    width_in, width_out = {"subclassed": (3, 2), "nested": (6, 3)}[kind]
    x = rng.normal(size=(16, width_in)).astype("float32")
    return x, rng.normal(size=(16, width_out)).astype("float32")


def _trained(lib, kind):
    model = BUILDERS[kind](lib)
    x, y = _data(kind)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    return model


def _fresh(lib, kind):
    """An untrained model of the same architecture, built, with its optimizer built."""
    model = BUILDERS[kind](lib)
    x, _ = _data(kind)
    model(x)
    model.optimizer.build(model.trainable_variables)
    return model


def _predictions(model, kind):
    x, _ = _data(kind)
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def _optimizer_values(model):
    return [np.asarray(v) for v in model.optimizer.variables]


def _assert_same_state(source, target, kind):
    for got, want in zip(_predictions(target, kind), _predictions(source, kind)):
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=0)
    got, want = _optimizer_values(target), _optimizer_values(source)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, i
        np.testing.assert_allclose(g, w, atol=ATOL, rtol=0, err_msg=f"optimizer variable {i}")


def _structure(path):
    """Every group and dataset of an HDF5 file: path -> attributes, shapes and dtypes."""
    found = {}

    def visit(name, node):
        if isinstance(node, h5py.Group):
            found[name] = ("group", dict(node.attrs))
        else:
            found[name] = ("dataset", node.shape, str(node.dtype), dict(node.attrs))

    with h5py.File(path, "r") as f:
        assert dict(f.attrs) == {}
        f.visititems(visit)
    return found


# ------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("kind", KINDS)
def test_keras_saves_lamina_loads(kind, tmp_path):
    path = str(tmp_path / "k.weights.h5")
    source = _trained(keras, kind)
    source.save_weights(path)
    target = _fresh(lamina, kind)
    target.load_weights(path)
    _assert_same_state(source, target, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_lamina_saves_keras_loads(kind, tmp_path):
    path = str(tmp_path / "l.weights.h5")
    source = _trained(lamina, kind)
    source.save_weights(path)
    target = _fresh(keras, kind)
    target.load_weights(path)
    _assert_same_state(source, target, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_same_hdf5_tree(kind, tmp_path):
    paths = {}
    for name, lib in (("keras", keras), ("lamina", lamina)):
        paths[name] = str(tmp_path / f"{name}.weights.h5")
        _trained(lib, kind).save_weights(paths[name])
    ours, theirs = _structure(paths["lamina"]), _structure(paths["keras"])
    assert sorted(ours) == sorted(theirs)
    assert ours == theirs


def test_lamina_loads_keras_archive(tmp_path):
    """`load_weights` reads the weights member of a `.keras` file."""
    path = str(tmp_path / "k.keras")
    source = _trained(keras, "sequential")
    source.save(path)
    target = _fresh(lamina, "sequential")
    target.load_weights(path)
    _assert_same_state(source, target, "sequential")


def test_keras_loads_lamina_file_without_optimizer(tmp_path):
    """An uncompiled lamina model writes no `optimizer` group; Keras loads its layers."""
    path = str(tmp_path / "plain.weights.h5")
    source = _trained(lamina, "sequential")
    plain = lamina.Sequential([lamina.Input((4,))] + source.layers, name="plain")
    plain.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "optimizer" not in f
    target = _fresh(keras, "sequential")
    target.load_weights(path)
    for got, want in zip(_predictions(target, "sequential"), _predictions(source, "sequential")):
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=0)


SHARD = 600 / 1024**3  # GiB: small enough that every model spans several shards


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_sharded_files_both_ways(kind, tmp_path):
    for writer, reader in ((keras, lamina), (lamina, keras)):
        directory = tmp_path / writer.__name__
        directory.mkdir()
        index = str(directory / "m.weights.json")
        source = _trained(writer, kind)
        source.save_weights(index, max_shard_size=SHARD)
        target = _fresh(reader, kind)
        target.load_weights(index)
        _assert_same_state(source, target, kind)


def test_sharded_index_matches_keras(tmp_path):
    indexes = {}
    for lib in (keras, lamina):
        (tmp_path / lib.__name__).mkdir()
        path = tmp_path / lib.__name__ / "m.weights.json"
        _trained(lib, "sequential").save_weights(str(path), max_shard_size=SHARD)
        indexes[lib.__name__] = json.loads(path.read_text())
    assert indexes["lamina"] == indexes["keras"]
    assert sorted(os.listdir(tmp_path / "lamina")) == sorted(os.listdir(tmp_path / "keras"))
