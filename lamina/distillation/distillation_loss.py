"""Distillation losses: `DistillationLoss` (the base), `LogitsDistillation` and
`FeatureDistillation`, with Keras 3.15's formulas."""

from __future__ import annotations

from lamina import losses as _losses
from lamina import ops, tree


def _as_loss(item):
    if item is None or not isinstance(item, str):
        return item
    fn = _losses.get(item)
    if fn is None:
        raise ValueError(f"Unknown loss function: {item!r}.")
    return fn


def _losses_of(loss, owner: str):
    resolved = tree.map_structure(_as_loss, loss)
    if all(item is None for item in tree.flatten(resolved)):
        raise ValueError(
            f"{owner}: `loss` must contain at least one loss that is not `None`; received {loss!r}."
        )
    return resolved


def _serialize(loss):
    return tree.map_structure(lambda item: None if item is None else _losses.serialize(item), loss)


def _deserialize(config):
    if isinstance(config, dict) and "class_name" in config:
        return _losses.deserialize(config)
    return tree.map_structure(
        lambda item: None if item is None else _losses.deserialize(item), config
    )


class DistillationLoss:
    """Base class of distillation losses: a loss between teacher and student outputs.

    Subclasses implement `compute_loss(teacher_outputs, student_outputs)` and may check the
    outputs (`validate_outputs`) and the two models (`validate_model_compatibility`).

    Args:
        (none: subclasses define their own, e.g. `temperature` for `LogitsDistillation`)

    Example:
        >>> import numpy as np
        >>> from lamina import ops
        >>> from lamina.distillation import DistillationLoss
        >>> class L1Distillation(DistillationLoss):
        ...     def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        ...         return ops.mean(ops.abs(teacher_outputs - student_outputs))
        >>> float(L1Distillation().compute_loss(np.ones((2, 3)), np.zeros((2, 3))))
        1.0
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The loss between the teacher's and the student's outputs.

        Args:
            teacher_outputs: the teacher's outputs (a tensor or a structure of tensors).
            student_outputs: the student's outputs, with the same structure.
            **kwargs: extra arguments a subclass may use.

        Returns:
            A scalar tensor.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement `compute_loss`.")

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Checks that the teacher's and student's outputs have the same structure.

        Args:
            teacher_outputs: the teacher's outputs.
            student_outputs: the student's outputs.
        """
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student):
        """Checks that this loss can be used with these two models (nothing by default).

        Args:
            teacher: the teacher model.
            student: the student model.
        """


class FeatureDistillation(DistillationLoss):
    """Distills features: a loss between the teacher's and the student's activations (of two
    named layers, or of the models' outputs), averaged, summed over outputs.

    Args:
        loss: the loss between features (a name such as `"mse"` or `"cosine_similarity"`, a
            loss object or function), or a structure of them matching the outputs, with
            `None` to skip one. Defaults to `"mse"`.
        teacher_layer_name: the teacher layer whose output is used; `None` for the model's
            outputs.
        student_layer_name: the student layer whose output is used; `None` for the model's
            outputs.

    Example:
        >>> import numpy as np
        >>> from lamina.distillation import FeatureDistillation
        >>> loss = FeatureDistillation(loss="mse")
        >>> float(loss.compute_loss(np.ones((2, 4)), np.zeros((2, 4))))
        1.0
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = _losses_of(loss, "FeatureDistillation")

    def validate_model_compatibility(self, teacher, student):
        """Checks that the named layers exist (and that the models are functional or
        Sequential when layers are named).

        Args:
            teacher: the teacher model.
            student: the student model.
        """
        if self.teacher_layer_name is None and self.student_layer_name is None:
            return
        subclassed = [
            role
            for role, model in (("teacher", teacher), ("student", student))
            if getattr(model, "inputs", None) is None
        ]
        if subclassed:
            raise ValueError(
                "FeatureDistillation with layer names needs functional or Sequential models "
                f"(their intermediate outputs are reachable); the {' and '.join(subclassed)} "
                "model(s) are subclassed. Use FeatureDistillation without layer names, or "
                "LogitsDistillation."
            )
        for role, model, name in (
            ("teacher", teacher, self.teacher_layer_name),
            ("student", student, self.student_layer_name),
        ):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as err:
                    raise ValueError(f"In {role} model: {err}") from err

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Checks that both outputs and `loss` have the same structure.

        Args:
            teacher_outputs: the teacher's features.
            student_outputs: the student's features.
        """
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"FeatureDistillation: the structure of `loss` ({self.loss!r}) does not match "
                f"the outputs': {err}"
            ) from err

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The mean loss between the features, summed over the outputs.

        Args:
            teacher_outputs: the teacher's features.
            student_outputs: the student's features.
            **kwargs: ignored.

        Returns:
            A scalar tensor.
        """

        def one(loss_fn, teacher, student):
            if loss_fn is None:
                return 0.0
            return ops.mean(loss_fn(teacher, student))

        values = tree.map_structure(one, self.loss, teacher_outputs, student_outputs)
        return ops.sum(ops.stack(tree.flatten(values)))

    def get_config(self):
        """The constructor arguments, serialized.

        Returns:
            A dict.
        """
        return {
            "loss": _serialize(self.loss),
            "teacher_layer_name": self.teacher_layer_name,
            "student_layer_name": self.student_layer_name,
        }

    @classmethod
    def from_config(cls, config):
        """A new instance from `get_config()`'s dict.

        Args:
            config: the dict.

        Returns:
            A `FeatureDistillation`.
        """
        config = dict(config)
        config["loss"] = _deserialize(config["loss"])
        return cls(**config)


class LogitsDistillation(DistillationLoss):
    """Distills logits: both models' outputs are divided by `temperature`, then compared.

    With a `keras.losses.KLDivergence` object as the loss, the scaled logits become
    probabilities (softmax) first and the loss is multiplied by `temperature ** 2`; any other
    loss (including the default name `"kl_divergence"`, which is the plain function, as in
    Keras) receives the scaled outputs as they are. The mean over the batch is summed over
    outputs.

    Args:
        temperature: positive number dividing the logits; larger values soften the targets.
            Defaults to `3.0`.
        loss: a loss name, object or function, or a structure of them matching the outputs,
            with `None` to skip one. Defaults to `"kl_divergence"`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distillation import LogitsDistillation
        >>> loss = LogitsDistillation(temperature=2.0, loss=keras.losses.KLDivergence())
        >>> logits = np.array([[2.0, 0.0, -1.0]])
        >>> float(loss.compute_loss(logits, logits))
        0.0
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = _losses_of(loss, "LogitsDistillation")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError(
                f"LogitsDistillation: `temperature` must be a number; received "
                f"{type(temperature).__name__}."
            )
        if temperature <= 0.0:
            raise ValueError(
                f"LogitsDistillation: `temperature` must be positive; received {temperature}."
            )

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The distillation loss between the temperature-scaled outputs.

        Args:
            teacher_outputs: the teacher's logits (a tensor or a structure of them).
            student_outputs: the student's logits, with the same structure.
            **kwargs: ignored.

        Returns:
            A scalar tensor.
        """
        from lamina.losses import KLDivergence

        def scaled(outputs):
            return tree.map_structure(lambda x: ops.divide(x, self.temperature), outputs)

        def one(loss_fn, teacher, student):
            if loss_fn is None:
                return 0.0
            if isinstance(loss_fn, KLDivergence):
                value = ops.mean(
                    loss_fn(ops.softmax(teacher, axis=-1), ops.softmax(student, axis=-1))
                )
                return value * (self.temperature**2)
            return ops.mean(loss_fn(teacher, student))

        values = tree.map_structure(
            one, self.loss, scaled(teacher_outputs), scaled(student_outputs)
        )
        return ops.sum(ops.stack(tree.flatten(values)))

    def get_config(self):
        """The constructor arguments, serialized.

        Returns:
            A dict.
        """
        return {"temperature": self.temperature, "loss": _serialize(self.loss)}

    @classmethod
    def from_config(cls, config):
        """A new instance from `get_config()`'s dict.

        Args:
            config: the dict.

        Returns:
            A `LogitsDistillation`.
        """
        config = dict(config)
        config["loss"] = _deserialize(config["loss"])
        return cls(**config)
