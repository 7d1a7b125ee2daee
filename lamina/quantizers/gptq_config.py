"""`GPTQConfig` and `AWQConfig`: Keras's configs of the calibrated 4-bit quantization methods.

GPTQ quantizes each layer's weights column by column, correcting the error with the inverse
Hessian of the layer's inputs on calibration data; AWQ scales salient input channels (found
from activation magnitudes) before quantizing. lamina has both configs, with Keras's arguments,
checks and records, and the matching dtype policies; the calibration itself is not built yet,
so `model.quantize(config=...)` with either raises `NotImplementedError` (docs/differences.md).
"""

from __future__ import annotations

from lamina.quantizers.quantization_config import QuantizationConfig


def _check_sizes(num_samples, sequence_length) -> None:
    if num_samples <= 0:
        raise ValueError("num_samples must be a positive integer.")
    if sequence_length <= 0:
        raise ValueError("sequence_length must be a positive integer.")


def _check_group(group_size, what: str) -> None:
    if group_size < -1 or group_size == 0:
        raise ValueError(
            f"Invalid group_size. Supported values are -1 ({what}) or a positive integer, but "
            f"got {group_size}."
        )


class GPTQConfig(QuantizationConfig):
    """The settings of GPTQ quantization (`model.quantize("gptq", config=...)`).

    Not runnable in lamina yet: `quantize` with this config raises `NotImplementedError`. The
    config itself (arguments, checks, `get_config`, `dtype_policy_string`) is Keras's.

    Args:
        dataset: the calibration data: an iterable of strings or of token arrays (not saved in
            the config).
        tokenizer: turns the dataset's strings into tokens (not saved in the config).
        weight_bits: bits per weight: 2, 3, 4 or 8.
        num_samples: how many calibration samples to use.
        per_channel: kept for Keras compatibility (recorded in the config).
        sequence_length: the length of each calibration sample.
        hessian_damping: the fraction of the Hessian's mean diagonal added for stability
            (between 0 and 1).
        group_size: how many weights share a scale: -1 for one per output channel, or a
            positive integer.
        symmetric: symmetric (no zero point) instead of asymmetric quantization.
        activation_order: quantize the columns in order of decreasing activation size.
        quantization_layer_structure: a dict with `"pre_block_layers"` and
            `"sequential_blocks"` (the model's blocks to quantize one after another).

    Example:
        >>> from lamina.quantizers import GPTQConfig
        >>> config = GPTQConfig(dataset=None, tokenizer=None, weight_bits=4, group_size=64)
        >>> config.mode, config.dtype_policy_string()
        ('gptq', 'gptq/4/64')
    """

    def __init__(
        self,
        dataset,
        tokenizer,
        *,
        weight_bits: int = 4,
        num_samples: int = 128,
        per_channel: bool = True,
        sequence_length: int = 512,
        hessian_damping: float = 0.01,
        group_size: int = 128,
        symmetric: bool = False,
        activation_order: bool = False,
        quantization_layer_structure: dict | None = None,
    ):
        super().__init__()
        if weight_bits not in (2, 3, 4, 8):
            raise ValueError(
                f"Unsupported weight_bits {weight_bits}. Supported values are 2, 3, 4, and 8."
            )
        _check_sizes(num_samples, sequence_length)
        if hessian_damping < 0 or hessian_damping > 1:
            raise ValueError("hessian_damping must be between 0 and 1.")
        _check_group(group_size, "whole-tensor")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.num_samples = num_samples
        self.per_channel = per_channel
        self.sequence_length = sequence_length
        self.hessian_damping = hessian_damping
        self.weight_bits = weight_bits
        self.group_size = group_size
        self.symmetric = symmetric
        self.activation_order = activation_order
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self) -> str:
        return "gptq"

    def dtype_policy_string(self) -> str:
        """The mode part of the quantized layers' policy names, e.g. `"gptq/4/128"`."""
        return f"gptq/{self.weight_bits}/{self.group_size}"

    def get_config(self) -> dict:
        return {
            # The calibration data is used once and never saved.
            "dataset": None,
            "tokenizer": None,
            "weight_bits": self.weight_bits,
            "num_samples": self.num_samples,
            "per_channel": self.per_channel,
            "sequence_length": self.sequence_length,
            "hessian_damping": self.hessian_damping,
            "group_size": self.group_size,
            "symmetric": self.symmetric,
            "activation_order": self.activation_order,
            "quantization_layer_structure": self.quantization_layer_structure,
        }

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class AWQConfig(QuantizationConfig):
    """The settings of AWQ (activation-aware weight quantization, 4-bit).

    Not runnable in lamina yet: `quantize` with this config raises `NotImplementedError`. The
    config itself (arguments, checks, `get_config`, `dtype_policy_string`) is Keras's.

    Args:
        dataset: the calibration data: an iterable of strings or of token arrays (not saved in
            the config).
        tokenizer: turns the dataset's strings into tokens (not saved in the config).
        weight_bits: bits per weight; AWQ supports only 4.
        num_samples: how many calibration samples to use.
        sequence_length: the length of each calibration sample.
        group_size: how many weights share a scale: -1 for one per output channel, or a
            positive integer.
        num_grid_points: how many candidate scales the per-channel search tries.
        quantization_layer_structure: a dict with `"pre_block_layers"` and
            `"sequential_blocks"` (the model's blocks to quantize one after another).

    Example:
        >>> from lamina.quantizers import AWQConfig
        >>> config = AWQConfig(dataset=None, tokenizer=None, group_size=-1)
        >>> config.mode, config.dtype_policy_string()
        ('awq', 'awq/4/-1')
    """

    def __init__(
        self,
        dataset,
        tokenizer,
        *,
        weight_bits: int = 4,
        num_samples: int = 128,
        sequence_length: int = 512,
        group_size: int = 128,
        num_grid_points: int = 20,
        quantization_layer_structure: dict | None = None,
    ):
        super().__init__()
        if weight_bits != 4:
            raise ValueError(
                f"AWQ only supports 4-bit quantization. Received weight_bits={weight_bits}."
            )
        _check_sizes(num_samples, sequence_length)
        _check_group(group_size, "per-channel")
        if num_grid_points <= 0:
            raise ValueError("num_grid_points must be a positive integer.")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.weight_bits = weight_bits
        self.num_samples = num_samples
        self.sequence_length = sequence_length
        self.group_size = group_size
        self.num_grid_points = num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self) -> str:
        return "awq"

    def dtype_policy_string(self) -> str:
        """The mode part of the quantized layers' policy names, e.g. `"awq/4/128"`."""
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self) -> dict:
        return {
            # The calibration data is used once and never saved.
            "dataset": None,
            "tokenizer": None,
            "weight_bits": self.weight_bits,
            "num_samples": self.num_samples,
            "sequence_length": self.sequence_length,
            "group_size": self.group_size,
            "num_grid_points": self.num_grid_points,
            "quantization_layer_structure": self.quantization_layer_structure,
        }

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
