"""A small asyncio load generator for the scoring benchmarks: raw HTTP/1.1 keep-alive on loopback.

Both servers get byte-identical requests; ``latencies`` measures one connection sequentially,
``throughput`` keeps ``connections`` requests in flight for a bounded time and count.
"""

from __future__ import annotations

import asyncio
import time


def request_bytes(port: int, body: bytes, content_type: str = "application/json") -> bytes:
    head = (f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> int:
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    elif b"chunked" in head.lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _latencies(port: int, payload: bytes, count: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        status = await _one(reader, writer, payload)
        out.append(time.perf_counter() - started)
        assert status == 200, status
    writer.close()
    return out


async def _throughput(port: int, payload: bytes, connections: int, seconds: float, max_requests: int) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
        while time.perf_counter() < deadline and done < max_requests:
            assert await _one(reader, writer, payload) == 200
            done += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - started)


def latencies(port: int, payload: bytes, count: int) -> list[float]:
    return asyncio.run(_latencies(port, payload, count))


def throughput(port: int, payload: bytes, connections: int = 16, seconds: float = 10.0,
               max_requests: int = 100_000) -> float:
    return asyncio.run(_throughput(port, payload, connections, seconds, max_requests))
