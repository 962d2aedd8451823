"""``drift_report``: served inputs (the sampled request log) against the model's training profile.

Each feature gets PSI and Kolmogorov-Smirnov; a feature over a threshold is flagged. The report is
logged as a run of the ``monitoring`` experiment, written beside the request log (where the
server's ``/metrics`` picks it up) and sent to the alert hooks when anything is flagged.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
from typing import Any

import pandas as pd

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.models.profile import profile_data, read_profile
from jupyter_mltrack.monitoring.alerts import notify
from jupyter_mltrack.monitoring.stats import categorical_psi, ks, numeric_psi

DEFAULT_THRESHOLDS = {"psi": 0.2, "ks": 0.1}
DRIFT_FILE = "drift-latest.json"  # read by jupyter_mltrack.serving.metrics
_UNSAFE = re.compile(r"[^\w\-. /:]")  # characters a metric key may not hold


class DriftReport(pd.DataFrame):  # type: ignore[misc]
    """One row per feature (psi, ks, ks_pvalue, missing rates, drifted); ``.figure`` plots it."""

    _metadata = ["run_id", "model_uri"]

    @property
    def _constructor(self) -> Any:
        return pd.DataFrame  # a slice of a report is a plain table

    @property
    def figure(self) -> Any:
        import plotly.graph_objects as go

        colors = ["crimson" if d else "steelblue" for d in self["drifted"]]
        fig = go.Figure(go.Bar(x=self["feature"], y=self["psi"], marker_color=colors, name="PSI"))
        fig.update_layout(title=f"Drift of {getattr(self, 'model_uri', '')} (PSI; red = flagged)",
                          yaxis_title="PSI", xaxis_title="feature")
        return fig


def read_log(log_dir: str | os.PathLike[str], since: Any = None, model: str | None = None) -> pd.DataFrame:
    """The sampled requests logged in ``log_dir`` (optionally since a time, for one served name)."""
    files = sorted(glob.glob(os.path.join(os.fspath(log_dir), "requests-*.parquet")))
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if since is not None:
        moment = pd.Timestamp(since)
        moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment
        frame = frame[frame["_timestamp"] >= moment]
    if model is not None:
        frame = frame[frame["_model"] == model]
    return frame


def drift_report(model_uri: str | os.PathLike[str], log_dir: str | os.PathLike[str], since: Any = None,
                 thresholds: dict[str, float] | None = None, reference: Any = None, model: str | None = None,
                 log_run: bool = True) -> DriftReport:
    """Compare served inputs in ``log_dir`` with the model's profile (or a ``reference`` DataFrame)."""
    from jupyter_mltrack.models.uri import resolve_model_uri

    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    profile = profile_data(reference) if reference is not None else read_profile(resolve_model_uri(model_uri))
    if profile is None:
        raise InvalidParameterError(f"The model at {model_uri} has no stored profile; pass reference=<training "
                                    "DataFrame> to compare served inputs with it.")
    served = read_log(log_dir, since, model)
    if served.empty:
        raise InvalidParameterError(f"No logged requests in {log_dir}: serve with --log-dir and --sample-rate.")
    rows = [_feature_row(name, spec, served, limits) for name, spec in profile["features"].items()]
    report = DriftReport(rows)
    report.model_uri = os.fspath(model_uri)
    report.run_id = _log_run(report, os.fspath(model_uri), len(served)) if log_run else None
    _publish(report, os.fspath(log_dir), model or os.fspath(model_uri), len(served))
    return report


def _feature_row(name: str, spec: dict[str, Any], served: pd.DataFrame, limits: dict[str, float]) -> dict[str, Any]:
    row: dict[str, Any] = {"feature": name, "kind": spec["kind"], "psi": float("nan"), "ks": float("nan"),
                           "ks_pvalue": float("nan"), "missing_reference": spec["missing_rate"]}
    if name not in served:
        row.update(missing_served=1.0, drifted=True)
        return row
    column = served[name]
    row["missing_served"] = float(column.isna().mean())
    values = column.dropna()
    if spec["kind"] == "numeric" and spec.get("bins") is not None and len(spec.get("quantiles", [])):
        numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
        row["psi"] = numeric_psi(spec, numbers)
        row["ks"], row["ks_pvalue"] = ks(spec, numbers)
    elif spec["kind"] == "categorical":
        row["psi"] = categorical_psi(spec, values)
    row["drifted"] = bool(row["psi"] > limits["psi"] or row["ks"] > limits["ks"])
    return row


def _metric_key(stat: str, feature: str) -> str:
    return f"{stat}.{_UNSAFE.sub('_', feature)}"


def _log_run(report: DriftReport, model_uri: str, rows: int) -> str:
    from jupyter_mltrack.tracking.client import Client

    client = Client()
    experiment = client.get_experiment_by_name("monitoring")
    experiment_id = experiment.experiment_id if experiment else client.create_experiment("monitoring")
    run = client.create_run(experiment_id, run_name="drift-report",
                            tags={"mltrack.monitoring.model_uri": model_uri, "mltrack.monitoring.kind": "drift"})
    run_id = run.info.run_id
    for record in report.to_dict(orient="records"):
        for stat in ("psi", "ks"):
            if pd.notna(record[stat]):
                client.log_metric(run_id, _metric_key(stat, record["feature"]), float(record[stat]))
    client.log_metric(run_id, "features_drifted", float(report["drifted"].sum()))
    client.log_metric(run_id, "rows_served", float(rows))
    client.log_dict(run_id, json.loads(report.to_json(orient="records")), "drift_report.json")
    client.set_terminated(run_id)
    return str(run_id)


def _publish(report: DriftReport, log_dir: str, model: str, rows: int) -> None:
    summary = {
        "model": model, "computed_at": dt.datetime.now(dt.timezone.utc).isoformat(), "rows": rows,
        "run_id": report.run_id, "drifted": report.loc[report["drifted"], "feature"].tolist(),
        "features": json.loads(report.to_json(orient="records")),
    }
    temp = os.path.join(log_dir, "." + DRIFT_FILE)
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(summary, handle)
    os.replace(temp, os.path.join(log_dir, DRIFT_FILE))
    if summary["drifted"]:
        notify(summary)
