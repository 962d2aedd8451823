"""log_model into runs: ModelInfo, the run's artifacts, MLmodel's run fields and registration."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mltrack as mlt
import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.sklearn as mlt_sklearn
from jupyter_mltrack.errors import ArtifactPathError
from jupyter_mltrack.models import ModelInfo, log_model
from jupyter_mltrack.models.errors import ModelFormatError
from jupyter_mltrack.models.mlmodel import Model


def test_log_model_in_the_active_run(iris, logreg) -> None:
    X, _ = iris
    with mlt.start_run() as run:
        info = log_model(logreg, "classifier", input_example=X.head(3), metadata={"team": "vision"})
    assert isinstance(info, ModelInfo)
    assert info.model_uri == f"runs:/{run.info.run_id}/classifier"
    assert (info.run_id, info.artifact_path) == (run.info.run_id, "classifier")
    assert set(info.flavors) == {"python_function", "sklearn"} and info.metadata == {"team": "vision"}
    assert info.signature.inputs.input_names() == list(X.columns)
    assert len(info.model_uuid) == 32 and info.utc_time_created
    files = {f.path for f in mlt.Client().list_artifacts(run.info.run_id, "classifier")}
    assert {
        "classifier/MLmodel",
        "classifier/model.pkl",
        "classifier/requirements.txt",
        "classifier/python_env.yaml",
        "classifier/conda.yaml",
        "classifier/input_example.json",
        "classifier/serving_input_example.json",
        "classifier/profile.json",  # the input example's profile, for drift reports
        "classifier/checksums.sha256",
    } == files
    local = mlt.Client().download_artifacts(run.info.run_id, "classifier")
    meta = Model.load(local)
    assert (meta.run_id, meta.artifact_path, meta.model_uuid) == (run.info.run_id, "classifier", info.model_uuid)
    np.testing.assert_array_equal(mlt_pyfunc.load_model(info.model_uri).predict(X), logreg.predict(X))


def test_log_model_starts_a_run_when_none_is_active(logreg) -> None:
    assert mlt.active_run() is None
    info = mlt_sklearn.log_model(logreg, artifact_path="model")  # MLflow 2's keyword works too
    assert mlt.active_run().info.run_id == info.run_id
    mlt.end_run()


def test_bad_names_are_refused_before_anything_is_written(logreg) -> None:
    with mlt.start_run() as run:
        with pytest.raises(ArtifactPathError):
            log_model(logreg, "../escape")
        with pytest.raises(ModelFormatError, match="needs a name"):
            log_model(logreg, "")
        with pytest.raises(ModelFormatError, match="not both"):
            mlt_sklearn.log_model(logreg, "a", artifact_path="b")
    assert mlt.Client().list_artifacts(run.info.run_id) == []


def test_registered_model_name_registers_a_new_version_each_time(logreg) -> None:
    registry = pytest.importorskip("jupyter_mltrack.registry")
    with mlt.start_run():
        first = mlt_sklearn.log_model(logreg, "model", registered_model_name="iris-clf")
        second = mlt_sklearn.log_model(logreg, "model2", registered_model_name="iris-clf")
    assert (first.registered_model_version, second.registered_model_version) == (1, 2)
    version = registry.Client().get_model_version("iris-clf", "2")
    assert version.run_id == second.run_id
