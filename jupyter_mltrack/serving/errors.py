"""Serving errors: each carries the HTTP status and MLflow's ``error_code``, so the server answers
with MLflow's error body ``{"error_code", "message"}`` and existing clients parse it unchanged."""

from __future__ import annotations

from jupyter_mltrack.errors import MltrackError


class ServingError(MltrackError):
    """A request the server refuses: ``status`` and ``error_code`` go into the response."""

    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.http_status = status
        self.error_code = error_code
        self.headers = headers or {}


def bad_request(message: str) -> ServingError:
    return ServingError(400, "BAD_REQUEST", message)


class BatchScoringError(MltrackError):
    """A batch that could not be scored; the message names the row range."""
