"""``models:/`` URIs (MLflow's forms) resolved through the registry, and model sources to register.

- ``models:/<name>/<version>``: that version;
- ``models:/<name>@<alias>``: the version the alias points at;
- ``models:/<name>/<stage>``: the newest version in that stage (MLflow's rule);
- ``models:/<name>/latest``: the highest version number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_mltrack.entities import ModelStage, ModelVersion
from jupyter_mltrack.errors import InvalidParameterError, ResourceNotFoundError

if TYPE_CHECKING:
    from jupyter_mltrack.registry.client import Client

MODELS_PREFIX = "models:/"
RUNS_PREFIX = "runs:/"


def parse_models_uri(uri: str) -> tuple[str, str, str]:
    """(name, kind, value) where kind is "version", "alias", "stage" or "latest"."""
    if not uri.startswith(MODELS_PREFIX):
        raise InvalidParameterError(f"{uri!r} is not a models:/ URI.")
    body = uri[len(MODELS_PREFIX) :].strip("/")
    usage = "Use models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/<stage> or models:/<name>/latest."
    if "@" in body:
        name, alias = body.rsplit("@", 1)
        if not name or not alias:
            raise InvalidParameterError(f"Model URI {uri!r} is incomplete. {usage}")
        return name, "alias", alias
    if "/" not in body:
        raise InvalidParameterError(f"Model URI {uri!r} names no version. {usage}")
    name, suffix = body.rsplit("/", 1)
    if suffix.isdigit():
        return name, "version", suffix
    if suffix.lower() == "latest":
        return name, "latest", suffix
    try:
        return name, "stage", ModelStage.parse(suffix).value
    except ValueError:
        raise InvalidParameterError(
            f"Model URI {uri!r}: {suffix!r} is not a version, stage or 'latest'. {usage}"
        ) from None


def resolve_version(client: "Client", uri: str) -> ModelVersion:
    name, kind, value = parse_models_uri(uri)
    if kind == "version":
        return client.get_model_version(name, value)
    if kind == "alias":
        return client.get_model_version_by_alias(name, value)
    versions = client.search_model_versions(f"name = '{_quote(name)}'")
    if kind == "stage":
        versions = type(versions)([v for v in versions if v.current_stage == value], None)
    if not versions:
        where = f"in stage {value}" if kind == "stage" else "at all"
        raise ResourceNotFoundError(f"Model {name!r} has no version {where}; check `mltrack models show {name}`.")
    return max(versions, key=lambda v: int(v.version))


def _quote(text: str) -> str:
    return text.replace("'", "''")


def source_of(client: "Client", model_uri: str) -> tuple[str, str | None]:
    """Where the model's files are, and the run that made it, for a URI being registered."""
    if model_uri.startswith(MODELS_PREFIX):
        version = resolve_version(client, model_uri)
        return version.source, version.run_id
    if model_uri.startswith(RUNS_PREFIX):
        body = model_uri[len(RUNS_PREFIX) :].strip("/")
        run_id, _, path = body.partition("/")
        if not run_id or not path:
            raise InvalidParameterError(f"{model_uri!r} must look like runs:/<run_id>/<model path>.")
        source = client.get_artifact_uri(run_id, path)
        _require_mlmodel(client, model_uri, run_id, path)
        return source, run_id
    from pathlib import Path

    local = Path(model_uri[len("file://") :] if model_uri.startswith("file://") else model_uri)
    if "://" not in model_uri or model_uri.startswith("file://"):
        if not (local / "MLmodel").is_file():
            raise InvalidParameterError(
                f"{model_uri!r} holds no MLmodel file; save a model there with save_model() first."
            )
        return str(local.resolve()), None
    return model_uri, None


def _require_mlmodel(client: "Client", model_uri: str, run_id: str, path: str) -> None:
    names = {f.path for f in client.list_artifacts(run_id, path)}
    if f"{path.rstrip('/')}/MLmodel" not in names:
        raise InvalidParameterError(
            f"{model_uri!r} holds no MLmodel file: log a model there first with log_model(model, {path!r})."
        )
