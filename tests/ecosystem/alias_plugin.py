"""pytest plugin for tests/ecosystem/run_suites.py: under `LAMINA_AS_KERAS=1`, imports lamina
first, which installs the `keras` -> lamina alias before a suite imports Keras."""

import os

if os.environ.get("LAMINA_AS_KERAS") == "1":
    import lamina  # noqa: F401  (reading LAMINA_AS_KERAS installs the alias)
