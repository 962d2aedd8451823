"""Prometheus text exposition, written by hand: a counter update is a dict increment, so metrics
cost nothing on the scoring path and need no dependency. ``/metrics`` renders them on demand.

Drift scores come from ``drift-latest.json`` in the request-log folder, which
``jupyter_mltrack.monitoring.drift_report`` writes; serving never imports monitoring.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DRIFT_FILE = "drift-latest.json"


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    """Counters, a latency histogram per route and the in-flight gauge of one server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str], int] = defaultdict(int)
        self.errors: dict[str, int] = defaultdict(int)
        self.answers: dict[tuple[str, str], int] = defaultdict(int)
        self.hist: dict[str, list[int]] = {}
        self.sums: dict[str, float] = defaultdict(float)
        self.in_flight = 0
        self.models: dict[tuple[str, str], str] = {}
        self.drift_dir: str | None = None

    def observe(self, route: str, status: int, seconds: float, error_code: str | None = None) -> None:
        with self._lock:
            self.requests[(route, str(status))] += 1
            if error_code:
                self.errors[error_code] += 1
            counts = self.hist.get(route)
            if counts is None:
                counts = self.hist[route] = [0] * (len(BUCKETS) + 1)
            index = next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))
            counts[index] += 1
            self.sums[route] += seconds

    def answered(self, model: str, version: str) -> None:
        with self._lock:
            self.answers[(model, version)] += 1

    def render(self) -> str:
        with self._lock:
            out = [
                "# HELP mltrack_requests_total Requests answered, by route and HTTP status.",
                "# TYPE mltrack_requests_total counter",
            ]
            out += [f"mltrack_requests_total{_labels(route=r, code=c)} {n}"
                    for (r, c), n in sorted(self.requests.items())]
            out += ["# HELP mltrack_errors_total Error responses, by error code.",
                    "# TYPE mltrack_errors_total counter"]
            out += [f"mltrack_errors_total{_labels(error_code=c)} {n}" for c, n in sorted(self.errors.items())]
            out += ["# HELP mltrack_predictions_total Scoring requests answered, by model and version.",
                    "# TYPE mltrack_predictions_total counter"]
            out += [f"mltrack_predictions_total{_labels(model=m, version=v)} {n}"
                    for (m, v), n in sorted(self.answers.items())]
            out += ["# HELP mltrack_request_duration_seconds Request latency.",
                    "# TYPE mltrack_request_duration_seconds histogram"]
            for route, counts in sorted(self.hist.items()):
                running = 0
                for bound, count in zip((*BUCKETS, float("inf")), counts, strict=True):
                    running += count
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    out.append(f"mltrack_request_duration_seconds_bucket{_labels(route=route, le=le)} {running}")
                out.append(f"mltrack_request_duration_seconds_count{_labels(route=route)} {running}")
                out.append(f"mltrack_request_duration_seconds_sum{_labels(route=route)} {self.sums[route]}")
            out += ["# HELP mltrack_in_flight_requests Requests being processed.",
                    "# TYPE mltrack_in_flight_requests gauge", f"mltrack_in_flight_requests {self.in_flight}"]
            out += ["# HELP mltrack_model_info Models served by this process.", "# TYPE mltrack_model_info gauge"]
            out += [f"mltrack_model_info{_labels(model=m, version=v, uri=u)} 1"
                    for (m, v), u in sorted(self.models.items())]
        out += self._drift()
        return "\n".join(out) + "\n"

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
