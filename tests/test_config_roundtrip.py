"""`from_config(get_config())` round trips for every public class of lamina's namespaces.

Each namespace is enumerated, so a new public class without a row in the tables below fails
`test_every_public_class_has_a_row` until it gets one.
"""

import inspect
import json

import flax.linen
import numpy as np
import pytest

import lamina as keras
from lamina.saving import deserialize_keras_object, serialize_keras_object

RNG = np.random.default_rng(0)
X24 = RNG.random((2, 4), dtype=np.float32)
X234 = RNG.random((2, 3, 4), dtype=np.float32)
X2334 = RNG.random((2, 3, 3, 4), dtype=np.float32)
X23334 = RNG.random((2, 3, 3, 3, 4), dtype=np.float32)
S = keras.optimizers.schedules

# Abstract bases and helpers that are not meant to be built from a config on their own.
BASES = {
    "Layer",
    "InputSpec",
    "Optimizer",
    "Loss",
    "Metric",
    "Initializer",
    "RandomInitializer",
    "Regularizer",
    "Constraint",
    "LearningRateSchedule",
}


@keras.saving.register_keras_serializable(package="config_roundtrip")
def _jax_double(params, inputs):
    return inputs * params["scale"]


@keras.saving.register_keras_serializable(package="config_roundtrip")
def _jax_init(rng, inputs):
    return {"scale": np.float32(2.0)}


@keras.saving.register_keras_serializable(package="config_roundtrip")
class _FlaxDense(flax.linen.Module):
    """A Flax module that saves like a Keras object (FlaxLayer serializes its module)."""

    features: int = 3

    @flax.linen.compact
    def __call__(self, inputs):
        return flax.linen.Dense(self.features)(inputs)

    def get_config(self):
        return {"features": self.features}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# name -> (constructor kwargs, example inputs or None)
LAYERS = {
    "Activation": ({"activation": "tanh"}, X24),
    "Add": ({}, [X24, X24 * 2]),
    "Average": ({}, [X24, X24 * 2]),
    "Concatenate": ({"axis": 1}, [X24, X24]),
    "Dense": (
        {
            "units": 3,
            "activation": "relu",
            "kernel_initializer": "he_normal",
            "bias_initializer": "ones",
            "kernel_regularizer": "l2",
            "bias_regularizer": keras.regularizers.L1(0.1),
            "kernel_constraint": "max_norm",
            "bias_constraint": keras.constraints.NonNeg(),
            "activity_regularizer": keras.regularizers.L2(0.01),
        },
        X24,
    ),
    "Dot": ({"axes": 1, "normalize": True}, [X24, X24 + 1]),
    "Dropout": ({"rate": 0.3, "seed": 3, "noise_shape": (None, 1)}, X24),
    "Flatten": ({}, X234),
    "Identity": ({}, X24),
    "InputLayer": ({"shape": (4,), "name": "in"}, None),
    "Lambda": ({"function": keras.activations.relu, "output_shape": (4,)}, X24 - 0.5),
    "Maximum": ({}, [X24, 1 - X24]),
    "Minimum": ({}, [X24, 1 - X24]),
    "Multiply": ({}, [X24, X24]),
    "Permute": ({"dims": (2, 1)}, X234),
    "RepeatVector": ({"n": 3}, X24),
    "Reshape": ({"target_shape": (2, 2)}, X24),
    "Subtract": ({}, [X24, X24 / 2]),
    # --- convolution, pooling, padding/cropping, up-sampling (issue 4, conv part)
    "Conv1D": ({"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2}, X234),
    "Conv2D": (
        {
            "filters": 2,
            "kernel_size": 2,
            "strides": 2,
            "padding": "same",
            "groups": 1,
            "activation": "relu",
            "kernel_regularizer": "l2",
            "bias_constraint": "non_neg",
        },
        X2334,
    ),
    "Conv3D": ({"filters": 2, "kernel_size": 1, "data_format": "channels_first"}, X23334),
    "Conv1DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, X234),
    "Conv2DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}, X2334),
    "Conv3DTranspose": ({"filters": 2, "kernel_size": 2, "use_bias": False}, X23334),
    "DepthwiseConv1D": ({"kernel_size": 2, "depth_multiplier": 2}, X234),
    "DepthwiseConv2D": ({"kernel_size": 2, "depthwise_initializer": "he_normal"}, X2334),
    "SeparableConv1D": ({"filters": 3, "kernel_size": 2, "pointwise_regularizer": "l1"}, X234),
    "SeparableConv2D": ({"filters": 3, "kernel_size": 2, "depth_multiplier": 2}, X2334),
    "MaxPooling1D": ({"pool_size": 2, "strides": 1, "padding": "same"}, X234),
    "MaxPooling2D": ({"pool_size": (2, 1)}, X2334),
    "MaxPooling3D": ({"pool_size": 1}, X23334),
    "AveragePooling1D": ({"pool_size": 2, "padding": "same"}, X234),
    "AveragePooling2D": ({"pool_size": 2, "strides": 1}, X2334),
    "AveragePooling3D": ({"pool_size": (1, 2, 2), "padding": "same"}, X23334),
    "GlobalAveragePooling1D": ({"keepdims": True}, X234),
    "GlobalAveragePooling2D": ({"data_format": "channels_first"}, X2334),
    "GlobalAveragePooling3D": ({}, X23334),
    "GlobalMaxPooling1D": ({}, X234),
    "GlobalMaxPooling2D": ({"keepdims": True}, X2334),
    "GlobalMaxPooling3D": ({}, X23334),
    "ZeroPadding1D": ({"padding": (1, 2)}, X234),
    "ZeroPadding2D": ({"padding": ((1, 0), (0, 2))}, X2334),
    "ZeroPadding3D": ({"padding": 1}, X23334),
    "Cropping1D": ({"cropping": (1, 0)}, X234),
    "Cropping2D": ({"cropping": ((1, 0), (0, 1))}, X2334),
    "Cropping3D": ({"cropping": ((1, 0), (0, 1), (1, 1))}, X23334),
    "UpSampling1D": ({"size": 3}, X234),
    "UpSampling2D": ({"size": (2, 1), "interpolation": "bilinear"}, X2334),
    "UpSampling3D": ({"size": 2}, X23334),
    # --- normalization, noise, activation layers, embedding (issue 4)
    "ActivityRegularization": ({"l1": 0.01, "l2": 0.02}, X24),
    "AlphaDropout": ({"rate": 0.2, "seed": 1, "noise_shape": (None, 1)}, X24),
    "BatchNormalization": (
        {
            "momentum": 0.9,
            "epsilon": 1e-2,
            "center": False,
            "gamma_regularizer": "l2",
            "gamma_constraint": "non_neg",
            "renorm": True,
            "renorm_clipping": {"rmax": 2.0},
        },
        X24,
    ),
    "ELU": ({"alpha": 0.5}, X24 - 0.5),
    "Embedding": (
        {"input_dim": 10, "output_dim": 3, "mask_zero": True},
        np.array([[1, 2, 0]], "int32"),
    ),
    "GaussianDropout": ({"rate": 0.3, "seed": 2}, X24),
    "GaussianNoise": ({"stddev": 0.1, "seed": 2}, X24),
    "GroupNormalization": ({"groups": 2, "epsilon": 1e-4}, X24),
    "LayerNormalization": ({"axis": [1, 2], "center": False}, X234),
    "LeakyReLU": ({"negative_slope": 0.1}, X24 - 0.5),
    "Masking": ({"mask_value": 0.5}, X234),
    "PReLU": ({"alpha_initializer": "ones", "shared_axes": [1]}, X234 - 0.5),
    "RMSNormalization": ({"epsilon": 1e-5}, X24),
    "ReLU": ({"max_value": 0.8, "negative_slope": 0.1, "threshold": 0.2}, X24),
    "Softmax": ({"axis": [1, 2]}, X234),
    "SpatialDropout1D": ({"rate": 0.2, "seed": 1}, X234),
    "SpatialDropout2D": ({"rate": 0.2, "data_format": "channels_first"}, None),
    "SpatialDropout3D": ({"rate": 0.2}, None),
    "UnitNormalization": ({"axis": [1, 2]}, X234),
    # --- preprocessing (issue 4)
    "CategoryEncoding": (
        {"num_tokens": 4, "output_mode": "count"},
        np.array([[0, 1, 1, 3]], "int32"),
    ),
    "CenterCrop": ({"height": 2, "width": 2}, X2334),
    "Discretization": ({"bin_boundaries": [0.25, 0.5, 0.75]}, X24),
    "Hashing": ({"num_bins": 5, "salt": 7}, np.array([[1, 2, 3]], "int64")),
    "IntegerLookup": ({"vocabulary": [3, 5, 7], "num_oov_indices": 2}, None),
    "Normalization": ({"mean": 0.5, "variance": 2.0}, X24),
    "RandomContrast": ({"factor": 0.3, "seed": 4}, None),  # random draws differ between instances
    "RandomFlip": ({"mode": "horizontal", "seed": 4}, X2334),
    "RandomRotation": (
        {"factor": 0.1, "fill_mode": "constant", "seed": 4},
        None,
    ),  # random draws differ between instances
    "RandomTranslation": (
        {"height_factor": 0.1, "width_factor": 0.2, "seed": 4},
        None,
    ),  # random draws differ between instances
    "RandomZoom": ({"height_factor": 0.2, "seed": 4}, X2334),
    "Rescaling": ({"scale": 0.5, "offset": 1.0}, X24),
    "Resizing": ({"height": 2, "width": 4, "interpolation": "nearest"}, X2334),
    "StringLookup": ({"vocabulary": ["a", "b", "c"], "mask_token": ""}, None),
    # --- image augmentation (issue 16; random draws are checked against Keras in
    # tests/compat/test_compat_image_preprocessing.py)
    "AugMix": ({"num_chains": 2, "factor": 0.4, "all_ops": False, "seed": 1}, None),
    "AutoContrast": ({"value_range": (0, 1)}, X2334),
    "CutMix": ({"factor": 0.5, "seed": 1}, None),
    "Equalization": ({"value_range": (0, 1), "bins": 64}, X2334),
    "ContrastLimitedAdaptiveHistogramEqualization": (
        {"value_range": (0, 1), "clip_limit": 2.0, "tile_grid_size": (2, 2)},
        X2334,
    ),
    "MaxNumBoundingBoxes": ({"max_number": 4, "fill_value": -2}, None),
    "MixUp": ({"alpha": 0.3, "seed": 1}, None),
    "Pipeline": ({"layers": []}, X2334),
    "RandAugment": ({"num_ops": 3, "factor": 0.4, "seed": 1}, None),
    "RandomBrightness": ({"factor": 0.2, "value_range": (0, 1), "seed": 1}, None),
    "RandomColorDegeneration": ({"factor": 0.5, "seed": 1}, None),
    "RandomColorJitter": ({"brightness_factor": 0.2, "hue_factor": 0.1, "seed": 1}, None),
    "RandomCrop": ({"height": 2, "width": 2, "seed": 1}, None),
    "RandomElasticTransform": ({"factor": 0.5, "scale": 0.3, "seed": 1}, None),
    "RandomErasing": ({"factor": 0.5, "fill_value": 1.0, "seed": 1}, None),
    "RandomGaussianBlur": ({"kernel_size": 5, "sigma": (0.2, 0.8), "seed": 1}, None),
    "RandomGrayscale": ({"factor": 0.3, "seed": 1}, None),
    "RandomHue": ({"factor": 0.4, "seed": 1}, None),
    "RandomInvert": ({"factor": 0.4, "value_range": (0, 1), "seed": 1}, None),
    "RandomPerspective": ({"factor": 0.5, "scale": 0.3, "seed": 1}, None),
    "RandomPosterization": ({"factor": (2, 5), "seed": 1}, None),
    "RandomSaturation": ({"factor": 0.4, "seed": 1}, None),
    "RandomSharpness": ({"factor": 0.4, "seed": 1}, None),
    "RandomShear": ({"x_factor": 0.2, "fill_mode": "constant", "seed": 1}, None),
    "Solarization": ({"addition_factor": 0.2, "threshold_factor": (0.3, 0.6), "seed": 1}, None),
    "AdaptiveAveragePooling1D": ({"output_size": 2}, X234),
    "AdaptiveMaxPooling1D": ({"output_size": 2}, X234),
    "AdaptiveAveragePooling2D": ({"output_size": (2, 2)}, None),
    "AdaptiveMaxPooling2D": ({"output_size": (2, 2)}, None),
    "AdaptiveAveragePooling3D": ({"output_size": (1, 2, 2)}, None),
    "AdaptiveMaxPooling3D": ({"output_size": (1, 2, 2)}, None),
    "EinsumDense": ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "c"}, X24),
    "GroupQueryAttention": ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1}, None),
    "JaxLayer": ({"call_fn": _jax_double, "init_fn": _jax_init}, X24),
    "FlaxLayer": ({"module": _FlaxDense(3)}, X24),
    "ConvLSTM1D": ({"filters": 2, "kernel_size": 2, "return_sequences": True}, X2334),
    "ConvLSTM2D": ({"filters": 2, "kernel_size": (2, 2), "padding": "same"}, X23334),
    "ConvLSTM3D": ({"filters": 2, "kernel_size": 2, "data_format": "channels_last"}, None),
    "MelSpectrogram": ({"fft_length": 16, "sequence_stride": 4, "num_mel_bins": 8}, None),
    "ReversibleEmbedding": ({"input_dim": 5, "output_dim": 3}, None),
    "STFTSpectrogram": ({"frame_length": 8, "fft_length": 8}, None),
    "SpectralNormalization": ({"layer": keras.layers.Dense(3)}, None),
    "Wrapper": ({"layer": keras.layers.Dense(3)}, None),
    "TextVectorization": ({"vocabulary": ["a", "b"], "output_sequence_length": 3}, None),
    "HashedCrossing": ({"num_bins": 5, "output_mode": "one_hot"}, None),
    # --- recurrent and attention (issue 4)
    "SimpleRNN": ({"units": 3, "return_sequences": True}, X234),
    "LSTM": ({"units": 3, "go_backwards": True, "recurrent_dropout": 0.1}, X234),
    "GRU": ({"units": 3, "reset_after": False}, X234),
    "SimpleRNNCell": ({"units": 3, "activation": "relu"}, None),
    "LSTMCell": ({"units": 3, "unit_forget_bias": False}, None),
    "GRUCell": ({"units": 3}, None),
    "RNN": ({"cell": keras.layers.LSTMCell(3), "return_sequences": True}, X234),
    "StackedRNNCells": ({"cells": [keras.layers.LSTMCell(3), keras.layers.GRUCell(2)]}, None),
    "Bidirectional": ({"layer": keras.layers.LSTM(3), "merge_mode": "sum"}, X234),
    "TimeDistributed": ({"layer": keras.layers.Dense(2)}, X234),
    "MultiHeadAttention": ({"num_heads": 2, "key_dim": 3, "value_dim": 4}, None),
    "Attention": ({"use_scale": True, "score_mode": "concat"}, [X234, X234]),
    "AdditiveAttention": ({"use_scale": False}, [X234, X234]),
}

SCHEDULES = {
    "CosineDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1},
    "CosineDecayRestarts": {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 2.0},
    "ExponentialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9},
    "InverseTimeDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "PiecewiseConstantDecay": {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001]},
    "PolynomialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "power": 2.0},
}

OPTIMIZERS = {
    "Adadelta": {"learning_rate": 0.5, "rho": 0.9},
    "Adagrad": {"learning_rate": 0.05, "initial_accumulator_value": 0.2},
    "Adam": {"learning_rate": S.ExponentialDecay(0.01, 100, 0.9), "amsgrad": True},
    "AdamW": {"learning_rate": 0.002, "weight_decay": 0.01, "clipnorm": 1.0},
    "Adamax": {"learning_rate": 0.003, "beta_2": 0.99},
    "Lion": {"learning_rate": 0.0001, "beta_1": 0.8},
    "Nadam": {"learning_rate": 0.004, "epsilon": 1e-6},
    "RMSprop": {"learning_rate": 0.01, "momentum": 0.5, "centered": True},
    "ScheduleFreeAdamW": {"learning_rate": 0.002, "warmup_steps": 3},
    "SGD": {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "global_clipnorm": 2.0},
    "Adafactor": {"learning_rate": 0.01, "beta_2_decay": -0.6, "clip_threshold": 0.5},
    "Ftrl": {"learning_rate": 0.05, "l1_regularization_strength": 0.01, "beta": 0.1},
    "Lamb": {"learning_rate": 0.002, "epsilon": 1e-6},
    "LossScaleOptimizer": {"inner_optimizer": keras.optimizers.SGD(0.1), "initial_scale": 128.0},
    "Muon": {"learning_rate": 0.01, "exclude_layers": ["head"], "rms_rate": None},
    "MultiOptimizer": {
        "optimizer_map": keras.optimizers.OptimizerMap(
            keras.optimizers.SGD(0.1), {"enc/.*": keras.optimizers.Adam(0.01)}
        ),
        "loss_scale_factor": 2.0,
    },
    "OptimizerMap": {
        "default_optimizer": keras.optimizers.RMSprop(0.1),
        "optimizer_map": {"dec/.*": keras.optimizers.Lion(0.01)},
    },
}

LOSSES = {
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1},
    "BinaryFocalCrossentropy": {"gamma": 3.0, "apply_class_balancing": True},
    "CategoricalCrossentropy": {"label_smoothing": 0.2, "axis": -1},
    "CategoricalFocalCrossentropy": {"alpha": 0.3, "gamma": 1.5},
    "CategoricalHinge": {"reduction": "sum"},
    "CosineSimilarity": {"axis": 0},
    "Hinge": {"name": "h"},
    "Huber": {"delta": 2.0},
    "KLDivergence": {},
    "LogCosh": {},
    "LossFunctionWrapper": {"fn": keras.losses.mean_squared_error},
    "MeanAbsoluteError": {"reduction": "sum_over_batch_size"},
    "MeanAbsolutePercentageError": {},
    "MeanSquaredError": {"name": "mse_loss"},
    "MeanSquaredLogarithmicError": {},
    "Poisson": {},
    "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": 0},
    "SquaredHinge": {},
    "CTC": {"reduction": "sum"},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.3},
    "Circle": {"gamma": 16.0, "margin": 0.3, "remove_diagonal": False},
    "Dice": {"axis": (1, 2)},
    "Tversky": {"alpha": 0.3, "beta": 0.7},
}

METRICS = {
    "AUC": {"num_thresholds": 50, "curve": "PR", "summation_method": "minoring"},
    "Accuracy": {"name": "acc"},
    "BinaryAccuracy": {"threshold": 0.3},
    "CategoricalAccuracy": {},
    "CosineSimilarity": {"axis": 0},
    "FalseNegatives": {"thresholds": [0.2, 0.7]},
    "FalsePositives": {"thresholds": 0.4},
    "LogCoshError": {},
    "Mean": {"name": "m"},
    "MeanAbsoluteError": {},
    "MeanAbsolutePercentageError": {},
    "MeanMetricWrapper": {"fn": keras.metrics.mean_squared_error, "name": "wrapped"},
    "MeanSquaredError": {},
    "MeanSquaredLogarithmicError": {},
    "Precision": {"thresholds": 0.6, "top_k": 2},
    "Recall": {"class_id": 1},
    "RootMeanSquaredError": {},
    "SparseCategoricalAccuracy": {},
    "SparseTopKCategoricalAccuracy": {"k": 3},
    "Sum": {"dtype": "float32"},
    "TopKCategoricalAccuracy": {"k": 2},
    "TrueNegatives": {},
    "TruePositives": {"thresholds": [0.5]},
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1},
    "BinaryIoU": {"target_class_ids": [1], "threshold": 0.3},
    "CategoricalCrossentropy": {"label_smoothing": 0.2, "axis": 1},
    "CategoricalHinge": {},
    "ConcordanceCorrelation": {"axis": 1},
    "F1Score": {"average": "macro", "threshold": 0.4},
    "FBetaScore": {"average": "weighted", "beta": 2.0},
    "Hinge": {},
    "IoU": {"num_classes": 3, "target_class_ids": [0, 2], "ignore_class": 1},
    "KLDivergence": {},
    "MeanIoU": {"num_classes": 4, "sparse_y_pred": False},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [1]},
    "OneHotMeanIoU": {"num_classes": 3, "sparse_y_pred": True},
    "PearsonCorrelation": {"axis": 1},
    "Poisson": {},
    "PrecisionAtRecall": {"recall": 0.4, "num_thresholds": 20, "class_id": 1},
    "R2Score": {"class_aggregation": None, "num_regressors": 2},
    "RecallAtPrecision": {"precision": 0.6},
    "SensitivityAtSpecificity": {"specificity": 0.5, "num_thresholds": 10},
    "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": 0},
    "SpecificityAtSensitivity": {"sensitivity": 0.5},
    "SquaredHinge": {},
}

INITIALIZERS = {
    "Constant": {"value": 0.5},
    "GlorotNormal": {"seed": 1},
    "GlorotUniform": {"seed": 2},
    "HeNormal": {"seed": 3},
    "HeUniform": {},
    "IdentityInitializer": {"gain": 2.0},
    "LecunNormal": {"seed": 4},
    "LecunUniform": {},
    "Ones": {},
    "OrthogonalInitializer": {"gain": 0.5, "seed": 5},
    "RandomNormal": {"mean": 1.0, "stddev": 0.5, "seed": 6},
    "RandomUniform": {"minval": -2.0, "maxval": 2.0, "seed": 7},
    "STFTInitializer": {"side": "imag", "window": "hann", "scaling": "density"},
    "TruncatedNormal": {"stddev": 0.2, "seed": 8},
    "VarianceScaling": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 9},
    "Zeros": {},
}

REGULARIZERS = {
    "L1": {"l1": 0.2},
    "L1L2": {"l1": 0.1, "l2": 0.3},
    "L2": {"l2": 0.05},
    "OrthogonalRegularizer": {"factor": 0.02, "mode": "columns"},
}

CONSTRAINTS = {
    "MaxNorm": {"max_value": 3.0, "axis": 1},
    "MinMaxNorm": {"min_value": 0.5, "max_value": 1.5, "rate": 0.5, "axis": 0},
    "NonNeg": {},
    "UnitNorm": {"axis": 1},
}

TABLES = {
    "layers": LAYERS,
    "optimizers": OPTIMIZERS,
    "optimizers.schedules": SCHEDULES,
    "losses": LOSSES,
    "metrics": METRICS,
    "initializers": INITIALIZERS,
    "regularizers": REGULARIZERS,
    "constraints": CONSTRAINTS,
}


def _namespace(name):
    module = keras
    for part in name.split("."):
        module = getattr(module, part)
    return module


def _public_classes(name):
    """Public classes of a namespace, one name per class (aliases resolved to a table name)."""
    table = TABLES[name]
    by_class = {}
    for key, value in vars(_namespace(name)).items():
        if key.startswith("_") or not inspect.isclass(value) or key in BASES:
            continue
        if issubclass(value, Exception):
            continue
        by_class.setdefault(value, []).append(key)
    out = {}
    for cls, keys in by_class.items():
        chosen = next((k for k in keys if k in table), sorted(keys)[0])
        out[chosen] = cls
    return out


CASES = [(ns, name) for ns, table in TABLES.items() for name in table]


@pytest.mark.parametrize("namespace", sorted(TABLES))
def test_every_public_class_has_a_row(namespace):
    missing = sorted(set(_public_classes(namespace)) - set(TABLES[namespace]))
    assert not missing, f"add rows for {missing} to the {namespace} table"


def _kwargs(namespace, name):
    value = TABLES[namespace][name]
    return dict(value[0] if namespace == "layers" else value)


@pytest.mark.parametrize("namespace, name", CASES)
def test_get_config_from_config(namespace, name):
    cls = _public_classes(namespace)[name]
    obj = cls(**_kwargs(namespace, name))
    config = obj.get_config()
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == config
    # Through JSON, as in a file (tuples come back as lists, as in Keras).
    record = _json(serialize_keras_object(obj))
    assert record["module"].startswith("keras.")
    again = deserialize_keras_object(record)
    assert type(again) is cls
    assert _json(serialize_keras_object(again)) == record


def _json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("name", sorted(k for k, v in LAYERS.items() if v[1] is not None))
def test_layer_outputs_after_round_trip(name):
    kwargs, x = LAYERS[name]
    layer = getattr(keras.layers, name)(**kwargs)
    want = np.asarray(layer(x))
    rebuilt = getattr(keras.layers, name).from_config(layer.get_config())
    if layer.weights:  # weight-free layers (seeded random ones too) compare their first call
        rebuilt(x)
        rebuilt.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(rebuilt(x)), want, atol=1e-6)


def test_models_round_trip():
    seq = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="s")
    inputs = keras.Input((4,))
    fn = keras.Model(inputs, keras.layers.Dense(2)(seq(inputs)), name="f")
    for model in (seq, fn):
        config = model.get_config()
        rebuilt = type(model).from_config(config)
        assert rebuilt.get_config() == config
        rebuilt.set_weights(model.get_weights())
        np.testing.assert_allclose(rebuilt.predict(X24, verbose=0), model.predict(X24, verbose=0))
