"""Errors of the export and project services; each message says what was wrong and what to do."""

from __future__ import annotations

from jupyter_mltrack.errors import InvalidParameterError, MltrackError


class ExportError(InvalidParameterError):
    """The notebook, run or output folder given to ``export`` cannot be used."""


class ProjectError(InvalidParameterError):
    """A project folder or notebook that cannot be run as asked (no MLproject, unknown entry point...)."""


class ParameterValueError(ProjectError):
    """A parameter value that does not match the type its entry point declares."""

    def __init__(self, name: str, kind: str, value: str, reason: str = "") -> None:
        self.name = name
        self.kind = kind
        self.value = value
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"Parameter {name!r} must be {_article(kind)} {kind}, got {value!r}{detail}. "
            f"Pass it as -P {name}=VALUE with a valid {kind}."
        )


class EnvironmentBuildError(MltrackError):
    """A virtualenv for the project could not be built (pip failed, no network...)."""

    error_code = "ENVIRONMENT_BUILD_FAILED"


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"
