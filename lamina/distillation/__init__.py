"""`keras.distillation`: losses that transfer knowledge from a teacher model to a student."""

from lamina.distillation.distillation_loss import DistillationLoss as DistillationLoss
from lamina.distillation.distillation_loss import FeatureDistillation as FeatureDistillation
from lamina.distillation.distillation_loss import LogitsDistillation as LogitsDistillation
from lamina.distillation.distiller import Distiller as Distiller

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
