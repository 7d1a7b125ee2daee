"""Quantization configs: how `quantize(config=...)` quantizes weights and activations."""

from __future__ import annotations

from lamina.quantizers.quantizers import AbsMaxQuantizer

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


def _ser(obj):
    from lamina.core.serialization import serialize_keras_object

    return serialize_keras_object(obj)


def _deser(record):
    if record is None or not isinstance(record, dict):
        return record
    from lamina.quantizers import deserialize

    return deserialize(record)


class QuantizationConfig:
    """Base class of quantization configs (subclasses name their `mode`).

    Args:
        weight_quantizer: the quantizer for weights (None: the mode's default).
        activation_quantizer: the quantizer for layer inputs (None: inputs stay float).

    Returns:
        A config to pass as `model.quantize(config=...)`.

    Example:
        >>> from lamina.quantizers import Int8QuantizationConfig
        >>> Int8QuantizationConfig().mode
        'int8'
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError(
            "QuantizationConfig is a base class: use Int8QuantizationConfig, "
            "Int4QuantizationConfig or Float8QuantizationConfig."
        )

    def get_config(self):
        return {
            "weight_quantizer": _ser(self.weight_quantizer),
            "activation_quantizer": _ser(self.activation_quantizer),
        }

    @classmethod
    def from_config(cls, config):
        return cls(
            weight_quantizer=_deser(config.get("weight_quantizer")),
            activation_quantizer=_deser(config.get("activation_quantizer")),
        )

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default


class Int8QuantizationConfig(QuantizationConfig):
    """Config of int8 quantization (default: per-channel weights, per-row abs-max inputs).

    Args:
        weight_quantizer: an int8 quantizer for weights (None: `AbsMaxQuantizer` per channel).
        activation_quantizer: the input quantizer; `"default"` is `AbsMaxQuantizer()`.

    Returns:
        The config.

    Example:
        >>> from lamina.quantizers import Int8QuantizationConfig
        >>> type(Int8QuantizationConfig().activation_quantizer).__name__
        'AbsMaxQuantizer'
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError(
                "Int8QuantizationConfig: `weight_quantizer` must have output_dtype='int8'. "
                f"Received: output_dtype={self.weight_quantizer.output_dtype}"
            )

    @property
    def mode(self):
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """Config of int4 quantization: sub-channel groups of `block_size` inputs with a zero
    point (default 128), or per-channel symmetric scales with `block_size=None`/`-1`.

    Args:
        weight_quantizer: a per-channel quantizer with `value_range=(-8, 7)`.
        activation_quantizer: the input quantizer (`"default"`: none, weights only).
        block_size: the group size, or None/-1 for per-channel scales.

    Returns:
        The config.

    Example:
        >>> from lamina.quantizers import Int4QuantizationConfig
        >>> Int4QuantizationConfig().block_size
        128
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(
                "Int4QuantizationConfig: `block_size` must be None, -1 or a positive integer. "
                f"Received: block_size={block_size}"
            )
        self.block_size = block_size
        grouped = block_size is not None and block_size > 0
        if grouped and (weight_quantizer is not None or self.activation_quantizer is not None):
            raise ValueError(
                "Int4QuantizationConfig: sub-channel quantization (block_size > 0) takes no "
                "custom quantizers. Set block_size=None (or -1) for per-channel quantization, "
                f"or drop the quantizer arguments. Received: block_size={block_size}"
            )
        if self.weight_quantizer is not None:
            if tuple(self.weight_quantizer.value_range) != (-8, 7):
                raise ValueError(
                    "Int4QuantizationConfig: `weight_quantizer` needs value_range=(-8, 7). "
                    f"Received: value_range={self.weight_quantizer.value_range}"
                )
            if self.weight_quantizer.output_dtype != "int8":
                raise ValueError(
                    "Int4QuantizationConfig: `weight_quantizer` needs output_dtype='int8'. "
                    f"Received: output_dtype={self.weight_quantizer.output_dtype}"
                )

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        config = super().get_config()
        config["block_size"] = self.block_size
        return config

    @classmethod
    def from_config(cls, config):
        return cls(
            weight_quantizer=_deser(config.get("weight_quantizer")),
            activation_quantizer=_deser(config.get("activation_quantizer")),
            block_size=config.get("block_size", None),
        )


class Float8QuantizationConfig(QuantizationConfig):
    """Config of float8 training (delayed scaling; no custom quantizers).

    Args:
        None.

    Returns:
        The config.

    Example:
        >>> from lamina.quantizers import Float8QuantizationConfig
        >>> Float8QuantizationConfig().mode
        'float8'
    """

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def validate_and_resolve_config(mode, config):
    """The config for `quantize(mode, config)`: a default one for `mode`, or `config` checked
    against `mode`.

    Args:
        mode: `"int8"`, `"int4"`, `"float8"` or None (then taken from `config`); a mode name
            given as `config` is accepted too.
        config: a `QuantizationConfig`, or None for the mode's default.

    Returns:
        A `QuantizationConfig`.

    Raises:
        ValueError: an unknown mode, a config of another mode, or neither given.
        NotImplementedError: `"gptq"` / `"awq"` (not built in lamina yet).

    Example:
        >>> from lamina.quantizers.quantization_config import validate_and_resolve_config
        >>> type(validate_and_resolve_config("int8", None)).__name__
        'Int8QuantizationConfig'
    """
    if isinstance(config, str):
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        if mode == "int8":
            return Int8QuantizationConfig()
        if mode == "int4":
            return Int4QuantizationConfig()
        if mode == "float8":
            return Float8QuantizationConfig()
        if mode in ("gptq", "awq"):
            raise NotImplementedError(
                f"quantize: mode='{mode}' is not built in lamina yet (see docs/differences.md)."
                " Use 'int8', 'int4' or 'float8'."
            )
        raise ValueError(
            "quantize: pass a `mode` ('int8', 'int4' or 'float8') or a `config` "
            "(a keras.quantizers.QuantizationConfig)."
        )
    if not isinstance(config, QuantizationConfig):
        raise ValueError(
            "quantize: `config` must be a keras.quantizers.QuantizationConfig instance. "
            f"Received: config={config!r} (of type {type(config).__name__})"
        )
    if mode is not None and config.mode != mode:
        raise ValueError(
            f"quantize: contradictory arguments, mode='{mode}' but config.mode='{config.mode}'."
        )
    _validate_mode(config.mode)
    if config.mode in ("gptq", "awq"):
        raise NotImplementedError(
            f"quantize: mode='{config.mode}' ({type(config).__name__}) is not built in lamina "
            "yet (see docs/differences.md): its config and dtype policy exist, the calibration "
            "does not. Use 'int8' or 'int4' (Int4QuantizationConfig) instead."
        )
    return config


def _validate_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(
            f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
            f"Received: mode={mode}"
        )


def get_block_size_for_layer(layer, config):
    """The int4 group size of `layer` (None for per-channel): from `config`, else from the
    layer's `Int4DTypePolicy`.

    Args:
        layer: a layer (quantized or about to be).
        config: the `QuantizationConfig` in use, or None.

    Returns:
        An int, or None.

    Example:
        >>> import lamina as keras
        >>> from lamina.quantizers import Int4QuantizationConfig
        >>> from lamina.quantizers.quantization_config import get_block_size_for_layer
        >>> layer = keras.layers.Dense(4)
        >>> get_block_size_for_layer(layer, Int4QuantizationConfig(block_size=32))
        32
        >>> get_block_size_for_layer(layer, None) is None  # per-channel
        True
    """
    if isinstance(config, Int4QuantizationConfig):
        return config.block_size
    block = getattr(layer.dtype_policy, "block_size", None)
    return None if block in (None, -1) else block
