"""Prometheus text exposition, written by hand: a counter update is a dict increment, so metrics
cost nothing on the scoring path and need no dependency. ``/metrics`` renders them on demand.

Under ``--workers N`` each process also keeps its values in a memory-mapped file of a directory
shared by the server's workers (``sharedmetrics.py``), and any worker's ``/metrics`` sums them:
counters and histograms over every worker that ever ran (a dead worker's counts stay), the
in-flight gauge over the live ones, model info once.

Drift scores come from ``drift-latest.json`` in the request-log folder, which
``jupyter_mltrack.monitoring.drift_report`` writes; serving never imports monitoring.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from collections import defaultdict
from collections.abc import Iterable

from jupyter_mltrack.serving.sharedmetrics import Key, SharedValues, read_others

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DRIFT_FILE = "drift-latest.json"
IN_FLIGHT: Key = ("in_flight",)


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Metrics:
    """Counters, a latency histogram per route and the in-flight gauge of one server process.

    Values live in one dict keyed by ``(family, *labels)``: ``requests`` (route, code), ``errors``
    (code), ``answers`` (model, version), ``batches`` and ``batched`` (model), ``bucket`` (route,
    bucket index; not cumulative), ``sum`` (route) and ``in_flight``.
    """

    def __init__(self, shared_dir: str | None = None) -> None:
        self._lock = threading.Lock()
        self.values: dict[Key, float] = defaultdict(float)
        self.models: dict[tuple[str, str], str] = {}
        self.drift_dir: str | None = None
        self.shared = SharedValues(shared_dir) if shared_dir else None
        if self.shared is not None:
            self.values.update(self.shared.values)
            self._set(IN_FLIGHT, 0)

    def _set(self, key: Key, value: float) -> None:
        self.values[key] = value
        if self.shared is not None:
            self.shared.set(key, value)

    def _add(self, key: Key, amount: float = 1) -> None:
        self._set(key, self.values[key] + amount)

    def started(self) -> None:
        with self._lock:
            self._add(IN_FLIGHT)

    def finished(self) -> None:
        with self._lock:
            self._add(IN_FLIGHT, -1)

    @property
    def in_flight(self) -> int:
        return int(self.values[IN_FLIGHT])

    def observe(self, route: str, status: int, seconds: float, error_code: str | None = None) -> None:
        with self._lock:
            self._add(("requests", route, str(status)))
            if error_code:
                self._add(("errors", error_code))
            self._add(("bucket", route, str(bisect.bisect_left(BUCKETS, seconds))))
            self._add(("sum", route), seconds)

    def answered(self, model: str, version: str) -> None:
        with self._lock:
            self._add(("answers", model, version))

    def batched(self, model: str, requests: int) -> None:
        """``requests`` requests answered by one shared ``predict`` call (micro-batching)."""
        with self._lock:
            self._add(("batches", model))
            self._add(("batched", model), requests)

    def totals(self) -> dict[Key, float]:
        """This process's values plus, under ``--workers``, every other worker's."""
        with self._lock:
            totals: dict[Key, float] = defaultdict(float, self.values)
        if self.shared is not None:
            for _, alive, values in read_others(os.path.dirname(self.shared.path), self.shared.pid):
                for key, value in values.items():
                    if key != IN_FLIGHT or alive:
                        totals[key] += value
        return totals

    def close(self) -> None:
        with self._lock:
            if self.shared is not None:
                self.shared.set(IN_FLIGHT, 0)
                self.shared.close()
                self.shared = None

    def render(self) -> str:
        totals = self.totals()
        by_family: dict[str, list[tuple[Key, float]]] = defaultdict(list)
        for key, value in sorted(totals.items()):
            by_family[key[0]].append((key[1:], value))

        def family(name: str, kind: str, text: str, rows: Iterable[str]) -> list[str]:
            return [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *rows]

        out = family("mltrack_requests_total", "counter", "Requests answered, by route and HTTP status.",
                     (f"mltrack_requests_total{_labels(route=r, code=c)} {_number(n)}"
                      for (r, c), n in by_family["requests"]))
        out += family("mltrack_errors_total", "counter", "Error responses, by error code.",
                      (f"mltrack_errors_total{_labels(error_code=c)} {_number(n)}" for (c,), n in by_family["errors"]))
        out += family("mltrack_predictions_total", "counter", "Scoring requests answered, by model and version.",
                      (f"mltrack_predictions_total{_labels(model=m, version=v)} {_number(n)}"
                       for (m, v), n in by_family["answers"]))
        out += family("mltrack_batches_total", "counter", "Predict calls shared by several requests.",
                      (f"mltrack_batches_total{_labels(model=m)} {_number(n)}" for (m,), n in by_family["batches"]))
        out += family("mltrack_batched_requests_total", "counter", "Requests answered by a shared predict call.",
                      (f"mltrack_batched_requests_total{_labels(model=m)} {_number(n)}"
                       for (m,), n in by_family["batched"]))
        out += family("mltrack_request_duration_seconds", "histogram", "Request latency.", self._histogram(by_family))
        out += family("mltrack_in_flight_requests", "gauge", "Requests being processed.",
                      [f"mltrack_in_flight_requests {_number(totals.get(IN_FLIGHT, 0))}"])
        out += family("mltrack_model_info", "gauge", "Models served by this server.",
                      (f"mltrack_model_info{_labels(model=m, version=v, uri=u)} 1"
                       for (m, v), u in sorted(self.models.items())))
        out += self._drift()
        return "\n".join(out) + "\n"

    @staticmethod
    def _histogram(by_family: dict[str, list[tuple[Key, float]]]) -> list[str]:
        counts: dict[str, list[float]] = defaultdict(lambda: [0.0] * (len(BUCKETS) + 1))
        for (route, index), count in by_family["bucket"]:
            counts[route][int(index)] += count
        sums = {route: total for (route,), total in by_family["sum"]}
        out = []
        for route, per_bucket in sorted(counts.items()):
            running = 0.0
            for bound, count in zip((*BUCKETS, float("inf")), per_bucket, strict=True):
                running += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                out.append(f"mltrack_request_duration_seconds_bucket{_labels(route=route, le=le)} {_number(running)}")
            out.append(f"mltrack_request_duration_seconds_count{_labels(route=route)} {_number(running)}")
            out.append(f"mltrack_request_duration_seconds_sum{_labels(route=route)} {sums.get(route, 0.0)!r}")
        return out

    def _drift(self) -> list[str]:
        """The latest drift report for this server's request log, if one was computed."""
        if not self.drift_dir:
            return []
        path = os.path.join(self.drift_dir, DRIFT_FILE)
        try:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            return []
        out = ["# HELP mltrack_drift_score Latest drift score per feature and statistic.",
               "# TYPE mltrack_drift_score gauge"]
        for row in report.get("features", []):
            for stat in ("psi", "ks"):
                if row.get(stat) is not None:
                    labels = _labels(model=str(report.get("model", "")), feature=str(row["feature"]), statistic=stat)
                    out.append(f"mltrack_drift_score{labels} {float(row[stat])}")
        out += ["# HELP mltrack_drift_flagged Features over the drift thresholds in the latest report.",
                "# TYPE mltrack_drift_flagged gauge",
                f"mltrack_drift_flagged {sum(1 for r in report.get('features', []) if r.get('drifted'))}"]
        return out
