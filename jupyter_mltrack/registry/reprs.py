"""HTML views of the registry for notebooks (compact tables in JupyterLab's look), and what they show.

- :func:`model_overview` gathers what a model's view shows: the model, all its versions and each
  version's *key metrics* (see :func:`key_metrics`). The CLI's ``mltrack models show`` and the
  ``%mltrack models NAME`` magic both use it, so they show the same thing.
- :func:`registered_model_html`, :func:`registered_models_html`, :func:`model_version_html`,
  :func:`history_html` and :func:`requests_html` render entities as HTML. Every string that
  comes from a user (names, tags, descriptions, comments, actors, sources) goes through
  :func:`html.escape`, so a hostile model name cannot inject markup. Colours and fonts are
  JupyterLab's CSS variables, with fallbacks for the classic notebook and other front ends.
- :func:`change_text` spells an audit row's before/after, for the CLI and the HTML alike.

The renderers are pure functions of entities, and nothing here imports Jupyter: all of it runs
and tests without a shell.
"""

from __future__ import annotations

import html
import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from jupyter_mltrack.entities import AuditEntry, ModelVersion, RegisteredModel, TransitionRequest

if TYPE_CHECKING:
    from jupyter_mltrack.registry.client import Client

#: How many of a run's metrics a version shows (``mltrack models show``, ``%mltrack models``).
KEY_METRICS = 5

# ------------------------------------------------------------------------------------ the data
RunMetrics = Mapping[str, Mapping[str, float]]  # version -> {metric key -> latest value}


def gated_metric_keys(gates: Iterable[str]) -> list[str]:
    """The metric keys that promotion gates check (``metrics.accuracy >= 0.9`` -> ``accuracy``)."""
    from jupyter_mltrack.store.sql import search_grammar as g

    keys: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, (g.And, g.Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, g.Comparison) and node.kind == "metric" and node.key not in keys:
            keys.append(node.key)

    for gate in gates:
        walk(g.parse_filter(gate))
    return keys


#: What ``%%track`` records about a cell itself (``cell.wall_time_s``...): shown after the run's own metrics.
SYSTEM_METRIC_PREFIX = "cell."


def key_metrics(
    metrics: Mapping[str, float], preferred: Sequence[str] = (), limit: int = KEY_METRICS
) -> dict[str, float]:
    """At most ``limit`` of a run's latest metric values: ``preferred`` keys first (the metrics the
    model's promotion gates check), then the others in alphabetical order of key, the cell's own
    measurements (``cell.*``) last."""
    rest = sorted((k for k in metrics if k not in preferred), key=lambda k: (k.startswith(SYSTEM_METRIC_PREFIX), k))
    order = [k for k in preferred if k in metrics] + rest
    return {k: metrics[k] for k in order[:limit]}


def model_overview(
    client: "Client", name: str
) -> tuple[RegisteredModel, list[ModelVersion], dict[str, dict[str, float]]]:
    """The model, its versions (oldest first) and each version's key metrics, by version.

    A version's key metrics are the latest values of its source run's metrics (``run.data.metrics``
    from ``Client.get_run``): those the model's promotion gates check first, then the rest in
    alphabetical order (``cell.*`` measurements last), at most :data:`KEY_METRICS`. A version
    without a run, or whose run is not in this store, has none.
    """
    from jupyter_mltrack.errors import ResourceNotFoundError

    model = client.get_registered_model(name)
    quoted = name.replace("'", "''")
    versions = sorted(client.search_model_versions(f"name = '{quoted}'"), key=lambda v: int(v.version))
    preferred = gated_metric_keys(g for p in client.list_promotion_policies(name) for g in p.gates)
    run_metrics: dict[str, dict[str, float]] = {}
    runs: dict[str, Mapping[str, float]] = {}
    for version in versions:
        if not version.run_id:
            continue
        if version.run_id not in runs:
            try:
                runs[version.run_id] = client.get_run(version.run_id).data.metrics
            except ResourceNotFoundError:  # a run of another store (MLflow allows it), or gone
                runs[version.run_id] = {}
        run_metrics[version.version] = key_metrics(runs[version.run_id], preferred)
    return model, versions, run_metrics


# ------------------------------------------------------------------------------------- plain text
def value_text(value: Any) -> str:
    """An audit value on one line: a stage or version as is, a mapping as ``key=value`` pairs
    (empty entries left out, nested mappings in braces), a list as JSON."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        shown = [(k, v) for k, v in value.items() if v is not None and v != {} and v != []]
        return ", ".join(
            f"{k}={{{value_text(v)}}}" if isinstance(v, Mapping) else f"{k}={_scalar(v)}" for k, v in shown
        )
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def change_text(before: Any, after: Any, arrow: str = "->") -> str:
    """``before -> after`` for an audit row (one side may be empty)."""
    old, new = value_text(before), value_text(after)
    if not old and not new:
        return ""
    return f"{old or '-'} {arrow} {new or '-'}"


def metric_columns(per_version: Iterable[Mapping[str, float]]) -> list[str]:
    """The metric keys of several versions, in order of first appearance (gated metrics lead)."""
    return list(dict.fromkeys(k for metrics in per_version for k in metrics))


def metric_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def time_text(millis: int | None) -> str:
    """Local time of a millisecond timestamp, to the second."""
    if millis is None:
        return ""
    return datetime.fromtimestamp(millis / 1000).strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------------------------------- HTML
_FONT = "font-family: var(--jp-ui-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif)"
_BOX = (
    f"{_FONT}; font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, rgba(0, 0, 0, 0.87)); "
    "margin: 4px 0"
)
_TABLE = "border-collapse: collapse; margin: 4px 0; font-size: inherit; color: inherit"
_CELL = "padding: 2px 10px 2px 0; text-align: left; vertical-align: top; border: none"
_HEAD = (
    f"{_CELL}; font-weight: 600; color: var(--jp-ui-font-color2, rgba(0, 0, 0, 0.54)); "
    "border-bottom: var(--jp-border-width, 1px) solid var(--jp-border-color2, #e0e0e0)"
)
_NUM = f"{_CELL}; text-align: right; font-variant-numeric: tabular-nums"
_CODE = "font-family: var(--jp-code-font-family, SFMono-Regular, Menlo, Consolas, monospace); font-size: 0.95em"
_MUTED = "color: var(--jp-ui-font-color2, rgba(0, 0, 0, 0.54))"
_TITLE = "font-weight: 600; font-size: var(--jp-ui-font-size2, 1.1em)"
_STAGE_COLORS = {
    "Production": "var(--jp-success-color1, #388e3c)",
    "Staging": "var(--jp-warn-color1, #f57c00)",
    "Archived": "var(--jp-ui-font-color3, #9e9e9e)",
}
_STATUS_COLORS = {
    "PENDING": "var(--jp-warn-color1, #f57c00)",
    "APPROVED": "var(--jp-success-color1, #388e3c)",
    "REJECTED": "var(--jp-error-color1, #d32f2f)",
}


def esc(value: Any) -> str:
    """Any value as escaped HTML text (None as nothing)."""
    return "" if value is None else html.escape(str(value), quote=True)


def _badge(text: str, color: str) -> str:
    style = (
        f"display: inline-block; padding: 0 6px; border-radius: 8px; border: 1px solid {color}; color: {color}; "
        "font-size: 0.9em; line-height: 1.4; margin-right: 3px; white-space: nowrap"
    )
    return f'<span style="{style}">{esc(text)}</span>'


def _stage(stage: str) -> str:
    if stage in _STAGE_COLORS:
        return _badge(stage, _STAGE_COLORS[stage])
    return f'<span style="{_MUTED}">{esc(stage)}</span>'


def _aliases(aliases: Iterable[str]) -> str:
    return "".join(_badge("@" + a, "var(--jp-brand-color1, #1976d2)") for a in aliases)


def _time(millis: int | None) -> str:
    return f'<span style="white-space: nowrap">{esc(time_text(millis))}</span>' if millis is not None else ""


def _code(text: Any) -> str:
    return f'<code style="{_CODE}">{esc(text)}</code>' if text not in (None, "") else ""


def _pairs(mapping: Mapping[str, Any]) -> str:
    return ", ".join(f"{_code(k)}={esc(v)}" for k, v in sorted(mapping.items()))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of already-escaped cells; ``headers`` are plain text (escaped here)."""
    head = "".join(
        f'<th style="{_HEAD}{"; text-align: right" if i in numeric else ""}">{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>" + "".join(f'<td style="{_NUM if i in numeric else _CELL}">{c}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fields(pairs: Sequence[tuple[str, str]]) -> str:
    """``label: value`` rows (values already escaped; empty ones skipped)."""
    rows = "".join(
        f'<tr><th style="{_CELL}; {_MUTED}; font-weight: normal">{esc(k)}</th><td style="{_CELL}">{v}</td></tr>'
        for k, v in pairs
        if v
    )
    return f'<table style="{_TABLE}"><tbody>{rows}</tbody></table>' if rows else ""


def _box(kind: str, title: str, *parts: str) -> str:
    inner = "".join(p for p in parts if p)
    return f'<div class="mltrack-repr mltrack-{kind}" style="{_BOX}"><div style="{_TITLE}">{title}</div>{inner}</div>'


def _empty(text: str) -> str:
    return f'<div style="{_MUTED}; margin: 4px 0">{esc(text)}</div>'


def registered_model_html(
    model: RegisteredModel,
    versions: Sequence[ModelVersion] | None = None,
    run_metrics: RunMetrics | None = None,
) -> str:
    """A model: description, tags, aliases, then one row per version with its stage, aliases, run
    and run metrics (``run_metrics``: version -> {key: value}, see :func:`model_overview`).
    Without ``versions``, the model's latest version in each stage is shown."""
    shown = list(model.latest_versions if versions is None else versions)
    metrics = run_metrics or {}
    keys = metric_columns(metrics.get(v.version, {}) for v in shown)
    headers = ["version", "stage", "aliases", "run", "created", *[f"metrics.{k}" for k in keys]]
    rows = []
    for v in shown:
        values = metrics.get(v.version, {})
        row = [
            esc(v.version),
            _stage(v.current_stage),
            _aliases(v.aliases),
            _code(v.run_id),
            _time(v.creation_timestamp),
        ]
        row += [esc(metric_text(values[k])) if k in values else "" for k in keys]
        rows.append(row)
    info = _fields(
        [
            ("description", esc(model.description)),
            ("tags", _pairs(model.tags)),
            ("aliases", ", ".join(f"{_aliases([a])} &rarr; {esc(v)}" for a, v in sorted(model.aliases.items()))),
            ("updated", esc(time_text(model.last_updated_timestamp))),
        ]
    )
    table = _table(headers, rows, numeric=[0, *range(5, 5 + len(keys))]) if rows else _empty("No versions.")
    caption = "" if versions is not None else f'<div style="{_MUTED}">Latest version in each stage.</div>'
    return _box("registered-model", f"Registered model {esc(model.name)}", info, caption, table)


def registered_models_html(models: Sequence[RegisteredModel]) -> str:
    """Several models (``%mltrack models``): the newest version in each stage, aliases, last update."""
    if not models:
        return _box("registered-models", "Registered models", _empty("No registered models."))
    rows = [
        [
            esc(m.name),
            " ".join(f"{_stage(v.current_stage)}&nbsp;{esc(v.version)}" for v in m.latest_versions),
            ", ".join(f"{_aliases([a])}&nbsp;{esc(v)}" for a, v in sorted(m.aliases.items())),
            _time(m.last_updated_timestamp),
        ]
        for m in models
    ]
    return _box(
        "registered-models", "Registered models", _table(["name", "latest versions", "aliases", "updated"], rows)
    )


def model_version_html(version: ModelVersion) -> str:
    """One version: stage, aliases, source, run, creator, times, description and tags."""
    info = _fields(
        [
            ("stage", _stage(version.current_stage)),
            ("aliases", _aliases(version.aliases)),
            ("status", esc(version.status)),
            ("source", _code(version.source)),
            ("run", _code(version.run_id)),
            ("created by", esc(version.user_id)),
            ("created", esc(time_text(version.creation_timestamp))),
            ("updated", esc(time_text(version.last_updated_timestamp))),
            ("description", esc(version.description)),
            ("tags", _pairs(version.tags)),
            ("uri", _code(f"models:/{version.name}/{version.version}")),
        ]
    )
    return _box("model-version", f"{esc(version.name)} version {esc(version.version)}", info)


def history_html(entries: Sequence[AuditEntry]) -> str:
    """The audit rows, oldest first: time, actor, action, version, target, before → after, comment."""
    if not entries:
        return _box("history", "History", _empty("No audit rows."))
    rows = [
        [
            _time(e.timestamp),
            esc(e.actor),
            _code(e.action),
            esc(e.version),
            esc(e.target),
            esc(change_text(e.before, e.after, arrow="\u2192")),
            esc(e.comment),
        ]
        for e in entries
    ]
    names = sorted({e.name for e in entries})
    headers = ["time", "actor", "action", "version", "target", "before \u2192 after", "comment"]
    return _box("history", f"History of {esc(', '.join(names))}", _table(headers, rows, numeric=[3]))


def requests_html(requests: Sequence[TransitionRequest]) -> str:
    """Transition requests: id, model, version, target, status, who asked and decided, comments."""
    if not requests:
        return _box("requests", "Transition requests", _empty("No transition requests."))
    rows = [
        [
            esc(r.request_id),
            esc(r.name),
            esc(r.version),
            esc(r.target),
            _badge(r.status, _STATUS_COLORS.get(r.status, "var(--jp-ui-font-color2, #757575)")),
            f'{esc(r.requested_by)} <span style="{_MUTED}">{_time(r.requested_at)}</span>',
            esc(r.comment),
            f'{esc(r.decided_by)} <span style="{_MUTED}">{_time(r.decided_at)}</span>' if r.decided_by else "",
            esc(r.decision_comment),
        ]
        for r in requests
    ]
    headers = ["id", "model", "version", "target", "status", "requested", "comment", "decided", "decision comment"]
    return _box("requests", "Transition requests", _table(headers, rows, numeric=[0, 2]))
