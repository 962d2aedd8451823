"""The OpenAPI spec as test data: its routes, and checking a response body against its schema."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

SPEC_PATH = Path(__file__).resolve().parents[2] / "jupyter_mltrack" / "server" / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return spec


def spec_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path) for path, item in load_spec()["paths"].items() for method in item if method in METHODS
    }


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_response(method: str, path: str, status: int, body: Any) -> None:
    """Validate ``body`` against the spec's JSON schema for that operation and status."""
    spec = load_spec()
    operation = spec["paths"][path][method.lower()]
    assert str(status) in operation["responses"], f"{method} {path}: status {status} is not in the spec"
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        pointer = _pointer(
            "components", "responses", response_name(operation, status), "content", "application/json", "schema"
        )
    else:
        pointer = _pointer(
            "paths", path, method.lower(), "responses", str(status), "content", "application/json", "schema"
        )
    # The whole spec is the root resource, so every "#/components/..." reference resolves.
    Draft202012Validator({**spec, "$ref": pointer}).validate(body)


def response_name(operation: dict[str, Any], status: int) -> str:
    ref: str = operation["responses"][str(status)]["$ref"]
    return ref.rsplit("/", 1)[1]
