"""The error contract (DESIGN.md section 5).

Every error we raise derives from :class:`MltrackError`. Each one carries the fields a front door
needs (``error_code``, ``http_status``) and a message that says what was wrong *and* what to do,
so magics, the CLI and REST can show it as-is without a traceback.
"""

from __future__ import annotations


class MltrackError(Exception):
    """Root of every jupyter_mltrack error."""

    error_code = "INTERNAL_ERROR"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameterError(MltrackError, ValueError):
    """The caller passed a value we cannot accept (bad key, too long, wrong type...)."""

    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class ResourceNotFoundError(MltrackError, LookupError):
    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class ResourceAlreadyExistsError(MltrackError):
    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 409


class InvalidStateError(MltrackError):
    """The operation is valid in general but not for the object's current state."""

    error_code = "INVALID_STATE"
    http_status = 409


class ExperimentNotFoundError(ResourceNotFoundError):
    def __init__(self, experiment: str) -> None:
        self.experiment = experiment
        super().__init__(
            f"Experiment {experiment!r} does not exist. "
            "List experiments with `mltrack experiments list` or create it with set_experiment()."
        )


class RunNotFoundError(ResourceNotFoundError):
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"Run {run_id!r} does not exist. Find run ids with search_runs() or `mltrack runs list`.")


class ParamConflictError(InvalidParameterError):
    """Params are immutable: MLflow's rule, kept so a run's configuration can be trusted."""

    def __init__(self, run_id: str, key: str, old_value: str, new_value: str) -> None:
        self.run_id = run_id
        self.key = key
        self.old_value = old_value
        self.new_value = new_value
        super().__init__(
            f"Param {key!r} of run {run_id} is already {old_value!r}; it cannot change to "
            f"{new_value!r}. Params are immutable: log it under another key, or start a new run."
        )


class FilterSyntaxError(InvalidParameterError):
    """A search filter or order_by clause that does not parse; points at the offending token."""

    def __init__(self, text: str, position: int, reason: str) -> None:
        self.text = text
        self.position = position
        self.reason = reason
        caret = " " * position + "^"
        super().__init__(f"Invalid search filter at position {position}: {reason}\n  {text}\n  {caret}")


class ArtifactPathError(InvalidParameterError):
    """An artifact path that could escape the run's artifact root."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"Artifact path {path!r} is not allowed: {reason}. "
            "Use a relative path inside the run's artifacts, like 'plots/loss.png'."
        )


class SchemaOutdatedError(MltrackError):
    """The database was made by an older jupyter_mltrack; we refuse to write to it."""

    error_code = "SCHEMA_OUTDATED"
    http_status = 500

    def __init__(self, uri: str, current: str | None, head: str) -> None:
        self.uri = uri
        self.current = current
        self.head = head
        super().__init__(
            f"The tracking database {uri} is at schema revision {current or 'none'} but this "
            f"version of jupyter_mltrack needs {head}. Back it up, then run "
            f"`mltrack db upgrade` (nothing was written to it)."
        )


class SchemaTooNewError(MltrackError):
    error_code = "SCHEMA_TOO_NEW"
    http_status = 500

    def __init__(self, uri: str, current: str) -> None:
        self.uri = uri
        self.current = current
        super().__init__(
            f"The tracking database {uri} is at schema revision {current}, which this version of "
            "jupyter_mltrack does not know. Upgrade jupyter_mltrack: pip install -U jupyter-mltrack."
        )


class TrackingUriError(InvalidParameterError):
    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(
            f"Tracking URI {uri!r} is not usable: {reason}. Use sqlite:///path/to/mltrack.db, "
            "postgresql://user@host/db or mysql+pymysql://user@host/db."
        )


class MissingDependencyError(MltrackError):
    error_code = "MISSING_DEPENDENCY"
    http_status = 500

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the {package!r} package. Install it with pip install 'jupyter-mltrack[{extra}]'."
        )


class DatabaseUnavailableError(MltrackError):
    """The database could not be reached or used (server down, bad credentials, missing database)."""

    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        self.reason = reason
        super().__init__(
            f"The tracking database {uri} could not be used: {reason}. Check that its server is running and "
            "the URI is right; `mltrack doctor` shows which store is in use."
        )
