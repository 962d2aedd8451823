"""Errors of the model format, each saying what was wrong and what to do (DESIGN.md section 5)."""

from __future__ import annotations

from collections.abc import Sequence

from jupyter_mltrack.errors import InvalidParameterError, MissingDependencyError, MltrackError

__all__ = [
    "MissingDependencyError",
    "ModelEnvironmentWarning",
    "ModelFormatError",
    "ModelIntegrityError",
    "ModelUriError",
    "OnnxConversionError",
    "RegistryUnavailableError",
    "SchemaEnforcementError",
    "UnsupportedModelError",
]


class ModelFormatError(InvalidParameterError):
    """A model directory we cannot read: no MLmodel file, a missing flavor, an unknown format."""


class ModelUriError(InvalidParameterError):
    """A model URI that does not name a model we can reach."""

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"Model URI {uri!r} cannot be resolved: {reason}")


class UnsupportedModelError(InvalidParameterError):
    """``log_model`` got an object no flavor knows how to save."""


class SchemaEnforcementError(InvalidParameterError):
    """Input (or params) that do not match the model's signature, even after MLflow's safe casts."""


class ModelIntegrityError(MltrackError):
    """Files changed since the model was saved: loading a pickle runs code, so we refuse."""

    error_code = "MODEL_INTEGRITY_FAILED"
    http_status = 409

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"The model at {path} failed its integrity check; it was not loaded:\n{listed}\n"
            "A file changed after the model was saved (corruption or tampering). Loading a model can "
            "run code, so re-save or re-download it from a source you trust."
        )


class OnnxConversionError(MltrackError):
    """The ONNX conversion of a model does not predict what the original predicts."""

    error_code = "ONNX_CONVERSION_MISMATCH"
    http_status = 400


class ModelEnvironmentWarning(UserWarning):
    """The loading environment differs from the one the model was saved with."""


class RegistryUnavailableError(MltrackError):
    """A ``models:/`` URI or ``registered_model_name`` while the model registry is not installed."""

    error_code = "FEATURE_DISABLED"
    http_status = 501
