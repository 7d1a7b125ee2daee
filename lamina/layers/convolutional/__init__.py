"""Convolution layers (re-exported from `lamina.layers`)."""
