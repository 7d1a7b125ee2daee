"""Losses with Keras's names: classes, functions, `get`, `serialize`, `deserialize`."""

from lamina.losses.ctc_loss import CTC as CTC
from lamina.losses.ctc_loss import ctc as ctc
from lamina.losses.functions import binary_crossentropy as binary_crossentropy
from lamina.losses.functions import binary_focal_crossentropy as binary_focal_crossentropy
from lamina.losses.functions import categorical_crossentropy as categorical_crossentropy
from lamina.losses.functions import (
    categorical_focal_crossentropy as categorical_focal_crossentropy,
)
from lamina.losses.functions import categorical_hinge as categorical_hinge
from lamina.losses.functions import cosine_similarity as cosine_similarity
from lamina.losses.functions import hinge as hinge
from lamina.losses.functions import huber as huber
from lamina.losses.functions import kl_divergence as kl_divergence
from lamina.losses.functions import log_cosh as log_cosh
from lamina.losses.functions import mean_absolute_error as mean_absolute_error
from lamina.losses.functions import (
    mean_absolute_percentage_error as mean_absolute_percentage_error,
)
from lamina.losses.functions import mean_squared_error as mean_squared_error
from lamina.losses.functions import (
    mean_squared_logarithmic_error as mean_squared_logarithmic_error,
)
from lamina.losses.functions import poisson as poisson
from lamina.losses.functions import (
    sparse_categorical_crossentropy as sparse_categorical_crossentropy,
)
from lamina.losses.functions import squared_hinge as squared_hinge
from lamina.losses.loss import Loss as Loss
from lamina.losses.loss import reduce_values as reduce_values
from lamina.losses.losses import BinaryCrossentropy as BinaryCrossentropy
from lamina.losses.losses import BinaryFocalCrossentropy as BinaryFocalCrossentropy
from lamina.losses.losses import CategoricalCrossentropy as CategoricalCrossentropy
from lamina.losses.losses import CategoricalFocalCrossentropy as CategoricalFocalCrossentropy
from lamina.losses.losses import CategoricalHinge as CategoricalHinge
from lamina.losses.losses import CosineSimilarity as CosineSimilarity
from lamina.losses.losses import Hinge as Hinge
from lamina.losses.losses import Huber as Huber
from lamina.losses.losses import KLDivergence as KLDivergence
from lamina.losses.losses import LogCosh as LogCosh
from lamina.losses.losses import LossFunctionWrapper as LossFunctionWrapper
from lamina.losses.losses import MeanAbsoluteError as MeanAbsoluteError
from lamina.losses.losses import MeanAbsolutePercentageError as MeanAbsolutePercentageError
from lamina.losses.losses import MeanSquaredError as MeanSquaredError
from lamina.losses.losses import MeanSquaredLogarithmicError as MeanSquaredLogarithmicError
from lamina.losses.losses import Poisson as Poisson
from lamina.losses.losses import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from lamina.losses.losses import SquaredHinge as SquaredHinge
from lamina.losses.robust_losses import (
    CategoricalGeneralizedCrossEntropy as CategoricalGeneralizedCrossEntropy,
)
from lamina.losses.robust_losses import Circle as Circle
from lamina.losses.robust_losses import (
    categorical_generalized_cross_entropy as categorical_generalized_cross_entropy,
)
from lamina.losses.robust_losses import circle as circle
from lamina.losses.segmentation_losses import Dice as Dice
from lamina.losses.segmentation_losses import Tversky as Tversky
from lamina.losses.segmentation_losses import dice as dice
from lamina.losses.segmentation_losses import tversky as tversky
from lamina.losses.serialization import deserialize as deserialize
from lamina.losses.serialization import get as get
from lamina.losses.serialization import serialize as serialize
