"""`keras.ops`: backend-neutral tensor functions that also build functional graphs.

Each function computes on arrays and `Variable`s right away; given a symbolic tensor (from
`keras.Input`) it records a graph node instead, so `Model(inputs, outputs)` replays it.
"""

from lamina.ops import image as image  # keras.ops.image (its own operation records)
from lamina.ops.core import cast as cast
from lamina.ops.core import cond as cond
from lamina.ops.core import convert_to_numpy as convert_to_numpy
from lamina.ops.core import convert_to_tensor as convert_to_tensor
from lamina.ops.core import custom_gradient as custom_gradient
from lamina.ops.core import dtype as dtype
from lamina.ops.core import fori_loop as fori_loop
from lamina.ops.core import is_tensor as is_tensor
from lamina.ops.core import map as map
from lamina.ops.core import scan as scan
from lamina.ops.core import scatter as scatter
from lamina.ops.core import scatter_update as scatter_update
from lamina.ops.core import slice as slice
from lamina.ops.core import slice_update as slice_update
from lamina.ops.core import stop_gradient as stop_gradient
from lamina.ops.core import switch as switch
from lamina.ops.core import unstack as unstack
from lamina.ops.core import vectorized_map as vectorized_map
from lamina.ops.core import while_loop as while_loop
from lamina.ops.math import cholesky as cholesky
from lamina.ops.math import det as det
from lamina.ops.math import eigh as eigh
from lamina.ops.math import erf as erf
from lamina.ops.math import erfc as erfc
from lamina.ops.math import erfinv as erfinv
from lamina.ops.math import in_top_k as in_top_k
from lamina.ops.math import inv as inv
from lamina.ops.math import logdet as logdet
from lamina.ops.math import norm as norm
from lamina.ops.math import qr as qr
from lamina.ops.math import rsqrt as rsqrt
from lamina.ops.math import segment_max as segment_max
from lamina.ops.math import segment_min as segment_min
from lamina.ops.math import segment_prod as segment_prod
from lamina.ops.math import segment_sum as segment_sum
from lamina.ops.math import solve as solve
from lamina.ops.math import svd as svd
from lamina.ops.math import top_k as top_k
from lamina.ops.nn import binary_crossentropy as binary_crossentropy
from lamina.ops.nn import categorical_crossentropy as categorical_crossentropy
from lamina.ops.nn import celu as celu
from lamina.ops.nn import elu as elu
from lamina.ops.nn import gelu as gelu
from lamina.ops.nn import glu as glu
from lamina.ops.nn import hard_shrink as hard_shrink
from lamina.ops.nn import hard_sigmoid as hard_sigmoid
from lamina.ops.nn import hard_silu as hard_silu
from lamina.ops.nn import hard_swish as hard_swish
from lamina.ops.nn import hard_tanh as hard_tanh
from lamina.ops.nn import leaky_relu as leaky_relu
from lamina.ops.nn import log_sigmoid as log_sigmoid
from lamina.ops.nn import log_softmax as log_softmax
from lamina.ops.nn import moments as moments
from lamina.ops.nn import normalize as normalize
from lamina.ops.nn import one_hot as one_hot
from lamina.ops.nn import relu as relu
from lamina.ops.nn import relu6 as relu6
from lamina.ops.nn import selu as selu
from lamina.ops.nn import sigmoid as sigmoid
from lamina.ops.nn import silu as silu
from lamina.ops.nn import soft_shrink as soft_shrink
from lamina.ops.nn import softmax as softmax
from lamina.ops.nn import softplus as softplus
from lamina.ops.nn import softsign as softsign
from lamina.ops.nn import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from lamina.ops.nn import sparse_plus as sparse_plus
from lamina.ops.nn import squareplus as squareplus
from lamina.ops.nn import swish as swish
from lamina.ops.nn import tanh_shrink as tanh_shrink
from lamina.ops.nn import threshold as threshold
from lamina.ops.nn_more import average_pool as average_pool
from lamina.ops.nn_more import batch_normalization as batch_normalization
from lamina.ops.nn_more import conv as conv
from lamina.ops.nn_more import conv_transpose as conv_transpose
from lamina.ops.nn_more import depth_to_space as depth_to_space
from lamina.ops.nn_more import depthwise_conv as depthwise_conv
from lamina.ops.nn_more import dot_product_attention as dot_product_attention
from lamina.ops.nn_more import max_pool as max_pool
from lamina.ops.nn_more import psnr as psnr
from lamina.ops.nn_more import separable_conv as separable_conv
from lamina.ops.nn_more import space_to_depth as space_to_depth
from lamina.ops.nn_more import sparse_sigmoid as sparse_sigmoid
from lamina.ops.nn_more import sparsemax as sparsemax
from lamina.ops.numpy import abs as abs
from lamina.ops.numpy import absolute as absolute
from lamina.ops.numpy import add as add
from lamina.ops.numpy import all as all
from lamina.ops.numpy import amax as amax
from lamina.ops.numpy import amin as amin
from lamina.ops.numpy import any as any
from lamina.ops.numpy import arccos as arccos
from lamina.ops.numpy import arccosh as arccosh
from lamina.ops.numpy import arcsin as arcsin
from lamina.ops.numpy import arcsinh as arcsinh
from lamina.ops.numpy import arctan as arctan
from lamina.ops.numpy import arctan2 as arctan2
from lamina.ops.numpy import arctanh as arctanh
from lamina.ops.numpy import argmax as argmax
from lamina.ops.numpy import argmin as argmin
from lamina.ops.numpy import argsort as argsort
from lamina.ops.numpy import average as average
from lamina.ops.numpy import ceil as ceil
from lamina.ops.numpy import clip as clip
from lamina.ops.numpy import conjugate as conjugate
from lamina.ops.numpy import copy as copy
from lamina.ops.numpy import cos as cos
from lamina.ops.numpy import cosh as cosh
from lamina.ops.numpy import count_nonzero as count_nonzero
from lamina.ops.numpy import cross as cross
from lamina.ops.numpy import cumprod as cumprod
from lamina.ops.numpy import cumsum as cumsum
from lamina.ops.numpy import divide as divide
from lamina.ops.numpy import dot as dot
from lamina.ops.numpy import einsum as einsum
from lamina.ops.numpy import equal as equal
from lamina.ops.numpy import exp as exp
from lamina.ops.numpy import exp2 as exp2
from lamina.ops.numpy import expm1 as expm1
from lamina.ops.numpy import floor as floor
from lamina.ops.numpy import floor_divide as floor_divide
from lamina.ops.numpy import greater as greater
from lamina.ops.numpy import greater_equal as greater_equal
from lamina.ops.numpy import hypot as hypot
from lamina.ops.numpy import imag as imag
from lamina.ops.numpy import inner as inner
from lamina.ops.numpy import isclose as isclose
from lamina.ops.numpy import isfinite as isfinite
from lamina.ops.numpy import isinf as isinf
from lamina.ops.numpy import isnan as isnan
from lamina.ops.numpy import kron as kron
from lamina.ops.numpy import less as less
from lamina.ops.numpy import less_equal as less_equal
from lamina.ops.numpy import log as log
from lamina.ops.numpy import log1p as log1p
from lamina.ops.numpy import log2 as log2
from lamina.ops.numpy import log10 as log10
from lamina.ops.numpy import logaddexp as logaddexp
from lamina.ops.numpy import logical_and as logical_and
from lamina.ops.numpy import logical_not as logical_not
from lamina.ops.numpy import logical_or as logical_or
from lamina.ops.numpy import logical_xor as logical_xor
from lamina.ops.numpy import logsumexp as logsumexp
from lamina.ops.numpy import matmul as matmul
from lamina.ops.numpy import max as max
from lamina.ops.numpy import maximum as maximum
from lamina.ops.numpy import mean as mean
from lamina.ops.numpy import median as median
from lamina.ops.numpy import min as min
from lamina.ops.numpy import minimum as minimum
from lamina.ops.numpy import mod as mod
from lamina.ops.numpy import multiply as multiply
from lamina.ops.numpy import nan_to_num as nan_to_num
from lamina.ops.numpy import negative as negative
from lamina.ops.numpy import not_equal as not_equal
from lamina.ops.numpy import outer as outer
from lamina.ops.numpy import power as power
from lamina.ops.numpy import prod as prod
from lamina.ops.numpy import real as real
from lamina.ops.numpy import reciprocal as reciprocal
from lamina.ops.numpy import round as round
from lamina.ops.numpy import sign as sign
from lamina.ops.numpy import sin as sin
from lamina.ops.numpy import sinh as sinh
from lamina.ops.numpy import sort as sort
from lamina.ops.numpy import sqrt as sqrt
from lamina.ops.numpy import square as square
from lamina.ops.numpy import std as std
from lamina.ops.numpy import subtract as subtract
from lamina.ops.numpy import sum as sum
from lamina.ops.numpy import tan as tan
from lamina.ops.numpy import tanh as tanh
from lamina.ops.numpy import tensordot as tensordot
from lamina.ops.numpy import trace as trace
from lamina.ops.numpy import true_divide as true_divide
from lamina.ops.numpy import trunc as trunc
from lamina.ops.numpy import var as var
from lamina.ops.numpy import vdot as vdot
from lamina.ops.numpy import where as where
from lamina.ops.numpy_arrays import append as append
from lamina.ops.numpy_arrays import arange as arange
from lamina.ops.numpy_arrays import broadcast_to as broadcast_to
from lamina.ops.numpy_arrays import concatenate as concatenate
from lamina.ops.numpy_arrays import diag as diag
from lamina.ops.numpy_arrays import diagonal as diagonal
from lamina.ops.numpy_arrays import digitize as digitize
from lamina.ops.numpy_arrays import empty as empty
from lamina.ops.numpy_arrays import expand_dims as expand_dims
from lamina.ops.numpy_arrays import eye as eye
from lamina.ops.numpy_arrays import flip as flip
from lamina.ops.numpy_arrays import full as full
from lamina.ops.numpy_arrays import full_like as full_like
from lamina.ops.numpy_arrays import get_item as get_item
from lamina.ops.numpy_arrays import hstack as hstack
from lamina.ops.numpy_arrays import identity as identity
from lamina.ops.numpy_arrays import linspace as linspace
from lamina.ops.numpy_arrays import meshgrid as meshgrid
from lamina.ops.numpy_arrays import moveaxis as moveaxis
from lamina.ops.numpy_arrays import ndim as ndim
from lamina.ops.numpy_arrays import ones as ones
from lamina.ops.numpy_arrays import ones_like as ones_like
from lamina.ops.numpy_arrays import pad as pad
from lamina.ops.numpy_arrays import ravel as ravel
from lamina.ops.numpy_arrays import repeat as repeat
from lamina.ops.numpy_arrays import reshape as reshape
from lamina.ops.numpy_arrays import roll as roll
from lamina.ops.numpy_arrays import searchsorted as searchsorted
from lamina.ops.numpy_arrays import shape as shape
from lamina.ops.numpy_arrays import size as size
from lamina.ops.numpy_arrays import split as split
from lamina.ops.numpy_arrays import squeeze as squeeze
from lamina.ops.numpy_arrays import stack as stack
from lamina.ops.numpy_arrays import swapaxes as swapaxes
from lamina.ops.numpy_arrays import take as take
from lamina.ops.numpy_arrays import take_along_axis as take_along_axis
from lamina.ops.numpy_arrays import tile as tile
from lamina.ops.numpy_arrays import transpose as transpose
from lamina.ops.numpy_arrays import tri as tri
from lamina.ops.numpy_arrays import tril as tril
from lamina.ops.numpy_arrays import triu as triu
from lamina.ops.numpy_arrays import vstack as vstack
from lamina.ops.numpy_arrays import zeros as zeros
from lamina.ops.numpy_arrays import zeros_like as zeros_like
from lamina.ops.numpy_more import allclose as allclose
from lamina.ops.numpy_more import angle as angle
from lamina.ops.numpy_more import argpartition as argpartition
from lamina.ops.numpy_more import array as array
from lamina.ops.numpy_more import array_split as array_split
from lamina.ops.numpy_more import bartlett as bartlett
from lamina.ops.numpy_more import bitwise_and as bitwise_and
from lamina.ops.numpy_more import bitwise_invert as bitwise_invert
from lamina.ops.numpy_more import bitwise_left_shift as bitwise_left_shift
from lamina.ops.numpy_more import bitwise_not as bitwise_not
from lamina.ops.numpy_more import bitwise_or as bitwise_or
from lamina.ops.numpy_more import bitwise_right_shift as bitwise_right_shift
from lamina.ops.numpy_more import bitwise_xor as bitwise_xor
from lamina.ops.numpy_more import blackman as blackman
from lamina.ops.numpy_more import cbrt as cbrt
from lamina.ops.numpy_more import conj as conj
from lamina.ops.numpy_more import corrcoef as corrcoef
from lamina.ops.numpy_more import correlate as correlate
from lamina.ops.numpy_more import deg2rad as deg2rad
from lamina.ops.numpy_more import diagflat as diagflat
from lamina.ops.numpy_more import diff as diff
from lamina.ops.numpy_more import divide_no_nan as divide_no_nan
from lamina.ops.numpy_more import dsplit as dsplit
from lamina.ops.numpy_more import dstack as dstack
from lamina.ops.numpy_more import empty_like as empty_like
from lamina.ops.numpy_more import fabs as fabs
from lamina.ops.numpy_more import fliplr as fliplr
from lamina.ops.numpy_more import flipud as flipud
from lamina.ops.numpy_more import fmax as fmax
from lamina.ops.numpy_more import fmin as fmin
from lamina.ops.numpy_more import fmod as fmod
from lamina.ops.numpy_more import gcd as gcd
from lamina.ops.numpy_more import hamming as hamming
from lamina.ops.numpy_more import hanning as hanning
from lamina.ops.numpy_more import heaviside as heaviside
from lamina.ops.numpy_more import hsplit as hsplit
from lamina.ops.numpy_more import i0 as i0
from lamina.ops.numpy_more import isin as isin
from lamina.ops.numpy_more import isneginf as isneginf
from lamina.ops.numpy_more import isposinf as isposinf
from lamina.ops.numpy_more import isreal as isreal
from lamina.ops.numpy_more import kaiser as kaiser
from lamina.ops.numpy_more import lcm as lcm
from lamina.ops.numpy_more import ldexp as ldexp
from lamina.ops.numpy_more import left_shift as left_shift
from lamina.ops.numpy_more import logaddexp2 as logaddexp2
from lamina.ops.numpy_more import nextafter as nextafter
from lamina.ops.numpy_more import rad2deg as rad2deg
from lamina.ops.numpy_more import right_shift as right_shift
from lamina.ops.numpy_more import rot90 as rot90
from lamina.ops.numpy_more import select as select
from lamina.ops.numpy_more import signbit as signbit
from lamina.ops.numpy_more import sinc as sinc
from lamina.ops.numpy_more import trapezoid as trapezoid
from lamina.ops.numpy_more import unravel_index as unravel_index
from lamina.ops.numpy_more import vander as vander
from lamina.ops.numpy_more import vsplit as vsplit
from lamina.ops.numpy_nan import bincount as bincount
from lamina.ops.numpy_nan import geomspace as geomspace
from lamina.ops.numpy_nan import histogram as histogram
from lamina.ops.numpy_nan import logspace as logspace
from lamina.ops.numpy_nan import nanargmax as nanargmax
from lamina.ops.numpy_nan import nanargmin as nanargmin
from lamina.ops.numpy_nan import nancumprod as nancumprod
from lamina.ops.numpy_nan import nancumsum as nancumsum
from lamina.ops.numpy_nan import nanmax as nanmax
from lamina.ops.numpy_nan import nanmean as nanmean
from lamina.ops.numpy_nan import nanmedian as nanmedian
from lamina.ops.numpy_nan import nanmin as nanmin
from lamina.ops.numpy_nan import nanpercentile as nanpercentile
from lamina.ops.numpy_nan import nanprod as nanprod
from lamina.ops.numpy_nan import nanquantile as nanquantile
from lamina.ops.numpy_nan import nanstd as nanstd
from lamina.ops.numpy_nan import nansum as nansum
from lamina.ops.numpy_nan import nanvar as nanvar
from lamina.ops.numpy_nan import percentile as percentile
from lamina.ops.numpy_nan import ptp as ptp
from lamina.ops.numpy_nan import quantile as quantile
from lamina.ops.operation import OpLayer as OpLayer


def _record_whole_calls() -> None:
    """On symbolic tensors, each function with a Keras operation class records its whole call
    (all its arguments), which is what a saved functional config needs."""
    from lamina.core.naming import to_snake_case
    from lamina.ops.keras_operations import KERAS_OPERATIONS
    from lamina.ops.operation import recording

    scope = globals()
    for name, (_, class_name, _, _) in KERAS_OPERATIONS.items():
        if name in scope:
            scope[name] = recording(name, to_snake_case(class_name), scope[name])


_record_whole_calls()


def _bind_symbolic_operators() -> None:
    import sys

    from lamina.core import symbolic

    symbolic.bind_ops(sys.modules[__name__])


_bind_symbolic_operators()

# Issue 17: more ops (spectral, linear algebra, normalization, adaptive pooling, CTC, ...) and the
# Keras sub-namespaces keras.ops.numpy / keras.ops.nn / keras.ops.linalg.
from lamina.ops.namespaces import install as _install_namespaces  # noqa: E402
from lamina.ops.signal_linalg import adaptive_average_pool as adaptive_average_pool  # noqa: E402
from lamina.ops.signal_linalg import adaptive_max_pool as adaptive_max_pool  # noqa: E402
from lamina.ops.signal_linalg import associative_scan as associative_scan  # noqa: E402
from lamina.ops.signal_linalg import cdist as cdist  # noqa: E402
from lamina.ops.signal_linalg import cholesky_inverse as cholesky_inverse  # noqa: E402
from lamina.ops.signal_linalg import ctc_decode as ctc_decode  # noqa: E402
from lamina.ops.signal_linalg import ctc_loss as ctc_loss  # noqa: E402
from lamina.ops.signal_linalg import eig as eig  # noqa: E402
from lamina.ops.signal_linalg import extract_sequences as extract_sequences  # noqa: E402
from lamina.ops.signal_linalg import fft as fft  # noqa: E402
from lamina.ops.signal_linalg import fft2 as fft2  # noqa: E402
from lamina.ops.signal_linalg import fold as fold  # noqa: E402
from lamina.ops.signal_linalg import ifft2 as ifft2  # noqa: E402
from lamina.ops.signal_linalg import irfft as irfft  # noqa: E402
from lamina.ops.signal_linalg import istft as istft  # noqa: E402
from lamina.ops.signal_linalg import jvp as jvp  # noqa: E402
from lamina.ops.signal_linalg import layer_normalization as layer_normalization  # noqa: E402
from lamina.ops.signal_linalg import lstsq as lstsq  # noqa: E402
from lamina.ops.signal_linalg import lu_factor as lu_factor  # noqa: E402
from lamina.ops.signal_linalg import matrix_rank as matrix_rank  # noqa: E402
from lamina.ops.signal_linalg import multi_hot as multi_hot  # noqa: E402
from lamina.ops.signal_linalg import nonzero as nonzero  # noqa: E402
from lamina.ops.signal_linalg import pinv as pinv  # noqa: E402
from lamina.ops.signal_linalg import polar as polar  # noqa: E402
from lamina.ops.signal_linalg import rearrange as rearrange  # noqa: E402
from lamina.ops.signal_linalg import register as _register_more  # noqa: E402
from lamina.ops.signal_linalg import rfft as rfft  # noqa: E402
from lamina.ops.signal_linalg import rms_normalization as rms_normalization  # noqa: E402
from lamina.ops.signal_linalg import saturate_cast as saturate_cast  # noqa: E402
from lamina.ops.signal_linalg import slogdet as slogdet  # noqa: E402
from lamina.ops.signal_linalg import solve_triangular as solve_triangular  # noqa: E402
from lamina.ops.signal_linalg import stft as stft  # noqa: E402
from lamina.ops.signal_linalg import unfold as unfold  # noqa: E402
from lamina.ops.signal_linalg import unique as unique  # noqa: E402
from lamina.ops.signal_linalg import vectorize as vectorize  # noqa: E402
from lamina.ops.signal_linalg import view as view  # noqa: E402
from lamina.ops.signal_linalg import view_as_complex as view_as_complex  # noqa: E402
from lamina.ops.signal_linalg import view_as_real as view_as_real  # noqa: E402

_register_more(globals())
_install_namespaces(globals())
