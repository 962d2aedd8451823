"""Micro-batching: concurrent small requests to one model scored by one ``predict`` call.

A scikit-learn forest spends about 1.5 ms in ``predict`` whether it is given one row or sixteen,
so under concurrent load most of a single-row request's time is the model's fixed cost. Requests
that arrive while a batch is being scored wait in a queue; the next batch takes them all.

Results are those of scoring each request alone: only requests whose rows have the same columns
and the same Python type per column are put together (so pandas infers the same dtypes), only
models checked at start-up to give byte-identical answers for rows scored together and alone are
batched, and a batch that fails (a schema error, a model error, an answer of the wrong length) is
scored again one request at a time, so each request gets its own answer or its own error.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_mltrack.serving.rows import Rows

log = logging.getLogger("jupyter_mltrack.serving")
ROW_FLAVORS = ("sklearn", "xgboost", "lightgbm")  # predict is row by row by the framework's contract
INLINE_SECONDS = 0.005  # batches quicker than this run on the event loop (see Batcher)
Outcome = Any  # the JSON body (bytes) or the ServingError to answer with


@dataclass
class Pending:
    """One request waiting in a batch queue."""

    rows: Rows
    body: bytes
    request_id: str
    future: asyncio.Future[Outcome] = field(repr=False)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Batcher:
    """The queue of one model: one batch in flight, the requests that arrive meanwhile form the next.

    ``score`` takes the list of pending requests and returns one outcome per request, in order; it
    runs in the thread pool, or on the loop (below). Under steady concurrent load the answers of
    one batch go out together and the clients' next requests come back a few hundred microseconds
    apart; a batch started on the first of them would score it alone and keep the others waiting
    a whole ``predict``. So when fewer requests wait than the last batch held, the batch waits for
    them, at most half the time a ``predict`` takes (and at most ``max_wait``); a lone client never
    waits.

    A model whose batches take under ``INLINE_SECONDS`` is scored on the event loop itself: the hop
    to a pool thread and back (a thread wake-up, GIL hand-offs, a wake-up of the loop) costs a
    quarter of a single-row request's time, and holding the loop that long only delays reading
    the next requests, which then form a fuller batch. Slower models keep the loop free.
    """

    def __init__(self, score: Callable[[list[Pending]], list[Outcome]], pool: Any, max_rows: int,
                 max_wait: float = 0.002) -> None:
        self.score = score
        self.pool = pool
        self.max_rows = max_rows
        self.max_wait = max_wait
        self.queue: collections.deque[Pending] = collections.deque()
        self.task: asyncio.Task[None] | None = None
        self.expected = 1  # requests in the last batch
        self.seconds = 0.0  # running mean of the time a batch takes
        self.filled: asyncio.Future[None] | None = None

    async def submit(self, rows: Rows, body: bytes, request_id: str) -> Outcome:
        loop = asyncio.get_running_loop()
        pending = Pending(rows, body, request_id, loop.create_future())
        self.queue.append(pending)
        if self.task is None:
            self.task = loop.create_task(self._drain())
        elif self.filled is not None and len(self.queue) >= self.expected and not self.filled.done():
            self.filled.set_result(None)
        return await pending.future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.queue:
                await self._gather(loop)
                batch = self._take()
                self.expected = len(batch)
                started = time.perf_counter()
                try:
                    if 0 < self.seconds < INLINE_SECONDS:
                        outcomes = self.score(batch)
                    else:
                        outcomes = await loop.run_in_executor(self.pool, self.score, batch)
                except BaseException as exc:  # the server is stopping: nobody is left to answer
                    for item in batch:
                        if item.future.done():
                            continue
                        if isinstance(exc, asyncio.CancelledError):
                            item.future.cancel()
                        else:
                            item.future.set_exception(exc)
                    raise
                took = time.perf_counter() - started
                self.seconds = 0.8 * self.seconds + 0.2 * took if self.seconds else took
                for item, outcome in zip(batch, outcomes, strict=True):
                    if not item.future.done():
                        item.future.set_result(outcome)
        finally:
            self.task = None

    async def _gather(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait (briefly) for as many requests as the last batch held."""
        wait = min(self.max_wait, self.seconds / 2)
        if len(self.queue) >= self.expected or wait <= 0:
            return
        self.filled = loop.create_future()
        timer = loop.call_later(wait, _wake, self.filled)
        try:
            await self.filled
        finally:
            timer.cancel()
            self.filled = None

    def _take(self) -> list[Pending]:
        batch: list[Pending] = []
        total = 0
        while self.queue and (not batch or total + len(self.queue[0].rows.data) <= self.max_rows):
            item = self.queue.popleft()
            batch.append(item)
            total += len(item.rows.data)
        return batch

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        for item in self.queue:
            item.future.cancel()
        self.queue.clear()
