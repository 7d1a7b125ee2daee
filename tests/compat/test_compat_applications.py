"""keras.applications against real Keras 3: architecture, weights, downloads, preprocessing.

Every architecture is built by both libraries (same arguments, same session naming), must have
the same layer names, classes, configs and parameter count, and - holding the same (perturbed)
weights - the same outputs within 1e-4. Keras builds these graphs slowly, so the default run
checks one small model per kind of block plus the download path; the full list of 40 runs with
`-m slow`.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import threading
import warnings

import numpy as np
import pytest

import lamina
from lamina import applications

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# ------------------------------------------------------------------------------------ helpers
def _build_pair(keras, name, **kwargs):
    keras.backend.clear_session()
    lamina.backend.clear_session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = getattr(keras.applications, name)(**kwargs)
        lm = getattr(applications, name)(**kwargs)
    return km, lm


def _config(layer):
    config = layer.get_config()
    config.pop("name", None)
    return json.loads(json.dumps(config, default=str))


def _same_structure(km, lm):
    assert [layer.name for layer in lm.layers] == [layer.name for layer in km.layers]
    assert [type(layer).__name__ for layer in lm.layers] == [
        type(layer).__name__ for layer in km.layers
    ]
    assert lm.count_params() == km.count_params()
    for k_layer, l_layer in zip(km.layers, lm.layers):
        assert _config(l_layer) == _config(k_layer), k_layer.name
    assert lm.name == km.name


def _perturbed_weights(km, seed=0):
    """Keras's initial weights, perturbed so every weight matters but each layer stays well
    conditioned (deep random stacks otherwise amplify float32 rounding past any tolerance):
    BatchNormalization/Normalization statistics near identity (variances in [0.9, 1.1], small
    means), BN gammas in [0.5, 1], small biases, other weights plus noise in proportion to
    their own spread."""
    rng = np.random.default_rng(seed)
    out = []
    for variable, value in zip(km.weights, km.get_weights()):
        value = np.asarray(value)
        path = variable.path
        leaf = path.rsplit("/", 1)[-1]
        if not np.issubdtype(value.dtype, np.floating):
            new = value
        elif "variance" in leaf:
            new = rng.uniform(0.9, 1.1, value.shape)
        elif "mean" in leaf or leaf in ("beta", "bias"):
            new = rng.normal(0.0, 0.02, value.shape)
        elif leaf == "gamma" and np.all(value == 1.0):  # a normalization's scale
            new = rng.uniform(0.5, 1.0, value.shape)
        else:  # noise in proportion to the weight's own spread keeps activations bounded
            spread = float(value.std()) or 0.05
            new = value + rng.normal(0.0, 0.5 * spread, value.shape)
        out.append(np.asarray(new).astype(value.dtype))
    return out


def _set_weights(km, lm, weights):
    km.set_weights(weights)
    lm.set_weights(weights)
    # Keras's Normalization reads its statistics into constants at `finalize_state`, which its
    # weight loading calls but `set_weights` does not; lamina reads the variables directly.
    for layer in km.layers:
        if hasattr(layer, "finalize_state"):
            layer.finalize_state()


def _same_outputs(km, lm, shape, seed=0):
    _set_weights(km, lm, _perturbed_weights(km, seed))
    x = np.random.default_rng(seed).uniform(0, 255, (2, *shape)).astype("float32")
    expected = np.asarray(km(x, training=False))
    got = np.asarray(lm(x, training=False))
    assert got.shape == expected.shape
    # Within 1e-4 of the output's scale: deep random stacks can reach large magnitudes, where
    # float32 summation order alone moves the last digits.
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got / scale, expected / scale, rtol=0, atol=1e-4)


# ------------------------------------------------------------------------- the architectures
# (builder, kwargs): small inputs keep every graph cheap; the kwargs vary the options.
FAST = [
    ("ResNet50", dict(input_shape=(224, 224, 3), classes=7, weights=None)),
]
ALL = [
    ("VGG16", dict(input_shape=(32, 32, 3), include_top=False, pooling="avg")),
    ("VGG19", dict(input_shape=(32, 32, 3), include_top=False, pooling="max")),
    ("ResNet50", dict(input_shape=(32, 32, 3), include_top=False)),
    ("ResNet101", dict(input_shape=(32, 32, 3), include_top=False)),
    ("ResNet152", dict(input_shape=(32, 32, 3), include_top=False)),
    ("ResNet50V2", dict(input_shape=(32, 32, 3), include_top=False)),
    ("ResNet101V2", dict(input_shape=(32, 32, 3), include_top=False)),
    ("ResNet152V2", dict(input_shape=(32, 32, 3), include_top=False)),
    ("DenseNet121", dict(input_shape=(32, 32, 3), include_top=False)),
    ("DenseNet169", dict(input_shape=(32, 32, 3), include_top=False)),
    ("DenseNet201", dict(input_shape=(32, 32, 3), include_top=False)),
    ("MobileNet", dict(input_shape=(32, 32, 3), include_top=False)),
    ("MobileNetV2", dict(input_shape=(32, 32, 3), include_top=False, alpha=0.35)),
    ("MobileNetV3Small", dict(input_shape=(32, 32, 3), include_top=False)),
    ("MobileNetV3Large", dict(input_shape=(32, 32, 3), include_top=False, minimalistic=True)),
    *[(f"EfficientNetB{i}", dict(input_shape=(32, 32, 3), include_top=False)) for i in range(8)],
    *[
        (f"EfficientNetV2{s}", dict(input_shape=(32, 32, 3), include_top=False))
        for s in ("B0", "B1", "B2", "B3", "S", "M", "L")
    ],
    *[
        (f"ConvNeXt{s}", dict(input_shape=(32, 32, 3), include_top=False))
        for s in ("Tiny", "Small", "Base", "Large", "XLarge")
    ],
    ("InceptionV3", dict(input_shape=(75, 75, 3), include_top=False)),
    ("InceptionResNetV2", dict(input_shape=(75, 75, 3), include_top=False)),
    ("Xception", dict(input_shape=(71, 71, 3), include_top=False)),
    ("NASNetMobile", dict(input_shape=(32, 32, 3), include_top=False)),
    ("NASNetLarge", dict(input_shape=(32, 32, 3), include_top=False)),
]
TOP_224 = [
    ("MobileNetV2", dict(input_shape=(224, 224, 3), classes=10)),
    ("EfficientNetB0", dict(input_shape=(224, 224, 3), classes=10)),
    ("ConvNeXtTiny", dict(input_shape=(224, 224, 3), classes=10)),
]


def _check(keras, name, kwargs):
    kwargs = {"weights": None, **kwargs}
    km, lm = _build_pair(keras, name, **kwargs)
    _same_structure(km, lm)
    _same_outputs(km, lm, kwargs["input_shape"])


@pytest.mark.parametrize("name,kwargs", FAST, ids=[f"{n}" for n, _ in FAST])
def test_architecture_matches_keras(keras, name, kwargs):
    _check(keras, name, kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", ALL, ids=[n for n, _ in ALL])
def test_every_architecture_matches_keras(keras, name, kwargs):
    _check(keras, name, kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", TOP_224, ids=[n for n, _ in TOP_224])
def test_top_at_224_matches_keras(keras, name, kwargs):
    _check(keras, name, kwargs)


def test_the_40_builders_and_family_modules_exist(keras):
    builders = sorted(n for n in dir(keras.applications) if n[0].isupper())
    assert len(builders) == 40
    assert sorted(n for n in applications.__all__ if n[0].isupper()) == builders
    for family in [n for n in dir(keras.applications) if n[0].islower() and n[0] != "_"]:
        k_module = getattr(keras.applications, family)
        l_module = getattr(applications, family)
        public = {n for n in dir(k_module) if not n.startswith("_")}
        assert public <= set(dir(l_module)), family


# --------------------------------------------------------------- one shared small model pair
@pytest.fixture(scope="module")
def v3_pair(keras):
    km, lm = _build_pair(
        keras, "MobileNetV3Small", input_shape=(32, 32, 3), include_top=False, weights=None
    )
    _set_weights(km, lm, _perturbed_weights(km, seed=3))
    return km, lm


def test_mobilenet_v3_small_matches_keras(v3_pair):
    km, lm = v3_pair
    _same_structure(km, lm)
    x = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(lm(x, training=False)), np.asarray(km(x, training=False)), atol=1e-4
    )


def test_keras_file_of_an_application_loads_in_lamina(keras, v3_pair, tmp_path):
    km, _ = v3_pair
    path = str(tmp_path / "v3.keras")
    km.save(path)
    loaded = lamina.saving.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in km.layers]
    x = np.random.default_rng(2).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(loaded(x, training=False)), np.asarray(km(x, training=False)), atol=1e-4
    )


@pytest.mark.slow
def test_lamina_keras_file_of_an_application_loads_in_keras(keras, v3_pair, tmp_path):
    km, lm = v3_pair
    path = str(tmp_path / "v3_lamina.keras")
    lm.save(path)
    loaded = keras.saving.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in lm.layers]
    x = np.random.default_rng(2).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(loaded(x, training=False)), np.asarray(lm(x, training=False)), atol=1e-4
    )


# ------------------------------------------------------------------- weights="imagenet" offline
V3_FILE = "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
V3_KEY = "small_224_1.0_float"


@pytest.fixture(scope="module")
def served(v3_pair, tmp_path_factory):
    """A local HTTP server holding the Keras-written legacy weights file of `v3_pair`."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    km, _ = v3_pair
    root = tmp_path_factory.mktemp("origin")
    with h5py.File(root / V3_FILE, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, km)
    hits = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    md5 = hashlib.md5((root / V3_FILE).read_bytes()).hexdigest()
    yield f"http://127.0.0.1:{server.server_address[1]}/", md5, hits, root / V3_FILE
    server.shutdown()


def test_imagenet_weights_download_hash_cache_and_load(keras, v3_pair, served, monkeypatch,
                                                       tmp_path):  # fmt: skip
    from lamina.applications import mobilenet_v3

    base, md5, hits, source = served
    km, _ = v3_pair
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", base)
    monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, V3_KEY, ("unused", md5))
    hits.clear()
    model = applications.MobileNetV3Small(
        input_shape=(32, 32, 3), include_top=False, weights="imagenet"
    )
    cached = tmp_path / "home" / "models" / V3_FILE
    assert cached.exists() and hits == [f"/{V3_FILE}"]
    x = np.random.default_rng(4).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    # Keras's model loading the very same file:
    keras_model = keras.applications.MobileNetV3Small(
        input_shape=(32, 32, 3), include_top=False, weights=None
    )
    keras_model.load_weights(str(source))
    np.testing.assert_allclose(
        np.asarray(model(x, training=False)),
        np.asarray(keras_model(x, training=False)),
        atol=1e-4,
    )
    np.testing.assert_allclose(
        np.asarray(model(x, training=False)), np.asarray(km(x, training=False)), atol=1e-4
    )
    # A second build takes the cached copy: no new request.
    applications.MobileNetV3Small(input_shape=(32, 32, 3), include_top=False, weights="imagenet")
    assert hits == [f"/{V3_FILE}"]


def test_download_with_a_wrong_hash_is_refused_and_not_kept(served, monkeypatch, tmp_path):
    from lamina.applications import mobilenet_v3

    base, _, _, _ = served
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", base)
    monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, V3_KEY, ("unused", "0" * 32))
    with pytest.raises(ValueError, match="hash"):
        applications.MobileNetV3Small(
            input_shape=(32, 32, 3), include_top=False, weights="imagenet"
        )
    models = tmp_path / "home" / "models"
    assert not models.exists() or os.listdir(models) == []


def test_weights_file_of_another_architecture_names_the_first_misfit(served):
    _, _, _, source = served  # MobileNetV3Small weights
    with pytest.raises(ValueError, match=r"first layer that does not fit is #0, 'conv1'"):
        applications.MobileNet(input_shape=(32, 32, 3), alpha=0.25, include_top=False,
                               weights=str(source))  # fmt: skip


# -------------------------------------------------------------------------------- bad input
def test_imagenet_with_other_classes_is_refused_like_keras(keras):
    for module in (keras.applications, applications):
        with pytest.raises(ValueError, match="`classes` should be 1000"):
            module.ResNet50(weights="imagenet", classes=10)


@pytest.mark.parametrize(
    "name,shape,minimum",
    [
        ("ResNet50", (31, 31, 3), 32),
        ("InceptionV3", (74, 74, 3), 75),
        ("Xception", (70, 70, 3), 71),
    ],
)
def test_input_below_the_minimum_is_refused_like_keras(keras, name, shape, minimum):
    messages = []
    for module in (keras.applications, applications):
        with pytest.raises(ValueError, match=f"at least {minimum}x{minimum}") as info:
            getattr(module, name)(weights=None, include_top=False, input_shape=shape)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_other_argument_errors_match_keras(keras):
    cases = [
        ("VGG16", dict(weights="no/such/file.h5")),
        ("VGG16", dict(weights="imagenet", input_shape=(200, 200, 3))),
        ("VGG16", dict(weights=None, input_shape=(None, None, 3))),
        ("ResNet50", dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1))),
        ("MobileNet", dict(weights="imagenet", alpha=0.3)),
        ("MobileNet", dict(weights="imagenet", depth_multiplier=2)),
        ("MobileNetV3Small", dict(weights="imagenet", alpha=0.5)),
    ]
    for name, kwargs in cases:
        messages = []
        for module in (keras.applications, applications):
            with pytest.raises(ValueError) as info:
                getattr(module, name)(**kwargs)
            messages.append(str(info.value))
        assert messages[1] == messages[0], (name, kwargs)
    # Keras's message shows the function object's repr; lamina shows the name as passed.
    from keras.src.applications import imagenet_utils as keras_imagenet_utils

    for module in (keras_imagenet_utils, applications.imagenet_utils):
        module.validate_activation("softmax", "imagenet")
        module.validate_activation("relu", None)
        with pytest.raises(ValueError, match="Only `None` and `softmax` activations"):
            module.validate_activation("relu", "imagenet")


# ------------------------------------------------------------------------------ preprocessing
@pytest.mark.parametrize(
    "family",
    ["vgg16", "resnet", "resnet_v2", "densenet", "mobilenet", "inception_v3", "xception",
     "efficientnet", "convnext", "mobilenet_v3", "nasnet"],
)  # fmt: skip
def test_preprocess_input_matches_keras(keras, family):
    x = np.random.default_rng(5).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = getattr(keras.applications, family).preprocess_input(x.copy())
    got = getattr(applications, family).preprocess_input(x.copy())
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6, atol=1e-4)
    # tensors, channels_first
    for mode in ("caffe", "tf", "torch"):
        k = keras.applications.imagenet_utils.preprocess_input(
            keras.ops.convert_to_tensor(x.transpose(0, 3, 1, 2)), "channels_first", mode
        )
        got = applications.imagenet_utils.preprocess_input(
            lamina.ops.convert_to_tensor(x.transpose(0, 3, 1, 2)), "channels_first", mode
        )
        np.testing.assert_allclose(np.asarray(got), np.asarray(k), rtol=1e-6, atol=1e-4)


def test_preprocess_and_decode_errors_match_keras(keras):
    for module in (keras.applications.imagenet_utils, applications.imagenet_utils):
        with pytest.raises(ValueError, match="Expected mode to be one of"):
            module.preprocess_input(np.zeros((1, 2, 2, 3)), mode="bgr")
        with pytest.raises(ValueError, match="Expected data_format"):
            module.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="nhwc")
        with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
            module.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_reads_the_cached_class_index(monkeypatch, tmp_path):
    from lamina.applications import imagenet_utils

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", index)
    preds = np.zeros((1, 1000), "float32")
    preds[0, [3, 7]] = [0.2, 0.7]
    rows = applications.resnet.decode_predictions(preds, top=2)
    assert [(r[0], r[1]) for r in rows[0]] == [("n00000007", "class_7"), ("n00000003", "class_3")]
    assert np.isclose(rows[0][0][2], 0.7)
