"""Requirements inferred from what the model uses, MLflow's env files, and the mismatch warning."""

from __future__ import annotations

import platform
import warnings
from importlib import metadata

import numpy as np
import pytest

import jupyter_mltrack
import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.sklearn as mlt_sklearn
from jupyter_mltrack.models.environment import infer_requirements, used_modules
from jupyter_mltrack.models.errors import ModelEnvironmentWarning
from jupyter_mltrack.models.mlmodel import yaml_load


def pin(dist: str) -> str:
    return f"{metadata.metadata(dist)['Name']}=={metadata.version(dist).split('+')[0]}"


def names(requirements: list[str]) -> set[str]:
    return {r.split("==")[0].lower() for r in requirements}


def test_a_fitted_estimator_pins_what_it_uses_and_nothing_else(tmp_path, logreg) -> None:
    mlt_sklearn.save_model(logreg, tmp_path / "m")
    requirements = (tmp_path / "m" / "requirements.txt").read_text().splitlines()
    assert requirements == sorted(
        [pin("cloudpickle"), f"jupyter-mltrack=={jupyter_mltrack.__version__}", pin("numpy"), pin("scikit-learn")],
        key=str.lower,
    )


def test_held_objects_and_notebook_code_add_their_packages(iris) -> None:
    import scipy.sparse

    class UsesPandasInside(mlt_pyfunc.PythonModel):  # a class of the user's own code
        def __init__(self):
            self.lookup = scipy.sparse.csr_matrix(np.eye(2))

        def predict(self, context, model_input, params=None):
            import pandas

            return pandas.DataFrame(model_input)

    found = names(infer_requirements(UsesPandasInside(), ["cloudpickle"]))
    assert {"pandas", "scipy", "numpy", "cloudpickle", "jupyter-mltrack"} <= found
    assert not found & {"torch", "xgboost", "lightgbm", "onnx", "sqlalchemy", "jupyterlab"}


def test_a_pipeline_with_a_numpy_function(iris) -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = iris
    pipe = make_pipeline(FunctionTransformer(np.log1p)).fit(X, y)
    assert {"sklearn", "numpy"} <= used_modules(pipe)


def test_user_lists_replace_or_extend_the_inferred_one(tmp_path, logreg) -> None:
    mlt_sklearn.save_model(logreg, tmp_path / "a", pip_requirements=["scikit-learn", "numpy<3"])
    assert (tmp_path / "a" / "requirements.txt").read_text().splitlines() == ["scikit-learn", "numpy<3"]
    extra = tmp_path / "extra.txt"
    extra.write_text("# comment\nrequests>=2\n")
    mlt_sklearn.save_model(logreg, tmp_path / "b", extra_pip_requirements=str(extra))
    lines = (tmp_path / "b" / "requirements.txt").read_text().splitlines()
    assert lines[-1] == "requests>=2" and pin("scikit-learn") in lines


def test_python_env_and_conda_files_follow_mlflows_layout(tmp_path, logreg) -> None:
    mlt_sklearn.save_model(logreg, tmp_path / "m")
    text = (tmp_path / "m" / "python_env.yaml").read_text()
    assert text.startswith(f"python: {platform.python_version()}\n")
    python_env = yaml_load(text)
    assert python_env["dependencies"] == ["-r requirements.txt"]
    assert [d.split("==")[0] for d in python_env["build_dependencies"]] == ["pip", "setuptools", "wheel"]
    conda = yaml_load((tmp_path / "m" / "conda.yaml").read_text())
    assert conda["name"] == "mlflow-env" and conda["channels"] == ["conda-forge"]
    assert conda["dependencies"][0] == f"python={platform.python_version()}"
    assert conda["dependencies"][-1]["pip"] == (tmp_path / "m" / "requirements.txt").read_text().splitlines()


def test_loading_warns_with_the_list_of_mismatches(tmp_path, iris, logreg) -> None:
    X, _ = iris
    wanted = ["scikit-learn==0.0.1", "surely-not-installed-pkg==1.0", pin("numpy"), "mlflow==3.17.2"]
    mlt_sklearn.save_model(logreg, tmp_path / "m", pip_requirements=wanted)
    with pytest.warns(ModelEnvironmentWarning) as caught:
        model = mlt_pyfunc.load_model(tmp_path / "m")
    message = str(caught[0].message)
    assert f"scikit-learn==0.0.1 (installed: {metadata.version('scikit-learn')})" in message
    assert "surely-not-installed-pkg==1.0 (not installed)" in message
    assert "numpy" not in message and "mlflow" not in message  # matches, and MLflow is never needed here
    np.testing.assert_array_equal(model.predict(X), logreg.predict(X))  # a warning, not a refusal
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mlt_pyfunc.load_model(tmp_path / "m", suppress_warnings=True)
