"""Parameters: inferred types, the MLproject mapping MLflow can load, validation with errors that
name the parameter, type and value (and nothing created), and --run pinning."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import jupyter_mltrack as mlt
from jupyter_mltrack import projects
from jupyter_mltrack.export import export_notebook
from jupyter_mltrack.export.errors import ExportError, ParameterValueError, ProjectError
from jupyter_mltrack.export.params import Parameter, from_spec, parse
from jupyter_mltrack.export.spec import load_project
from tests.export.kit import cell, notebook, write

PARAMS = "n_estimators = 200\nlr = 0.05\nmodel = 'rf'\nscale = True\nshift = -2"


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [("int", "300", 300), ("int", "-4", -4), ("int", "1e2", 100), ("float", "1e-3", 0.001), ("float", "7", 7.0),
     ("bool", "TRUE", True), ("bool", "no", False), ("bool", "0", False), ("str", "any thing", "any thing"),
     ("uri", "s3://bucket/key", "s3://bucket/key")],
)
def test_values_parse_by_kind(kind: str, text: str, value: object) -> None:
    assert parse(Parameter("p", kind), text) == value


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [("int", "2.5", "not a whole number"), ("int", "many", "not a number"), ("float", "fast", "not a number"),
     ("bool", "maybe", "use true or false"), ("uri", "just-a-path", "scheme"), ("path", "/no/such/file", "no such")],
)
def test_bad_values_name_the_parameter_the_type_and_the_value(kind: str, text: str, reason: str) -> None:
    with pytest.raises(ParameterValueError) as caught:
        parse(Parameter("depth", kind), text)
    message = caught.value.message
    assert "'depth'" in message and kind in message and repr(text) in message and reason in message


def test_mlproject_uses_mlflow_types_and_keeps_ours_beside_them(tmp_path: Path) -> None:
    nb = write(notebook(cell(PARAMS, tags=("parameters",)), "print(n_estimators, lr, model, scale, shift)"),
               tmp_path / "nb.ipynb")
    result = export_notebook(nb, tmp_path / "out")
    document = yaml.safe_load((Path(result.path) / "MLproject").read_text())
    main = document["entry_points"]["main"]
    assert document["python_env"] == "python_env.yaml"
    assert main["parameters"] == {
        "n_estimators": {"type": "float", "default": 200, "mltrack_type": "int"},
        "lr": {"type": "float", "default": 0.05},
        "model": {"type": "string", "default": "rf"},
        "scale": {"type": "string", "default": "true", "mltrack_type": "bool"},
        "shift": {"type": "float", "default": -2, "mltrack_type": "int"},
    }
    assert {p["type"] for p in main["parameters"].values()} <= {"float", "path", "string", "uri"}  # MLflow's
    # MLflow fills the command with str.format after quoting each value: every placeholder is a parameter
    assert main["command"].format(**{k: "V" for k in main["parameters"]}).startswith("python main.py --n-estimators V")
    loaded = load_project(result.path).entry_points["main"].parameters
    assert loaded["n_estimators"] == Parameter("n_estimators", "int", 200)
    assert loaded["scale"] == Parameter("scale", "bool", True)
    assert from_spec("x", "float") == Parameter("x", "float", None)  # MLflow's short form


def test_run_checks_parameters_before_creating_anything(tmp_path: Path) -> None:
    nb = write(notebook(cell(PARAMS, tags=("parameters",))), tmp_path / "nb.ipynb")
    project = export_notebook(nb, tmp_path / "out").path
    cases = [
        ({"n_estimators": "2.5"}, "Parameter 'n_estimators' must be an int, got '2.5'"),
        ({"scale": "perhaps"}, "Parameter 'scale' must be a bool, got 'perhaps'"),
        ({"depth": "3"}, "has no parameter 'depth' (its parameters: n_estimators, lr, model, scale, shift)"),
    ]
    for given, message in cases:
        with pytest.raises(ProjectError, match=message.replace("(", r"\(").replace(")", r"\)")):
            projects.run(project, parameters=given)
    with pytest.raises(ProjectError, match="no entry point 'train'"):
        projects.run(project, entry_point="train")
    assert mlt.search_runs(search_all_experiments=True, output_format="list") == []


def test_run_pins_the_exact_values_of_that_run(tmp_path: Path) -> None:
    source = "%%track rf\nn_estimators = 200\nlr = 0.1\nlabel = 'a'"
    nb = write(notebook("import math", source), tmp_path / "nb.ipynb")
    with mlt.start_run(run_name="rf", source=source) as run:  # what %%track made when the values were others
        mlt.log_params({"n_estimators": "350", "lr": "0.025", "label": "b"})
    result = export_notebook(nb, tmp_path / "out", run_id=run.info.run_id[:8])  # a prefix is enough
    assert result.source_run_id == run.info.run_id and result.pinned_cell == 1
    assert {p.name: p.default for p in result.parameters.values()} == {"n_estimators": 350, "lr": 0.025, "label": "b"}
    main = (Path(result.path) / "main.py").read_text()
    assert "type=int, default=350" in main and "type=float, default=0.025" in main
    assert "source_run_id" in (Path(result.path) / "mltrack_export.json").read_text()


def test_a_run_of_another_notebook_cannot_be_pinned(tmp_path: Path) -> None:
    nb = write(notebook("%%track mine\nx = 1"), tmp_path / "nb.ipynb")
    with mlt.start_run(run_name="elsewhere", source="%%track elsewhere\nx = 2") as run:
        pass
    with pytest.raises(ExportError, match="was not made by a %%track cell of this notebook"):
        export_notebook(nb, tmp_path / "out", run_id=run.info.run_id)
    assert not (tmp_path / "out").exists()  # nothing written


def test_export_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    nb = write(notebook("x = 1"), tmp_path / "nb.ipynb")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    with pytest.raises(ExportError, match="is not empty"):
        export_notebook(nb, tmp_path / "out")
    export_notebook(nb, tmp_path / "out", force=True)
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep" and (tmp_path / "out" / "main.py").exists()
    with pytest.raises(ExportError, match="does not exist"):
        export_notebook(tmp_path / "missing.ipynb", tmp_path / "elsewhere")
