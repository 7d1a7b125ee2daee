from lamina.core.config import backend as backend
from lamina.core.config import enable_unsafe_deserialization as enable_unsafe_deserialization
from lamina.core.config import epsilon as epsilon
from lamina.core.config import floatx as floatx
from lamina.core.config import image_data_format as image_data_format
from lamina.core.config import set_epsilon as set_epsilon
from lamina.core.config import set_floatx as set_floatx
from lamina.core.config import set_image_data_format as set_image_data_format
