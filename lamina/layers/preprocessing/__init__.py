"""Preprocessing layers: rescaling, normalization, image resizing and augmentation, categorical
encoding, discretization, hashing and vocabulary lookup."""
