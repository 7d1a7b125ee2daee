"""`save_weights` / `load_weights`: round trips, the Keras 3 file layout, atomic writes, and loads
that fail without changing any weight."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import lamina as keras
from lamina.saving.weights_store import WeightsStore
from lamina.saving.weights_walk import snake_case, walk

ATOL = 1e-6


# --------------------------------------------------------------------------------- helpers
def _mlp(units=(8, 3), name="seq", dropout=True):
    layers = [keras.Input((4,))]
    for i, n in enumerate(units):
        layers.append(keras.layers.Dense(n, activation="relu", name=f"d{i}"))
        if dropout and i == 0:
            layers.append(keras.layers.Dropout(0.2, name="drop"))
    return keras.Sequential(layers, name=name)


def _functional():
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    shared = keras.layers.Dense(4, name="shared")
    sa, sb = shared(a), shared(b)
    cls = keras.layers.Dense(2, name="cls")(keras.layers.Add(name="add")([sa, sb]))
    reg = keras.layers.Dense(1, name="reg")(keras.layers.Concatenate(name="cat")([sa, sb]))
    return keras.Model([a, b], [cls, reg], name="fn")


class Net(keras.Model):
    """The subclassed model of contract 7.3: attributes alpha, blocks, zeta and _hidden."""

    def __init__(self):
        super().__init__(name="m")
        self.alpha = keras.layers.Dense(4, name="alpha")
        self.zeta = keras.layers.Dense(4, name="zeta")
        self._hidden = keras.layers.Dense(4, name="hidden")
        self.blocks = [keras.layers.Dense(4, name="b0"), keras.layers.Dense(2, name="b1")]

    def call(self, x):
        x = self._hidden(self.zeta(self.alpha(x)))
        for block in self.blocks:
            x = block(x)
        return x


def _subclassed():
    model = Net()
    model(np.zeros((1, 3), "float32"))
    return model


def _inputs(kind, n=8, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "functional":
        return [rng.normal(size=(n, 5)).astype("float32") for _ in range(2)]
    return rng.normal(size=(n, 3 if kind == "subclassed" else 4)).astype("float32")


MAKERS = {"sequential": _mlp, "functional": _functional, "subclassed": _subclassed}


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def _randomize(model, seed=1):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])


def _same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _tree(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, node: found.__setitem__(
                name, dict(node.attrs) if isinstance(node, h5py.Group) else node.shape
            )
        )
    return found


# --------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("kind", list(MAKERS))
def test_round_trip_gives_identical_predictions(kind, tmp_path):
    path = str(tmp_path / "w.weights.h5")
    source = MAKERS[kind]()
    _randomize(source)
    source.save_weights(path)
    target = MAKERS[kind]()
    assert not _same_weights(source.get_weights(), target.get_weights())
    target.load_weights(path)
    assert _same_weights(source.get_weights(), target.get_weights())
    x = _inputs(kind)
    for got, want in zip(_predict(target, x), _predict(source, x)):
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=0)


def test_module_functions_are_exported(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    model = _mlp()
    keras.saving.save_weights(model, path)
    other = _mlp()
    keras.saving.load_weights(other, path)
    assert _same_weights(model.get_weights(), other.get_weights())


def test_optimizer_state_round_trip_resumes_training(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 3)).astype("float32")

    def make():
        model = _mlp(dropout=False)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return model

    source = make()
    source.fit(x, y, batch_size=8, epochs=2, verbose=0)
    source.save_weights(path)
    target = make()  # compiled, optimizer not built: load_weights builds it to take the state
    target.load_weights(path)
    assert int(np.asarray(target.optimizer.iterations)) == 8
    for a, b in zip(source.optimizer.variables, target.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    source.train_on_batch(x[:8], y[:8])
    target.train_on_batch(x[:8], y[:8])
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=0)


def test_uncompiled_model_loads_file_with_optimizer_state(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    source = _mlp()
    source.compile(optimizer="adam", loss="mse")
    source.fit(_inputs("sequential"), np.zeros((8, 3), "float32"), verbose=0)
    source.save_weights(path)
    target = _mlp()
    target.load_weights(path)
    assert _same_weights(source.get_weights(), target.get_weights())


# --------------------------------------------------------------------------------- file layout
def test_sequential_layout_matches_keras_contract(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    model = _mlp()
    model.compile(optimizer=keras.optimizers.Adam(name="adam"), loss="mse")
    model.fit(_inputs("sequential"), np.zeros((8, 3), "float32"), verbose=0)
    model.save_weights(path)
    tree = _tree(path)
    assert tree["vars"] == {"name": "seq"}
    assert tree["layers/dense/vars"] == {"name": "d0"}
    assert tree["layers/dense/vars/0"] == (4, 8)
    assert tree["layers/dropout/vars"] == {"name": "drop"}  # empty, but present and named
    assert tree["layers/dense_1/vars/1"] == (3,)
    assert tree["optimizer/vars"] == {"name": "adam"}
    assert [tree[f"optimizer/vars/{i}"] for i in range(4)] == [(), (), (4, 8), (4, 8)]
    assert not any(k.startswith("layers/input_layer") for k in tree)  # Sequential omits it
    with h5py.File(path, "r") as f:
        assert f["optimizer/vars/0"].dtype == np.int32
        assert dict(f.attrs) == {}


def test_functional_layout_orders_layers_and_includes_inputs(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    _functional().save_weights(path)
    names = {k: v["name"] for k, v in _tree(path).items() if k.endswith("vars")}
    assert names == {
        "vars": "fn",
        "layers/input_layer/vars": "a",
        "layers/input_layer_1/vars": "b",
        "layers/dense/vars": "shared",
        "layers/dense_1/vars": "cls",
        "layers/dense_2/vars": "reg",
        "layers/add/vars": "add",
        "layers/concatenate/vars": "cat",
    }


def test_subclassed_layout_follows_attribute_order():
    model = _subclassed()
    paths = {path: obj.name for path, obj in walk(model)}
    # alpha and blocks come before `layers` alphabetically; zeta and _hidden are first reached
    # through the `layers` list, whose counter also counts the layers saved before.
    assert paths == {
        "": "m",
        "alpha": "alpha",
        "blocks/dense": "b0",
        "blocks/dense_1": "b1",
        "layers/dense_1": "zeta",
        "layers/dense_2": "hidden",
    }


def test_walk_nested_containers_and_custom_layers():
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = [keras.layers.Dense(2, name="i1"), [keras.layers.Dense(2, name="i2")]]
            self.table = {"x": keras.layers.Dense(2, name="t")}
            self.proj = keras.layers.Dense(2, name="p")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            x = self.inner[1][0](self.inner[0](x))
            return self.proj(self.table["x"](x)) * self.scale

    model = keras.Sequential([keras.Input((3,)), Block(name="blk")], name="s")
    paths = {path: obj.name for path, obj in walk(model)}
    assert paths == {
        "": "s",
        "layers/block": "blk",
        "layers/block/inner/dense": "i1",
        "layers/block/inner/container/dense": "i2",
        "layers/block/proj": "p",
        "layers/block/table/dense": "t",
    }


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Dense", "dense"),
        ("BatchNormalization", "batch_normalization"),
        ("Conv2DTranspose", "conv2d_transpose"),
        ("LSTM", "lstm"),
        ("InputLayer", "input_layer"),
    ],
)
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_bfloat16_values_round_trip_with_keras_tag(tmp_path):
    path = str(tmp_path / "b.weights.h5")
    values = np.arange(6, dtype="float32").reshape(2, 3).astype(np.dtype("bfloat16"))
    store = WeightsStore.open(path, "w")
    store.make("layers/dense", {"name": "d"})["0"] = values
    store.close()
    with h5py.File(path, "r") as f:
        assert f["layers/dense/vars/0"].attrs["dtype"] == "bfloat16"
    store = WeightsStore.open(path, "r")
    entry = store.get("layers/dense")
    store.close()
    assert entry.found and entry.name == "d"
    assert entry["0"].dtype == values.dtype
    np.testing.assert_array_equal(entry["0"].astype("float32"), values.astype("float32"))


# --------------------------------------------------------------------------------- atomic write
def test_failed_write_keeps_previous_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = str(tmp_path / "w.weights.h5")
    _mlp().save_weights(path)
    before = open(path, "rb").read()
    calls = {"n": 0}
    original = h5py.Group.create_dataset

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", failing)
    with pytest.raises(OSError, match="simulated"):
        _mlp(units=(16, 3)).save_weights(path)
    monkeypatch.undo()
    assert calls["n"] == 3
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["w.weights.h5"]


def test_overwrite_false_refuses_existing_file(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    model = _mlp()
    model.save_weights(path)
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save_weights(path, overwrite=False)
    model.save_weights(path, overwrite=True)


# --------------------------------------------------------------------------------- failed loads
def test_wrong_shape_changes_nothing_and_names_the_path(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    _mlp(units=(8, 3)).save_weights(path)
    target = _mlp(units=(8, 5))  # first layer fits, the second does not
    before = target.get_weights()
    with pytest.raises(ValueError) as info:
        target.load_weights(path)
    message = str(info.value)
    assert "layers/dense_1/vars/0" in message
    assert "(8, 5)" in message and "(8, 3)" in message
    assert "No weights were changed" in message
    assert _same_weights(before, target.get_weights())


def test_model_with_more_layers_than_file(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    _mlp(units=(8, 3)).save_weights(path)
    target = _mlp(units=(8, 3, 2))
    before = target.get_weights()
    with pytest.raises(ValueError, match="no group 'layers/dense_2/vars'"):
        target.load_weights(path)
    assert _same_weights(before, target.get_weights())


def test_file_with_more_layers_than_model(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    _mlp(units=(8, 3, 2)).save_weights(path)
    target = _mlp(units=(8, 3))
    before = target.get_weights()
    with pytest.raises(ValueError, match="layers/dense_2/vars.*no object at that path"):
        target.load_weights(path)  # the two layers that fit are not loaded either
    assert _same_weights(before, target.get_weights())


def test_skip_mismatch_loads_what_fits(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    source = _mlp(units=(8, 3))
    source.save_weights(path)
    target = _mlp(units=(8, 5))
    old_last = target.layers[-1].get_weights()
    with pytest.warns(UserWarning, match="layers/dense_1/vars"):
        target.load_weights(path, skip_mismatch=True)
    assert _same_weights(source.layers[0].get_weights(), target.layers[0].get_weights())
    assert _same_weights(old_last, target.layers[-1].get_weights())


def test_custom_load_failing_halfway_rolls_back(tmp_path):
    class Fragile(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

        def load_own_variables(self, store):
            self.w.assign(store["0"])
            raise RuntimeError("corrupt payload")

    def make():
        return keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(4, name="d"), Fragile(name="f")], name="s"
        )

    path = str(tmp_path / "w.weights.h5")
    source = make()
    _randomize(source)
    source.save_weights(path)
    target = make()
    before = target.get_weights()
    with pytest.raises(RuntimeError, match="corrupt"):
        target.load_weights(path)
    assert _same_weights(before, target.get_weights())


def test_optimizer_count_mismatch_only_warns(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    source = _mlp(dropout=False)
    source.compile(optimizer="sgd", loss="mse")
    source.save_weights(path)  # sgd without momentum: iteration and learning rate only
    target = _mlp(dropout=False)
    target.compile(optimizer="adam", loss="mse")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        target.load_weights(path)
    assert _same_weights(source.get_weights(), target.get_weights())


def test_unbuilt_model_is_refused(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    _mlp().save_weights(path)
    unbuilt = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="build the model first"):
        unbuilt.load_weights(path)
    with pytest.raises(ValueError, match="build the model first"):
        unbuilt.save_weights(path)


def test_missing_and_foreign_files(tmp_path):
    model = _mlp()
    with pytest.raises(FileNotFoundError):
        model.load_weights(str(tmp_path / "nope.weights.h5"))
    junk = tmp_path / "junk.weights.h5"
    junk.write_text("not hdf5")
    with pytest.raises(ValueError, match="neither HDF5"):
        model.load_weights(str(junk))
    legacy = tmp_path / "legacy.h5"
    with h5py.File(legacy, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
    with pytest.raises(ValueError, match="Keras 2"):
        model.load_weights(str(legacy))


def test_loads_weights_member_of_keras_archive(tmp_path):
    h5 = str(tmp_path / "w.weights.h5")
    source = _mlp()
    _randomize(source)
    source.save_weights(h5)
    archive = str(tmp_path / "model.keras")
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", "{}")
        z.write(h5, "model.weights.h5")
    target = _mlp()
    target.load_weights(archive)
    assert _same_weights(source.get_weights(), target.get_weights())
    bare = str(tmp_path / "bare.keras")
    with zipfile.ZipFile(bare, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="model.weights.h5"):
        target.load_weights(bare)


# --------------------------------------------------------------------------------- file names
@pytest.mark.parametrize("name", ["model.keras", "weights.txt", "ckpt.data-00000"])
def test_other_suffixes_raise(name, tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        _mlp().save_weights(str(tmp_path / name))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["weights/my_model", "my_model.h5"])
def test_tf_guide_names_are_accepted_with_a_warning(name, tmp_path):
    path = str(tmp_path / name)  # `weights/` does not exist yet, as in the TF guide
    source = _mlp()
    _randomize(source)
    with pytest.warns(UserWarning, match=r"\.weights\.h5"):
        source.save_weights(path)
    with h5py.File(path, "r") as f:
        assert f["vars"].attrs["name"] == "seq"
    target = _mlp()
    target.load_weights(path)
    assert _same_weights(source.get_weights(), target.get_weights())


def test_save_format(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match="save_format"):
        model.save_weights(str(tmp_path / "m"), save_format="tf")
    with pytest.warns(UserWarning):
        model.save_weights(str(tmp_path / "m.h5"), save_format="h5")
    assert os.path.exists(tmp_path / "m.h5")


def test_pathlike_and_in_memory_reading(tmp_path):
    path = tmp_path / "w.weights.h5"
    model = _mlp()
    model.save_weights(path)
    data = path.read_bytes()
    store = WeightsStore.open(io.BytesIO(data), "r")
    assert sorted(p for p, _ in store.vars_paths()) == [
        "",
        "layers/dense",
        "layers/dense_1",
        "layers/dropout",
    ]
    store.close()


# --------------------------------------------------------------------------------- sharded
def test_sharded_round_trip(tmp_path):
    index = str(tmp_path / "m.weights.json")
    source = _mlp(units=(64, 3), dropout=False)
    source.compile(optimizer="adam", loss="mse")
    source.fit(_inputs("sequential"), np.zeros((8, 3), "float32"), verbose=0)
    source.save_weights(index, max_shard_size=1200 / 1024**3)  # ~1.2 kB per shard
    shards = sorted(f for f in os.listdir(tmp_path) if f.endswith(".weights.h5"))
    assert len(shards) > 2 and shards[0] == "m_00000.weights.h5"
    assert sorted(os.listdir(tmp_path)) == sorted([*shards, "m.weights.json"])  # no temp files
    with open(index) as f:
        weight_map = json.load(f)["weight_map"]
    assert weight_map["/layers/dense/vars"] == ["m_00000.weights.h5", "m_00001.weights.h5"]
    assert any(len(v) > 1 for v in weight_map.values())  # a group spans shards
    assert "/vars" not in weight_map  # empty groups are not indexed
    target = _mlp(units=(64, 3), dropout=False)
    target.compile(optimizer="adam", loss="mse")
    target.load_weights(index)
    assert _same_weights(source.get_weights(), target.get_weights())
    for a, b in zip(source.optimizer.variables, target.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_sharded_names_and_limits(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"\.weights\.json"):
        model.save_weights(str(tmp_path / "m.h5"), max_shard_size=1.0)
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_weights(str(tmp_path / "m.weights.json"))
    with pytest.warns(UserWarning, match="renamed"):
        model.save_weights(str(tmp_path / "x.weights.h5"), max_shard_size=1.0)
    assert os.path.exists(tmp_path / "x.weights.json")
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_weights(str(tmp_path / "y.weights.json"), max_shard_size=16 / 1024**3)
    assert not any(f.startswith((".", "y")) for f in os.listdir(tmp_path))


def test_load_keyword_arguments(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    source = _mlp()
    _randomize(source)
    source.save_weights(path)
    target = _mlp()
    kept = target.layers[0].get_weights()
    target.load_weights(path, objects_to_skip=[target.layers[0]])
    assert _same_weights(kept, target.layers[0].get_weights())
    assert _same_weights(source.layers[-1].get_weights(), target.layers[-1].get_weights())
    with pytest.raises(ValueError, match="by_name"):
        target.load_weights(path, by_name=True)
    with pytest.raises(ValueError, match="Invalid keyword arguments"):
        target.load_weights(path, mystery=1)
