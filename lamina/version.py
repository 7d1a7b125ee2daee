"""lamina's version string (a module of its own, so that any package may read it)."""

__version__ = "0.1.0"
