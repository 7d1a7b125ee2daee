"""lamina: the Keras 3 programming model, written from scratch on JAX and optax.

`import lamina as keras` runs ordinary Keras 3 code.
"""

from lamina import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from lamina.core.dtype_policy import DTypePolicy
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.core.state import StateScope
from lamina.core.variable import Variable
from lamina.layers.input_layer import Input
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object

__version__ = "0.1.0"

__all__ = [
    "DTypePolicy",
    "Input",
    "InputSpec",
    "Layer",
    "Model",
    "Functional",
    "Sequential",
    "SeedGenerator",
    "StateScope",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "deserialize_keras_object",
    "distribution",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "serialize_keras_object",
    "utils",
]
