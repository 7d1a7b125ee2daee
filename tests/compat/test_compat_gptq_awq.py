"""GPTQ and AWQ against Keras 3.15: the configs (`quantizers.GPTQConfig`, `AWQConfig`) and the
dtype policies (`GPTQDTypePolicy`, `AWQDTypePolicy`) have Keras's arguments, checks, names and
records. The calibration is not built: quantizing with them raises `NotImplementedError`."""

import numpy as np
import pytest

import lamina

GPTQ_CASES = [
    {},
    {"weight_bits": 3, "group_size": -1, "symmetric": True, "activation_order": True},
    {"weight_bits": 8, "num_samples": 16, "sequence_length": 64, "hessian_damping": 0.5},
    {"per_channel": False, "quantization_layer_structure": None},
]
AWQ_CASES = [{}, {"group_size": -1, "num_grid_points": 5, "num_samples": 4}]


@pytest.mark.parametrize("kwargs", GPTQ_CASES)
def test_gptq_config_matches_keras(keras, kwargs):
    ours = lamina.quantizers.GPTQConfig([1, 2], "tok", **kwargs)
    theirs = keras.quantizers.GPTQConfig([1, 2], "tok", **kwargs)
    assert lamina.quantizers.serialize(ours) == keras.quantizers.serialize(theirs)
    assert ours.mode == theirs.mode == "gptq"
    assert ours.dtype_policy_string() == theirs.dtype_policy_string()
    back = lamina.quantizers.deserialize(keras.quantizers.serialize(theirs))
    assert isinstance(back, lamina.quantizers.GPTQConfig)
    assert back.get_config() == theirs.get_config()


@pytest.mark.parametrize("kwargs", AWQ_CASES)
def test_awq_config_matches_keras(keras, kwargs):
    ours = lamina.quantizers.AWQConfig(None, None, **kwargs)
    theirs = keras.quantizers.AWQConfig(None, None, **kwargs)
    assert lamina.quantizers.serialize(ours) == keras.quantizers.serialize(theirs)
    assert ours.dtype_policy_string() == theirs.dtype_policy_string()
    again = keras.quantizers.deserialize(lamina.quantizers.serialize(ours))
    assert again.get_config() == ours.get_config()


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("GPTQConfig", {"weight_bits": 5}),
        ("GPTQConfig", {"num_samples": 0}),
        ("GPTQConfig", {"sequence_length": -1}),
        ("GPTQConfig", {"hessian_damping": 1.5}),
        ("GPTQConfig", {"group_size": 0}),
        ("GPTQConfig", {"group_size": -2}),
        ("AWQConfig", {"weight_bits": 8}),
        ("AWQConfig", {"num_grid_points": 0}),
        ("AWQConfig", {"group_size": 0}),
    ],
)
def test_config_checks_match_keras(keras, name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(keras.quantizers, name)(None, None, **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(lamina.quantizers, name)(None, None, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "cls, mode, source",
    [
        ("GPTQDTypePolicy", "gptq/4/128", "float32"),
        ("GPTQDTypePolicy", "gptq/2/-1", "bfloat16"),
        ("GPTQDTypePolicy", "gptq/8/64", "mixed_bfloat16"),
        ("AWQDTypePolicy", "awq/4/128", "float32"),
        ("AWQDTypePolicy", "awq/4/-1", "mixed_float16"),
    ],
)
def test_policies_match_keras(keras, cls, mode, source):
    ours = getattr(lamina.dtype_policies, cls)(mode, source)
    theirs = getattr(keras.dtype_policies, cls)(mode, source)
    assert ours.name == theirs.name
    assert (ours.compute_dtype, ours.variable_dtype) == (
        theirs.compute_dtype,
        theirs.variable_dtype,
    )
    assert ours.quantization_mode == theirs.quantization_mode
    assert (ours.weight_bits, ours.group_size) == (theirs.weight_bits, theirs.group_size)
    assert ours.get_config() == theirs.get_config()
    assert lamina.dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    from_name = lamina.dtype_policies.get(theirs.name)
    assert type(from_name) is type(ours) and from_name == ours
    from_record = lamina.dtype_policies.deserialize(keras.dtype_policies.serialize(theirs))
    assert from_record == ours
    assert keras.dtype_policies.deserialize(lamina.dtype_policies.serialize(ours)) == theirs


@pytest.mark.parametrize(
    "cls, mode",
    [
        ("GPTQDTypePolicy", "gptq/4"),
        ("GPTQDTypePolicy", "gptq/x/128"),
        ("GPTQDTypePolicy", "gptq/5/128"),
        ("GPTQDTypePolicy", "gptq/4/0"),
        ("AWQDTypePolicy", "awq/8/128"),
        ("AWQDTypePolicy", "awq/4/-3"),
        ("AWQDTypePolicy", "gptq/4/128"),
    ],
)
def test_policy_checks_match_keras(keras, cls, mode):
    with pytest.raises(ValueError) as theirs:
        getattr(keras.dtype_policies, cls)(mode, "float32")
    with pytest.raises(ValueError) as ours:
        getattr(lamina.dtype_policies, cls)(mode, "float32")
    assert str(ours.value) == str(theirs.value)


def test_quantize_with_gptq_or_awq_is_not_built_yet():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2)])
    before = [w.copy() for w in model.get_weights()]
    config = lamina.quantizers.GPTQConfig(np.zeros((4, 8), "int32"), None)
    with pytest.raises(NotImplementedError, match="gptq.*not built in lamina"):
        model.quantize("gptq", config=config)
    with pytest.raises(NotImplementedError, match="awq.*not built in lamina"):
        model.quantize(config=lamina.quantizers.AWQConfig(None, None))
    with pytest.raises(NotImplementedError, match="not built in lamina"):
        model.quantize("awq")
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    # A layer given a GPTQ policy (as in a Keras file of a GPTQ-quantized model) says so.
    layer = lamina.layers.Dense(2, dtype=lamina.dtype_policies.GPTQDTypePolicy("gptq/4/128"))
    with pytest.raises(NotImplementedError, match="GPTQ-quantized layers are not built"):
        layer.build((None, 4))
