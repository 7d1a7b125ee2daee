"""The einsum projections MultiHeadAttention uses for its query/key/value/output weights.

They are laid out as Keras's `EinsumDense` sublayers (variables `kernel` and `bias`), so that
weight names, shapes and files match Keras.
"""

from __future__ import annotations

import string

import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.layer import Layer
from lamina.initializers.variance_scaling import VarianceScaling


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str]:
    """An einsum contracting the last `bound_dims` input axes into `output_dims` new axes,
    keeping the first `free_dims` axes. Returns `(equation, bias_axes)`."""
    letters = iter(string.ascii_lowercase)
    free = "".join(next(letters) for _ in range(free_dims))
    bound = "".join(next(letters) for _ in range(bound_dims))
    out = "".join(next(letters) for _ in range(output_dims))
    return f"{free}{bound},{bound}{out}->{free}{out}", out


class EinsumDense(Layer):
    """`einsum(equation, inputs, kernel) + bias`, with the kernel shape read off the equation.

    Args:
        equation: `"<input>,<kernel>-><output>"` in single-letter axes.
        output_shape: the output shape without the batch axis (None for axes taken from the
            input).
        bias_axes: the output letters that get a bias (None: no bias).
    """

    def __init__(
        self,
        equation: str,
        output_shape,
        activation=None,
        bias_axes: str | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        from lamina import activations

        self.equation = equation
        self.partial_output_shape = (
            (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        )
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _sizes(self, input_shape) -> tuple[str, str, dict]:
        inputs, rest = self.equation.split(",")
        kernel, output = rest.split("->")
        sizes = dict(zip(inputs, input_shape))
        for letter, dim in zip(
            output[len(output) - len(self.partial_output_shape) :], self.partial_output_shape
        ):
            if dim is not None:
                sizes[letter] = dim
        return kernel, output, sizes

    def build(self, input_shape):
        kernel, output, sizes = self._sizes(input_shape)
        self.full_output_shape = tuple(sizes.get(c) for c in output)
        self.kernel = self.add_weight(
            name="kernel",
            shape=tuple(sizes[c] for c in kernel),
            initializer=self._fan_aware_initializer(kernel, output),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.bias_axes:
            first = min(output.index(c) for c in self.bias_axes)
            shape = tuple(sizes[c] if c in self.bias_axes else 1 for c in output[first:])
            self.bias = self.add_weight(
                name="bias",
                shape=shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _fan_aware_initializer(self, kernel: str, output: str):
        """A variance-scaling kernel initializer gets the fans of the equivalent dense matrix:
        kernel axes that appear in the output count in the fan-out, the others in the fan-in
        (as Keras's EinsumDense; a (32, 4, 16) query kernel has fans (32, 64))."""
        init = self.kernel_initializer
        if not isinstance(init, VarianceScaling) or (
            init.input_axes is not None and init.output_axes is not None
        ):
            return init
        config = init.get_config()
        config["seed"] = init.seed  # the concrete seed, so an unseeded one keeps its draw
        config["input_axes"] = [i for i, c in enumerate(kernel) if c not in output]
        config["output_axes"] = [i for i, c in enumerate(kernel) if c in output]
        return type(init).from_config(config)

    def call(self, inputs):
        y = jnp.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            y = y + self.bias.value
        return y if self.activation is None else self.activation(y)

    def get_config(self):
        from lamina import activations

        config = super().get_config()
        config.update(
            {
                "output_shape": self.partial_output_shape,
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
