"""Authentication, authorization, XSRF, and the error contract (JSON, no traceback, no secret)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_mltrack.server.routes import ROUTES
from tests.server.conftest import API, Fetch
from tests.server.spec import check_response
from tests.server.world import build_world, fill, walk, write_notebook


async def send(
    jp_fetch: Fetch, method: str, path: str, request: dict[str, Any], headers: dict[str, str] | None = None
) -> HTTPResponse:
    kwargs: dict[str, Any] = {"method": method, "headers": dict(headers or {})}
    if "body" in request:
        kwargs["body"] = json.dumps(request["body"])
        kwargs["headers"]["Content-Type"] = "application/json"
    elif method in ("POST", "PUT", "PATCH"):
        kwargs["body"] = b""
    try:
        return await jp_fetch(*API, *fill(path, request.get("path", {})), params=request.get("params"), **kwargs)
    except HTTPClientError as exc:
        assert exc.response is not None
        return exc.response


def test_the_walk_covers_every_route_and_method() -> None:
    walked = {(method, path) for method, path, _ in walk(build_world())}
    assert walked == {(m.upper(), r.path) for r in ROUTES for m in r.methods}


async def test_every_route_refuses_a_request_without_a_token(jp_fetch: Fetch) -> None:
    for method, path, request in walk(build_world()):
        response = await send(jp_fetch, method, path, request, headers={"Authorization": ""})
        assert response.code == 403, (method, path, response.code)
        assert response.headers["Content-Type"].startswith("application/json")
        error = json.loads(response.body)
        assert error["error_code"] == "PERMISSION_DENIED" and "token" in error["message"], (method, path, error)


async def test_every_route_answers_a_valid_request_with_a_token(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    """In walk order (deletions last); every JSON answer matches its schema in openapi.yaml."""
    write_notebook(jp_root_dir)
    for method, path, request in walk(build_world()):
        response = await send(jp_fetch, method, path, request)
        assert 200 <= response.code < 300, (method, path, response.code, response.body[:300])
        if request.get("json", True):
            assert response.headers["Content-Type"].startswith("application/json")
            check_response(method, path, response.code, json.loads(response.body))


async def test_an_unknown_path_under_the_api_is_a_json_404(api: Any) -> None:
    status, body = await api("GET", "experimentz")
    assert status == 404 and body["error_code"] == "ENDPOINT_NOT_FOUND" and "docs/rest.md" in body["message"]
    status, body = await api("DELETE", "status")
    assert status == 405 and body["error_code"] == "METHOD_NOT_ALLOWED"
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):  # the catch-all needs a user too
        status, body = await api(method, "experimentz", headers={"Authorization": ""})
        assert status == 403 and body["error_code"] == "PERMISSION_DENIED", method


async def test_a_user_without_the_mltrack_permission_is_refused(jp_serverapp: Any, api: Any) -> None:
    class NoMltrack(jp_serverapp.authorizer.__class__):  # type: ignore[name-defined,misc]
        def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
            return resource != "mltrack"

    refusing = NoMltrack(parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider)
    jp_serverapp.web_app.settings["authorizer"] = refusing
    status, body = await api("GET", "experiments")
    assert status == 403 and body["message"] == "User is not authorized to read on resource: mltrack."
    status, body = await api("POST", "experiments", body={"name": "x"})
    assert status == 403 and "write on resource: mltrack" in body["message"]


# --------------------------------------------------------------------------------------------- XSRF
async def _login_cookies(jp_fetch: Fetch) -> dict[str, str]:
    """Jupyter's login cookie, as a browser gets it (a token-authenticated request sets it)."""
    response = await jp_fetch(*API, "status")
    cookies = {}
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


async def test_cookie_authenticated_writes_need_the_xsrf_token(jp_fetch: Fetch) -> None:
    cookies = await _login_cookies(jp_fetch)
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    no_token = {"Authorization": "", "Cookie": cookie_header, "Content-Type": "application/json"}
    read = await jp_fetch(*API, "experiments", headers=dict(no_token))
    assert read.code == 200  # reads need no XSRF token
    body = json.dumps({"name": "via-cookie"})
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(*API, "experiments", method="POST", body=body, headers=dict(no_token))
    assert refused.value.code == 403
    error = json.loads(refused.value.response.body)  # type: ignore[union-attr]
    assert error["error_code"] == "PERMISSION_DENIED" and "_xsrf" in error["message"]

    xsrf = "0123456789abcdef0123456789abcdef"
    with_xsrf = {**no_token, "Cookie": f"{cookie_header}; _xsrf={xsrf}", "X-XSRFToken": xsrf}
    created = await jp_fetch(*API, "experiments", method="POST", body=body, headers=with_xsrf)
    assert created.code == 201 and json.loads(created.body)["experiment"]["name"] == "via-cookie"


# --------------------------------------------------------------------------------- error contract
async def test_an_unexpected_error_is_a_500_with_a_request_id_and_the_traceback_only_in_the_log(
    api: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from jupyter_mltrack.registry.client import Client

    def broken(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals: /etc/shadow")

    monkeypatch.setattr(Client, "search_experiments", broken)
    with caplog.at_level(logging.ERROR):
        status, body = await api("GET", "experiments")
    assert status == 500 and body["error_code"] == "INTERNAL_ERROR"
    assert "shadow" not in body["message"] and "Traceback" not in body["message"]
    request_id = body["message"].split("request id ")[1].rstrip(").")
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None and "shadow" in str(logged[0].exc_info[1])


PASSWORD = "s3cr3t-Pa55word"


UNREACHABLE = {
    "ServerApp": {"jpserver_extensions": {"jupyter_mltrack.server": True}},
    "MltrackExtensionApp": {"tracking_uri": f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/mltrack_nowhere"},
}


@pytest.mark.parametrize("jp_server_config", [UNREACHABLE])
async def test_a_failing_database_uri_never_shows_its_password(api: Any, caplog: pytest.LogCaptureFixture) -> None:
    for method, parts, body in (
        ("GET", ("experiments",), None),
        ("POST", ("runs", "search"), {"experiment_ids": ["1"]}),
        ("GET", ("status",), None),
    ):
        status, error = await api(method, *parts, body=body)
        assert status == 503 and error["error_code"] == "TEMPORARILY_UNAVAILABLE", (parts, status, error)
        assert PASSWORD not in json.dumps(error) and quote(PASSWORD) not in json.dumps(error)
        assert "127.0.0.1" in error["message"]  # still says which database failed
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("jp_server_config", [UNREACHABLE])
async def test_status_of_an_unreachable_database_is_503(api: Any) -> None:
    status, error = await api("GET", "status")
    assert status == 503 and error["error_code"] == "TEMPORARILY_UNAVAILABLE"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_json_is_415(api: Any, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {"Content-Type": ""}
    status, error = await api("POST", "experiments", body="name=x", headers=headers)
    assert status == 415 and error["error_code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "application/json" in error["message"]


async def test_body_errors_are_400_413_with_clear_messages(api: Any) -> None:
    status, error = await api("POST", "experiments", body="{not json")
    assert status == 400 and error["error_code"] == "MALFORMED_REQUEST" and "not valid JSON" in error["message"]
    status, error = await api("POST", "experiments", body="[1, 2]")
    assert status == 400 and "JSON object" in error["message"]
    status, error = await api("POST", "experiments", body={})
    assert status == 400 and error["message"] == "Field 'name' is required."
    status, error = await api("POST", "experiments", body={"name": 5})
    assert status == 400 and "'name' must be a string" in error["message"]
    status, error = await api("POST", "experiments", body={"name": "x", "colour": "red"})
    assert status == 400 and "Unknown field(s) 'colour'" in error["message"]
    status, error = await api("POST", "runs", "search", body={"experiment_ids": ["0"], "max_results": "ten"})
    assert status == 400 and "'max_results' must be an integer" in error["message"]
    huge = json.dumps({"name": "x" * (1024 * 1024 + 10)})
    status, error = await api("POST", "experiments", body=huge)
    assert status == 413 and error["error_code"] == "REQUEST_TOO_LARGE" and "1048576" in error["message"]


HOSTILE = "<script>alert('x')</script>\"quoted\" & <img src=x onerror=alert(1)>"


async def test_hostile_strings_come_back_json_escaped(jp_fetch: Fetch) -> None:
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"name": HOSTILE, "tags": {"note": HOSTILE}})
    created = await jp_fetch(*API, "experiments", method="POST", body=body, headers=headers)
    experiment = json.loads(created.body)["experiment"]
    listed = await jp_fetch(*API, "experiments")
    for response in (created, listed):
        assert response.headers["Content-Type"].startswith("application/json")
        assert b"<" not in response.body and b">" not in response.body and b"&" not in response.body
    assert json.loads(listed.body)["experiments"][0]["name"] == HOSTILE
    assert list(experiment["tags"].values()) == [HOSTILE]
    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch(*API, "experiments", "<img src=x onerror=alert(1)>")
    response = missing.value.response
    assert response is not None and response.code == 404
    assert response.headers["Content-Type"].startswith("application/json") and b"<" not in response.body
    assert "does not exist" in json.loads(response.body)["message"]
