"""`keras.applications`: the ImageNet architectures, with Keras's layer names and weight files.

Each builder (`ResNet50`, `EfficientNetB0`, ...) returns a functional model; with
`weights="imagenet"` it downloads the HDF5 file Keras publishes (same origin, name and hash,
into the `models` folder of the cache) and loads it by layer order. The per-family modules
(`lamina.applications.resnet`, ...) also hold `preprocess_input` and `decode_predictions`.
"""

from lamina.applications import (
    densenet,
    imagenet_utils,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
)
from lamina.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from lamina.applications.resnet import ResNet50, ResNet101, ResNet152
from lamina.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from lamina.applications.vgg16 import VGG16
from lamina.applications.vgg19 import VGG19

__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "ResNet50",
    "ResNet101",
    "ResNet152",
    "ResNet50V2",
    "ResNet101V2",
    "ResNet152V2",
    "VGG16",
    "VGG19",
    "densenet",
    "imagenet_utils",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
]
