"""A lean asyncio HTTP/1.1 server: keep-alive, limits checked before a body is buffered, timeouts.

Why not a framework: services may not import tornado, and the scoring path must cost well under a
millisecond. A declared ``Content-Length`` over the limit is answered 413 before one body byte is
read; a chunked body is cut off once past the limit. A client that stalls mid-request gets 408 and
is disconnected after ``timeout`` seconds; an idle keep-alive connection is closed silently.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from jupyter_mltrack.serving.errors import ServingError

log = logging.getLogger("jupyter_mltrack.serving")
REASONS = {
    200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 413: "Payload Too Large", 415: "Unsupported Media Type",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
}
HEAD_LIMIT = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response]]


def error_response(err: ServingError, extra: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error_code": err.error_code, "message": err.message}).encode()
    return Response(err.status, body, headers={**err.headers, **(extra or {})})


@dataclass
class Limits:
    max_body: int = 100 * 1024 * 1024
    timeout: float = 30.0
    keepalive: float = 75.0


class _Closed(Exception):
    """The connection must end (after an optional final response)."""

    def __init__(self, response: Response | None = None) -> None:
        super().__init__()
        self.response = response


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler,
                           limits: Limits) -> None:
    """Answer requests on one connection until it closes, times out or asks to close."""
    try:
        while True:
            try:
                request, keep_alive = await _read_request(reader, writer, limits)
            except _Closed as closed:
                if closed.response is not None:
                    await _write(writer, closed.response, keep_alive=False)
                return
            response = await handler(request)
            await _write(writer, response, keep_alive)
            if not keep_alive:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    except asyncio.CancelledError:  # the server is shutting down: drop the connection quietly
        return
    finally:
        writer.close()


def _timeout_response() -> Response:
    return error_response(ServingError(408, "DEADLINE_EXCEEDED", "The client sent the request too slowly."))


async def _read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        limits: Limits) -> tuple[Request, bool]:
    try:
        first = await asyncio.wait_for(reader.read(1), limits.keepalive)
    except (asyncio.TimeoutError, ConnectionError):
        raise _Closed() from None
    if not first:
        raise _Closed()
    try:
        rest = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), limits.timeout)
    except asyncio.TimeoutError:
        raise _Closed(_timeout_response()) from None
    except asyncio.LimitOverrunError:
        raise _Closed(error_response(ServingError(431, "BAD_REQUEST", "The request headers are too large."))) from None
    except asyncio.IncompleteReadError:
        raise _Closed() from None
    lines = (first + rest).decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise _Closed(error_response(ServingError(400, "MALFORMED_REQUEST", "Malformed request line."))) from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    path, _, query = target.partition("?")
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    request = Request(method.upper(), path, query, headers)
    request.body = await _read_body(reader, writer, headers, limits)
    return request, keep_alive


def _too_large(limit: int) -> _Closed:
    message = f"The request body is larger than the server's limit of {limit} bytes (see --max-body)."
    return _Closed(error_response(ServingError(413, "REQUEST_LIMIT_EXCEEDED", message)))


async def _read_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str],
                     limits: Limits) -> bytes:
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length_text = headers.get("content-length")
    if not chunked and not length_text:
        return b""
    length = 0
    if not chunked:
        try:
            length = int(length_text or "0")
        except ValueError:
            raise _Closed(error_response(ServingError(400, "MALFORMED_REQUEST", "Invalid Content-Length."))) from None
        if length > limits.max_body:
            raise _too_large(limits.max_body)  # answered before a single byte of the body is read
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    try:
        if not chunked:
            return await asyncio.wait_for(reader.readexactly(length), limits.timeout)
        return await asyncio.wait_for(_read_chunks(reader, limits.max_body), limits.timeout)
    except asyncio.TimeoutError:
        raise _Closed(_timeout_response()) from None
    except asyncio.IncompleteReadError:
        raise _Closed() from None


async def _read_chunks(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            raise _Closed(error_response(ServingError(400, "MALFORMED_REQUEST", "Invalid chunk size."))) from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        total += size
        if total > limit:
            raise _too_large(limit)  # stop reading: the rest of the body is never buffered
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _write(writer: asyncio.StreamWriter, response: Response, keep_alive: bool) -> None:
    head = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}",
            f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}"]
    head += [f"{k}: {v}" for k, v in response.headers.items()]
    if not keep_alive:
        head.append("Connection: close")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)
    await writer.drain()
