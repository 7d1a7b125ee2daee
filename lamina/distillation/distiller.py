"""`Distiller`: a model that trains a student from a frozen teacher (Keras 3.15's
`keras.distillation.Distiller`)."""

from __future__ import annotations

from lamina import ops, tree
from lamina.distillation.distillation_loss import _as_loss
from lamina.models.model import Model


class Distiller(Model):
    """Trains a student model to match a frozen teacher model (knowledge distillation).

    The loss of each training step is
    `student_loss_weight * student_loss + (1 - student_loss_weight) * distillation_loss`,
    where `student_loss` is the `loss` given to `compile` on the student's predictions and
    `distillation_loss` is the weighted sum of the `distillation_losses` between teacher and
    student outputs. The teacher is frozen; calling the distiller
    runs the student. The metrics `student_loss`, `distillation_loss` and `total_loss` track
    the three parts.

    Args:
        teacher: the trained teacher model (made non-trainable).
        student: the student model to train.
        distillation_losses: a `DistillationLoss` (`LogitsDistillation`,
            `FeatureDistillation`, ...) or a list of them. A loss with layer names
            (`FeatureDistillation(teacher_layer_name=..., student_layer_name=...)`) compares
            those layers' outputs.
        distillation_loss_weights: one weight per distillation loss. Defaults to 1.0 each.
        student_loss_weight: the share of the student's own loss, in `[0, 1]`. Defaults to
            `0.5`.
        name: the model name. Defaults to `"distiller"`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distillation import Distiller, LogitsDistillation
        >>> def mlp(width):
        ...     return keras.Sequential([keras.Input((4,)), keras.layers.Dense(width, "relu"),
        ...                              keras.layers.Dense(3)])
        >>> distiller = Distiller(teacher=mlp(16), student=mlp(4),
        ...                       distillation_losses=LogitsDistillation(temperature=3.0))
        >>> distiller.compile(optimizer="adam",
        ...     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        >>> x, y = np.random.rand(32, 4), np.random.randint(0, 3, 32)
        >>> history = distiller.fit(x, y, epochs=1, verbose=0)
        >>> sorted(history.history)
        ['distillation_loss', 'loss', 'student_loss', 'total_loss']
    """

    def __init__(
        self,
        teacher,
        student,
        distillation_losses,
        distillation_loss_weights=None,
        student_loss_weight=0.5,
        name="distiller",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.teacher = teacher
        self.student = student
        if isinstance(student_loss_weight, bool) or not isinstance(
            student_loss_weight, (int, float)
        ):
            raise ValueError(
                "Distiller: `student_loss_weight` must be a number in [0, 1]; received "
                f"{type(student_loss_weight).__name__}."
            )
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(
                "Distiller: `student_loss_weight` must be between 0.0 and 1.0; received "
                f"{student_loss_weight}."
            )
        self.student_loss_weight = student_loss_weight
        if distillation_losses is None:
            raise ValueError(
                "Distiller: `distillation_losses` cannot be None; pass a distillation loss "
                "(e.g. LogitsDistillation() or FeatureDistillation()) or a list of them."
            )
        if not isinstance(distillation_losses, (list, tuple)):
            distillation_losses, distillation_loss_weights = [distillation_losses], [1.0]
        distillation_losses = list(distillation_losses)
        if distillation_loss_weights is None:
            distillation_loss_weights = [1.0] * len(distillation_losses)
        if len(distillation_loss_weights) != len(distillation_losses):
            raise ValueError(
                f"Distiller: {len(distillation_loss_weights)} `distillation_loss_weights` for "
                f"{len(distillation_losses)} `distillation_losses`; give one weight per loss."
            )
        self.distillation_losses = distillation_losses
        self.distillation_loss_weights = list(distillation_loss_weights)
        for loss in self.distillation_losses:
            loss.validate_model_compatibility(teacher, student)

        self.teacher.trainable = False
        # Losses on named intermediate layers read them from one extra forward pass of a
        # functional model over the same layers (the teacher's frozen, the student's training).
        self._teacher_feature_extractor = _feature_extractor(
            teacher, [getattr(loss, "teacher_layer_name", None) for loss in distillation_losses]
        )
        self._student_feature_extractor = _feature_extractor(
            student, [getattr(loss, "student_layer_name", None) for loss in distillation_losses]
        )
        from lamina.metrics import Mean

        self.student_loss_tracker = Mean(name="student_loss")
        self.distillation_loss_tracker = Mean(name="distillation_loss")
        self.total_loss_tracker = Mean(name="total_loss")

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configures training; `loss` is the student's own loss (required).

        Args:
            optimizer: the optimizer. Defaults to `"adam"`.
            loss: the student's loss (name, object or function; a structure for several
                outputs).
            metrics: a list of metrics on the student's predictions.
            **kwargs: other `Model.compile` arguments.
        """
        if loss is None:
            raise ValueError(
                "Distiller.compile: `loss` (the student's own loss) cannot be None; pass "
                "e.g. loss='sparse_categorical_crossentropy'."
            )
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(
                "Distiller.compile: `metrics` must be a list or tuple; received "
                f"{type(metrics).__name__}."
            )
        self._student_loss = tree.map_structure(_as_loss, loss)
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def call(self, inputs, training=None, **kwargs):
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            values = tree.flatten(
                tree.map_structure(lambda fn, t, p: fn(t, p), self._student_loss, y, y_pred)
            )
            student_loss = ops.sum(ops.stack(values)) if len(values) > 1 else values[0]
            if len(getattr(student_loss, "shape", ())) > 0:
                student_loss = ops.mean(student_loss)
        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            if self._teacher_feature_extractor is not None:
                teacher_features = self._teacher_feature_extractor(x, training=False)
            else:
                teacher_features = {"final_output": self.teacher(x, training=False)}
            if self._student_feature_extractor is not None:
                student_features = self._student_feature_extractor(x, training=True)
            else:
                student_features = {"final_output": y_pred}
            for loss_fn, weight in zip(self.distillation_losses, self.distillation_loss_weights):
                if getattr(loss_fn, "teacher_layer_name", None) is not None:
                    teacher_out = teacher_features[loss_fn.teacher_layer_name]
                    student_out = student_features[loss_fn.student_layer_name or "final_output"]
                else:
                    teacher_out, student_out = teacher_features["final_output"], y_pred
                loss_fn.validate_outputs(teacher_out, student_out)
                value = loss_fn.compute_loss(teacher_out, student_out)
                if len(getattr(value, "shape", ())) > 0:
                    raise ValueError(
                        f"Distiller: {type(loss_fn).__name__}.compute_loss returned a loss of "
                        f"shape {tuple(value.shape)}; it must return a scalar."
                    )
                distillation_loss = ops.add(distillation_loss, ops.multiply(weight, value))
        total = ops.add(
            ops.multiply(self.student_loss_weight, student_loss),
            ops.multiply(1.0 - self.student_loss_weight, distillation_loss),
        )
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total)
        return total

    def get_config(self):
        """The constructor arguments, with the two models and the losses serialized.

        Returns:
            A dict.
        """
        from lamina.core.serialization import serialize_keras_object

        return {
            "name": self.name,
            "trainable": self.trainable,
            "teacher": serialize_keras_object(self.teacher),
            "student": serialize_keras_object(self.student),
            "distillation_losses": [
                {"class_name": type(loss).__name__, "config": loss.get_config()}
                for loss in self.distillation_losses
            ],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new `Distiller` from `get_config()`'s dict.

        Args:
            config: the dict.
            custom_objects: optional dict of custom classes for the models.

        Returns:
            A `Distiller`.
        """
        from lamina.core.serialization import deserialize_keras_object
        from lamina.distillation import distillation_loss as losses_module

        config = dict(config)
        config["teacher"] = deserialize_keras_object(config["teacher"], custom_objects)
        config["student"] = deserialize_keras_object(config["student"], custom_objects)
        config["distillation_losses"] = [
            getattr(losses_module, item["class_name"]).from_config(item["config"])
            for item in config["distillation_losses"]
        ]
        return cls(**config)


def _feature_extractor(model, layer_names):
    """A functional model over `model`'s layers returning `{"final_output": ..., name: the
    named layer's output, ...}`, or None when no loss names a layer of `model`."""
    names = list(dict.fromkeys(name for name in layer_names if name))
    if not names:
        return None
    if getattr(model, "inputs", None) is None:
        raise ValueError(
            f"Distiller: cannot read the intermediate layers {names} of '{model.name}': it has "
            "no symbolic inputs. Build it as a Sequential with an Input or as a functional "
            "model, or call it once on data."
        )
    from lamina.models.functional import Functional

    outputs = {"final_output": model.layers[-1].output if _is_sequential(model) else model.output}
    for name in names:
        outputs[name] = model.get_layer(name=name).output
    return Functional(model.inputs, outputs, name=f"{model.name}_multi_feature_extractor")


def _is_sequential(model):
    from lamina.models.sequential import Sequential

    return isinstance(model, Sequential)
