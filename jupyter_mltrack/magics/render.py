"""HTML building blocks for the magics' output: every user string goes through :func:`esc`.

Run names, params, tags and metric keys are user data; a run named ``<script>...`` must show as
text. Nothing here builds HTML from a user string without escaping it, and styles are inline
(no ``<style>`` element leaking into the notebook's page).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any, Iterable, Mapping, Sequence

BOX = (
    "border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;margin:4px 0;"
    "font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:12.5px;line-height:1.45;max-width:960px;"
    "overflow-x:auto"
)
MUTED = "color:#57606a"
CELL = "padding:1px 10px 1px 0;text-align:left;vertical-align:top;border:none;white-space:nowrap"
HEAD = CELL + ";font-weight:600;border-bottom:1px solid #d0d7de"
STATUS_COLORS = {"FINISHED": "#1a7f37", "FAILED": "#cf222e", "KILLED": "#9a6700", "RUNNING": "#0969da"}


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def number(value: float) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1e-3 or abs(value) >= 1e5 else f"{value:.4f}".rstrip("0")


def when(millis: int | None) -> str:
    if not millis:
        return ""
    return dt.datetime.fromtimestamp(millis / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration(start: int | None, end: int | None) -> str:
    if not start or not end:
        return ""
    seconds = max(0.0, (end - start) / 1000)
    return f"{seconds:.2f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def status(value: str) -> str:
    color = STATUS_COLORS.get(value, "#57606a")
    return f'<span style="color:{color};font-weight:600">&#9679; {esc(value)}</span>'


def code(value: Any, title: str | None = None) -> str:
    attr = f' title="{esc(title)}"' if title else ""
    return f"<code{attr}>{esc(value)}</code>"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False) -> str:
    """A table; cells are escaped unless ``raw`` (then the caller has escaped them)."""
    head = "".join(f'<th style="{HEAD}">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL}">{c if raw else esc(c)}</td>' for c in row) + "</tr>" for row in rows
    )
    style = "border-collapse:collapse;margin:2px 0"
    return f'<table style="{style}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def key_values(items: Mapping[str, Any], limit: int = 12, fmt: Any = str) -> str:
    """A two-column table of the first ``limit`` items, and how many more there are."""
    shown = list(items.items())[:limit]
    rows = "".join(
        f'<tr><td style="{CELL};{MUTED}">{esc(k)}</td><td style="{CELL}">{esc(fmt(v))}</td></tr>' for k, v in shown
    )
    more = len(items) - len(shown)
    extra = f'<div style="{MUTED}">+{more} more</div>' if more > 0 else ""
    return f'<table style="border-collapse:collapse">{rows}</table>{extra}'


def section(title: str, body: str) -> str:
    return f'<div style="min-width:140px"><div style="font-weight:600;margin-top:4px">{esc(title)}</div>{body}</div>'


def columns(parts: Sequence[str]) -> str:
    return '<div style="display:flex;flex-wrap:wrap;gap:4px 28px">' + "".join(parts) + "</div>"


def box(inner: str, kind: str, run_id: str | None = None) -> str:
    """A card; with ``run_id``, a click on it opens that run in the JupyterLab side panel."""
    link = f' data-mltrack-run-id="{esc(run_id)}" title="Open in the mltrack panel"' if run_id else ""
    return f'<div class="mltrack-{esc(kind)}"{link} style="{BOX}">{inner}</div>'


def truncate(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"
