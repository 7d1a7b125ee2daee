"""Keras layers, implemented on JAX."""

from lamina.core.input_spec import InputSpec as InputSpec
from lamina.core.layer import Layer as Layer
from lamina.layers.core import Activation as Activation
from lamina.layers.core import Dense as Dense
from lamina.layers.core import Dropout as Dropout
from lamina.layers.core import Flatten as Flatten
from lamina.layers.input_layer import Input as Input
from lamina.layers.input_layer import InputLayer as InputLayer
from lamina.layers.merging import Add as Add
from lamina.layers.merging import Average as Average
from lamina.layers.merging import Concatenate as Concatenate
from lamina.layers.merging import Dot as Dot
from lamina.layers.merging import Maximum as Maximum
from lamina.layers.merging import Minimum as Minimum
from lamina.layers.merging import Multiply as Multiply
from lamina.layers.merging import Subtract as Subtract
from lamina.layers.merging import add as add
from lamina.layers.merging import average as average
from lamina.layers.merging import concatenate as concatenate
from lamina.layers.merging import dot as dot
from lamina.layers.merging import maximum as maximum
from lamina.layers.merging import minimum as minimum
from lamina.layers.merging import multiply as multiply
from lamina.layers.merging import subtract as subtract
