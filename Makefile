PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: ecosystem ecosystem-hub demo test lint bench docs clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python examples/quickstart.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check lamina tests bench examples
	$(BIN)/ruff format --check lamina tests bench examples
	$(BIN)/lint-imports

test: $(VENV)/.installed-test lint
	KERAS_BACKEND=jax $(BIN)/python -m pytest tests -n auto --dist loadfile

# The test suites of KerasTuner, scikeras and KerasHub (vendored in tests/ecosystem/suites), under
# real Keras and under lamina (`keras` -> lamina); results in tests/ecosystem/results.
ecosystem: $(VENV)/.installed-test
	SUITE=keras $(BIN)/python tests/ecosystem/run_suites.py
	SUITE=lamina $(BIN)/python tests/ecosystem/run_suites.py

# KerasHub's suite needs TensorFlow and Grain (its TestCase imports them); run it with a Python
# that has them: `make ecosystem-hub HUB_PYTHON=/path/to/venv/bin/python` (tests/ecosystem/PATCHES.md).
HUB_PYTHON ?= python3
ecosystem-hub:
	SUITE=keras $(HUB_PYTHON) tests/ecosystem/run_suites.py keras_hub
	SUITE=lamina $(HUB_PYTHON) tests/ecosystem/run_suites.py keras_hub
	PYTHONPATH=. $(HUB_PYTHON) -m pytest -q -p no:cacheprovider -c tests/ecosystem/pytest.ini tests/ecosystem/test_tf_data_bridge.py

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_fit.py

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[docs]"
	touch $@

docs: $(VENV)/.installed-docs
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV)
