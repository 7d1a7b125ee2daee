"""`BatchNormalization`: normalizes with batch statistics in training, moving ones otherwise."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core import state
from lamina.core.config import epsilon as backend_epsilon
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.ops.norm_ops import normalize_with_moments

_RENORM_KEYS = ("rmax", "rmin", "dmax")


def _check_renorm_clipping(renorm_clipping) -> dict:
    clipping = dict(renorm_clipping or {})
    unknown = set(clipping) - set(_RENORM_KEYS)
    if unknown:
        raise ValueError(
            f"BatchNormalization: unknown keys {sorted(unknown)} in `renorm_clipping` "
            f"(received {renorm_clipping}); the supported keys are {list(_RENORM_KEYS)}."
        )
    rmax, rmin, dmax = (clipping.get(k) for k in _RENORM_KEYS)
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ValueError(
            "BatchNormalization: `renorm_clipping` needs rmax >= rmin, received "
            f"rmax={rmax}, rmin={rmin}."
        )
    if dmax is not None and dmax < 0:
        raise ValueError(
            f"BatchNormalization: `renorm_clipping` needs dmax >= 0, received dmax={dmax}."
        )
    return clipping


class BatchNormalization(Layer):
    """Normalizes each feature along `axis` to zero mean and unit variance, then scales by
    `gamma` and shifts by `beta`.

    In training (`fit`, or `training=True`) it uses the statistics of the current batch and
    updates `moving_mean` / `moving_variance` as `moving * momentum + batch * (1 - momentum)`
    (the variance is the biased one). Otherwise, and always when the layer is not trainable, it
    uses the moving statistics. A mask on the input (one axis less than the input), and the
    training engine's mask of padded samples, keep masked entries out of the batch statistics.

    `synchronized=True` is accepted: under lamina's data parallelism the batch statistics are
    already computed over the global batch (Keras supports it only on TensorFlow).

    Args:
        axis: the feature axis (usually the channels' axis) that gets its own statistics.
        momentum: the weight of the old value in the moving statistics' updates.
        epsilon: a small value added to the variance to avoid dividing by zero.
        center: add the learned offset `beta`.
        scale: multiply by the learned factor `gamma`.
        beta_initializer: the initializer of `beta`.
        gamma_initializer: the initializer of `gamma`.
        moving_mean_initializer: the initializer of `moving_mean`.
        moving_variance_initializer: the initializer of `moving_variance`.
        beta_regularizer: a regularizer applied to `beta`.
        gamma_regularizer: a regularizer applied to `gamma`.
        beta_constraint: a constraint applied to `beta`.
        gamma_constraint: a constraint applied to `gamma`.
        renorm: batch renormalization: in training, correct the batch statistics towards the moving
            ones (clipped by `renorm_clipping`).
        renorm_clipping: a dict with `"rmax"`, `"rmin"`, `"dmax"` bounding the corrections (with
            `renorm`).
        renorm_momentum: the momentum of the statistics renormalization uses.
        synchronized: accepted: under data parallelism the statistics already cover the global
            batch.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array.
        training: use the batch's statistics (and update the moving ones) when True.
        mask: optional: entries left out of the batch statistics.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.BatchNormalization()
        >>> x = np.array([[1.0], [3.0]])
        >>> np.round(layer(x, training=True), 4)  # with the batch's mean 2 and variance 1
        Array([[-0.9995],
               [ 0.9995]], dtype=float32)
        >>> layer.moving_mean.numpy()  # 0.99 * 0 + 0.01 * 2
        array([0.02], dtype=float32)
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm: bool = False,
        renorm_clipping: dict | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            try:
                axis = int(axis)
            except (TypeError, ValueError) as e:
                raise type(e)(
                    f"BatchNormalization '{self.name}': `axis` must be an int, received "
                    f"axis={axis!r}."
                ) from None
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized
        self.renorm = renorm
        if renorm:
            renorm_clipping = _check_renorm_clipping(renorm_clipping)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"BatchNormalization '{self.name}': axis={self.axis} is out of range for inputs "
                f"of rank {ndim} (shape {tuple(input_shape)})."
            )
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"BatchNormalization '{self.name}': the axis {self.axis} of the input must be "
                f"known, received input shape {tuple(input_shape)}."
            )
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            name="moving_mean",
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            name="moving_variance",
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        if self.renorm:
            # Batch renormalization tracks standard deviations; they start at the square root
            # of the moving variance's initial value.
            variance_init = self.moving_variance_initializer

            def stddev_init(shape, dtype=None):
                return jnp.sqrt(variance_init(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(
                shape=shape,
                name="moving_stddev",
                initializer=stddev_init,
                trainable=False,
                autocast=False,
            )
            self.renorm_mean = self.add_weight(
                shape=shape,
                name="renorm_mean",
                initializer=self.moving_mean_initializer,
                trainable=False,
                autocast=False,
            )
            self.renorm_stddev = self.add_weight(
                shape=shape,
                name="renorm_stddev",
                initializer=stddev_init,
                trainable=False,
                autocast=False,
            )
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        self._reduction_axes = tuple(a for a in range(ndim) if a != self.axis % ndim)
        self.built = True

    def _sample_weights(self, x, mask):
        """A 0/1 weight broadcastable to `x` for the statistics, or None when every entry
        counts; also whether a user mask took part (Keras adds epsilon to the count then)."""
        weights = None
        if mask is not None:
            weights = jnp.broadcast_to(jnp.expand_dims(mask, -1), x.shape).astype(bool)
            weights = weights.astype(x.dtype)
        batch_mask = state.current_batch_mask()
        if batch_mask is not None and self.axis % x.ndim != 0 and batch_mask.shape[0] == x.shape[0]:
            rows = jnp.reshape(batch_mask, (-1,) + (1,) * (x.ndim - 1)).astype(x.dtype)
            weights = rows if weights is None else weights * rows
        return weights, mask is not None

    def _moments(self, x, mask):
        weights, user_mask = self._sample_weights(x, mask)
        axes = self._reduction_axes
        if weights is None:
            return jnp.mean(x, axis=axes), jnp.var(x, axis=axes)
        weights = jnp.broadcast_to(weights, x.shape)
        count = jnp.sum(weights, axis=axes, keepdims=True)
        if user_mask:
            count = count + backend_epsilon()
        else:
            count = jnp.maximum(count, 1.0)
        mean = jnp.sum(x * weights, axis=axes, keepdims=True) / count
        variance = jnp.sum(jnp.square(x - mean) * weights, axis=axes, keepdims=True) / count
        return jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(
                f"BatchNormalization '{self.name}': the mask must have one axis less than the "
                f"inputs, received mask.shape={mask.shape}, inputs.shape={inputs.shape}."
            )
        x = inputs.astype(jnp.result_type(inputs.dtype, jnp.float32))
        moving_mean = self.moving_mean.value.astype(x.dtype)
        moving_variance = self.moving_variance.value.astype(x.dtype)
        gamma = self.gamma.value.astype(x.dtype) if self.scale else None
        beta = self.beta.value.astype(x.dtype) if self.center else None
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                gamma, beta = self._renorm_transform(mean, variance, gamma, beta, x.dtype)
                self._update_renorm_statistics(mean, variance)
            else:
                m = self.momentum
                self.moving_mean.assign(moving_mean * m + mean * (1.0 - m))
                self.moving_variance.assign(moving_variance * m + variance * (1.0 - m))
        else:
            mean, variance = moving_mean, moving_variance
        outputs = normalize_with_moments(x, mean, variance, self.axis, beta, gamma, self.epsilon)
        return outputs.astype(self.compute_dtype)

    def _renorm_transform(self, mean, variance, gamma, beta, dtype):
        """Folds the renorm correction `(x * r + d)` into the scale and the offset."""
        stddev = jnp.sqrt(variance + self.epsilon)
        renorm_mean = self.renorm_mean.value.astype(mean.dtype)
        renorm_stddev = jnp.maximum(
            self.renorm_stddev.value.astype(mean.dtype), jnp.sqrt(self.epsilon)
        )
        r = stddev / renorm_stddev
        d = (mean - renorm_mean) / renorm_stddev
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = jnp.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = jnp.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = jnp.clip(d, -clip["dmax"], clip["dmax"])
        r = jax.lax.stop_gradient(r)
        d = jax.lax.stop_gradient(d)
        new_gamma = r.astype(dtype) if gamma is None else r * gamma
        new_beta = d.astype(dtype) if gamma is None else d * gamma
        if beta is not None:
            new_beta = new_beta + beta
        return new_gamma, new_beta

    def _update_renorm_statistics(self, mean, variance) -> None:
        stddev = jnp.sqrt(variance + self.epsilon)
        rm = self.renorm_momentum
        self.renorm_mean.assign(self.renorm_mean.value * rm + mean * (1.0 - rm))
        self.renorm_stddev.assign(self.renorm_stddev.value * rm + stddev * (1.0 - rm))
        m = self.momentum
        self.moving_mean.assign(self.moving_mean.value * m + mean * (1.0 - m))
        new_stddev = self.moving_stddev.value * m + stddev * (1.0 - m)
        self.moving_stddev.assign(new_stddev)
        self.moving_variance.assign(jax.nn.relu(new_stddev * new_stddev - self.epsilon))

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(
                f"BatchNormalization '{self.name}': axis={self.axis} is out of range for input "
                f"shape {tuple(input_shape)}."
            )
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer
                ),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized,
                "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum,
            }
        )
        return config
