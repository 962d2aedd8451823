"""The scoring application: routes, bounded concurrency, A/B split, metrics and sampled logging.

Parsing, prediction and serialisation run together in a thread pool sized to the concurrency
bound, so the event loop only moves bytes; a request over the bound is answered 503 at once with
``Retry-After`` instead of queueing without limit. Small JSON requests to a model that allows it
are micro-batched (``batching.py``): one ``predict`` for the requests that arrive together, on
the event loop itself when the model takes only a few milliseconds.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_mltrack import __version__
from jupyter_mltrack.models.errors import SchemaEnforcementError
from jupyter_mltrack.serving import protocol
from jupyter_mltrack.serving.batching import ROW_FLAVORS, Batcher, Outcome, Pending
from jupyter_mltrack.serving.config import DEFAULT, ModelSpec, ServerConfig
from jupyter_mltrack.serving.errors import ServingError
from jupyter_mltrack.serving.http import Request, Response, error_response
from jupyter_mltrack.serving.metrics import Metrics
from jupyter_mltrack.serving.requestlog import RequestLog
from jupyter_mltrack.serving.rows import batch_invariant, frame_of, parse_rows, predict_together

log = logging.getLogger("jupyter_mltrack.serving")
_PREFIX, _SUFFIX = "/models/", "/invocations"
BATCH_BODY_LIMIT = 32 * 1024  # larger bodies are parsed in the pool, never on the event loop


class ScoringApp:
    """Serves the models of one ``ServerConfig``; ``handle`` answers one HTTP request."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.metrics = Metrics(config.metrics_dir)
        self.metrics.drift_dir = config.log_dir
        self.models: dict[str, Any] = {}
        self.batchers: dict[str, Batcher] = {}
        self.specs = {spec.name: spec for spec in config.models}
        self.ready = False
        self.busy = 0
        self.pool = ThreadPoolExecutor(max_workers=max(1, config.max_concurrency), thread_name_prefix="mltrack-score")
        self.request_log = RequestLog(config.log_dir, config.sample_rate) if config.log_dir else None
        self._split = list(config.split.items())
        for spec in config.models:
            self.metrics.models[(spec.name, spec.version)] = spec.uri

    def load(self) -> None:
        """Load every model and score its input example once, so the first request is not slow."""
        from jupyter_mltrack.models.pyfunc import load_pyfunc

        for spec in self.config.models:
            model = load_pyfunc(spec.path, suppress_warnings=True)
            example = model.metadata.load_input_example(spec.path)
            if example is not None:
                model.predict(example)
            self.models[spec.name] = model
            if self.config.batching and self._batchable(model, example):
                score = functools.partial(self._score_batch, spec)
                self.batchers[spec.name] = Batcher(score, self.pool, self.config.batch_max_rows)
                log.info("micro-batching concurrent requests to %s", spec.name)
        self.ready = True
        log.info("models loaded and warm: %s", ", ".join(self.models))

    @staticmethod
    def _batchable(model: Any, example: Any) -> bool:
        """A framework whose predict goes row by row, checked to answer alike in a batch and alone."""
        meta = model.metadata
        flavor = meta.native_flavor()
        loader = meta.flavors.get("python_function", {}).get("loader_module") or ""
        if flavor not in ROW_FLAVORS or not loader.endswith(("." + flavor, ".flavors." + flavor)):
            return False
        return batch_invariant(model, example, protocol.predictions_json)

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id", "")[:64] or os.urandom(8).hex()
        self.metrics.started()
        route = request.path
        try:
            route, response = await self._dispatch(request, request_id)
        except ServingError as err:
            response = error_response(err)
        finally:
            self.metrics.finished()
        response.headers["X-Request-Id"] = request_id
        if self.config.cors_origin:
            response.headers["Access-Control-Allow-Origin"] = self.config.cors_origin
        code = None
        if response.status >= 400 and response.content_type == "application/json":
            code = json.loads(response.body).get("error_code")
        self.metrics.observe(route, response.status, time.perf_counter() - started, code)
        return response

    async def _dispatch(self, request: Request, request_id: str) -> tuple[str, Response]:
        path, method = request.path, request.method
        if method == "OPTIONS" and self.config.cors_origin:
            headers = {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                       "Access-Control-Allow-Headers": "Content-Type, X-Request-Id", "Access-Control-Max-Age": "600"}
            return path, Response(204, b"", headers=headers)
        if path in ("/ping", "/health", "/version", "/metrics"):
            if method != "GET":
                raise ServingError(405, "ENDPOINT_NOT_FOUND", f"{path} answers GET only.")
            return path, self._info(path)
        if path == "/invocations" or (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            if method != "POST":
                raise ServingError(405, "ENDPOINT_NOT_FOUND", f"{path} answers POST only.")
            name = self._choose() if path == "/invocations" else path[len(_PREFIX) : -len(_SUFFIX)]
            route = "/invocations" if path == "/invocations" else "/models/{name}/invocations"
            return route, await self._invoke(name, request, request_id)
        raise ServingError(404, "ENDPOINT_NOT_FOUND", f"No route {path!r}; POST /invocations to score.")

    def _info(self, path: str) -> Response:
        if path == "/metrics":
            return Response(200, self.metrics.render().encode(), "text/plain; version=0.0.4; charset=utf-8")
        if path == "/version":
            return Response(200, __version__.encode(), "text/plain")
        if not self.ready:
            raise ServingError(503, "TEMPORARILY_UNAVAILABLE", "The model is loading.", {"Retry-After": "1"})
        if path == "/ping":
            return Response(200, b"\n")
        models = [{"name": s.name, "version": s.version, "uri": s.uri} for s in self.config.models]
        return Response(200, json.dumps({"status": "ok", "pid": os.getpid(), "models": models}).encode())

    def _choose(self) -> str:
        if self._split:
            pick, total = random.random(), 0.0
            for name, weight in self._split:
                total += weight
                if pick < total:
                    return name
            return self._split[-1][0]
        if DEFAULT in self.specs:
            return DEFAULT
        if len(self.specs) == 1:
            return next(iter(self.specs))
        raise ServingError(404, "ENDPOINT_NOT_FOUND", f"Several models are served; POST /models/<name>/invocations "
                           f"with a name in {sorted(self.specs)}.")

    async def _invoke(self, name: str, request: Request, request_id: str) -> Response:
        spec = self.specs.get(name)
        if spec is None:
            raise ServingError(404, "ENDPOINT_NOT_FOUND", f"No model named {name!r}; served: {sorted(self.specs)}.")
        if not self.ready:
            raise ServingError(503, "TEMPORARILY_UNAVAILABLE", "The model is loading.", {"Retry-After": "1"})
        mime = protocol.media_type(request.headers.get("content-type"))
        if self.busy >= self.config.max_concurrency:
            limit = self.config.max_concurrency
            message = f"The server is at its concurrency limit ({limit} predictions); retry shortly."
            raise ServingError(503, "TEMPORARILY_UNAVAILABLE", message, {"Retry-After": "1"})
        self.busy += 1
        try:
            batcher = self.batchers.get(spec.name)
            rows = None
            if batcher is not None and mime == protocol.JSON and len(request.body) <= BATCH_BODY_LIMIT:
                rows = parse_rows(request.body, batcher.max_rows)
            if batcher is not None and rows is not None:
                body = await batcher.submit(rows, request.body, request_id)
                if isinstance(body, ServingError):
                    raise body
            else:
                loop = asyncio.get_running_loop()
                body = await loop.run_in_executor(self.pool, self._score, spec, request.body, mime, request_id)
        finally:
            self.busy -= 1
        self.metrics.answered(spec.name, spec.version)
        return Response(200, body, headers={"X-Mltrack-Model": spec.name, "X-Mltrack-Model-Version": spec.version})

    def _score(self, spec: ModelSpec, body: bytes, mime: str, request_id: str) -> bytes:
        data, params = protocol.parse(body, mime)
        return self._predict(spec, data, params, body, request_id)

    def _predict(self, spec: ModelSpec, data: Any, params: dict[str, Any] | None, body: bytes,
                 request_id: str) -> bytes:
        model = self.models[spec.name]
        try:
            predictions = model.predict(data, params=params) if params else model.predict(data)
        except SchemaEnforcementError as err:
            raise ServingError(400, "BAD_REQUEST", f"Failed to predict data: {err.message}\n"
                               f"Input (first 1 KB): {protocol.echo(body)}") from None
        except Exception:
            log.exception("model %s raised on request %s", spec.name, request_id)
            message = f"The model raised an error while predicting (request id {request_id}; see the server log)."
            raise ServingError(500, "INTERNAL_ERROR", message) from None
        if self.request_log is not None:
            self.request_log.maybe_record(spec.name, spec.version, data, predictions)
        return protocol.predictions_json(predictions)

    def _score_batch(self, spec: ModelSpec, batch: list[Pending]) -> list[Outcome]:
        """One outcome per request: requests with the same columns and types are scored together."""
        groups: dict[Any, list[int]] = {}
        for index, item in enumerate(batch):
            groups.setdefault(item.rows.key, []).append(index)
        outcomes: list[Outcome] = [None] * len(batch)
        for indexes in groups.values():
            items = [batch[i] for i in indexes]
            answers = self._score_together(spec, items) if len(items) > 1 else None
            if answers is None:  # alone, or the batch failed: each request gets its own answer or error
                answers = [self._score_alone(spec, item) for item in items]
            for index, answer in zip(indexes, answers, strict=True):
                outcomes[index] = answer
        return outcomes

    def _score_together(self, spec: ModelSpec, items: list[Pending]) -> list[Outcome] | None:
        together = predict_together(self.models[spec.name], [item.rows for item in items])
        if together is None:
            return None
        frame, pieces = together
        self.metrics.batched(spec.name, len(items))
        if self.request_log is not None:
            start = 0
            for item, piece in zip(items, pieces, strict=True):
                end = start + len(item.rows.data)
                part = frame.iloc[start:end].reset_index(drop=True)
                self.request_log.maybe_record(spec.name, spec.version, part, piece)
                start = end
        return [protocol.predictions_json(piece) for piece in pieces]

    def _score_alone(self, spec: ModelSpec, item: Pending) -> Outcome:
        table = item.rows
        try:
            frame = frame_of(table.data, table.columns, table.kinds)
            if frame is None:
                return self._score(spec, item.body, protocol.JSON, item.request_id)
            return self._predict(spec, frame, None, item.body, item.request_id)
        except ServingError as err:
            return err

    def close(self) -> None:
        for batcher in self.batchers.values():
            batcher.close()
        self.metrics.close()
        if self.request_log is not None:
            self.request_log.flush()
        self.pool.shutdown(wait=False, cancel_futures=True)
