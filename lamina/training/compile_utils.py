"""What `compile` resolves once: losses and metrics matched to the model's outputs.

Strings are resolved against the shapes of the labels and predictions (`'accuracy'` and
`'crossentropy'` pick the binary, sparse or categorical variant as Keras does), losses are
matched to outputs (single, list or dict by output name), and metric names are fixed here, so
the training step does none of this work.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from lamina import losses as losses_module
from lamina import metrics as metrics_module
from lamina.losses.loss import reduce_values


def _variant(y_true_shape, y_pred_shape, binary, sparse, categorical):
    """Which variant of 'crossentropy' or 'accuracy' fits the shapes, as Keras picks it:
    `binary` for one-unit predictions, `sparse` for integer labels, else `categorical`."""
    if y_pred_shape and y_pred_shape[-1] == 1:
        return binary
    if len(y_true_shape) < len(y_pred_shape) or (
        bool(y_true_shape) and y_true_shape[-1] == 1 and (y_pred_shape[-1] or 0) > 1
    ):
        return sparse
    return categorical


def _function_name(obj) -> str:
    return getattr(obj, "name", None) or getattr(obj, "__name__", None) or type(obj).__name__


def resolve_loss(identifier, y_true_shape, y_pred_shape):
    """A loss object (with `.call` and `.reduction`) for `identifier`.

    `"crossentropy"` (or `"ce"`) picks the binary, sparse or categorical variant from the
    shapes, as Keras does; functions are wrapped in `LossFunctionWrapper`.

    Args:
        identifier: a loss name, function or object.
        y_true_shape: the labels' shape.
        y_pred_shape: the predictions' shape.

    Returns:
        A `Loss`.

    Raises:
        ValueError: the identifier names no loss.

    Example:
        >>> from lamina.training.compile_utils import resolve_loss
        >>> type(resolve_loss("ce", (None,), (None, 10))).__name__
        'SparseCategoricalCrossentropy'
    """
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        prefix = _variant(y_true_shape, y_pred_shape, "Binary", "SparseCategorical", "Categorical")
        return getattr(losses_module, f"{prefix}Crossentropy")()
    loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        return loss
    if callable(loss):
        name = identifier if isinstance(identifier, str) else _function_name(loss)
        return losses_module.LossFunctionWrapper(loss, name=name)
    raise ValueError(f"Could not interpret loss {identifier!r}.")


def resolve_metric(identifier, y_true_shape, y_pred_shape):
    """A metric object named as the user wrote it (`'acc'` stays `acc`).

    `"accuracy"` (or `"acc"`) picks the binary, sparse or categorical variant from the
    shapes; functions are wrapped in `MeanMetricWrapper`.

    Args:
        identifier: a metric name, function or object.
        y_true_shape: the labels' shape.
        y_pred_shape: the predictions' shape.

    Returns:
        A `Metric`.

    Example:
        >>> from lamina.training.compile_utils import resolve_metric
        >>> metric = resolve_metric("acc", (None, 1), (None, 1))
        >>> type(metric).__name__, metric.name
        ('BinaryAccuracy', 'acc')
    """
    if identifier is None:
        raise ValueError("compile(metrics=...): received None in the list of metrics.")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        prefix = _variant(y_true_shape, y_pred_shape, "Binary", "SparseCategorical", "Categorical")
        return getattr(metrics_module, f"{prefix}Accuracy")(name=identifier)
    metric = metrics_module.get(identifier)
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric, name=_function_name(metric))
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def check_output_keys(config: dict, output_names, argument: str) -> None:
    """Raises when a dict given to `compile` names an output the model does not have.

    Args:
        config: the dict given to `compile` (keys are output names).
        output_names: the model's output names.
        argument: the `compile` argument's name, for the message.

    Raises:
        ValueError: a key names no output.

    Example:
        >>> from lamina.training.compile_utils import check_output_keys
        >>> check_output_keys({"score": "mse"}, ["label"], "loss")
        Traceback (most recent call last):
        ...
        ValueError: compile(loss=...): keys ['score'] match no output; ...
    """
    unknown = [k for k in config if k not in output_names]
    if unknown:
        raise ValueError(
            f"compile({argument}=...): keys {unknown} match no output; the model's outputs are "
            f"{output_names}."
        )


def check_label_shapes(loss, y_true_shape, y_pred_shape, output_name: str) -> None:
    """Raises a clear error when labels cannot fit the loss (e.g. integer labels with
    `CategoricalCrossentropy`).

    Args:
        loss: the resolved loss.
        y_true_shape: the labels' shape.
        y_pred_shape: the predictions' shape.
        output_name: the output's name ("" for a single output).

    Raises:
        ValueError: the labels cannot fit the loss (the message says how to fix them).

    Example:
        >>> from lamina.losses import CategoricalCrossentropy
        >>> from lamina.training.compile_utils import check_label_shapes
        >>> check_label_shapes(CategoricalCrossentropy(), (None,), (None, 3), "")
        Traceback (most recent call last):
        ...
        ValueError: Labels of shape (None,) do not fit the loss 'categorical_crossentropy', ...
    """
    where = f" for output '{output_name}'" if output_name else ""
    cls = type(loss).__name__
    fn_name = getattr(getattr(loss, "fn", None), "__name__", "")
    categorical = cls == "CategoricalCrossentropy" or fn_name == "categorical_crossentropy"
    sparse = cls == "SparseCategoricalCrossentropy" or fn_name == "sparse_categorical_crossentropy"
    if categorical and tuple(y_true_shape) != tuple(y_pred_shape):
        if len(y_true_shape) < len(y_pred_shape) or (y_true_shape and y_true_shape[-1] == 1):
            raise ValueError(
                f"Labels of shape {tuple(y_true_shape)} do not fit the loss {loss.name!r}"
                f"{where}, which expects one-hot labels of the prediction's shape "
                f"{tuple(y_pred_shape)}. Use loss='sparse_categorical_crossentropy' for integer "
                "labels, or one-hot encode them with keras.utils.to_categorical."
            )
        raise ValueError(
            f"Labels of shape {tuple(y_true_shape)} do not fit the loss {loss.name!r}{where}: "
            f"expected the prediction's shape {tuple(y_pred_shape)}."
        )
    if sparse:
        ok = len(y_true_shape) == len(y_pred_shape) - 1 or (
            len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1
        )
        if not ok:
            raise ValueError(
                f"Labels of shape {tuple(y_true_shape)} do not fit the loss {loss.name!r}"
                f"{where}, which expects integer class ids of shape {tuple(y_pred_shape[:-1])} "
                f"for predictions of shape {tuple(y_pred_shape)}. For one-hot labels use "
                "loss='categorical_crossentropy'."
            )
        return
    if categorical:
        return
    # Elementwise losses: the shapes must broadcast, batch axis aside.
    t, p = tuple(y_true_shape[1:]), tuple(y_pred_shape[1:])
    if len(t) == len(p) + 1 and t[-1:] == (1,):
        t = t[:-1]
    if len(p) == len(t) + 1 and p[-1:] == (1,):
        p = p[:-1]
    for a, b in zip(reversed(t), reversed(p)):
        if a is not None and b is not None and a != b and 1 not in (a, b):
            raise ValueError(
                f"Labels of shape {tuple(y_true_shape)} do not fit the loss {loss.name!r}"
                f"{where}: predictions have shape {tuple(y_pred_shape)}. Give labels the "
                "prediction's shape."
            )


def _one_per_output(config, output_names, argument: str, default=None) -> list:
    """`config` as given to `compile`, one entry per output: from a dict keyed by output name
    (`default` for outputs it does not name), a list of one entry per output, or one entry for
    every output."""
    n = len(output_names)
    if isinstance(config, dict):
        return [config.get(name, default) for name in output_names]
    if isinstance(config, (list, tuple)):
        if len(config) != n:
            raise ValueError(
                f"compile({argument}=...): a list of {len(config)} was given for a model with "
                f"{n} outputs ({output_names}). Give one per output."
            )
        return list(config)
    return [config] * n


@dataclass
class OutputLoss:
    """One loss of `compile`, matched to one model output.

    Args:
        index: the output's position.
        name: the output's name ("" for a single-output model).
        loss: the resolved `Loss`.
        weight: its `loss_weights` factor.

    Example:
        >>> from lamina.losses import MeanSquaredError
        >>> from lamina.training.compile_utils import OutputLoss
        >>> OutputLoss(0, "", MeanSquaredError(), 1.0).weight
        1.0
    """

    index: int
    name: str
    loss: object
    weight: float


def _returns_scalar(loss, y_true_shape, y_pred_shape) -> bool:
    """Whether `loss` reduces a batch to one value (traced on shapes only; False when the
    trace fails, which the real step then reports)."""

    def spec(shape, dtype):
        shape = tuple(2 if d is None else d for d in shape)
        return jax.ShapeDtypeStruct(shape, dtype)

    try:
        out = jax.eval_shape(
            lambda yt, yp: loss.compute_values(yt, yp)[0],
            spec(y_true_shape, "float32"),
            spec(y_pred_shape, "float32"),
        )
    except Exception:
        return False
    return len(out.shape) == 0


class CompileLoss:
    """Losses matched to outputs; computes the weighted total and the per-output values.

    Args:
        loss: what `compile(loss=...)` received: one loss, a list (one per output) or a dict
            (by output name).
        loss_weights: a number, list or dict of per-output factors, or None.

    Example:
        >>> import numpy as np
        >>> from lamina.training.compile_utils import CompileLoss
        >>> compile_loss = CompileLoss("mse")
        >>> compile_loss.build([(None, 1)], [(None, 1)], ["out"])
        >>> total, per_output = compile_loss([np.zeros((2, 1))], [np.ones((2, 1))])
        >>> float(total)
        1.0
    """

    def __init__(self, loss, loss_weights=None):
        self.loss_config = loss
        self.loss_weights_config = loss_weights
        self.entries: list[OutputLoss] | None = None
        # Whether a loss returns one value for the whole batch (already reduced): the engine
        # then gives it the real partial batch, since padded rows cannot be masked out of it.
        self.reduces_batch = False

    def build(self, y_true_shapes, y_pred_shapes, output_names) -> None:
        n = len(y_pred_shapes)
        loss, weights = self.loss_config, self.loss_weights_config
        if isinstance(loss, dict):
            check_output_keys(loss, output_names, "loss")
        per_output = _one_per_output(loss, output_names, "loss")
        w = _one_per_output(1.0 if weights is None else weights, output_names, "loss_weights", 1.0)
        self.entries = []
        for i, identifier in enumerate(per_output):
            if identifier is None:
                continue
            obj = resolve_loss(identifier, y_true_shapes[i], y_pred_shapes[i])
            name = output_names[i] if n > 1 else ""
            check_label_shapes(obj, y_true_shapes[i], y_pred_shapes[i], name)
            self.entries.append(OutputLoss(i, name, obj, float(w[i])))
        self.reduces_batch = any(
            _returns_scalar(e.loss, y_true_shapes[e.index], y_pred_shapes[e.index])
            for e in self.entries
        )

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        """Returns `(total, [per-output loss values])`; `mask` marks real (unpadded) samples."""
        total = jnp.zeros((), "float32")
        per_output = []
        for entry in self.entries:
            yt, yp = y_true[entry.index], y_pred[entry.index]
            sw = sample_weight[entry.index] if sample_weight is not None else None
            values, loss_mask = entry.loss.compute_values(yt, yp, mask=mask)
            value = reduce_values(
                values, sample_weight=sw, reduction=entry.loss.reduction, mask=loss_mask
            )
            value = jnp.asarray(value, "float32")
            per_output.append(value)
            total = total + entry.weight * value
        return total, per_output


class CompileMetrics(metrics_module.Metric):
    """The metrics given to `compile`, as one metric named `compile_metrics` (as in Keras).

    It holds one metric object per (output, identifier); `update_state` takes the model's
    targets and predictions (single, list or dict) and `result()` returns a dict keyed like the
    history (`accuracy`, or `<output>_accuracy` with several outputs). `weighted_metrics`
    receive sample weights, `metrics` do not.

    Args:
        metrics: the `metrics` of `compile` (one, a list, or per output as a list of lists or a
            dict).
        weighted_metrics: the `weighted_metrics` of `compile`, in the same forms.
        name: the metric's name.

    Example:
        >>> import numpy as np
        >>> from lamina.training.compile_utils import CompileMetrics
        >>> metrics = CompileMetrics(["mae"])
        >>> metrics.build([(None, 1)], [(None, 1)], ["out"])
        >>> metrics.update_state(np.zeros((2, 1)), np.full((2, 1), 0.5))
        >>> {k: float(v) for k, v in metrics.result().items()}
        {'mae': 0.5}
    """

    def __init__(self, metrics=None, weighted_metrics=None, name: str = "compile_metrics"):
        super().__init__(name=name)
        self.metrics_config = metrics
        self.weighted_config = weighted_metrics
        self.entries: list[tuple[int, object, bool, str]] | None = None
        self.output_names: list[str] = []

    def _per_output(self, config, output_names, argument):
        n = len(output_names)
        if config is None:
            return [[] for _ in range(n)]
        if isinstance(config, dict):
            check_output_keys(config, output_names, argument)
            out = []
            for name in output_names:
                value = config.get(name, [])
                out.append(list(value) if isinstance(value, (list, tuple)) else [value])
            return out
        if isinstance(config, (list, tuple)):
            if n > 1 and config and all(isinstance(c, (list, tuple)) or c is None for c in config):
                if len(config) != n:
                    raise ValueError(
                        f"compile({argument}=...): {len(config)} lists for {n} outputs."
                    )
                return [list(c or []) for c in config]
            if n > 1 and len(config) == n:
                # As Keras: a list with as many entries as outputs gives one per output.
                return [[c] if c is not None else [] for c in config]
            return [list(config) for _ in range(n)]
        return [[config] for _ in range(n)]

    def build(self, y_true_shapes, y_pred_shapes, output_names) -> None:
        self.entries = []
        self.output_names = list(output_names)
        n = len(output_names)
        for weighted, config, argument in (
            (False, self.metrics_config, "metrics"),
            (True, self.weighted_config, "weighted_metrics"),
        ):
            for i, identifiers in enumerate(self._per_output(config, output_names, argument)):
                for identifier in identifiers:
                    metric = resolve_metric(identifier, y_true_shapes[i], y_pred_shapes[i])
                    if hasattr(metric, "build"):
                        # Metrics whose variables depend on shapes create them now, outside
                        # the traced step.
                        metric.build(y_true_shapes[i], y_pred_shapes[i])
                    key = f"{output_names[i]}_{metric.name}" if n > 1 else metric.name
                    self.entries.append((i, metric, weighted, key))
                    self._metrics.append(metric)

    @property
    def metrics(self) -> list:
        return [m for _, m, _, _ in self.entries or []]

    @property
    def built(self) -> bool:
        return self.entries is not None

    def _flatten(self, value):
        if value is None:
            return None
        if isinstance(value, dict):
            return [value[name] for name in self.output_names]
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value] * len(self.output_names) if len(self.output_names) > 1 else [value]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Updates every metric from the model's targets and predictions (any structure)."""
        self.update_flat(self._flatten(y_true), self._flatten(y_pred), self._flatten(sample_weight))

    def update_flat(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        """Like `update_state` on per-output lists; `mask` marks real (unpadded) samples."""
        for i, metric, weighted, _ in self.entries or []:
            sw = sample_weight[i] if (weighted and sample_weight is not None) else None
            if mask is not None:
                if sw is not None:
                    sw = jnp.asarray(sw, "float32")
                    sw = sw * jnp.reshape(mask, mask.shape + (1,) * (sw.ndim - 1))
                else:
                    sw = mask
            metric.update_state(y_true[i], y_pred[i], sample_weight=sw)

    def result(self) -> dict:
        return {key: metric.result() for _, metric, _, key in self.entries or []}

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def get_config(self) -> dict:
        return {"name": self.name}
