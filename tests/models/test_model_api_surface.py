"""The public model API: names, MLflow-style per-flavor modules, and a light import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import jupyter_mltrack.models as models

FLAVOR_MODULES = ["sklearn", "xgboost", "lightgbm", "pytorch", "onnx"]


def test_models_package_names() -> None:
    assert {
        "save_model",
        "log_model",
        "load_model",
        "infer_signature",
        "ModelInfo",
        "Model",
        "register_uri_resolver",
        "PyFuncModel",
    } <= set(models.__all__)
    for name in models.__all__:
        assert getattr(models, name) is not None
    with pytest.raises(AttributeError):
        models.not_a_thing  # noqa: B018


@pytest.mark.parametrize("flavor", FLAVOR_MODULES)
def test_per_flavor_modules_have_mlflows_functions(flavor) -> None:
    module = __import__(f"jupyter_mltrack.{flavor}", fromlist=["x"])
    for name in ("log_model", "save_model", "load_model"):
        assert callable(getattr(module, name)), name
    if flavor != "onnx":
        assert callable(module.autolog)  # delegates to jupyter_mltrack.autolog


def test_pyfunc_module() -> None:
    import jupyter_mltrack.pyfunc as pyfunc
    from jupyter_mltrack.models.pyfunc import PyFuncModel

    assert pyfunc.PyFuncModel is PyFuncModel
    for name in ("load_model", "log_model", "save_model", "PythonModel", "PythonModelContext"):
        assert getattr(pyfunc, name) is not None


def test_importing_the_model_api_imports_no_framework() -> None:
    code = (
        "import sys, json, jupyter_mltrack.models, jupyter_mltrack.pyfunc, jupyter_mltrack.sklearn, "
        "jupyter_mltrack.xgboost, jupyter_mltrack.lightgbm, jupyter_mltrack.pytorch, jupyter_mltrack.onnx; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'xgboost', 'lightgbm', "
        "'torch', 'onnx', 'onnxruntime', 'numpy', 'pandas', 'yaml', 'cloudpickle', 'sqlalchemy'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_loading_a_model_from_a_folder_opens_no_database(tmp_path, logreg) -> None:
    """What a serving process does: no tracking store, no SQLAlchemy."""
    models.save_model(logreg, tmp_path / "m")
    code = (
        "import sys, jupyter_mltrack.pyfunc as p; "
        f"p.load_model({str(tmp_path / 'm')!r}); print('sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
