"""`keras.backend`: clear_session, get_uid, the settings and the dtype helpers."""

import lamina as keras


def test_clear_session_restarts_names_and_resets_global_settings():
    keras.backend.clear_session()
    first = keras.layers.Dense(2)
    second = keras.layers.Dense(2)
    assert (first.name, second.name) == ("dense", "dense_1")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.clear_session(free_memory=False)  # the keras.utils alias
    assert keras.layers.Dense(2).name == "dense"
    assert keras.mixed_precision.global_policy().name == "float32"
    keras.backend.clear_session()


def test_get_uid_counts_from_one_per_prefix():
    keras.backend.clear_session()
    assert [keras.backend.get_uid("block") for _ in range(3)] == [1, 2, 3]
    assert keras.backend.get_uid("other") == 1
    keras.backend.clear_session()
    assert keras.backend.get_uid("block") == 1


def test_settings_and_dtype_helpers():
    assert keras.backend.backend() == "jax"
    assert keras.backend.floatx() == "float32"
    assert keras.backend.epsilon() == 1e-7
    assert keras.backend.image_data_format() == "channels_last"
    assert keras.backend.is_float_dtype("bfloat16") and not keras.backend.is_float_dtype("int8")
    assert keras.backend.is_int_dtype("uint8") and not keras.backend.is_int_dtype("float16")
    assert keras.backend.result_type("int32", "float32") == "float32"
    assert keras.backend.result_type("int8", "int16") == "int16"
    assert keras.backend.standardize_dtype("float") == "float32"
    assert keras.backend.is_keras_tensor(keras.Input((2,)))
    assert not keras.backend.is_keras_tensor(1.0)
