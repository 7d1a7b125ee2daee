"""Recurrent layers: cells, the `RNN` scan machinery, and the wrappers built on it."""
