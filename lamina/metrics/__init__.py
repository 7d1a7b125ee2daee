"""Metrics with Keras's names: classes, functions, `get`, `serialize`, `deserialize`."""

from lamina.losses.functions import binary_crossentropy as binary_crossentropy
from lamina.losses.functions import binary_focal_crossentropy as binary_focal_crossentropy
from lamina.losses.functions import categorical_crossentropy as categorical_crossentropy
from lamina.losses.functions import (
    categorical_focal_crossentropy as categorical_focal_crossentropy,
)
from lamina.losses.functions import categorical_hinge as categorical_hinge
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
from lamina.metrics.accuracy_metrics import Accuracy as Accuracy
from lamina.metrics.accuracy_metrics import BinaryAccuracy as BinaryAccuracy
from lamina.metrics.accuracy_metrics import CategoricalAccuracy as CategoricalAccuracy
from lamina.metrics.accuracy_metrics import (
    SparseCategoricalAccuracy as SparseCategoricalAccuracy,
)
from lamina.metrics.accuracy_metrics import (
    SparseTopKCategoricalAccuracy as SparseTopKCategoricalAccuracy,
)
from lamina.metrics.accuracy_metrics import TopKCategoricalAccuracy as TopKCategoricalAccuracy
from lamina.metrics.confusion_metrics import AUC as AUC
from lamina.metrics.confusion_metrics import FalseNegatives as FalseNegatives
from lamina.metrics.confusion_metrics import FalsePositives as FalsePositives
from lamina.metrics.confusion_metrics import Precision as Precision
from lamina.metrics.confusion_metrics import Recall as Recall
from lamina.metrics.confusion_metrics import TrueNegatives as TrueNegatives
from lamina.metrics.confusion_metrics import TruePositives as TruePositives
from lamina.metrics.correlation_metrics import ConcordanceCorrelation as ConcordanceCorrelation
from lamina.metrics.correlation_metrics import PearsonCorrelation as PearsonCorrelation
from lamina.metrics.correlation_metrics import concordance_correlation as concordance_correlation
from lamina.metrics.correlation_metrics import pearson_correlation as pearson_correlation
from lamina.metrics.f_score_metrics import F1Score as F1Score
from lamina.metrics.f_score_metrics import FBetaScore as FBetaScore
from lamina.metrics.functions import accuracy as accuracy
from lamina.metrics.functions import binary_accuracy as binary_accuracy
from lamina.metrics.functions import categorical_accuracy as categorical_accuracy
from lamina.metrics.functions import sparse_categorical_accuracy as sparse_categorical_accuracy
from lamina.metrics.functions import (
    sparse_top_k_categorical_accuracy as sparse_top_k_categorical_accuracy,
)
from lamina.metrics.functions import top_k_categorical_accuracy as top_k_categorical_accuracy
from lamina.metrics.hinge_metrics import CategoricalHinge as CategoricalHinge
from lamina.metrics.hinge_metrics import Hinge as Hinge
from lamina.metrics.hinge_metrics import SquaredHinge as SquaredHinge
from lamina.metrics.iou_metrics import BinaryIoU as BinaryIoU
from lamina.metrics.iou_metrics import IoU as IoU
from lamina.metrics.iou_metrics import MeanIoU as MeanIoU
from lamina.metrics.iou_metrics import OneHotIoU as OneHotIoU
from lamina.metrics.iou_metrics import OneHotMeanIoU as OneHotMeanIoU
from lamina.metrics.metric import Metric as Metric
from lamina.metrics.probabilistic_metrics import BinaryCrossentropy as BinaryCrossentropy
from lamina.metrics.probabilistic_metrics import (
    CategoricalCrossentropy as CategoricalCrossentropy,
)
from lamina.metrics.probabilistic_metrics import KLDivergence as KLDivergence
from lamina.metrics.probabilistic_metrics import Poisson as Poisson
from lamina.metrics.probabilistic_metrics import (
    SparseCategoricalCrossentropy as SparseCategoricalCrossentropy,
)
from lamina.metrics.reduction_metrics import Mean as Mean
from lamina.metrics.reduction_metrics import MeanMetricWrapper as MeanMetricWrapper
from lamina.metrics.reduction_metrics import Sum as Sum
from lamina.metrics.regression_metrics import CosineSimilarity as CosineSimilarity
from lamina.metrics.regression_metrics import LogCoshError as LogCoshError
from lamina.metrics.regression_metrics import MeanAbsoluteError as MeanAbsoluteError
from lamina.metrics.regression_metrics import (
    MeanAbsolutePercentageError as MeanAbsolutePercentageError,
)
from lamina.metrics.regression_metrics import MeanSquaredError as MeanSquaredError
from lamina.metrics.regression_metrics import (
    MeanSquaredLogarithmicError as MeanSquaredLogarithmicError,
)
from lamina.metrics.regression_metrics import R2Score as R2Score
from lamina.metrics.regression_metrics import RootMeanSquaredError as RootMeanSquaredError
from lamina.metrics.sensitivity_metrics import PrecisionAtRecall as PrecisionAtRecall
from lamina.metrics.sensitivity_metrics import RecallAtPrecision as RecallAtPrecision
from lamina.metrics.sensitivity_metrics import (
    SensitivityAtSpecificity as SensitivityAtSpecificity,
)
from lamina.metrics.sensitivity_metrics import (
    SpecificityAtSensitivity as SpecificityAtSensitivity,
)
from lamina.metrics.serialization import deserialize as deserialize
from lamina.metrics.serialization import get as get
from lamina.metrics.serialization import serialize as serialize
