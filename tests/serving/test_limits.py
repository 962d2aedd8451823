"""Where the server is stricter than MLflow: size limits, slow clients, overload, failing models."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any
from urllib.parse import urlparse

import requests


def address(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return str(parsed.hostname), int(parsed.port or 80)


def raw(url: str, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes and read what comes back until the server closes or stays silent."""
    with socket.create_connection(address(url), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def test_413_is_sent_before_the_body(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "iris"), "--max-body", "1")
    head = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000000\r\n\r\n")
    started = time.monotonic()
    answer = raw(url, head)  # no body is ever sent: the answer must not wait for it
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"error_code": "REQUEST_LIMIT_EXCEEDED"' in answer
    assert time.monotonic() - started < 5


def test_chunked_bodies_are_cut_off_past_the_limit(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "iris"), "--max-body", "1")
    chunk = b"x" * 65536
    head = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    with socket.create_connection(address(url), timeout=10) as sock:
        sock.sendall(head)
        answer = b""
        for _ in range(64):  # 4 MB offered against a 1 MB limit
            try:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            answer = b""
    assert answer.startswith(b"HTTP/1.1 413 ") or answer == b""
    assert requests.get(url + "/ping").status_code == 200


def test_a_slow_client_times_out_without_blocking_others(start_server: Any, model_dir: Any, iris: Any) -> None:
    url = start_server(str(model_dir / "iris"), "--timeout", "1")
    result: dict[str, bytes] = {}
    head = b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"

    def stall() -> None:
        result["answer"] = raw(url, head, timeout=10)

    thread = threading.Thread(target=stall)
    thread.start()
    time.sleep(0.2)
    body = {"dataframe_split": iris[0].head(1).to_dict(orient="split")}
    assert requests.post(url + "/invocations", json=body, timeout=5).status_code == 200  # not blocked
    thread.join(15)
    assert result["answer"].startswith(b"HTTP/1.1 408 ")
    # headers alone, never finished: also cut off
    assert raw(url, b"GET /ping HTTP/1.1\r\nHost: x\r\n").startswith(b"HTTP/1.1 408 ")


def test_overload_gets_503_with_retry_after(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "slow"), "--max-concurrency", "2")
    codes: list[int] = []
    retry: list[str] = []

    def call() -> None:
        response = requests.post(url + "/invocations", json={"inputs": [[1.0]]}, timeout=30)
        codes.append(response.status_code)
        if response.status_code == 503:
            retry.append(response.headers.get("Retry-After", ""))
            assert response.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes.count(200) >= 2 and codes.count(503) >= 1, codes
    assert retry and all(value.isdigit() for value in retry)


def test_a_raising_model_gives_500_with_a_request_id_and_no_trace(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "boom"))
    response = requests.post(url + "/invocations", json={"inputs": [[1.0]]}, timeout=10)
    assert response.status_code == 500
    body = response.json()
    assert body["error_code"] == "INTERNAL_ERROR"
    request_id = response.headers["X-Request-Id"]
    assert request_id in body["message"]
    assert "Traceback" not in response.text and "secret-internal-detail" not in response.text
    proc = start_server.procs[-1]
    time.sleep(0.2)
    log = proc.log_path.read_text()
    assert "secret-internal-detail" in log and request_id in log  # the trace went to the log


def test_ping_is_503_until_the_model_is_loaded(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "slowload"), ready=False)
    first = requests.get(url + "/ping", timeout=5)
    assert first.status_code == 503 and first.headers["Retry-After"]
    assert requests.post(url + "/invocations", json={"inputs": [[1.0]]}, timeout=5).status_code == 503
    deadline = time.monotonic() + 30
    while requests.get(url + "/ping", timeout=5).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert requests.post(url + "/invocations", json={"inputs": [[1.0]]}, timeout=5).json() == {"predictions": [1]}


def test_cors_when_asked(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "iris"), "--cors-origin", "http://localhost:8888")
    preflight = requests.options(url + "/invocations", headers={"Origin": "http://localhost:8888"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:8888"
    assert requests.get(url + "/ping").headers["Access-Control-Allow-Origin"] == "http://localhost:8888"
