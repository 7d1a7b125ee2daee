"""`keras.applications`: the ImageNet architectures, with Keras's layer names and weight files.

Each builder (`ResNet50`, `EfficientNetB0`, ...) returns a functional model; with
`weights="imagenet"` it downloads the HDF5 file Keras publishes (same origin, name and hash,
into the `models` folder of the cache) and loads it by layer order. The per-family modules
(`lamina.applications.resnet`, ...) also hold `preprocess_input` and `decode_predictions`.
"""

from lamina.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from lamina.applications.convnext import ConvNeXtBase as ConvNeXtBase
from lamina.applications.convnext import ConvNeXtLarge as ConvNeXtLarge
from lamina.applications.convnext import ConvNeXtSmall as ConvNeXtSmall
from lamina.applications.convnext import ConvNeXtTiny as ConvNeXtTiny
from lamina.applications.convnext import ConvNeXtXLarge as ConvNeXtXLarge
from lamina.applications.densenet import DenseNet121 as DenseNet121
from lamina.applications.densenet import DenseNet169 as DenseNet169
from lamina.applications.densenet import DenseNet201 as DenseNet201
from lamina.applications.efficientnet import EfficientNetB0 as EfficientNetB0
from lamina.applications.efficientnet import EfficientNetB1 as EfficientNetB1
from lamina.applications.efficientnet import EfficientNetB2 as EfficientNetB2
from lamina.applications.efficientnet import EfficientNetB3 as EfficientNetB3
from lamina.applications.efficientnet import EfficientNetB4 as EfficientNetB4
from lamina.applications.efficientnet import EfficientNetB5 as EfficientNetB5
from lamina.applications.efficientnet import EfficientNetB6 as EfficientNetB6
from lamina.applications.efficientnet import EfficientNetB7 as EfficientNetB7
from lamina.applications.efficientnet_v2 import EfficientNetV2B0 as EfficientNetV2B0
from lamina.applications.efficientnet_v2 import EfficientNetV2B1 as EfficientNetV2B1
from lamina.applications.efficientnet_v2 import EfficientNetV2B2 as EfficientNetV2B2
from lamina.applications.efficientnet_v2 import EfficientNetV2B3 as EfficientNetV2B3
from lamina.applications.efficientnet_v2 import EfficientNetV2L as EfficientNetV2L
from lamina.applications.efficientnet_v2 import EfficientNetV2M as EfficientNetV2M
from lamina.applications.efficientnet_v2 import EfficientNetV2S as EfficientNetV2S
from lamina.applications.inception_resnet_v2 import InceptionResNetV2 as InceptionResNetV2
from lamina.applications.inception_v3 import InceptionV3 as InceptionV3
from lamina.applications.mobilenet import MobileNet as MobileNet
from lamina.applications.mobilenet_v2 import MobileNetV2 as MobileNetV2
from lamina.applications.mobilenet_v3 import MobileNetV3Large as MobileNetV3Large
from lamina.applications.mobilenet_v3 import MobileNetV3Small as MobileNetV3Small
from lamina.applications.nasnet import NASNetLarge as NASNetLarge
from lamina.applications.nasnet import NASNetMobile as NASNetMobile
from lamina.applications.resnet import ResNet50 as ResNet50
from lamina.applications.resnet import ResNet101 as ResNet101
from lamina.applications.resnet import ResNet152 as ResNet152
from lamina.applications.resnet_v2 import ResNet50V2 as ResNet50V2
from lamina.applications.resnet_v2 import ResNet101V2 as ResNet101V2
from lamina.applications.resnet_v2 import ResNet152V2 as ResNet152V2
from lamina.applications.vgg16 import VGG16 as VGG16
from lamina.applications.vgg19 import VGG19 as VGG19
from lamina.applications.xception import Xception as Xception

__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "Xception",
    "convnext",
    "densenet",
    "efficientnet",
    "efficientnet_v2",
    "imagenet_utils",
    "inception_resnet_v2",
    "inception_v3",
    "mobilenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "nasnet",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
    "xception",
]
