"""lamina: the Keras 3 programming model, written from scratch on JAX and optax.

`import lamina as keras` runs ordinary Keras 3 code.
"""

import os

from lamina import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    export,
    initializers,
    layers,
    legacy,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from lamina.core.compilation_cache import enable_default_cache as _enable_default_cache  # noqa: E402
from lamina.core.dtype_policy import DTypePolicy
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object
from lamina.core.state import StateScope
from lamina.core.symbolic import KerasTensor
from lamina.core.variable import Variable
from lamina.initializers import Initializer
from lamina.layers.input_layer import Input
from lamina.losses import Loss
from lamina.metrics import Metric
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.optimizers import Optimizer
from lamina.regularizers import Regularizer
from lamina.version import __version__

_enable_default_cache()


def version() -> str:
    """lamina's own version string (`lamina.__version__`).

    Through `install_as_keras()`, `keras.version()` and `keras.__version__` report the Keras API
    version lamina implements instead, for libraries that check it.

    Args:
        None.

    Returns:
        A version string such as `"0.1.0"`.

    Example:
        >>> import lamina
        >>> lamina.version() == lamina.__version__
        True
    """
    return __version__


def install_as_keras() -> None:
    """Makes `import keras` (and `import keras.<namespace>`) give lamina's modules, in this
    process, for every library imported from now on: KerasTuner, scikeras and other code written
    for Keras 3 then run on lamina.

    Call it first, before anything imports Keras. Setting `LAMINA_AS_KERAS=1` in the environment
    does the same when lamina is imported, and `python -m lamina.keras_alias install-pth` turns
    it on for every program of this Python environment (see docs/ecosystem.md). Through the
    alias, `keras.__version__` and `keras.version()` report the Keras API version lamina
    implements (3.15.1); `keras.config.backend()` is `"jax"`.

    Args:
        None.

    Raises:
        RuntimeError: the real Keras was already imported in this process.

    Example:
        >>> import subprocess, sys
        >>> program = (
        ...     "import lamina; lamina.install_as_keras(); import keras; "
        ...     "print(keras.layers.Dense is lamina.layers.Dense, keras.__version__)")
        >>> print(subprocess.run([sys.executable, "-c", program], capture_output=True,
        ...                      text=True).stdout.strip())
        True 3.15.1
    """
    import _lamina_keras_alias

    _lamina_keras_alias.install()


__all__ = [
    "DTypePolicy",
    "Initializer",
    "KerasTensor",
    "Loss",
    "Metric",
    "Optimizer",
    "Regularizer",
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
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "deserialize_keras_object",
    "distribution",
    "export",
    "initializers",
    "install_as_keras",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "serialize_keras_object",
    "tree",
    "utils",
    "version",
]

# Issue 17: Keras's top-level scopes and dtype policies.
from lamina.core.scopes import RematScope as RematScope  # noqa: E402
from lamina.core.scopes import StatelessScope as StatelessScope  # noqa: E402
from lamina.core.scopes import SymbolicScope as SymbolicScope  # noqa: E402
from lamina.core.scopes import device as device  # noqa: E402
from lamina.core.scopes import name_scope as name_scope  # noqa: E402
from lamina.core.scopes import remat as remat  # noqa: E402

__all__ += ["RematScope", "StatelessScope", "SymbolicScope", "device", "name_scope", "remat"]
from lamina import dtype_policies as dtype_policies  # noqa: E402
from lamina.dtype_policies import FloatDTypePolicy as FloatDTypePolicy  # noqa: E402

__all__ += ["FloatDTypePolicy", "dtype_policies"]
# Quantization (issue 20): `keras.quantizers` and `keras.Quantizer`.
from lamina import quantizers  # noqa: E402
from lamina.quantizers import Quantizer  # noqa: E402

__all__ += ["quantizers", "Quantizer"]

# Issue 17: scikit-learn wrappers, visualization and distillation (optional extras inside).
from lamina import distillation as distillation  # noqa: E402
from lamina import visualization as visualization  # noqa: E402
from lamina import wrappers as wrappers  # noqa: E402

__all__ += ["distillation", "visualization", "wrappers"]

# Issue 17: `keras.Operation` (the base of layers and ops) and `keras.Function`.
from lamina.core.operation import Function as Function  # noqa: E402
from lamina.core.operation import Operation as Operation  # noqa: E402

__all__ += ["Function", "Operation"]

if os.environ.get("LAMINA_AS_KERAS", "").strip().lower() in ("1", "true", "yes", "on"):
    install_as_keras()
