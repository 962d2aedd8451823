"""Artifacts over REST: listing, downloads (type, name, sandbox), previews of each kind, refusals."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_mltrack import Client
from tests.server.conftest import API, Fetch
from tests.server.spec import check_response
from tests.server.world import PLOTLY_FIGURE, PNG_1X1, build_world


async def fetch(jp_fetch: Fetch, run_id: str, what: str, **params: str) -> HTTPResponse:
    try:
        return await jp_fetch(*API, "runs", run_id, "artifacts", what, params=params)
    except HTTPClientError as exc:
        assert exc.response is not None
        return exc.response


async def test_list_artifacts(api: Any) -> None:
    run_id = build_world().run_id
    status, body = await api("GET", "runs", run_id, "artifacts")
    assert status == 200 and body["root_uri"].endswith(f"{run_id}/artifacts") and body["path"] == ""
    assert [(f["path"], f["is_dir"]) for f in body["files"]] == [
        ("model", True),
        ("notes", True),
        ("plots", True),
        ("report.html", False),
    ]
    status, body = await api("GET", "runs", run_id, "artifacts", params={"path": "plots"})
    assert [(f["path"], f["file_size"]) for f in body["files"]] == [
        ("plots/dot.png", len(PNG_1X1)),
        ("plots/loss.json", len(json.dumps(PLOTLY_FIGURE))),
    ]
    check_response("GET", "/runs/{run_id}/artifacts", status, body)
    status, body = await api("GET", "runs", run_id, "artifacts", params={"path": "nowhere"})
    assert status == 200 and body["files"] == []
    status, error = await api("GET", "runs", run_id, "artifacts", params={"path": "../../etc"})
    assert status == 400 and "'..'" in error["message"]
    status, error = await api("GET", "runs", "0123abcd", "artifacts")
    assert status == 404


@pytest.mark.parametrize(
    ("path", "content_type", "data"),
    [
        ("plots/dot.png", "image/png", PNG_1X1),
        ("notes/readme.txt", "text/plain", b"hello\n"),
        ("report.html", "text/html", b"<html><body><script>alert(1)</script>hi</body></html>"),
        ("plots/loss.json", "application/json", json.dumps(PLOTLY_FIGURE).encode()),
    ],
)
async def test_download_has_the_content_type_an_attachment_name_and_a_sandbox(
    jp_fetch: Fetch, path: str, content_type: str, data: bytes
) -> None:
    run_id = build_world().run_id
    response = await fetch(jp_fetch, run_id, "download", path=path)
    assert response.code == 200 and response.body == data
    assert response.headers["Content-Type"] == content_type
    name = path.rsplit("/", 1)[-1]
    assert response.headers["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_download_of_an_odd_file_name_is_safe(jp_fetch: Fetch) -> None:
    client = Client()
    run_id = client.create_run(client.create_experiment("odd")).info.run_id
    client.log_text(run_id, "x", 'dir/na"me; ünï.txt')
    response = await fetch(jp_fetch, run_id, "download", path='dir/na"me; ünï.txt')
    disposition = response.headers["Content-Disposition"]
    assert response.code == 200 and disposition.startswith('attachment; filename="na_me_ _n_.txt"')
    assert unquote(disposition.split("UTF-8''", 1)[1]) == 'na"me; ünï.txt'


@pytest.mark.parametrize(
    ("what", "params", "status", "words"),
    [
        ("download", {"path": "missing.txt"}, 404, "does not exist"),
        ("download", {"path": "plots"}, 400, "is a folder"),
        ("download", {"path": "../secrets"}, 400, "'..'"),
        ("download", {"path": "/etc/passwd"}, 400, "absolute path"),
        ("download", {}, 400, "'path' is required"),
        ("preview", {"path": "%2e%2e/x"}, 400, "not allowed"),
        ("preview", {"path": "missing.png"}, 404, "does not exist"),
        ("html", {"path": "notes/readme.txt"}, 400, "not an .html file"),
    ],
)
async def test_artifact_errors_are_json(
    jp_fetch: Fetch, what: str, params: dict[str, str], status: int, words: str
) -> None:
    run_id = build_world().run_id
    response = await fetch(jp_fetch, run_id, what, **params)
    assert response.code == status and response.headers["Content-Type"].startswith("application/json")
    assert words in json.loads(response.body)["message"]
    assert "Content-Disposition" not in response.headers


async def test_previews_of_each_kind(api: Any) -> None:
    world = build_world()
    run_id = world.run_id

    async def preview(path: str, **params: str) -> dict[str, Any]:
        status, body = await api("GET", "runs", run_id, "artifacts", "preview", params={"path": path, **params})
        assert status == 200, body
        check_response("GET", "/runs/{run_id}/artifacts/preview", status, body)
        return body  # type: ignore[no-any-return]

    image = await preview("plots/dot.png")
    assert image["kind"] == "image" and image["content_type"] == "image/png" and image["encoding"] == "base64"
    assert base64.b64decode(image["content"]) == PNG_1X1 and image["size"] == len(PNG_1X1)
    figure = await preview("plots/loss.json")
    assert figure["kind"] == "plotly" and figure["content"] == PLOTLY_FIGURE
    html = await preview("report.html")
    assert html["kind"] == "html" and "<script>" in html["content"] and not html["truncated"]
    text = await preview("notes/readme.txt")
    assert (text["kind"], text["content"], text["truncated"]) == ("text", "hello\n", False)

    client = Client()
    client.log_text(run_id, "é" * 50_000, "long.log")  # 100,000 bytes
    client.log_dict(run_id, {"data": {"not": "a figure"}}, "config.json")
    client.log_text(run_id, "artifact_path: model\n", "MLmodel")
    client.log_artifact(run_id, __file__, "code")
    cut = await preview("long.log", max_bytes="1001")
    assert cut["truncated"] and cut["content"] == "é" * 500 and cut["size"] == 100_000
    assert (await preview("config.json"))["kind"] == "text"
    assert (await preview("MLmodel"))["content"] == "artifact_path: model\n"
    assert (await preview(f"code/{__file__.rsplit('/', 1)[1]}"))["kind"] == "text"


async def test_binary_and_oversized_previews_carry_no_content(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_mltrack.server import preview

    client = Client()
    run_id = client.create_run(client.create_experiment("bin")).info.run_id
    repo_path = "blob.bin"
    client.log_text(run_id, "x", "big.png")
    client.log_text(run_id, "\u0000\u0001binary", repo_path)
    status, body = await api("GET", "runs", run_id, "artifacts", "preview", params={"path": repo_path})
    assert (body["kind"], body["content"], body["encoding"]) == ("binary", None, None)
    monkeypatch.setattr(preview, "MAX_IMAGE_BYTES", 0)
    status, body = await api("GET", "runs", run_id, "artifacts", "preview", params={"path": "big.png"})
    assert status == 200 and body["kind"] == "image" and body["content"] is None and body["truncated"]


async def test_html_is_served_inline_in_a_script_free_sandbox(jp_fetch: Fetch) -> None:
    run_id = build_world().run_id
    response = await fetch(jp_fetch, run_id, "html", path="report.html")
    assert response.code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<script>alert(1)</script>" in response.body
    policy = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert not any("allow-scripts" in d or "allow-same-origin" in d or "script-src" in d for d in policy)
    assert response.headers["Content-Disposition"].startswith("inline;")
