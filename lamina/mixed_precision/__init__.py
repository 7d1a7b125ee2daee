"""Mixed precision: dtype policies (`keras.mixed_precision`)."""

from lamina.core.dtype_policy import DTypePolicy as DTypePolicy
from lamina.core.dtype_policy import DTypePolicy as Policy
from lamina.core.dtype_policy import dtype_policy as dtype_policy
from lamina.core.dtype_policy import dtype_policy as global_policy
from lamina.core.dtype_policy import set_dtype_policy as set_dtype_policy
from lamina.core.dtype_policy import set_dtype_policy as set_global_policy
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer as LossScaleOptimizer
