"""`keras.distillation`: losses that transfer knowledge from a teacher model to a student.

`Distiller` (the model that trains a student from a teacher) is not built yet."""

from lamina.distillation.distillation_loss import DistillationLoss as DistillationLoss
from lamina.distillation.distillation_loss import FeatureDistillation as FeatureDistillation
from lamina.distillation.distillation_loss import LogitsDistillation as LogitsDistillation

__all__ = ["DistillationLoss", "FeatureDistillation", "LogitsDistillation"]
