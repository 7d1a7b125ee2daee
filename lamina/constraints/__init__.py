"""Weight constraints with Keras 3's classes and lowercase aliases."""

from lamina.constraints.constraint import Constraint as Constraint
from lamina.constraints.constraint import NonNeg as NonNeg
from lamina.constraints.constraint import NonNeg as non_neg
from lamina.constraints.lookup import deserialize as deserialize
from lamina.constraints.lookup import get as get
from lamina.constraints.lookup import serialize as serialize
from lamina.constraints.norm_constraints import MaxNorm as MaxNorm
from lamina.constraints.norm_constraints import MaxNorm as max_norm
from lamina.constraints.norm_constraints import MinMaxNorm as MinMaxNorm
from lamina.constraints.norm_constraints import MinMaxNorm as min_max_norm
from lamina.constraints.norm_constraints import UnitNorm as UnitNorm
from lamina.constraints.norm_constraints import UnitNorm as unit_norm
