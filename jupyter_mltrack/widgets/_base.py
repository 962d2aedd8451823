"""What the widgets share: their optional imports, the error contract, and escaped HTML.

The error contract (DESIGN.md section 5) for this front door lives here, in one place: a service
call goes through :func:`attempt`, which turns an :class:`MltrackError` into its message (shown in
the widget as escaped text, never a traceback); a button's handler goes through :func:`on_click`,
which also keeps an unexpected bug out of the notebook's output (it is logged, and summed up in
one line). Every string a user could have written reaches HTML through :func:`esc`.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence, TypeVar

from jupyter_mltrack.errors import MissingDependencyError, MltrackError
from jupyter_mltrack.registry.reprs import esc

T = TypeVar("T")
log = logging.getLogger("jupyter_mltrack.widgets")

__all__ = ["attempt", "esc", "figure_widget", "message_html", "on_click", "table_html"]


def figure_widget(**layout: Any) -> Any:
    """An empty ``plotly.graph_objects.FigureWidget`` (plotly 6+ draws it through anywidget)."""
    try:
        import plotly.graph_objects as go
    except ImportError:
        raise MissingDependencyError("plotly", "widgets", "The notebook widgets' charts") from None
    try:
        return go.FigureWidget(
            layout={"template": "plotly_white", "margin": {"l": 50, "r": 20, "t": 40, "b": 40}, **layout}
        )
    except ImportError:  # plotly >= 6 without anywidget
        raise MissingDependencyError("anywidget", "widgets", "plotly's FigureWidget") from None


def attempt(action: Callable[[], T]) -> tuple[T | None, str | None]:
    """``(result, None)``, or ``(None, message)`` when the service refuses with an MltrackError."""
    try:
        return action(), None
    except MltrackError as err:
        return None, str(err)


def on_click(handler: Callable[[], object], report: Callable[[str], None]) -> Callable[[Any], None]:
    """A button callback running ``handler``: refusals are already messages; a bug becomes one too."""

    def click(_button: Any) -> None:
        try:
            handler()
        except Exception as err:  # a bug of ours: log it for the developer, tell the user in one line
            log.exception("jupyter_mltrack widget action failed")
            report(f"Unexpected error ({type(err).__name__}): {err}")

    return click


_COLORS = {
    "error": "var(--jp-error-color1, #d32f2f)",
    "success": "var(--jp-success-color1, #388e3c)",
    "info": "var(--jp-ui-font-color2, rgba(0, 0, 0, 0.54))",
}
_MONO = "var(--jp-code-font-family, SFMono-Regular, Menlo, Consolas, monospace)"


def message_html(text: str | None, kind: str = "info") -> str:
    """A message as escaped, pre-wrapped text (several lines in a monospace font, so a caret lines up)."""
    if not text:
        return ""
    font = f"font-family: {_MONO}; " if "\n" in text else ""
    style = f"{font}color: {_COLORS.get(kind, _COLORS['info'])}; white-space: pre-wrap; margin: 4px 0"
    return f'<div class="mltrack-message mltrack-{kind}" style="{style}">{esc(text)}</div>'


_CELL = "padding: 2px 10px 2px 0; text-align: left; vertical-align: top; border: none; white-space: nowrap"
_HEAD = (
    f"{_CELL}; font-weight: 600; color: var(--jp-ui-font-color2, rgba(0, 0, 0, 0.54)); "
    "border-bottom: 1px solid var(--jp-border-color2, #e0e0e0)"
)


def table_html(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = (), bold: Sequence[int] = ()
) -> str:
    """A compact table. ``headers`` are plain text (escaped here); cells are already-escaped HTML;
    rows whose index is in ``bold`` are emphasised."""
    head = "".join(
        f'<th style="{_HEAD}{"; text-align: right" if i in numeric else ""}">{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        f'<tr style="{"font-weight: 600" if n in bold else ""}">'
        + "".join(
            f'<td style="{_CELL}{"; text-align: right; font-variant-numeric: tabular-nums" if i in numeric else ""}">'
            f"{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for n, row in enumerate(rows)
    )
    return (
        '<div style="overflow-x: auto; max-width: 100%">'
        '<table class="mltrack-table" style="border-collapse: collapse; margin: 4px 0; font-size: inherit">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
