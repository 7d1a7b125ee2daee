"""Activations, initializers, regularizers and constraints compared with real Keras 3."""

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lamina.activations as activations  # noqa: E402
import lamina.constraints as constraints  # noqa: E402
import lamina.initializers as initializers  # noqa: E402
import lamina.regularizers as regularizers  # noqa: E402

X = (np.random.default_rng(3).standard_normal((3, 8)) * 4).astype("float32")


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def test_activation_names_match_keras():
    assert _public(keras.activations) <= _public(activations)


ACTIVATION_CASES = [
    (name, {})
    for name in sorted(_public(keras.activations))
    # sparsemax: see test_sparsemax_where_keras_jax_is_wrong.
    if name not in ("get", "serialize", "deserialize", "threshold", "sparsemax")
] + [
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"threshold": 0.7}),
    ("relu", {"negative_slope": 0.3, "threshold": -0.5, "max_value": 4.0}),
    ("relu", {"negative_slope": 0.3, "max_value": 4.0}),
    ("leaky_relu", {"negative_slope": 0.01}),
    ("softmax", {"axis": 0}),
    ("softmax", {"axis": (0, 1)}),
    ("log_softmax", {"axis": 0}),
    ("elu", {"alpha": 0.3}),
    ("celu", {"alpha": 2.0}),
    ("gelu", {"approximate": True}),
    ("glu", {"axis": 0}),
    ("soft_shrink", {"threshold": 1.5}),
    ("hard_shrink", {"threshold": 1.5}),
    ("squareplus", {"b": 2.0}),
    ("threshold", {"threshold": 0.3, "default_value": -2.0}),
]


@pytest.mark.parametrize("name, kwargs", ACTIVATION_CASES, ids=lambda v: str(v))
def test_activation_equals_keras(name, kwargs):
    x = X[:2] if name == "glu" and kwargs.get("axis") == 0 else X
    expected = np.asarray(getattr(keras.activations, name)(x, **kwargs))
    np.testing.assert_allclose(
        np.asarray(getattr(activations, name)(x, **kwargs)), expected, atol=1e-6, rtol=1e-6
    )


def test_sparsemax_where_keras_jax_is_wrong():
    # Keras 3.15's JAX sparsemax sums the cumulative sums over the support instead of taking
    # the last one, so it is only right when the support has a single element. lamina follows
    # the definition (a projection onto the simplex), checked against NumPy in
    # tests/test_activations.py.
    peaked = np.array([[8.0, 0.0, -1.0, 0.5]], dtype="float32")
    np.testing.assert_allclose(
        activations.sparsemax(peaked), keras.activations.sparsemax(peaked), atol=1e-6
    )
    flat = np.array([[1.0, 1.2, 1.1, 0.9]], dtype="float32")
    np.testing.assert_allclose(activations.sparsemax(flat), [[0.2, 0.4, 0.3, 0.1]], atol=1e-6)
    assert float(np.sum(keras.activations.sparsemax(flat))) != pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(keras.src.activations.ALL_OBJECTS_DICT))
def test_activation_serialize_equals_keras(name):
    assert activations.serialize(activations.get(name)) == keras.activations.serialize(
        keras.activations.get(name)
    )


def test_initializer_names_match_keras():
    assert _public(keras.initializers) <= _public(initializers)


@pytest.mark.parametrize("name", sorted(keras.src.initializers.ALL_OBJECTS_DICT))
def test_every_keras_initializer_alias_resolves(name):
    # Keras's own get("constant") fails (its from_config needs "value"); lamina's works.
    expected = keras.src.initializers.ALL_OBJECTS_DICT[name].__name__
    assert type(initializers.get(name)).__name__ == expected


# (class name, constructor arguments); random ones have int seeds so values can be compared.
INITIALIZER_CASES = [
    ("Constant", {"value": 1.5}),
    ("Zeros", {}),
    ("Ones", {}),
    ("RandomNormal", {"mean": 0.5, "stddev": 2.0, "seed": 7}),
    ("RandomNormal", {"seed": None}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 7}),
    ("TruncatedNormal", {"mean": 0.1, "stddev": 0.3, "seed": 7}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 7}),
    ("VarianceScaling", {"mode": "fan_avg", "distribution": "normal", "seed": 7}),
    ("VarianceScaling", {"distribution": "untruncated_normal", "seed": 7}),
    ("VarianceScaling", {"seed": 7, "input_axes": [0, 1], "output_axes": [2]}),
    ("GlorotUniform", {"seed": 7}),
    ("GlorotNormal", {"seed": 7}),
    ("GlorotUniform", {}),
    ("HeUniform", {"seed": 7}),
    ("HeNormal", {"seed": 7}),
    ("LecunUniform", {"seed": 7}),
    ("LecunNormal", {"seed": 7}),
    ("Orthogonal", {"gain": 1.5, "seed": 7}),
    ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True}),
    ("STFT", {}),
]


@pytest.mark.parametrize("class_name, kwargs", INITIALIZER_CASES, ids=lambda v: str(v))
def test_initializer_config_and_values_equal_keras(class_name, kwargs):
    ours = getattr(initializers, class_name)(**kwargs)
    theirs = getattr(keras.initializers, class_name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)
    # Records travel both ways.
    assert initializers.deserialize(keras.initializers.serialize(theirs)).get_config() == (
        theirs.get_config()
    )
    assert keras.initializers.deserialize(initializers.serialize(ours)).get_config() == (
        ours.get_config()
    )
    if class_name not in ("Constant", "Zeros", "Ones", "STFT") and kwargs.get("seed") is None:
        return
    shape = (16, 1, 9) if class_name == "STFT" else (4, 6, 5)
    if class_name == "Orthogonal":
        shape = (12, 5)
    np.testing.assert_allclose(np.asarray(ours(shape)), np.asarray(theirs(shape)), atol=1e-6)


def test_identity_differs_from_keras_only_by_keeping_gain():
    ours = initializers.Identity(gain=2.0)
    theirs = keras.initializers.Identity(gain=2.0)
    assert theirs.get_config() == {}
    assert ours.get_config() == {"gain": 2.0}
    np.testing.assert_array_equal(np.asarray(ours((3, 4))), np.asarray(theirs((3, 4))))
    assert keras.initializers.deserialize(initializers.serialize(ours)).gain == 2.0


def test_constant_array_record_equals_keras():
    value = np.arange(4.0)
    assert initializers.Constant(value).get_config() == (
        keras.initializers.Constant(value).get_config()
    )


REGULARIZER_CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.25}),
    ("L2", {}),
    ("L2", {"l2": 0.25}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.1, "l2": 0.2}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]


def _assert_configs_close(ours, theirs):
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        expected = pytest.approx(value, rel=1e-6) if isinstance(value, float) else value
        assert ours[key] == expected, key


@pytest.mark.parametrize("class_name, kwargs", REGULARIZER_CASES, ids=lambda v: str(v))
def test_regularizer_equals_keras(class_name, kwargs):
    ours = getattr(regularizers, class_name)(**kwargs)
    theirs = getattr(keras.regularizers, class_name)(**kwargs)
    # A jax array: Keras's numpy path of OrthogonalRegularizer breaks in "columns" mode.
    x = jnp.asarray(X)
    np.testing.assert_allclose(float(ours(x)), float(theirs(x)), rtol=1e-6, atol=1e-7)
    # Keras stores some factors as float32 tensors (0.01 -> 0.009999999776...).
    _assert_configs_close(ours.get_config(), theirs.get_config())
    loaded = regularizers.deserialize(keras.regularizers.serialize(theirs))
    assert type(loaded) is type(ours)
    _assert_configs_close(loaded.get_config(), theirs.get_config())
    assert type(keras.regularizers.deserialize(regularizers.serialize(ours))) is type(theirs)


@pytest.mark.parametrize("name", sorted(keras.src.regularizers.ALL_OBJECTS_DICT))
def test_every_keras_regularizer_alias_resolves(name):
    assert (
        type(regularizers.get(name)).__name__
        == keras.src.regularizers.ALL_OBJECTS_DICT[name].__name__
    )


CONSTRAINT_CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 1.0, "axis": 1}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 2.0, "max_value": 3.0, "rate": 0.4, "axis": [0, 1]}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": 1}),
]


@pytest.mark.parametrize("class_name, kwargs", CONSTRAINT_CASES, ids=lambda v: str(v))
def test_constraint_equals_keras(class_name, kwargs):
    ours = getattr(constraints, class_name)(**kwargs)
    theirs = getattr(keras.constraints, class_name)(**kwargs)
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-6, atol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    assert constraints.deserialize(keras.constraints.serialize(theirs)).get_config() == (
        theirs.get_config()
    )


@pytest.mark.parametrize("name", sorted(keras.src.constraints.ALL_OBJECTS_DICT))
def test_every_keras_constraint_alias_resolves(name):
    assert (
        type(constraints.get(name)).__name__
        == keras.src.constraints.ALL_OBJECTS_DICT[name].__name__
    )


def test_public_names_match_keras():
    assert _public(keras.regularizers) <= _public(regularizers)
    assert _public(keras.constraints) <= _public(constraints)
