"""The route table, the tornado handlers actually registered, the OpenAPI spec and docs/rest.md agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from jupyter_mltrack.server.routes import API_PREFIX, ROUTES, NotFoundHandler, handlers
from tests.server.spec import load_spec, spec_operations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rest.md"


def route_operations() -> set[tuple[str, str]]:
    return {(method.upper(), route.path) for route in ROUTES for method in route.methods}


def test_spec_is_valid_openapi() -> None:
    validate(load_spec())


def test_routes_and_spec_match_both_ways() -> None:
    routes, spec = route_operations(), spec_operations()
    assert routes - spec == set(), "routes missing from openapi.yaml"
    assert spec - routes == set(), "operations in openapi.yaml that no route serves"
    assert {r.path for r in ROUTES} == set(load_spec()["paths"])


def test_every_path_parameter_is_declared() -> None:
    spec = load_spec()
    for path, item in spec["paths"].items():
        declared = {p["name"] for p in _parameters(spec, item.get("parameters", [])) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), path


def _parameters(spec: dict[str, Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in items]


def test_the_server_registers_exactly_the_route_table(jp_serverapp: Any) -> None:
    registered = {
        rule.matcher.regex.pattern.rstrip("$"): rule.target
        for rules in jp_serverapp.web_app.default_router.rules
        for rule in getattr(rules.target, "rules", [])
        if API_PREFIX in rule.matcher.regex.pattern
    }
    expected = {pattern: handler for pattern, handler in handlers()}
    found = {pattern.split(API_PREFIX, 1)[1]: handler for pattern, handler in registered.items()}
    assert found == {pattern.split(API_PREFIX, 1)[1]: handler for pattern, handler in expected.items()}
    assert list(found.values())[-1] is NotFoundHandler  # the catch-all comes last


def test_rest_docs_document_every_operation() -> None:
    """Each operation has its own heading in docs/rest.md, followed by an example."""
    text = DOCS.read_text()
    for method, path in sorted(route_operations()):
        heading = f"### `{method} {path}`"
        assert heading in text, f"docs/rest.md has no section {heading}"
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        assert "```http" in section, f"{heading}: no example request"
