"""Runs the vendored test suites of KerasTuner, scikeras and KerasHub under real Keras or lamina.

    SUITE=keras  python tests/ecosystem/run_suites.py [keras_tuner scikeras keras_hub]
    SUITE=lamina python tests/ecosystem/run_suites.py [...]      (`make ecosystem` runs both)

Under `SUITE=lamina`, `keras` is lamina through `LAMINA_AS_KERAS=1` (the plugin
tests/ecosystem/alias_plugin.py imports lamina before anything else). Each suite runs in its own
pytest process with its own configuration (tests/ecosystem/pytest.ini, no lamina conftest), and
the outcome of every test is written to tests/ecosystem/results/<suite>.<library>.json. With
both libraries' results present, `compare` (also run at the end) lists the tests that pass under
Keras and not under lamina.

Options (environment): `SUITE_TIMEOUT` (seconds per suite, default 1800; at the limit the run is
interrupted and the tests that ran are recorded), `SUITE_ARGS` (extra pytest arguments, e.g.
`-k tuner`), `SUITE_FULL=1` (also the slowest test files, `HEAVY` below), and
`SUITE_SELECT_<name>` (a file of test paths or ids, one a line, to run a subset of a suite).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SUITES = HERE / "suites"
RESULTS = HERE / "results"
ALL = ("keras_tuner", "scikeras", "keras_hub")
# Where each suite's tests are (below suites/<name>/) and how pytest imports them: KerasTuner's
# test files are loose modules (`importlib`); scikeras's are the package `tests` (`prepend`).
LAYOUT = {
    "keras_tuner": (".", "importlib"),
    "scikeras": ("tests", "prepend"),
    "keras_hub": (".", "importlib"),
}


# Test files left out unless SUITE_FULL=1: they build large models (KerasTuner's
# HyperResNet/HyperXception/HyperEfficientNet) or run scikit-learn's full estimator checks, and
# take most of a suite's time on a small machine.
HEAVY = {
    "keras_tuner": [
        "applications/efficientnet_test.py",
        "applications/resnet_test.py",
        "applications/xception_test.py",
    ],
    "scikeras": ["tests/test_scikit_learn_checks.py"],
    "keras_hub": [],
}


def _outcomes(junit: Path) -> dict[str, str]:
    """`{test id: passed | failed | error | skipped}` from a JUnit XML report."""
    outcomes = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
        outcomes[name] = outcome
    return outcomes


def run_suite(name: str, library: str) -> dict:
    suite_dir = SUITES / name
    tests_dir, import_mode = LAYOUT[name]
    tests_path = str((suite_dir / tests_dir).resolve())
    env = {k: v for k, v in os.environ.items() if k not in ("LAMINA_AS_KERAS", "PYTEST_ADDOPTS")}
    env["KERAS_BACKEND"] = "jax"
    # shims/ comes last: stand-ins for small test-only packages that are not installed.
    env["PYTHONPATH"] = os.pathsep.join([str(suite_dir), str(ROOT), str(HERE), str(HERE / "shims")])
    if library == "lamina":
        env["LAMINA_AS_KERAS"] = "1"
    RESULTS.mkdir(exist_ok=True)
    junit = RESULTS / f"{name}.{library}.xml"
    junit.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        tests_path,
        "-c",
        str(HERE / "pytest.ini"),
        "--rootdir",
        str(suite_dir),
        "--confcutdir",
        str(suite_dir),
        f"--import-mode={import_mode}",
        "--continue-on-collection-errors",
        "-p",
        "alias_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={junit}",
    ]
    select = os.environ.get(f"SUITE_SELECT_{name}")
    if select:
        lines = [line.strip() for line in Path(select).read_text().splitlines() if line.strip()]
        command += [str(suite_dir / line) for line in lines]
        command.remove(tests_path)
    if os.environ.get("SUITE_FULL") != "1":
        command += [f"--ignore={suite_dir / path}" for path in HEAVY[name]]
    command += shlex.split(os.environ.get("SUITE_ARGS", ""))
    start = time.time()
    timeout = float(os.environ.get("SUITE_TIMEOUT", "1800"))
    proc = subprocess.Popen(
        command, env=env, cwd=suite_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        tail = proc.communicate(timeout=timeout)[0][-3000:]
        timed_out = False
    except subprocess.TimeoutExpired:
        # Interrupted like Ctrl-C, pytest still writes the report of the tests that ran.
        proc.send_signal(signal.SIGINT)
        try:
            tail = proc.communicate(timeout=120)[0][-3000:]
        except subprocess.TimeoutExpired:
            proc.kill()
            tail = proc.communicate()[0][-3000:]
        timed_out = True
    outcomes = _outcomes(junit) if junit.exists() else {}
    counts = {
        k: sum(v == k for v in outcomes.values()) for k in ("passed", "failed", "error", "skipped")
    }
    result = {
        "suite": name,
        "library": library,
        "seconds": round(time.time() - start, 1),
        "timed_out": timed_out,
        "counts": counts,
        "outcomes": outcomes,
    }
    (RESULTS / f"{name}.{library}.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    print(
        f"{name} under {library}: {counts} in {result['seconds']} s"
        + (" (TIMED OUT)" if timed_out else "")
    )
    if not outcomes:
        print(tail)
    return result


def compare(names=ALL) -> None:
    """Prints, per suite, the tests that pass under Keras and do not pass under lamina."""
    for name in names:
        files = [RESULTS / f"{name}.{lib}.json" for lib in ("keras", "lamina")]
        if not all(f.exists() for f in files):
            continue
        keras_run, lamina_run = (json.loads(f.read_text())["outcomes"] for f in files)
        regressions = sorted(
            t for t, o in keras_run.items() if o == "passed" and lamina_run.get(t) != "passed"
        )
        print(f"{name}: {len(regressions)} tests pass under Keras but not under lamina")
        for test in regressions:
            print(f"  {test}: {lamina_run.get(test, 'not run')}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["compare"]:
        compare(argv[1:] or ALL)
        return 0
    library = os.environ.get("SUITE", "lamina")
    if library not in ("keras", "lamina"):
        print(f"SUITE must be 'keras' or 'lamina', received {library!r}")
        return 2
    names = argv or list(ALL)
    unknown = [n for n in names if n not in ALL]
    if unknown:
        print(f"unknown suites {unknown}; choose from {ALL}")
        return 2
    for name in names:
        run_suite(name, library)
    compare(names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
