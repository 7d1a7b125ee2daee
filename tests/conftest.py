"""Set-up shared by every test file: the JAX backend for the Keras oracle, and process-wide
settings restored after each test, so tests stay independent in any order and under
`pytest -n` (pytest-xdist), where one worker process runs many test files in turn."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest

from lamina.core import config as lamina_config
from lamina.core import dtype_policy
from lamina.distribution import distribution_lib


def _snapshot() -> tuple:
    return (
        dict(lamina_config._SETTINGS),
        dict(lamina_config._FLAGS),
        list(lamina_config._SAFE_MODE_GLOBAL),
        list(dtype_policy._GLOBAL_POLICY),
        list(distribution_lib._GLOBAL),
    )


def _restore(snapshot: tuple) -> None:
    settings, flags, safe_mode, policy, distribution = snapshot
    lamina_config._SETTINGS.clear()
    lamina_config._SETTINGS.update(settings)
    lamina_config._FLAGS.clear()
    lamina_config._FLAGS.update(flags)
    lamina_config._SAFE_MODE_GLOBAL[:] = safe_mode
    dtype_policy._GLOBAL_POLICY[:] = policy
    distribution_lib._GLOBAL[:] = distribution


@pytest.fixture(autouse=True)
def restore_global_settings():
    """Puts lamina's process-wide settings (floatx, epsilon, image data format, flags, safe mode,
    the global dtype policy and distribution) back as they were before the test."""
    snapshot = _snapshot()
    yield
    _restore(snapshot)
