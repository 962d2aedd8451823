"""What ``%load_ext jupyter_mltrack`` installs into a shell, and takes out again on unload.

- the ``%%track`` cell magic and the ``%mltrack`` line magic (:class:`MltrackMagics`, configurable
  as ``c.MltrackMagics.metric_names`` / ``c.MltrackMagics.show_card``);
- the ``pre_run_cell``/``post_run_cell`` hooks that keep ``capture.cell`` current and end cell
  runs, then show the run card and the final live chart;
- the input transformer of ``%%track`` lines and the AST transformer for sklearn.metrics calls;
- an HTML formatter for ``Run`` objects and the fit observer that records datasets.

Loading twice into the same shell is a no-op; hooks are never registered twice.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from IPython.core.magic import Magics
from traitlets import Bool, List, Unicode

from jupyter_mltrack.capture import cell, datasets
from jupyter_mltrack.capture.ast_params import DEFAULT_METRIC_NAMES
from jupyter_mltrack.entities import Run
from jupyter_mltrack.magics import line, reprs, track
from jupyter_mltrack.magics.commands import serve
from jupyter_mltrack.magics.ipython import cell_magic, display, line_magic, magics_class
from jupyter_mltrack.magics.live import LiveChart
from jupyter_mltrack.tracking.client import Client

log = logging.getLogger(__name__)


@magics_class
class MltrackMagics(Magics):
    metric_names = List(
        Unicode(),
        default_value=list(DEFAULT_METRIC_NAMES),
        help="Names (or name parts) of numeric cell variables that %%track logs as metrics, not params.",
    ).tag(config=True)
    show_card = Bool(True, help="Display a run card under each %%track cell.").tag(config=True)

    def __init__(self, shell: Any) -> None:
        cast(Any, super()).__init__(shell=shell, parent=shell)
        self.live_charts: dict[str, LiveChart] = {}

    @cell_magic
    def track(self, line_: str, cell_: str | None = None) -> None:
        track.run(self, line_, cell_)

    @line_magic
    def mltrack(self, line_: str) -> Any:
        return line.dispatch(self, line_)


MltrackMagics.track.__doc__ = track.parser().format_help()
MltrackMagics.mltrack.__doc__ = line.overview()


class Extension:
    """The hooks installed into one shell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.magics = MltrackMagics(shell)
        self.ast_transformer = track.TrackAstTransformer()

    def register(self) -> None:
        shell = self.shell
        shell.register_magics(self.magics)
        shell.configurables.append(self.magics)
        shell.events.register("pre_run_cell", self.pre_run_cell)
        shell.events.register("post_run_cell", self.post_run_cell)
        if track.transform not in shell.input_transformers_cleanup:
            shell.input_transformers_cleanup.append(track.transform)
        shell.ast_transformers.append(self.ast_transformer)
        html = shell.display_formatter.formatters["text/html"]
        html.for_type(Run, reprs.run_html)
        for kind, render in _registry_renderers().items():
            html.for_type(kind, render)
        cell.bind(shell.user_ns)
        cell.register_fit_observer(self.on_fit)

    def unregister(self) -> None:
        shell = self.shell
        for event, hook in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                shell.events.unregister(event, hook)
            except ValueError:
                pass
        if track.transform in shell.input_transformers_cleanup:
            shell.input_transformers_cleanup.remove(track.transform)
        if self.ast_transformer in shell.ast_transformers:
            shell.ast_transformers.remove(self.ast_transformer)
        printers = shell.display_formatter.formatters["text/html"].type_printers
        for kind in (Run, *_registry_renderers()):
            printers.pop(kind, None)
        magics = shell.magics_manager.magics
        magics["cell"].pop("track", None)
        magics["line"].pop("mltrack", None)
        if self.magics in shell.configurables:
            shell.configurables.remove(self.magics)
        cell.unregister_fit_observer(self.on_fit)
        cell.unbind()

    # ---------------------------------------------------------------------------------- hooks
    def pre_run_cell(self, info: Any) -> None:
        count = self.shell.execution_count if getattr(info, "store_history", False) else None
        cell.enter_cell(info, info.raw_cell or "", getattr(info, "cell_id", None), count)

    def post_run_cell(self, result: Any) -> None:
        if result is not None and not (result.info.raw_cell or "").strip():
            return  # IPython skips pre_run_cell for blank cells
        error = None if result is None else (result.error_in_exec or result.error_before_exec)
        token = None if result is None else result.info
        if result is None:
            error = KeyboardInterrupt("the cell was cancelled")
        serve.report_deaths()
        try:
            finished = cell.exit_cell(token, error)
        except Exception as exc:  # capture must never break the notebook
            log.warning("jupyter_mltrack: could not end the cell's run: %s", exc)
            return
        for recorder in finished:
            chart = self.magics.live_charts.pop(recorder.run_id, None)
            try:
                if chart is not None:
                    chart.close()
                if recorder.options.capture == "track" and self.magics.show_card:
                    display(run_card(recorder.run_id))
            except Exception as exc:
                log.warning("jupyter_mltrack: could not display run %s: %s", recorder.run_id, exc)

    def on_fit(self, estimator: Any, x: Any, y: Any, names: tuple[str | None, str | None]) -> None:
        datasets.record_fit(self.shell.user_ns, x, y, names)


def run_card(run_id: str) -> reprs.RunCard:

    client = Client()
    run = client.get_run(run_id)
    return reprs.RunCard(run, reprs.find_models(client, run))


def _registry_renderers() -> dict[type, Any]:
    """Registered models, versions, requests and audit entries render as the registry's HTML."""
    from jupyter_mltrack.entities import AuditEntry, ModelVersion, RegisteredModel, TransitionRequest
    from jupyter_mltrack.registry import reprs as registry_reprs

    return {
        RegisteredModel: lambda m: registry_reprs.registered_model_html(m),
        ModelVersion: registry_reprs.model_version_html,
        TransitionRequest: lambda r: registry_reprs.requests_html([r]),
        AuditEntry: lambda e: registry_reprs.history_html([e]),
    }
