"""Shared fixtures for the compat tests: real Keras 3 (JAX backend) as a test-only oracle."""

import pytest


@pytest.fixture(scope="session")
def keras():
    """The real Keras package on the JAX backend; skips the test when it is not installed."""
    return pytest.importorskip("keras")
