"""Property-based loading of damaged `.keras`, `.weights.h5` and JSON config files.

Hypothesis mutates valid files (truncation, bit flips, wrong JSON types, extra and missing keys,
huge shapes, path traversal in zip names, deep nesting). Every load must end in a lamina error of
an ordinary kind (ValueError, TypeError, OSError, KeyError) whose message is lamina's own, or in a
model; never another exception, a hang, code execution, or a half-loaded model. The `slow`
variants run many more examples.
"""

import copy
import io
import itertools
import json
import os
import tempfile
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamina as keras
from lamina.layers import lambda_layer

OK_ERRORS = (ValueError, TypeError, OSError, KeyError)
FAST = settings(
    max_examples=40,
    deadline=5000,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=1000, derandomize=False)

_DIR = tempfile.mkdtemp(prefix="lamina-malformed-")
_COUNTER = itertools.count()
_CACHE: dict = {}


class CodeExecuted(BaseException):
    """Raised if a load ever unmarshals code from a file: nothing may swallow it."""


@pytest.fixture(autouse=True)
def _no_code_execution(monkeypatch):
    class Guard:
        def loads(self, *args, **kwargs):
            raise CodeExecuted("a file made lamina unmarshal code")

        def dumps(self, *args, **kwargs):
            raise CodeExecuted("unexpected marshal.dumps")

    monkeypatch.setattr(lambda_layer, "marshal", Guard())


def _model():
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="d1"), keras.layers.Dense(2, name="d2")],
        name="victim",
    )


def _good():
    """The bytes of a valid `.keras` archive, `.weights.h5` file and JSON config (built once)."""
    if not _CACHE:
        model = _model()
        keras_path = os.path.join(_DIR, "good.keras")
        model.save(keras_path)
        weights_path = os.path.join(_DIR, "good.weights.h5")
        model.save_weights(weights_path)
        with open(keras_path, "rb") as f:
            _CACHE["keras"] = f.read()
        with open(weights_path, "rb") as f:
            _CACHE["weights"] = f.read()
        _CACHE["json"] = model.to_json()
        with zipfile.ZipFile(io.BytesIO(_CACHE["keras"])) as archive:
            _CACHE["members"] = {i.filename: archive.read(i) for i in archive.infolist()}
    return _CACHE


def _path(suffix):
    return os.path.join(_DIR, f"case{next(_COUNTER)}{suffix}")


def _write(data, suffix):
    path = _path(suffix)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _check_error(error, path=None):
    message = str(error)
    assert message, f"{type(error).__name__} without a message"
    assert "jax._src" not in message
    assert "Traceback" not in message
    if path is not None and not isinstance(error, KeyError):
        name = os.path.basename(path)
        assert any(w in message for w in (name, "weights", "config", "HDF5")), message


def _load_model(path, **kwargs):
    try:
        model = keras.models.load_model(path, **kwargs)
    except OK_ERRORS as e:
        _check_error(e, path)
        return None
    assert isinstance(model, keras.Model)
    return model


def _load_weights_or_nothing(path):
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    try:
        model.load_weights(path)
    except OK_ERRORS as e:
        _check_error(e, path)
        after = model.get_weights()
        for b, a in zip(before, after):
            np.testing.assert_array_equal(a, b, err_msg="a failed load_weights changed weights")
        return False
    return True


# ----------------------------------------------------------------------------- byte mutations
def _byte_mutation():
    return st.one_of(
        st.tuples(st.just("truncate"), st.floats(0.0, 1.0)),
        st.tuples(
            st.just("flip"),
            st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 7)), min_size=1, max_size=8),
        ),
        st.tuples(st.just("garbage"), st.binary(max_size=64)),
    )


def _mutate_bytes(data, mutation):
    kind, arg = mutation
    if kind == "truncate":
        return data[: int(len(data) * arg)]
    if kind == "garbage":
        return arg
    out = bytearray(data)
    for where, bit in arg:
        i = min(int(where * len(out)), len(out) - 1)
        out[i] ^= 1 << bit
    return bytes(out)


# ----------------------------------------------------------------------------- JSON mutations
_WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 10**12, 2**63, 1e308, float("nan")]),
    st.text(max_size=8),
    st.lists(st.integers(-3, 10**9), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.sampled_from(
        [
            {"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__"}}},
            {"module": "os", "class_name": "system", "config": {}},
            "../../etc/passwd",
            [None, 10**9, 10**9],
        ]
    ),
)


def _paths(obj, prefix=()):
    """Every key path inside a JSON value."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


@st.composite
def _json_mutations(draw, base):
    obj = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(obj))
        path = draw(st.sampled_from(paths[1:] or paths))
        op = draw(st.sampled_from(["replace", "delete", "extra", "nest"]))
        if not path:
            obj = copy.deepcopy(draw(_WEIRD))
            continue
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if op == "replace":
            parent[key] = copy.deepcopy(draw(_WEIRD))
        elif op == "delete":
            del parent[key]
        elif op == "extra" and isinstance(parent[key], dict):
            parent[key][draw(st.text(min_size=1, max_size=6))] = copy.deepcopy(draw(_WEIRD))
        else:
            value = parent[key]
            for _ in range(draw(st.sampled_from([3, 30, 200]))):
                value = [value] if draw(st.booleans()) else {"config": value}
            parent[key] = value
    return obj


def _dumps(obj):
    try:
        return json.dumps(obj)
    except (ValueError, RecursionError):
        return "[" * 100_000


# ----------------------------------------------------------------------------- tests
def _keras_bytes_case(mutation):
    _load_model(_write(_mutate_bytes(_good()["keras"], mutation), ".keras"))


def _weights_bytes_case(mutation):
    _load_weights_or_nothing(_write(_mutate_bytes(_good()["weights"], mutation), ".weights.h5"))


def _archive_with(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _keras_config_case(config):
    members = dict(_good()["members"])
    members["config.json"] = _dumps(config).encode()
    _load_model(_write(_archive_with(members), ".keras"))


def _json_case(config):
    _json_case_text(_dumps(config))


def _json_case_text(text):
    try:
        model = keras.models.model_from_json(text)
    except OK_ERRORS as e:
        _check_error(e)
        return
    assert isinstance(model, keras.Model)


_MEMBER_NAMES = st.one_of(
    st.sampled_from(
        [
            "../evil.py",
            "/etc/evil",
            "assets/../../x",
            "..\\evil",
            "C:/evil",
            "assets/ok.txt",
            "model.weights.h5/../config.json",
            "config.json",
        ]
    ),
    st.text(min_size=1, max_size=12).filter(lambda n: not n.endswith("/")),
)


def _member_case(name, data):
    members = dict(_good()["members"])
    members[name] = data
    before = set(os.listdir(os.path.dirname(_DIR)))
    _load_model(_write(_archive_with(members), ".keras"))
    assert not os.path.exists(os.path.join(os.path.dirname(_DIR), "evil.py"))
    assert set(os.listdir(os.path.dirname(_DIR))) <= before | {os.path.basename(_DIR)}


def _h5_case(target, change):
    path = _write(_good()["weights"], ".weights.h5")
    with h5py.File(path, "r+") as f:
        datasets = []
        f.visititems(lambda n, o: datasets.append(n) if isinstance(o, h5py.Dataset) else None)
        groups = []
        f.visititems(lambda n, o: groups.append(n) if isinstance(o, h5py.Group) else None)
        name = datasets[target % len(datasets)]
        if change == "huge":
            del f[name]
            f.create_dataset(name, shape=(10**9, 10**3), dtype="float32", chunks=(1, 8))
        elif change == "string":
            del f[name]
            f[name] = "hello"
        elif change == "scalar":
            del f[name]
            f[name] = 1.0
        elif change == "delete":
            del f[name]
        elif change == "extra":
            f[name + "_extra"] = np.zeros(3)
        elif change == "group":
            del f[name]
            f.create_group(name)
        elif change == "drop_group":
            del f[groups[target % len(groups)]]
        elif change == "attr":
            f.attrs["keras_version"] = np.zeros(3)
    _load_weights_or_nothing(path)


_H5_CHANGES = st.sampled_from(
    ["huge", "string", "scalar", "delete", "extra", "group", "drop_group", "attr"]
)


@FAST
@given(_byte_mutation())
def test_keras_archive_bytes(mutation):
    _keras_bytes_case(mutation)


@FAST
@given(_byte_mutation())
def test_weights_file_bytes(mutation):
    _weights_bytes_case(mutation)


@FAST
@given(st.data())
def test_keras_archive_config(data):
    _keras_config_case(data.draw(_json_mutations(json.loads(_good()["json"]))))


@FAST
@given(st.data())
def test_json_config(data):
    _json_case(data.draw(_json_mutations(json.loads(_good()["json"]))))


@FAST
@given(_MEMBER_NAMES, st.binary(max_size=32))
def test_keras_archive_member_names(name, data):
    _member_case(name, data)


@FAST
@given(st.integers(0, 50), _H5_CHANGES)
def test_weights_file_structure(target, change):
    _h5_case(target, change)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json(depth):
    deep = "[" * depth + "]" * depth
    _json_case_text(deep)
    members = dict(_good()["members"])
    members["config.json"] = deep.encode()
    _load_model(_write(_archive_with(members), ".keras"))


def test_good_files_still_load():
    assert _load_model(_write(_good()["keras"], ".keras")) is not None
    assert _load_weights_or_nothing(_write(_good()["weights"], ".weights.h5"))


@pytest.mark.slow
@SLOW
@given(_byte_mutation(), _byte_mutation())
def test_bytes_many(keras_mutation, weights_mutation):
    _keras_bytes_case(keras_mutation)
    _weights_bytes_case(weights_mutation)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_configs_many(data):
    base = json.loads(_good()["json"])
    _keras_config_case(data.draw(_json_mutations(base)))
    _json_case(data.draw(_json_mutations(base)))


@pytest.mark.slow
@SLOW
@given(_MEMBER_NAMES, st.binary(max_size=32), st.integers(0, 50), _H5_CHANGES)
def test_members_and_structure_many(name, data, target, change):
    _member_case(name, data)
    _h5_case(target, change)
