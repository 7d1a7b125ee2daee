"""The sub-namespaces `keras.ops.numpy`, `keras.ops.nn` and `keras.ops.linalg`.

Keras files its functions under these names as well as under `keras.ops`; here each one is a
small module whose attributes are the very same `lamina.ops` functions (looked up on access, so
they always match what `lamina.ops` holds).
"""

from __future__ import annotations

import sys
import types

_NUMPY = """
abs absolute add all allclose amax amin angle any append arange arccos arccosh arcsin
arcsinh arctan arctan2 arctanh argmax argmin argpartition argsort array array_split
average bartlett bincount bitwise_and bitwise_invert bitwise_left_shift bitwise_not
bitwise_or bitwise_right_shift bitwise_xor blackman broadcast_to cbrt ceil clip
concatenate conj conjugate copy corrcoef correlate cos cosh count_nonzero cross cumprod
cumsum deg2rad diag diagflat diagonal diff digitize divide divide_no_nan dot dsplit dstack
einsum empty empty_like equal exp exp2 expand_dims expm1 eye fabs flip fliplr flipud floor
floor_divide fmax fmin fmod full full_like gcd geomspace get_item greater greater_equal
hamming hanning heaviside histogram hsplit hstack hypot i0 identity imag inner isclose
isfinite isin isinf isnan isneginf isposinf isreal kaiser kron lcm ldexp left_shift less
less_equal linspace log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not
logical_or logical_xor logspace matmul max maximum mean median meshgrid min minimum mod
moveaxis multiply nan_to_num nanargmax nanargmin nancumprod nancumsum nanmax nanmean
nanmedian nanmin nanpercentile nanprod nanquantile nanstd nansum nanvar ndim negative
nextafter nonzero not_equal ones ones_like outer pad percentile power prod ptp quantile
rad2deg ravel real reciprocal repeat reshape right_shift roll rot90 round searchsorted
select sign signbit sin sinc sinh size slogdet sort split sqrt square squeeze stack std
subtract sum swapaxes take take_along_axis tan tanh tensordot tile trace transpose
trapezoid tri tril triu true_divide trunc unique unravel_index vander var vdot vectorize
view vsplit vstack where zeros zeros_like
""".split()

_NN = """
adaptive_average_pool adaptive_max_pool average_pool batch_normalization
binary_crossentropy categorical_crossentropy celu conv conv_transpose ctc_decode ctc_loss
depth_to_space depthwise_conv dot_product_attention elu fold gelu glu hard_shrink
hard_sigmoid hard_silu hard_swish hard_tanh layer_normalization leaky_relu log_sigmoid
log_softmax max_pool moments multi_hot normalize one_hot polar psnr relu relu6
rms_normalization selu separable_conv sigmoid silu soft_shrink softmax softplus softsign
space_to_depth sparse_categorical_crossentropy sparse_plus sparse_sigmoid sparsemax
squareplus swish tanh_shrink threshold unfold
""".split()

_LINALG = """
cholesky cholesky_inverse det eig eigh inv jvp lstsq lu_factor matrix_rank norm pinv qr
solve solve_triangular svd
""".split()

_DOCS = {
    "numpy": "NumPy-like array functions of `keras.ops` (`keras.ops.numpy.sum`, ...).",
    "nn": "Neural-network functions of `keras.ops` (`keras.ops.nn.gelu`, ...).",
    "linalg": "Linear-algebra functions of `keras.ops` (`keras.ops.linalg.inv`, ...).",
}
_NAMES = {"numpy": _NUMPY, "nn": _NN, "linalg": _LINALG}


class OpsNamespace(types.ModuleType):
    """A read-only view of some `lamina.ops` functions under a Keras sub-namespace name.

    Args:
        name: `"numpy"`, `"nn"` or `"linalg"`.

    Example:
    >>> import lamina
    >>> lamina.ops.linalg.inv is lamina.ops.inv
    True
    """

    def __init__(self, name: str):
        super().__init__(f"lamina.ops.{name}", _DOCS[name])
        self.__dict__["_public"] = tuple(_NAMES[name])

    def __getattr__(self, attr: str):
        if attr in self.__dict__["_public"]:
            ops = sys.modules["lamina.ops"]
            if attr in vars(ops):
                return vars(ops)[attr]
        raise AttributeError(
            f"module 'lamina.ops.{self.__name__.rsplit('.', 1)[1]}' has no attribute {attr!r}"
        )

    def __dir__(self):
        ops = vars(sys.modules["lamina.ops"])
        return sorted(n for n in self.__dict__["_public"] if n in ops)

    @property
    def __all__(self):
        return self.__dir__()


def install(scope: dict) -> None:
    """Puts the namespaces into `scope` (the `lamina.ops` module's globals) as `numpy`, `nn` and
    `linalg`. The implementation modules stay importable under their own names.

    Args:
        scope: the `lamina.ops` module's globals.

    Example:
        >>> import lamina as keras
        >>> keras.ops.numpy.absolute is keras.ops.absolute, keras.ops.nn.relu is keras.ops.relu
        (True, True)
    """
    for name in _NAMES:
        scope[name] = OpsNamespace(name)
