"""A catalogue of common Keras mistakes and the errors lamina answers them with.

Each row calls lamina the wrong way and checks the exception type and that the message names the
layer or argument, what was expected, what was received and a way to fix it. No message may be a
raw JAX or NumPy error from inside lamina.
"""

import numpy as np
import pytest

import lamina as keras
from lamina import layers

X = np.zeros((8, 4), "float32")
Y = np.zeros((8, 2), "float32")

# Openings of raw messages from JAX, XLA and NumPy that a user should never see from lamina.
RAW_STARTS = (
    "Incompatible shapes for broadcasting",
    "dot_general requires",
    "matmul requires",
    "Error interpreting argument",
    "can only specify one unknown dimension",
    "cannot reshape array",
    "operands could not be broadcast",
    "index ",
    "'NoneType' object",
    "list index out of range",
    "tuple index out of range",
    "not enough values to unpack",
)


def _seq(units=2, width=4):
    return keras.Sequential([keras.Input((width,)), layers.Dense(units)])


def _compiled():
    model = _seq()
    model.compile(optimizer="sgd", loss="mse")
    return model


def _two_inputs():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    return keras.Model({"a": a, "b": b}, layers.Add()([layers.Dense(2)(a), layers.Dense(2)(b)]))


def _two_outputs():
    i = keras.Input((3,))
    return keras.Model(
        i, {"o1": layers.Dense(1, name="o1")(i), "o2": layers.Dense(1, name="o2")(i)}
    )


def _softmax3(loss):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss)
    return model


def _conv_model():
    return keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(2, 3)])


def _reuse():
    dense = layers.Dense(2, name="shared")
    dense(keras.Input((4,)))
    dense(keras.Input((5,)))


class _Opaque:
    """An argument no config can hold."""


class _NoConfig(layers.Layer):
    """A custom layer whose constructor takes an object that cannot be serialized."""

    def __init__(self, helper, **kwargs):
        super().__init__(**kwargs)
        self.helper = helper

    def call(self, x):
        return x * 2.0


def _save_no_config(tmp_path):
    inputs = keras.Input((4,))
    keras.Model(inputs, _NoConfig(_Opaque())(inputs)).save(tmp_path / "m.keras")


def _multi_output_fit(**fit_kwargs):
    model = _two_outputs()
    model.compile(optimizer="sgd", loss=fit_kwargs.pop("loss", "mse"))
    ys = {"o1": np.zeros((4, 1)), "o2": np.zeros((4, 1))}
    model.fit(np.zeros((4, 3)), ys, verbose=0, **fit_kwargs)


def _fit_with(**kwargs):
    _compiled().fit(X, Y, verbose=0, **kwargs)


def _load_non_keras(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("not a zip")
    keras.models.load_model(path)


def _load_weights_other_model(tmp_path):
    path = tmp_path / "a.weights.h5"
    _seq(2).save_weights(path)
    _seq(3).load_weights(path)


def _compile_fit(model, **compile_kwargs):
    model.compile(optimizer="sgd", **compile_kwargs)
    model.fit(X, Y, verbose=0)


# id, function of tmp_path, exception type, substrings the message must contain (case-insensitive)
CASES = [
    # --- shapes and ranks
    (
        "dense_wrong_width",
        lambda p: _seq()(np.zeros((2, 5), "float32")),
        ValueError,
        ["dense", "value 4", "(2, 5)", "feed data of that width"],
    ),
    (
        "dense_missing_batch_axis",
        lambda p: _seq()(np.zeros((4,), "float32")),
        ValueError,
        ["input", "(None, 4)", "ndim=1", "add the batch axis"],
    ),
    (
        "conv2d_rank3_input",
        lambda p: layers.Conv2D(2, 3)(np.zeros((2, 8, 8), "float32")),
        ValueError,
        ["conv2d", "ndim=4", "ndim=3", "reshape the input"],
    ),
    (
        "conv2d_wrong_channels",
        lambda p: _conv_model()(np.zeros((1, 8, 8, 4), "float32")),
        ValueError,
        ["conv2d", "value 3", "(1, 8, 8, 4)", "feed data"],
    ),
    (
        "model_single_image_no_batch",
        lambda p: _conv_model()(np.zeros((8, 8, 3), "float32")),
        ValueError,
        ["input", "ndim=4", "(8, 8, 3)", "add the batch axis"],
    ),
    (
        "lstm_rank2_input",
        lambda p: layers.LSTM(3)(np.zeros((2, 5), "float32")),
        ValueError,
        ["lstm", "ndim=3", "ndim=2", "reshape the input"],
    ),
    (
        "layer_reuse_incompatible",
        lambda p: _reuse(),
        ValueError,
        ["shared", "value 4", "(None, 5)", "use a new layer"],
    ),
    (
        "reshape_size_mismatch",
        lambda p: keras.Sequential([keras.Input((6,)), layers.Reshape((4, 2))]),
        ValueError,
        ["reshape", "target_shape", "6", "8", "must equal"],
    ),
    (
        "add_mismatched_shapes",
        lambda p: layers.Add()([keras.Input((3,)), keras.Input((4,))]),
        ValueError,
        ["add", "(None, 3)", "(None, 4)", "must have the same"],
    ),
    (
        "time_distributed_rank2",
        lambda p: layers.TimeDistributed(layers.Dense(2))(keras.Input((3,))),
        ValueError,
        ["timedistributed", "rank >= 3", "(None, 3)", "(batch, time"],
    ),
    (
        "dense_after_unknown_flatten",
        lambda p: keras.Sequential([keras.Input((None, 3)), layers.Flatten(), layers.Dense(2)]),
        ValueError,
        ["dense", "last axis", "(None, None)", "must be known"],
    ),
    (
        "batchnorm_axis_out_of_range",
        lambda p: layers.BatchNormalization(axis=5)(keras.Input((3,))),
        ValueError,
        ["batchnormalization", "axis=5", "rank 2", "out of range"],
    ),
    # --- labels and losses
    (
        "onehot_labels_sparse_loss",
        lambda p: _softmax3("sparse_categorical_crossentropy").fit(
            X, np.eye(3)[np.zeros(8, int)], verbose=0
        ),
        ValueError,
        [
            "sparse_categorical_crossentropy",
            "(None, 3)",
            "integer class ids",
            "loss='categorical_crossentropy'",
        ],
    ),
    (
        "sparse_labels_categorical_loss",
        lambda p: _softmax3("categorical_crossentropy").fit(X, np.zeros((8,), "int32"), verbose=0),
        ValueError,
        ["categorical_crossentropy", "(None,)", "one-hot", "to_categorical"],
    ),
    (
        "to_categorical_label_out_of_range",
        lambda p: keras.utils.to_categorical([0, 5], num_classes=3),
        ValueError,
        ["to_categorical", "num_classes=3", "label 5", "larger `num_classes`"],
    ),
    # --- compile and training arguments
    (
        "fit_before_compile",
        lambda p: _seq().fit(X, Y, verbose=0),
        ValueError,
        ["compile()", "fit()", "model.compile(optimizer="],
    ),
    (
        "evaluate_before_compile",
        lambda p: _seq().evaluate(X, Y, verbose=0),
        ValueError,
        ["compile()", "evaluate()", "model.compile("],
    ),
    (
        "unknown_loss",
        lambda p: _seq().compile(optimizer="sgd", loss="mse2"),
        ValueError,
        ["loss", "'mse2'", "did you mean 'mse'", "known loss names"],
    ),
    (
        "unknown_metric",
        lambda p: _compile_fit(_seq(), loss="mse", metrics=["acuracy"]),
        ValueError,
        ["metric", "'acuracy'", "did you mean 'accuracy'", "known metric names"],
    ),
    (
        "unknown_optimizer",
        lambda p: _seq().compile(optimizer="adamm", loss="mse"),
        ValueError,
        ["optimizer", "'adamm'", "did you mean 'adam'", "known optimizer names"],
    ),
    (
        "metrics_not_a_list",
        lambda p: _compile_fit(_seq(), loss="mse", metrics="mae"),
        TypeError,
        ["metrics", "expected a list", "'mae'", "metrics=['mae']"],
    ),
    (
        "loss_dict_unknown_output",
        lambda p: _multi_output_fit(loss={"o1": "mse", "o3": "mse"}),
        ValueError,
        ["loss", "'o3'", "['o1', 'o2']", "match no output"],
    ),
    (
        "steps_per_execution_zero",
        lambda p: _seq().compile(optimizer="sgd", loss="mse", steps_per_execution=0),
        ValueError,
        ["steps_per_execution", ">= 1", "received 0"],
    ),
    (
        "learning_rate_string",
        lambda p: keras.optimizers.Adam(learning_rate="fast"),
        ValueError,
        ["learning_rate", "float", "'fast'", "LearningRateSchedule"],
    ),
    (
        "xy_sample_count_mismatch",
        lambda p: _compiled().fit(X, Y[:5], verbose=0),
        ValueError,
        ["x has 8", "y has 5", "same number of samples"],
    ),
    (
        "sample_weight_count_mismatch",
        lambda p: _fit_with(sample_weight=np.ones(3)),
        ValueError,
        ["sample_weight has 3", "x has 8", "same number of samples"],
    ),
    (
        "batch_size_zero",
        lambda p: _fit_with(batch_size=0),
        ValueError,
        ["batch_size", "positive int", "received 0"],
    ),
    (
        "validation_split_out_of_range",
        lambda p: _fit_with(validation_split=1.5),
        ValueError,
        ["validation_split", "(0, 1)", "1.5"],
    ),
    (
        "class_weight_multi_output",
        lambda p: _multi_output_fit(class_weight={0: 1.0}),
        ValueError,
        ["class_weight", "single output"],
    ),
    (
        "fit_x_none",
        lambda p: _compiled().fit(None, Y, verbose=0),
        ValueError,
        ["fit()", "`x`", "required"],
    ),
    (
        "callbacks_not_a_list",
        lambda p: _fit_with(callbacks=keras.callbacks.History()),
        TypeError,
        ["callbacks", "list", "History", "callbacks=[...]"],
    ),
    # --- calling models
    (
        "dict_missing_input",
        lambda p: _two_inputs()({"a": np.zeros((1, 3), "float32")}),
        ValueError,
        ["functional", "['a', 'b']", "missing ['b']", "one array per input name"],
    ),
    (
        "too_few_inputs",
        lambda p: _two_inputs()([np.zeros((1, 3), "float32")]),
        ValueError,
        ["expects 2 input(s)", "received 1", "model.inputs"],
    ),
    (
        "too_many_inputs_sequential",
        lambda p: _seq()([X, X]),
        ValueError,
        ["sequential", "single input", "2 inputs", "functional api"],
    ),
    (
        "string_lookup_on_symbolic",
        lambda p: layers.StringLookup(vocabulary=["a"])(keras.Input((1,))),
        TypeError,
        ["stringlookup", "string inputs", "dtype float32", "keras.Input(..., dtype='string')"],
    ),
    (
        "get_layer_unknown_name",
        lambda p: _seq().get_layer("nope"),
        ValueError,
        ["'nope'", "existing layers"],
    ),
    (
        "model_outputs_not_tensors",
        lambda p: keras.Model(keras.Input((3,)), "x"),
        ValueError,
        ["model()", "outputs", "symbolic tensor", "'x'", "keras.input"],
    ),
    # --- weights
    (
        "set_weights_wrong_shape",
        lambda p: _seq().set_weights([np.zeros((3, 2)), np.zeros(2)]),
        ValueError,
        ["set_weights", "kernel", "(4, 2)", "(3, 2)"],
    ),
    (
        "set_weights_wrong_count",
        lambda p: _seq().set_weights([np.zeros((4, 2))]),
        ValueError,
        ["set_weights", "2 arrays", "kernel", "received 1"],
    ),
    (
        "load_weights_other_architecture",
        _load_weights_other_model,
        ValueError,
        ["a.weights.h5", "(4, 3)", "(4, 2)", "no weights were changed", "skip_mismatch"],
    ),
    # --- construction arguments
    (
        "sequential_add_class",
        lambda p: keras.Sequential().add(layers.Dense),
        TypeError,
        ["sequential.add()", "layer instance", "dense", "instantiate"],
    ),
    (
        "unknown_layer_kwarg",
        lambda p: layers.Dense(2, unitz=3),
        ValueError,
        ["dense", "'unitz'", "unrecognized keyword", "check the spelling"],
    ),
    (
        "unknown_activation",
        lambda p: layers.Dense(2, activation="rleu"),
        ValueError,
        ["activation", "'rleu'", "did you mean 'relu'", "known activation names"],
    ),
    (
        "unknown_initializer",
        lambda p: layers.Dense(2, kernel_initializer="glorot_unifrom"),
        ValueError,
        ["initializer", "'glorot_unifrom'", "did you mean 'glorot_uniform'"],
    ),
    (
        "unknown_constraint",
        lambda p: layers.Dense(2, kernel_constraint="non_neg2"),
        ValueError,
        ["constraint", "'non_neg2'", "did you mean 'non_neg'"],
    ),
    (
        "dropout_rate_above_one",
        lambda p: layers.Dropout(1.5),
        ValueError,
        ["dropout", "rate", "between 0 and 1", "1.5"],
    ),
    (
        "conv2d_filters_zero",
        lambda p: layers.Conv2D(0, 3),
        ValueError,
        ["conv2d", "filters", "strictly positive", "filters=0"],
    ),
    (
        "conv2d_bad_padding",
        lambda p: layers.Conv2D(2, 3, padding="sam"),
        ValueError,
        ["conv2d", "padding", "'valid', 'same'", "'sam'"],
    ),
    (
        "conv2d_strides_zero",
        lambda p: layers.Conv2D(2, 3, strides=0),
        ValueError,
        ["conv2d", "strides", "> 0", "strides=0"],
    ),
    (
        "pool_size_zero",
        lambda p: layers.MaxPooling2D(pool_size=0),
        ValueError,
        ["maxpooling2d", "pool_size", "> 0", "pool_size=0"],
    ),
    (
        "dense_units_zero",
        lambda p: layers.Dense(0),
        ValueError,
        ["dense", "units", "positive integer", "units=0"],
    ),
    (
        "dense_units_string",
        lambda p: layers.Dense("3"),
        ValueError,
        ["dense", "units", "positive integer", "units='3'"],
    ),
    (
        "lstm_units_zero",
        lambda p: layers.LSTM(0),
        ValueError,
        ["lstm", "units", "positive integer", "units=0"],
    ),
    (
        "input_without_shape",
        lambda p: keras.Input(),
        ValueError,
        ["input", "`shape` is required", "keras.input(shape=(32,))"],
    ),
    (
        "input_unknown_dtype",
        lambda p: keras.Input((3,), dtype="flot32"),
        ValueError,
        ["input", "dtype", "'flot32'", "'float32'"],
    ),
    # --- files
    (
        "custom_layer_without_get_config",
        _save_no_config,
        NotImplementedError,
        ["_noconfig", "cannot be serialized", "implement `get_config()`"],
    ),
    (
        "load_weights_missing_file",
        lambda p: _seq().load_weights(p / "nope.weights.h5"),
        FileNotFoundError,
        ["load_weights", "nope.weights.h5", "no file"],
    ),
    (
        "save_weights_wrong_suffix",
        lambda p: _seq().save_weights(p / "w.txt"),
        ValueError,
        ["filename", ".weights.h5", "w.txt", "model.save("],
    ),
    (
        "save_wrong_suffix",
        lambda p: _seq().save(p / "w.txt"),
        ValueError,
        ["extension", ".keras", "w.txt", "zipped=false"],
    ),
    (
        "load_model_not_a_keras_file",
        _load_non_keras,
        ValueError,
        ["model.keras", "not a `.keras` zip", "legacy `.h5`"],
    ),
    ("to_yaml_removed", lambda p: _seq().to_yaml(), RuntimeError, ["to_yaml", "yaml", "to_json()"]),
]

# Mistakes caught in lamina/training or lamina/core, whose messages still need work there.
ENGINE_CASES = [
    (
        "predict_batch_size_negative",
        lambda p: _seq().predict(X, batch_size=-1, verbose=0),
        ValueError,
        ["predict(batch_size=...)", "positive int", "received -1"],
    ),
    (
        "validation_data_one_element",
        lambda p: _fit_with(validation_data=(X,)),
        ValueError,
        ["validation_data", "(x_val, y_val)", "tuple of 1"],
    ),
    (
        "fit_without_loss",
        lambda p: _compile_fit(_seq()),
        ValueError,
        ["no loss to compute", "compile(", "loss="],
    ),
    (
        "predict_on_symbolic_tensor",
        lambda p: _seq().predict(keras.Input((4,))),
        TypeError,
        ["`x`", "kerastensor", "concrete array", "model(x)"],
    ),
    (
        "model_called_on_strings",
        lambda p: _seq()(np.array([["a"] * 4] * 2)),
        TypeError,
        ["layer 'sequential", "dtype", "<u1", "numeric"],
    ),
    (
        "set_weights_hint",
        lambda p: _seq().set_weights([np.zeros((3, 2)), np.zeros(2)]),
        ValueError,
        ["set_weights", "(4, 2)", "(3, 2)", "model.get_weights()"],
    ),
]


def _check_message(message, substrings):
    assert "jax._src" not in message
    assert "Traceback" not in message
    assert not message.startswith(RAW_STARTS), message
    low = message.lower()
    missing = [s for s in substrings if s.lower() not in low]
    assert not missing, f"message lacks {missing}: {message}"


def test_catalogue_is_large_enough():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES + ENGINE_CASES}) == len(CASES) + len(ENGINE_CASES)


@pytest.mark.parametrize("fn, exc, substrings", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mistake_gives_helpful_error(tmp_path, fn, exc, substrings):
    with pytest.raises(exc) as info:
        fn(tmp_path)
    _check_message(str(info.value), substrings)


@pytest.mark.parametrize(
    "fn, exc, substrings", [c[1:] for c in ENGINE_CASES], ids=[c[0] for c in ENGINE_CASES]
)
def test_engine_and_core_mistakes_give_helpful_errors(tmp_path, fn, exc, substrings):
    with pytest.raises(exc) as info:
        fn(tmp_path)
    _check_message(str(info.value), substrings)
