"""Every URI form: local paths, file://, runs:/, artifact URLs (S3), resolver hooks and models:/."""

from __future__ import annotations

import os

import numpy as np
import pytest

import jupyter_mltrack as mlt
import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.sklearn as mlt_sklearn
from jupyter_mltrack.errors import RunNotFoundError
from jupyter_mltrack.models import load_model, register_uri_resolver, resolve_model_uri
from jupyter_mltrack.models.errors import ModelFormatError, ModelUriError, RegistryUnavailableError
from jupyter_mltrack.models.uri import unregister_uri_resolver


def test_local_relative_and_file_uris(tmp_path, iris, logreg, monkeypatch) -> None:
    X, _ = iris
    mlt_sklearn.save_model(logreg, tmp_path / "m")
    monkeypatch.chdir(tmp_path)
    for uri in (str(tmp_path / "m"), "m", "./m/", (tmp_path / "m").as_uri(), tmp_path / "m"):
        np.testing.assert_array_equal(load_model(uri).predict(X), logreg.predict(X))
    copied = resolve_model_uri(tmp_path / "m", dst_path=tmp_path / "copies")
    assert copied == str(tmp_path / "copies" / "m") and os.path.exists(os.path.join(copied, "MLmodel"))


def test_runs_uri_reads_local_artifacts_in_place_or_downloads(tmp_path, iris, logreg) -> None:
    X, _ = iris
    with mlt.start_run() as run:
        info = mlt_sklearn.log_model(logreg, "clf")
    assert info.model_uri == f"runs:/{run.info.run_id}/clf"
    in_place = resolve_model_uri(info.model_uri)
    assert in_place.startswith(str(mlt.Client().get_artifact_uri(run.info.run_id)))
    downloaded = resolve_model_uri(info.model_uri, dst_path=tmp_path / "dl")
    assert downloaded.startswith(str(tmp_path / "dl"))
    for where in (info.model_uri, downloaded):
        np.testing.assert_array_equal(mlt_pyfunc.load_model(where).predict(X), logreg.predict(X))


def test_bad_runs_uris(tmp_path) -> None:
    with mlt.start_run() as run:
        mlt.log_text("x", "notes.txt")
    with pytest.raises(ModelUriError, match="has no artifact 'nope'"):
        load_model(f"runs:/{run.info.run_id}/nope")
    with pytest.raises(RunNotFoundError):
        load_model("runs:/0123456789abcdef/model")
    with pytest.raises(ModelUriError, match="runs:/<run_id>/<artifact_path>"):
        load_model("runs://host/x")
    with pytest.raises(ModelFormatError, match="not a saved model"):
        load_model(f"runs:/{run.info.run_id}")
    with pytest.raises(ModelUriError, match="no such file or folder"):
        load_model(tmp_path / "missing")


def test_a_registered_resolver_handles_its_scheme(tmp_path, logreg) -> None:
    mlt_sklearn.save_model(logreg, tmp_path / "m")
    with mlt.start_run() as run:
        mlt.log_artifacts(tmp_path / "m", "model")
    seen = []

    def resolve(uri: str) -> str:
        seen.append(uri)
        return f"runs:/{run.info.run_id}/model"  # resolvers may hand back any URI we resolve

    register_uri_resolver("demo:", resolve)
    try:
        assert resolve_model_uri("demo:/anything").endswith(os.path.join(run.info.run_id, "artifacts", "model"))
        assert seen == ["demo:/anything"]
    finally:
        unregister_uri_resolver("demo:")
    with pytest.raises(ValueError):
        register_uri_resolver("", resolve)


@pytest.fixture
def without_models_resolver():
    """No models: resolver for the test; the registry's own (if it plugged in) is put back after."""
    from jupyter_mltrack.models import uri as uri_module

    saved = uri_module._RESOLVERS.pop("models:", None)
    try:
        yield uri_module
    finally:
        uri_module._RESOLVERS.pop("models:", None)
        if saved is not None:
            uri_module._RESOLVERS["models:"] = saved


def test_models_uris_go_to_the_registered_resolver(tmp_path, logreg, without_models_resolver) -> None:
    mlt_sklearn.save_model(logreg, tmp_path / "m")
    register_uri_resolver("models:", lambda uri: str(tmp_path / "m"))
    for uri in ("models:/iris/3", "models:/iris@champion", "models:/iris/Production", "models:/iris/latest"):
        assert resolve_model_uri(uri) == str(tmp_path / "m")


def test_models_uri_without_a_registry_names_it(without_models_resolver, monkeypatch) -> None:
    """An installation without the registry package: the error says what is missing."""
    monkeypatch.setattr(without_models_resolver, "_REGISTRY_MODULE", "jupyter_mltrack.no_such_registry")
    with pytest.raises(RegistryUnavailableError, match=r"model registry \(jupyter_mltrack.no_such_registry\)"):
        load_model("models:/iris/1")


@pytest.mark.slow
def test_artifact_url_on_s3(tmp_path, iris, logreg, monkeypatch) -> None:
    from tests.store.s3_server import create_bucket, moto_s3_server

    X, _ = iris
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    with moto_s3_server() as endpoint:
        monkeypatch.setenv("MLTRACK_S3_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("MLTRACK_ARTIFACT_ROOT", f"s3://{create_bucket(endpoint)}/artifacts")
        from jupyter_mltrack.tracking import stores

        stores.reset_tracking_uri()
        with mlt.start_run() as run:
            mlt_sklearn.log_model(logreg, "model")
        url = mlt.Client().get_artifact_uri(run.info.run_id, "model")
        assert url.startswith("s3://")
        for uri in (url, f"runs:/{run.info.run_id}/model"):
            np.testing.assert_array_equal(mlt_pyfunc.load_model(uri).predict(X), logreg.predict(X))
