"""The package as a whole: its public names, a light import, the architecture rules, lint and types."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_mltrack

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_API = {
    "ActiveRun",
    "Client",
    "Dataset",
    "Experiment",
    "Metric",
    "MltrackError",
    "Param",
    "Run",
    "RunData",
    "RunInfo",
    "RunStatus",
    "RunTag",
    "ViewType",
    "__version__",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_metric_history",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "restore_run",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
    "load_ipython_extension",
    "unload_ipython_extension",
    "register_model",
    "autolog",
    "serve",
    "predict_batch",
    "log_model",
    "save_model",
    "load_model",
    "infer_signature",
    "ModelInfo",
}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert set(jupyter_mltrack.__all__) == EXPECTED_API
    for name in jupyter_mltrack.__all__:
        if name.endswith("ipython_extension"):
            continue  # loads IPython; covered by the magics tests
        assert getattr(jupyter_mltrack, name) is not None
    with pytest.raises(AttributeError):
        jupyter_mltrack.not_a_thing  # noqa: B018


def test_import_is_light() -> None:
    """`import jupyter_mltrack` must not drag in the heavy parts (they load on first use)."""
    code = (
        "import sys, json, jupyter_mltrack; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'alembic', 'pandas', 'numpy', 'plotly', 'tornado', 'matplotlib', 'fsspec', 'IPython', "
        "'click', 'yaml', 'pyspark'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_architecture_contracts() -> None:
    """DESIGN.md section 1, enforced by import-linter contracts in pyproject.toml."""
    lint_imports = shutil.which("lint-imports")
    assert lint_imports, "import-linter is part of the test extra: pip install -e '.[test]'"
    out = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_clean() -> None:
    targets = [name for name in ("jupyter_mltrack", "tests", "benchmarks", "notebooks") if (ROOT / name).exists()]
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- test-command -->", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return block.strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = _readme_test_command()
    assert "pytest" in command
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
    assert ci_lines[-1] == command  # and it is the last thing CI does, so its exit status is CI's
