"""The part of the ecosystem suites (`make ecosystem`, tests/ecosystem) that runs in `make
test`: a few files of KerasTuner's and scikeras's own test suites under lamina, checked against
the outcomes recorded under real Keras 3.15 (tests/ecosystem/results/*.keras.json): every test
of these files that passes under Keras must pass under lamina. The whole suites take ~17 minutes
each on 2 cores, too long for CI; `make ecosystem` runs them."""

import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ECOSYSTEM = ROOT / "tests" / "ecosystem"
SELECTION = {
    "keras_tuner": [
        "engine/tuner_utils_test.py",
        "engine/metrics_tracking_test.py",
        "engine/objective_test.py",
        "engine/trial_test.py",
        "engine/oracle_test.py",
        "tuners/randomsearch_test.py",
        "tuners/gridsearch_test.py",
    ],
    "scikeras": [
        "tests/test_callbacks.py",
        "tests/test_compile_kwargs.py",
        "tests/test_errors.py",
        "tests/test_input_outputs.py",
        "tests/test_serialization.py",
        "tests/test_param_routing.py",
    ],
}


def _run_suites():
    spec = importlib.util.spec_from_file_location("run_suites", ECOSYSTEM / "run_suites.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("suite", sorted(SELECTION))
def test_selected_files_pass_where_keras_passes(suite, tmp_path, monkeypatch):
    pytest.importorskip({"keras_tuner": "keras_tuner", "scikeras": "scikeras"}[suite])
    run_suites = _run_suites()
    monkeypatch.setattr(run_suites, "RESULTS", tmp_path)
    select = tmp_path / "select.txt"
    select.write_text("\n".join(SELECTION[suite]))
    monkeypatch.setenv(f"SUITE_SELECT_{suite}", str(select))
    monkeypatch.setenv("SUITE_TIMEOUT", "600")
    result = run_suites.run_suite(suite, "lamina")
    assert not result["timed_out"]
    recorded = json.loads((ECOSYSTEM / "results" / f"{suite}.keras.json").read_text())
    files = [path.replace("/", ".").removesuffix(".py") for path in SELECTION[suite]]
    expected = {
        test
        for test, outcome in recorded["outcomes"].items()
        if outcome == "passed" and any(test.startswith(f) or f".{f}" in test for f in files)
    }
    assert len(expected) >= 10, sorted(recorded["outcomes"])[:5]  # the selection ran under Keras
    missing = sorted(t for t in expected if result["outcomes"].get(t) != "passed")
    assert not missing, f"pass under Keras, not under lamina: {missing}"
