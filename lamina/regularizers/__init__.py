"""Weight regularizers with Keras 3's classes and lowercase aliases."""

from lamina.regularizers.lookup import deserialize as deserialize
from lamina.regularizers.lookup import get as get
from lamina.regularizers.lookup import serialize as serialize
from lamina.regularizers.orthogonal_regularizer import (
    OrthogonalRegularizer as OrthogonalRegularizer,
)
from lamina.regularizers.orthogonal_regularizer import (
    OrthogonalRegularizer as orthogonal_regularizer,
)
from lamina.regularizers.regularizer import L1 as L1
from lamina.regularizers.regularizer import L1 as l1
from lamina.regularizers.regularizer import L1L2 as L1L2
from lamina.regularizers.regularizer import L1L2 as l1_l2
from lamina.regularizers.regularizer import L2 as L2
from lamina.regularizers.regularizer import L2 as l2
from lamina.regularizers.regularizer import Regularizer as Regularizer
