"""Runs every example written in lamina's docstrings (the `>>>` lines), so the API reference's
examples can never go stale. One test per docstring that has examples."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import random

import numpy as np
import pytest

import lamina

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules():
    names = ["lamina"]
    for info in pkgutil.walk_packages(lamina.__path__, prefix="lamina."):
        names.append(info.name)
    return sorted(names)


def _collect():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests, seen = [], set()
    for name in _modules():
        module = importlib.import_module(name)
        for test in finder.find(module, name):
            if not test.examples or test.name in seen:
                continue
            seen.add(test.name)
            tests.append(test)
    return sorted(tests, key=lambda t: t.name)


TESTS = _collect()


def test_examples_are_collected():
    assert len(TESTS) >= 1


@pytest.fixture(autouse=True)
def _restore_random_state():
    py_state, np_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(py_state)
    np.random.set_state(np_state)


@pytest.fixture(autouse=True)
def _restore_global_settings():
    # Examples of the `config` setters change process-wide settings; later tests in the same
    # process must see the defaults again.
    from lamina.core import config, dtype_policy, naming, registry
    from lamina.distribution import distribution_lib

    saved = (
        dict(config._SETTINGS),
        dict(config._FLAGS),
        list(config._SAFE_MODE_GLOBAL),
        list(dtype_policy._GLOBAL_POLICY),
        list(distribution_lib._GLOBAL),
        dict(registry._REGISTERED),
        dict(naming._COUNTERS),
    )
    yield
    config._SETTINGS.clear()
    config._SETTINGS.update(saved[0])
    config._FLAGS.clear()
    config._FLAGS.update(saved[1])
    config._SAFE_MODE_GLOBAL[:] = saved[2]
    dtype_policy._GLOBAL_POLICY[:] = saved[3]
    distribution_lib._GLOBAL[:] = saved[4]
    registry._REGISTERED.clear()
    registry._REGISTERED.update(saved[5])
    naming._COUNTERS.clear()
    naming._COUNTERS.update(saved[6])


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    test.globs = dict(test.globs)
    failures = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)
