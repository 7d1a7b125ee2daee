"""lamina.install_as_keras(): `import keras` gives lamina, opt-in only. Every check runs in a
fresh process (installing the alias here would hide the real Keras from the oracle tests)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from test_guide import extract_blocks

ROOT = Path(__file__).resolve().parent.parent


def run(code: str, **env):
    full = {k: v for k, v in os.environ.items() if k != "LAMINA_AS_KERAS"}
    full.update(PYTHONPATH=str(ROOT), LAMINA_COMPILATION_CACHE="0", **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full,
        timeout=600,
    )


def test_alias_gives_lamina_and_reports_the_keras_api_version():
    out = run(
        """
        import lamina
        lamina.install_as_keras()
        import keras, keras.layers, keras.src.ops
        from keras.src.saving.saving_lib import load_model
        from keras import ops
        assert keras.layers is lamina.layers and keras.src.ops is lamina.ops
        assert keras.Sequential is lamina.Sequential and ops is lamina.ops
        assert load_model is lamina.saving.saving_lib.load_model
        print(keras.__version__, keras.version(), lamina.__version__, lamina.version(),
              keras.config.backend())
        try:
            import keras.src.engine.base_layer
        except ModuleNotFoundError as err:
            print("refused:", err)
        try:
            import keras.nonexistent
        except ModuleNotFoundError as err:
            print("missing:", err)
        """
    )
    assert out.returncode == 0, out.stderr[-3000:]
    first, refused, missing = out.stdout.strip().splitlines()
    assert first.split() == ["3.15.1", "3.15.1", "0.1.0", "0.1.0", "jax"]
    assert "keras.src.engine" in refused and "Keras internal" in refused
    assert "keras.nonexistent" in missing


def test_after_the_real_keras_is_an_error_that_says_how_to_fix():
    out = run(
        """
        import keras
        import lamina
        try:
            lamina.install_as_keras()
        except RuntimeError as err:
            print(err)
        """,
        KERAS_BACKEND="jax",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "already imported" in out.stdout and "LAMINA_AS_KERAS=1" in out.stdout


def test_environment_variable_and_no_effect_without_opt_in():
    on = run(
        "import lamina, keras; print(keras.layers.Dense is lamina.layers.Dense)",
        LAMINA_AS_KERAS="1",
    )
    assert on.returncode == 0 and on.stdout.strip() == "True", on.stderr[-2000:]
    off = run("import lamina, keras; print(keras.__file__)", KERAS_BACKEND="jax")
    assert off.returncode == 0, off.stderr[-2000:]
    assert "site-packages/keras" in off.stdout


def test_pth_file_turns_it_on_for_a_site_directory(tmp_path):
    site_dir = str(tmp_path)
    install = subprocess.run(
        [sys.executable, "-m", "lamina.keras_alias", "install-pth", "--dir", site_dir],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert install.returncode == 0, install.stderr
    assert (tmp_path / "lamina_as_keras.pth").exists()
    out = run(
        f"import site; site.addsitedir({site_dir!r}); import sys; "
        "assert 'lamina' not in sys.modules; import keras; print(keras.__lamina_alias__)"
    )
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr[-2000:]
    subprocess.run(
        [sys.executable, "-m", "lamina.keras_alias", "uninstall-pth", "--dir", site_dir],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
    )
    assert not (tmp_path / "lamina_as_keras.pth").exists()


def test_ecosystem_page_runs_kerastuner_scikeras_and_kerashub():
    pytest.importorskip("keras_tuner")
    pytest.importorskip("scikeras")
    pytest.importorskip("keras_hub")
    blocks = extract_blocks((ROOT / "docs" / "ecosystem.md").read_text(encoding="utf-8"))
    source = "\n".join(src for _, src, skip in blocks if not skip)
    out = run(source)
    assert out.returncode == 0, out.stderr[-4000:]
    lines = out.stdout.strip().splitlines()
    assert "'units'" in lines[0] and "lamina.models" in lines[0]
    assert lines[-1] == "kerashub 2 True"
    scores = [float(v) for v in lines[-2].strip("[]").split()]
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)


def test_keras_src_paths_that_the_ecosystem_imports_resolve():
    out = run(
        """
        import lamina
        lamina.install_as_keras()
        import importlib, _lamina_keras_alias
        for name in _lamina_keras_alias.SRC_MODULES:
            importlib.import_module(name)
        from keras.src.backend import get_keras_mask, set_keras_mask, KerasTensor
        from keras.src.saving import serialization_lib, serialize_keras_object
        from keras.src.losses.losses import LossFunctionWrapper
        from keras.src.distribution import distribution_lib
        from keras.src.utils.backend_utils import in_grain_data_pipeline, in_tf_graph
        from keras.src.trainers.data_adapters.data_adapter_utils import (
            class_weight_to_sample_weights,
        )
        import numpy as np
        assert get_keras_mask is lamina.core.masking.get_keras_mask
        assert LossFunctionWrapper is lamina.losses.LossFunctionWrapper
        assert distribution_lib.distribution() is None
        assert serialization_lib.in_safe_mode() is None  # no scope: the default applies
        assert not in_grain_data_pipeline() and not in_tf_graph()
        print(class_weight_to_sample_weights(np.eye(3)[[0, 2, 2]], {2: 0.5}).tolist())
        try:
            import keras.src.trainers.epoch_iterator
        except ModuleNotFoundError as err:
            print("refused:", err)
        """
    )
    assert out.returncode == 0, out.stderr[-3000:]
    weights, refused = out.stdout.strip().splitlines()
    assert weights == "[1.0, 0.5, 0.5]"
    assert "keras.src.trainers.epoch_iterator" in refused and "Keras internal" in refused


# BERT and GPT-2 run with every test run; the other four (about two minutes more on a shared
# machine) with `-m slow`. `make ecosystem` runs KerasHub's own tests as well.
KERASHUB_BACKBONES = ("bert", "gpt2")
KERASHUB_MORE = ("gemma", "llama", "vit", "resnet")


def _run_kerashub(out_dir, names):
    """Runs tests/data/kerashub_backbones.py under Keras, then under lamina (weights and a preset
    written by Keras); returns each library's printed summary."""
    pytest.importorskip("keras_hub")
    script = str(ROOT / "tests" / "data" / "kerashub_backbones.py")
    printed = {}
    for library, env in (("keras", {"KERAS_BACKEND": "jax"}), ("lamina", {})):
        full = {k: v for k, v in os.environ.items() if k != "LAMINA_AS_KERAS"}
        full.update(PYTHONPATH=str(ROOT), LAMINA_COMPILATION_CACHE="0", **env)
        result = subprocess.run(
            [sys.executable, script, library, str(out_dir), *names],
            capture_output=True,
            text=True,
            env=full,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        printed[library] = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    return printed


@pytest.fixture(scope="module")
def kerashub_outputs(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("kerashub")
    return out_dir, _run_kerashub(out_dir, KERASHUB_BACKBONES)


@pytest.fixture(scope="module")
def kerashub_more_outputs(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("kerashub_more")
    return out_dir, _run_kerashub(out_dir, KERASHUB_MORE)


def _check_same_outputs(out_dir, printed, name):
    # Same number of weights and of parameters, then the same outputs from Keras's weights.
    assert printed["lamina"][name] == printed["keras"][name]
    ref = np.load(out_dir / f"{name}_keras.npz")
    got = np.load(out_dir / f"{name}_lamina.npz")
    assert sorted(got.files) == sorted(ref.files)
    for key in ref.files:
        assert np.isfinite(ref[key]).all()
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", KERASHUB_BACKBONES)
def test_kerashub_backbones_give_the_outputs_of_keras(kerashub_outputs, name):
    _check_same_outputs(*kerashub_outputs, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", KERASHUB_MORE)
def test_more_kerashub_backbones_give_the_outputs_of_keras(kerashub_more_outputs, name):
    _check_same_outputs(*kerashub_more_outputs, name)


def test_kerashub_preset_saved_by_keras_loads_in_lamina(kerashub_outputs):
    out_dir, _ = kerashub_outputs
    assert (out_dir / "bert_preset" / "config.json").exists()
    ref = np.load(out_dir / "bert_keras.npz")
    got = np.load(out_dir / "bert_preset_lamina.npz")
    for key in ref.files:
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-5, atol=1e-5)
