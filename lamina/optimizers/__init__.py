"""Optimizers (`keras.optimizers`): Keras's names, arguments, numerics and variable layout."""

# Issue 17: keras.optimizers.legacy (names that explain they are TensorFlow-only).
from lamina.optimizers import legacy as legacy  # noqa: E402
from lamina.optimizers import schedules as schedules
from lamina.optimizers.adafactor import Adafactor as Adafactor
from lamina.optimizers.adam import Adam as Adam
from lamina.optimizers.adam import Adamax as Adamax
from lamina.optimizers.adam import AdamW as AdamW
from lamina.optimizers.adam import Nadam as Nadam
from lamina.optimizers.ftrl import Ftrl as Ftrl
from lamina.optimizers.lamb import Lamb as Lamb
from lamina.optimizers.lion import Lion as Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer as LossScaleOptimizer
from lamina.optimizers.multi_optimizer import MultiOptimizer as MultiOptimizer
from lamina.optimizers.multi_optimizer import OptimizerMap as OptimizerMap
from lamina.optimizers.muon import Muon as Muon
from lamina.optimizers.optimizer import Optimizer as Optimizer
from lamina.optimizers.rmsprop import Adadelta as Adadelta
from lamina.optimizers.rmsprop import Adagrad as Adagrad
from lamina.optimizers.rmsprop import RMSprop as RMSprop
from lamina.optimizers.schedule_free_adamw import ScheduleFreeAdamW as ScheduleFreeAdamW
from lamina.optimizers.serialization import deserialize as deserialize
from lamina.optimizers.serialization import get as get
from lamina.optimizers.serialization import serialize as serialize
from lamina.optimizers.sgd import SGD as SGD
