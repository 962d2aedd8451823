"""``RunsExplorer``: the runs table, filter and compare charts as ipywidgets, for any notebook.

For classic Notebook and VS Code users, who have no side panel. Each action calls one service
method of :class:`jupyter_mltrack.Client` (``search_runs`` with a page token, exactly as the REST
API does; ``get_metric_histories`` for the curves) and renders the answer. A filter that does not
parse, or any other refusal, is shown inline and the runs already shown stay.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import ipywidgets as W

from jupyter_mltrack.entities import Metric, Run
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.widgets import _compare
from jupyter_mltrack.widgets._base import attempt, esc, figure_widget, message_html, on_click

#: Runs per page.
PAGE_SIZE = 25
_WIDE = {"description_width": "initial"}
_BASE_ORDERS = [
    ("newest first", ""),
    ("oldest first", "attributes.start_time ASC"),
    ("run name", "attributes.run_name ASC"),
]


def _quote(key: str) -> str:
    return f'"{key}"' if "`" in key else f"`{key}`"


class RunsExplorer(W.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Browse, filter, page and compare runs.

    ``experiment_names``: the experiments shown at first (default: every active experiment);
    ``filter_string``: a search filter (docs/search.md); ``order_by``: one ``search_runs`` order
    clause such as ``"metrics.acc DESC"`` (default: newest first). Drive it with the controls, or with
    :meth:`set_filter`, :meth:`set_order`, :meth:`next_page`, :meth:`prev_page`, :meth:`select`,
    :meth:`compare` and :meth:`refresh`; read ``runs`` (this page), ``selected``, ``error`` (the
    last refusal, or None) and ``figure``.
    """

    def __init__(
        self,
        experiment_names: Sequence[str] | None = None,
        filter_string: str = "",
        tracking_uri: str | None = None,
        page_size: int = PAGE_SIZE,
        order_by: str = "",
    ) -> None:
        self.client = Client(tracking_uri)
        self.page_size = page_size
        self.runs: list[Run] = []
        self.selected: list[Run] = []
        self.error: str | None = None
        self.filter_string = ""  # the filter of the runs shown (a refused one is not applied)
        self._tokens: list[str | None] = [None]  # page tokens of the pages up to the one shown
        self._next: str | None = None
        self._ids: dict[str, str] = {}  # experiment name -> id
        self._quiet = False
        self._unknown: str | None = None  # an experiment asked for by name that does not exist
        self.experiments = W.SelectMultiple(
            description="Experiments", rows=4, style=_WIDE, layout=W.Layout(width="360px")
        )
        self.filter_box = W.Text(
            value=filter_string,
            continuous_update=False,
            description="Filter",
            placeholder="metrics.accuracy > 0.9 and params.model = 'rf'",
            layout=W.Layout(flex="1 1 auto", width="auto"),
        )
        self.apply_button = W.Button(description="Apply", icon="filter")
        self.order = W.Dropdown(options=_BASE_ORDERS, description="Order by", style=_WIDE)
        self.error_html = W.HTML()
        self.status = W.HTML()
        self.prev_button = W.Button(description="Prev", icon="chevron-left", disabled=True)
        self.next_button = W.Button(description="Next", icon="chevron-right", disabled=True)
        self.table = W.HTML(layout=W.Layout(width="100%", overflow="auto"))
        self.run_picker = W.SelectMultiple(
            description="Compare",
            rows=6,
            layout=W.Layout(width="auto"),
            tooltip="Ctrl- or Shift-click to select several runs",
        )
        self.clear_button = W.Button(description="Clear selection", icon="times", disabled=True)
        self.metric = W.Dropdown(description="Metric")
        self.only_differences = W.Checkbox(value=False, description="Only differing params", indent=False)
        self.figure = figure_widget(height=360, xaxis_title="step")
        self.params = W.HTML(layout=W.Layout(width="100%", overflow="auto"))
        super().__init__(
            children=[
                W.HBox([self.experiments, self.order]),
                W.HBox([self.filter_box, self.apply_button]),
                self.error_html,
                W.HBox([self.prev_button, self.next_button, self.status]),
                self.table,
                self.run_picker,
                W.HBox([self.metric, self.only_differences, self.clear_button]),
                self.figure,
                self.params,
            ]
        )
        self._wire()
        self._list_experiments(experiment_names)
        self._choose_order(order_by)
        if self._search(filter_string, [None]) and self.error is None:
            self._show_error(self._unknown)

    # ------------------------------------------------------------------------------ public API
    def refresh(self) -> None:
        """Read the experiments and the page shown again (new runs, new metric points)."""
        self._list_experiments(list(self.experiments.value))
        if self._search(self.filter_string, self._tokens) and self.selected:
            fresh = {r.info.run_id: r for r in self.runs}
            self.selected = [fresh.get(r.info.run_id, r) for r in self.selected]
            self._selection_changed()

    def set_filter(self, text: str) -> None:
        """Apply a search filter (from the first page); a bad one shows its error and changes nothing."""
        with self._muted():
            self.filter_box.value = text
        self._search(text, [None])

    def set_order(self, order_by: str) -> None:
        """Order by ``"metrics.acc DESC"`` and the like ("" for newest first), from the first page."""
        self._choose_order(order_by)
        self._search(self.filter_string, [None])

    def next_page(self) -> None:
        if self._next:
            self._search(self.filter_string, [*self._tokens, self._next])

    def prev_page(self) -> None:
        if len(self._tokens) > 1:
            self._search(self.filter_string, self._tokens[:-1])

    @property
    def page_number(self) -> int:
        return len(self._tokens)

    def select(self, run_ids: Sequence[str]) -> None:
        """Compare these runs (any runs of the store, not only those of this page)."""
        known = {r.info.run_id: r for r in [*self.selected, *self.runs]}
        chosen: list[Run] = []
        for run_id in run_ids:
            run = known.get(run_id)
            if run is None:
                run, error = attempt(lambda: self.client.get_run(run_id))  # noqa: B023 - called at once
                if run is None:
                    self._show_error(error)
                    return
            chosen.append(run)
        self.selected = chosen
        self._render_page()
        self._selection_changed()

    def compare(self, metric: str | None = None) -> Any:
        """Draw ``metric`` (default: the one picked) for the selected runs; returns the figure."""
        if metric is not None and metric != self.metric.value:
            if metric not in self.metric.options:
                self._show_error(f"None of the selected runs logged the metric {metric!r}.")
                return self.figure
            with self._muted():
                self.metric.value = metric
        self._render_params()
        ids, key = [r.info.run_id for r in self.selected], self.metric.value
        histories: dict[tuple[str, str], list[Metric]] | None = {}
        if ids and key:
            histories, error = attempt(lambda: self.client.get_metric_histories(ids, [key]))
            if histories is None:
                self._show_error(error)
                return self.figure
        _compare.draw_metric(self.figure, self.selected, histories or {}, key)
        return self.figure

    # ------------------------------------------------------------------------------ internals
    def _wire(self) -> None:
        self.apply_button.on_click(on_click(lambda: self.set_filter(self.filter_box.value), self._show_error))
        self.prev_button.on_click(on_click(self.prev_page, self._show_error))
        self.next_button.on_click(on_click(self.next_page, self._show_error))
        self.clear_button.on_click(on_click(lambda: self.select([]), self._show_error))
        self.filter_box.observe(self._unless_muted(lambda: self._search(self.filter_box.value, [None])), "value")
        self.experiments.observe(self._unless_muted(lambda: self._search(self.filter_string, [None])), "value")
        self.order.observe(self._unless_muted(lambda: self._search(self.filter_string, [None])), "value")
        self.run_picker.observe(self._unless_muted(self._picked), "value")
        self.metric.observe(self._unless_muted(self.compare), "value")
        self.only_differences.observe(self._unless_muted(self._render_params), "value")

    def _unless_muted(self, action: Any) -> Any:
        def observer(_change: Any) -> None:
            if not self._quiet:
                on_click(action, self._show_error)(None)

        return observer

    @contextmanager
    def _muted(self) -> Iterator[None]:
        """Change controls without their observers acting (the caller acts once)."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    def _show_error(self, message: str | None) -> None:
        self.error = message
        self.error_html.value = message_html(message, "error")

    def _list_experiments(self, wanted: Sequence[str] | None) -> None:
        found, error = attempt(lambda: self.client.search_experiments(max_results=50_000))
        if found is None:
            self._show_error(error)
            return
        self._ids = {e.name: e.experiment_id for e in found}
        names = list(self._ids) if wanted is None else list(wanted)
        unknown = [n for n in names if n not in self._ids]
        self._unknown = (
            f"No experiment is named {unknown[0]!r}; list them with search_experiments()." if unknown else None
        )
        with self._muted():
            self.experiments.options = list(self._ids)
            self.experiments.value = tuple(n for n in names if n in self._ids)

    def _search(self, filter_string: str, tokens: list[str | None]) -> bool:
        """Show the page ``tokens[-1]`` of the runs matching ``filter_string``; False if refused."""
        ids = [self._ids[n] for n in self.experiments.value if n in self._ids]
        order = [self.order.value] if self.order.value else []
        if not ids:
            page: Any = []
            page_token = None
        else:
            page, error = attempt(
                lambda: self.client.search_runs(ids, filter_string, "ACTIVE_ONLY", self.page_size, order, tokens[-1])
            )
            if page is None:
                self._show_error(error)
                return False
            page_token = page.token
        self._show_error(None)
        self.filter_string, self._tokens, self._next = filter_string, tokens, page_token
        self.runs = list(page)
        self._update_orders()
        self._render_page()
        return True

    def _render_page(self) -> None:
        chosen = {r.info.run_id for r in self.selected}
        experiment_names = {v: k for k, v in self._ids.items()}
        self.table.value = _compare.runs_table_html(self.runs, chosen, experiment_names)
        first = (len(self._tokens) - 1) * self.page_size
        shown = f"runs {first + 1}&ndash;{first + len(self.runs)}" if self.runs else "no runs"
        if not self.experiments.value:
            shown = "no experiment selected"
        labels = _compare.run_labels(self.selected)
        picked = f"{len(labels)} selected" + (
            f" ({esc(', '.join(labels[:5]))}{', ...' * (len(labels) > 5)})" if labels else ""
        )
        self.status.value = f"Page {len(self._tokens)}: {shown}; {picked}"
        self.clear_button.disabled = not self.selected
        self.prev_button.disabled = len(self._tokens) <= 1
        self.next_button.disabled = not self._next
        labels = _compare.run_labels(self.runs)
        with self._muted():
            self.run_picker.options = [
                (f"{label} · {r.info.run_id[:8]}", r.info.run_id) for label, r in zip(labels, self.runs, strict=True)
            ]
            self.run_picker.value = tuple(r.info.run_id for r in self.runs if r.info.run_id in chosen)

    def _render_params(self) -> None:
        if self.selected:
            self.params.value = _compare.params_html(self.selected, self.only_differences.value)
        else:
            self.params.value = message_html("Select runs to compare them.")

    def _choose_order(self, order_by: str) -> None:
        with self._muted():
            if order_by not in [value for _, value in self.order.options]:
                self.order.options = [*self.order.options, (order_by, order_by)]
            self.order.value = order_by

    def _update_orders(self) -> None:
        keys = _compare.metric_keys(self.runs)
        known = [value for _, value in self.order.options]
        extra = [
            (f"{k} {arrow}", f"metrics.{_quote(k)} {way}")
            for k in keys
            for arrow, way in (("\u2193", "DESC"), ("\u2191", "ASC"))
        ]
        added = [o for o in extra if o[1] not in known]
        if added:
            with self._muted():
                value = self.order.value
                self.order.options = [*self.order.options, *added]
                self.order.value = value

    def _picked(self) -> None:
        page = {r.info.run_id for r in self.runs}
        picked = set(self.run_picker.value)
        self.selected = [r for r in self.selected if r.info.run_id not in page] + [
            r for r in self.runs if r.info.run_id in picked
        ]
        self._render_page()
        self._selection_changed()

    def _selection_changed(self) -> None:
        keys = _compare.metric_keys(self.selected)
        with self._muted():
            current = self.metric.value
            self.metric.options = keys
            self.metric.value = current if current in keys else (keys[0] if keys else None)
        self.compare()
