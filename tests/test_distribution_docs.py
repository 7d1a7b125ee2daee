"""Every code block of docs/distributed.md runs as written: the Python blocks of sections 1 and 2
on 4 virtual CPU devices, the shell block that tries it on a CPU, and the two-process example
(`train.py` and the commands that start it, on a free port)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys

from test_distribution import ROOT, _env, _free_port

DOC = ROOT / "docs" / "distributed.md"


def _blocks(language: str) -> list[tuple[int, str]]:
    """`(offset, code)` of every fenced block in `language`."""
    text = DOC.read_text()
    pattern = re.compile(rf"^```{language}\n(.*?)^```", re.S | re.M)
    return [(m.start(), m.group(1)) for m in pattern.finditer(text)]


def _section_3_start() -> int:
    return DOC.read_text().index("\n## 3.")


def _run(cmd, env, cwd, timeout=180):
    # A session of its own, so that a timeout also ends the processes a shell block started.
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=str(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # only this test's own process group
        except (ProcessLookupError, PermissionError):
            pass
    assert proc.returncode == 0, out[-2000:] + err[-4000:]
    return out


def _with_python(script: str) -> str:
    return re.sub(r"\bpython\b(?= )", shlex.quote(sys.executable), script)


def test_single_process_examples_run(tmp_path):
    code = "\n".join(c for start, c in _blocks("python") if start < _section_3_start())
    assert "DataParallel" in code and "ModelParallel" in code
    out = _run([sys.executable, "-c", code], _env(4), tmp_path)
    assert "cpu:3" in out and "spec=P(None, 'model')" in out


def test_cpu_shell_example_runs(tmp_path):
    (shell,) = [c for start, c in _blocks("bash") if start < _section_3_start()]
    env = _env(4)
    env.pop("XLA_FLAGS")  # the block sets it itself
    out = _run(["bash", "-c", _with_python(shell)], env, tmp_path)
    assert "cpu:3" in out and "NamedSharding" in out


def test_two_process_example_runs(tmp_path):
    (train,) = [c for _, c in _blocks("python") if c.startswith("# train.py")]
    (launch,) = [c for start, c in _blocks("bash") if start > _section_3_start()]
    (tmp_path / "train.py").write_text(train)
    script = _with_python(launch).replace("12355", str(_free_port()))
    env = _env(2)
    env.pop("XLA_FLAGS")
    for name in list(env):
        # Block-buffered output (flushed whole at exit) keeps the two processes' lines apart.
        if name.startswith("KERAS_DISTRIBUTION_") or name == "PYTHONUNBUFFERED":
            env.pop(name)
    out = _run(["bash", "-c", "set -e\n" + script], env, tmp_path, timeout=120)
    lines = sorted(ln.split() for ln in out.splitlines() if re.match(r"^[01] \d", ln))
    assert [ln[0] for ln in lines] == ["0", "1"], out
    assert lines[0][1] == lines[1][1]  # both processes report the same global loss
    assert (tmp_path / "trained.weights.h5").exists()
    assert sorted(os.listdir(tmp_path)) == ["train.py", "trained.weights.h5"]
