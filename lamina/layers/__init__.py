"""Keras layers, implemented on JAX."""

from lamina.core.input_spec import InputSpec as InputSpec
from lamina.core.layer import Layer as Layer
from lamina.layers.activation_layers import ELU as ELU
from lamina.layers.activation_layers import LeakyReLU as LeakyReLU
from lamina.layers.activation_layers import PReLU as PReLU
from lamina.layers.activation_layers import ReLU as ReLU
from lamina.layers.activation_layers import Softmax as Softmax

# Issue 17: EinsumDense, adaptive pooling, ReversibleEmbedding, Wrapper, SpectralNormalization,
# serialize / deserialize.
from lamina.layers.adaptive_pooling import AdaptiveAveragePooling1D as AdaptiveAveragePooling1D  # noqa: E402
from lamina.layers.adaptive_pooling import AdaptiveAveragePooling2D as AdaptiveAveragePooling2D  # noqa: E402
from lamina.layers.adaptive_pooling import AdaptiveAveragePooling3D as AdaptiveAveragePooling3D  # noqa: E402
from lamina.layers.adaptive_pooling import AdaptiveMaxPooling1D as AdaptiveMaxPooling1D  # noqa: E402
from lamina.layers.adaptive_pooling import AdaptiveMaxPooling2D as AdaptiveMaxPooling2D  # noqa: E402
from lamina.layers.adaptive_pooling import AdaptiveMaxPooling3D as AdaptiveMaxPooling3D  # noqa: E402
from lamina.layers.attention.attention import AdditiveAttention as AdditiveAttention
from lamina.layers.attention.attention import Attention as Attention
from lamina.layers.attention.multi_head_attention import MultiHeadAttention as MultiHeadAttention
from lamina.layers.convolutional.conv import Conv1D as Conv1D
from lamina.layers.convolutional.conv import Conv2D as Conv2D
from lamina.layers.convolutional.conv import Conv3D as Conv3D
from lamina.layers.convolutional.conv import Convolution1D as Convolution1D
from lamina.layers.convolutional.conv import Convolution2D as Convolution2D
from lamina.layers.convolutional.conv import Convolution3D as Convolution3D
from lamina.layers.convolutional.conv_transpose import Conv1DTranspose as Conv1DTranspose
from lamina.layers.convolutional.conv_transpose import Conv2DTranspose as Conv2DTranspose
from lamina.layers.convolutional.conv_transpose import Conv3DTranspose as Conv3DTranspose
from lamina.layers.convolutional.conv_transpose import (
    Convolution1DTranspose as Convolution1DTranspose,
)
from lamina.layers.convolutional.conv_transpose import (
    Convolution2DTranspose as Convolution2DTranspose,
)
from lamina.layers.convolutional.conv_transpose import (
    Convolution3DTranspose as Convolution3DTranspose,
)
from lamina.layers.convolutional.separable_depthwise import DepthwiseConv1D as DepthwiseConv1D
from lamina.layers.convolutional.separable_depthwise import DepthwiseConv2D as DepthwiseConv2D
from lamina.layers.convolutional.separable_depthwise import SeparableConv1D as SeparableConv1D
from lamina.layers.convolutional.separable_depthwise import SeparableConv2D as SeparableConv2D
from lamina.layers.convolutional.separable_depthwise import (
    SeparableConvolution1D as SeparableConvolution1D,
)
from lamina.layers.convolutional.separable_depthwise import (
    SeparableConvolution2D as SeparableConvolution2D,
)
from lamina.layers.core import Activation as Activation
from lamina.layers.core import Dense as Dense
from lamina.layers.core import Dropout as Dropout
from lamina.layers.core import Flatten as Flatten
from lamina.layers.einsum_dense import EinsumDense as EinsumDense  # noqa: E402
from lamina.layers.embedding import Embedding as Embedding
from lamina.layers.embedding import Masking as Masking
from lamina.layers.global_pooling import GlobalAveragePooling1D as GlobalAveragePooling1D
from lamina.layers.global_pooling import GlobalAveragePooling2D as GlobalAveragePooling2D
from lamina.layers.global_pooling import GlobalAveragePooling3D as GlobalAveragePooling3D
from lamina.layers.global_pooling import GlobalAvgPool1D as GlobalAvgPool1D
from lamina.layers.global_pooling import GlobalAvgPool2D as GlobalAvgPool2D
from lamina.layers.global_pooling import GlobalAvgPool3D as GlobalAvgPool3D
from lamina.layers.global_pooling import GlobalMaxPool1D as GlobalMaxPool1D
from lamina.layers.global_pooling import GlobalMaxPool2D as GlobalMaxPool2D
from lamina.layers.global_pooling import GlobalMaxPool3D as GlobalMaxPool3D
from lamina.layers.global_pooling import GlobalMaxPooling1D as GlobalMaxPooling1D
from lamina.layers.global_pooling import GlobalMaxPooling2D as GlobalMaxPooling2D
from lamina.layers.global_pooling import GlobalMaxPooling3D as GlobalMaxPooling3D
from lamina.layers.grouped_query_attention import GroupQueryAttention as GroupQueryAttention  # noqa: E402
from lamina.layers.input_layer import Input as Input
from lamina.layers.input_layer import InputLayer as InputLayer
from lamina.layers.jax_layer import FlaxLayer as FlaxLayer  # noqa: E402
from lamina.layers.jax_layer import JaxLayer as JaxLayer  # noqa: E402
from lamina.layers.lambda_layer import Lambda as Lambda
from lamina.layers.mel_spectrogram import MelSpectrogram as MelSpectrogram  # noqa: E402
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
from lamina.layers.noise import ActivityRegularization as ActivityRegularization
from lamina.layers.noise import AlphaDropout as AlphaDropout
from lamina.layers.noise import GaussianDropout as GaussianDropout
from lamina.layers.noise import GaussianNoise as GaussianNoise
from lamina.layers.noise import SpatialDropout1D as SpatialDropout1D
from lamina.layers.noise import SpatialDropout2D as SpatialDropout2D
from lamina.layers.noise import SpatialDropout3D as SpatialDropout3D
from lamina.layers.normalization.batch_normalization import (
    BatchNormalization as BatchNormalization,
)
from lamina.layers.normalization.group_normalization import (
    GroupNormalization as GroupNormalization,
)
from lamina.layers.normalization.layer_normalization import (
    LayerNormalization as LayerNormalization,
)
from lamina.layers.normalization.unit_rms_normalization import (
    RMSNormalization as RMSNormalization,
)
from lamina.layers.normalization.unit_rms_normalization import (
    UnitNormalization as UnitNormalization,
)
from lamina.layers.padding_cropping import Cropping1D as Cropping1D
from lamina.layers.padding_cropping import Cropping2D as Cropping2D
from lamina.layers.padding_cropping import Cropping3D as Cropping3D
from lamina.layers.padding_cropping import ZeroPadding1D as ZeroPadding1D
from lamina.layers.padding_cropping import ZeroPadding2D as ZeroPadding2D
from lamina.layers.padding_cropping import ZeroPadding3D as ZeroPadding3D
from lamina.layers.pooling import AveragePooling1D as AveragePooling1D
from lamina.layers.pooling import AveragePooling2D as AveragePooling2D
from lamina.layers.pooling import AveragePooling3D as AveragePooling3D
from lamina.layers.pooling import AvgPool1D as AvgPool1D
from lamina.layers.pooling import AvgPool2D as AvgPool2D
from lamina.layers.pooling import AvgPool3D as AvgPool3D
from lamina.layers.pooling import MaxPool1D as MaxPool1D
from lamina.layers.pooling import MaxPool2D as MaxPool2D
from lamina.layers.pooling import MaxPool3D as MaxPool3D
from lamina.layers.pooling import MaxPooling1D as MaxPooling1D
from lamina.layers.pooling import MaxPooling2D as MaxPooling2D
from lamina.layers.pooling import MaxPooling3D as MaxPooling3D
from lamina.layers.preprocessing.categorical import CategoryEncoding as CategoryEncoding
from lamina.layers.preprocessing.discretization_hashing import Discretization as Discretization
from lamina.layers.preprocessing.discretization_hashing import Hashing as Hashing
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing as HashedCrossing
from lamina.layers.preprocessing.image_augmentation import RandomFlip as RandomFlip
from lamina.layers.preprocessing.image_augmentation import RandomRotation as RandomRotation
from lamina.layers.preprocessing.image_augmentation import RandomTranslation as RandomTranslation
from lamina.layers.preprocessing.image_augmentation import RandomZoom as RandomZoom
from lamina.layers.preprocessing.image_preprocessing import AugMix as AugMix
from lamina.layers.preprocessing.image_preprocessing import AutoContrast as AutoContrast
from lamina.layers.preprocessing.image_preprocessing import (
    ContrastLimitedAdaptiveHistogramEqualization as ContrastLimitedAdaptiveHistogramEqualization,
)
from lamina.layers.preprocessing.image_preprocessing import CutMix as CutMix
from lamina.layers.preprocessing.image_preprocessing import Equalization as Equalization
from lamina.layers.preprocessing.image_preprocessing import (
    MaxNumBoundingBoxes as MaxNumBoundingBoxes,
)
from lamina.layers.preprocessing.image_preprocessing import MixUp as MixUp
from lamina.layers.preprocessing.image_preprocessing import Pipeline as Pipeline
from lamina.layers.preprocessing.image_preprocessing import RandAugment as RandAugment
from lamina.layers.preprocessing.image_preprocessing import RandomBrightness as RandomBrightness
from lamina.layers.preprocessing.image_preprocessing import (
    RandomColorDegeneration as RandomColorDegeneration,
)
from lamina.layers.preprocessing.image_preprocessing import (
    RandomColorJitter as RandomColorJitter,
)
from lamina.layers.preprocessing.image_preprocessing import RandomContrast as RandomContrast
from lamina.layers.preprocessing.image_preprocessing import RandomCrop as RandomCrop
from lamina.layers.preprocessing.image_preprocessing import (
    RandomElasticTransform as RandomElasticTransform,
)
from lamina.layers.preprocessing.image_preprocessing import RandomErasing as RandomErasing
from lamina.layers.preprocessing.image_preprocessing import (
    RandomGaussianBlur as RandomGaussianBlur,
)
from lamina.layers.preprocessing.image_preprocessing import RandomGrayscale as RandomGrayscale
from lamina.layers.preprocessing.image_preprocessing import RandomHue as RandomHue
from lamina.layers.preprocessing.image_preprocessing import RandomInvert as RandomInvert
from lamina.layers.preprocessing.image_preprocessing import (
    RandomPerspective as RandomPerspective,
)
from lamina.layers.preprocessing.image_preprocessing import (
    RandomPosterization as RandomPosterization,
)
from lamina.layers.preprocessing.image_preprocessing import RandomSaturation as RandomSaturation
from lamina.layers.preprocessing.image_preprocessing import RandomSharpness as RandomSharpness
from lamina.layers.preprocessing.image_preprocessing import RandomShear as RandomShear
from lamina.layers.preprocessing.image_preprocessing import Solarization as Solarization
from lamina.layers.preprocessing.image_resizing import CenterCrop as CenterCrop
from lamina.layers.preprocessing.image_resizing import Resizing as Resizing
from lamina.layers.preprocessing.lookup import IntegerLookup as IntegerLookup
from lamina.layers.preprocessing.lookup import StringLookup as StringLookup
from lamina.layers.preprocessing.rescaling_normalization import Normalization as Normalization
from lamina.layers.preprocessing.rescaling_normalization import Rescaling as Rescaling
from lamina.layers.preprocessing.text_vectorization import (
    TextVectorization as TextVectorization,
)
from lamina.layers.reshaping import Identity as Identity
from lamina.layers.reshaping import Permute as Permute
from lamina.layers.reshaping import RepeatVector as RepeatVector
from lamina.layers.reshaping import Reshape as Reshape
from lamina.layers.reversible_embedding import ReversibleEmbedding as ReversibleEmbedding  # noqa: E402
from lamina.layers.rnn.bidirectional import Bidirectional as Bidirectional
from lamina.layers.rnn.conv_lstm import ConvLSTM1D as ConvLSTM1D
from lamina.layers.rnn.conv_lstm import ConvLSTM2D as ConvLSTM2D
from lamina.layers.rnn.conv_lstm import ConvLSTM3D as ConvLSTM3D
from lamina.layers.rnn.gru import GRU as GRU
from lamina.layers.rnn.gru import GRUCell as GRUCell
from lamina.layers.rnn.lstm import LSTM as LSTM
from lamina.layers.rnn.lstm import LSTMCell as LSTMCell
from lamina.layers.rnn.rnn import RNN as RNN
from lamina.layers.rnn.simple_rnn import SimpleRNN as SimpleRNN
from lamina.layers.rnn.simple_rnn import SimpleRNNCell as SimpleRNNCell
from lamina.layers.rnn.stacked_cells import StackedRNNCells as StackedRNNCells
from lamina.layers.rnn.time_distributed import TimeDistributed as TimeDistributed
from lamina.layers.stft_spectrogram import STFTSpectrogram as STFTSpectrogram  # noqa: E402
from lamina.layers.upsampling import UpSampling1D as UpSampling1D
from lamina.layers.upsampling import UpSampling2D as UpSampling2D
from lamina.layers.upsampling import UpSampling3D as UpSampling3D
from lamina.layers.wrappers import SpectralNormalization as SpectralNormalization  # noqa: E402
from lamina.layers.wrappers import Wrapper as Wrapper  # noqa: E402
from lamina.layers.wrappers import deserialize as deserialize  # noqa: E402
from lamina.layers.wrappers import serialize as serialize  # noqa: E402
