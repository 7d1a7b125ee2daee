"""Small datasets bundled with lamina, loaded Keras-style."""

from lamina.datasets import digits as digits
