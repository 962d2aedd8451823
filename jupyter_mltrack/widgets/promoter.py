"""``ModelPromoter``: a model's versions side by side, and promote / request / approve / reject.

The versions table is the registry's own HTML view (``reprs.registered_model_html`` fed by
``reprs.model_overview``, as ``mltrack models show`` and ``%mltrack models NAME``); the chart puts
their runs' key metrics side by side. Each action calls one registry method, exactly as the CLI
does (a target ``@alias`` sets an alias, any other target is a stage), then refreshes; a refusal
(:class:`~jupyter_mltrack.registry.PromotionRefusedError` or any other ``MltrackError``) becomes
the message shown under the controls, never a traceback.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence, TypeVar

import ipywidgets as W

from jupyter_mltrack.entities import ModelStage, ModelVersion, RegisteredModel, TransitionRequest
from jupyter_mltrack.registry import reprs
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.widgets._base import attempt, esc, figure_widget, message_html, on_click

T = TypeVar("T")
STAGES = [ModelStage.STAGING.value, ModelStage.PRODUCTION.value, ModelStage.ARCHIVED.value, ModelStage.NONE.value]
_CHOOSE = "Choose a version and a target: a stage (Staging, Production, Archived, None) or @alias."
_NO_REQUEST = "Choose a pending request."


def version_label(version: ModelVersion) -> str:
    """``v2 · Production · @champion``."""
    parts = [f"v{version.version}"]
    if version.current_stage != ModelStage.NONE.value:
        parts.append(version.current_stage)
    parts += ["@" + a for a in version.aliases]
    return " · ".join(parts)


def draw_versions(
    figure: Any, versions: Sequence[ModelVersion], run_metrics: Mapping[str, Mapping[str, float]]
) -> None:
    """One group of bars per metric, one bar per version (names escaped: plotly reads HTML)."""
    keys = reprs.metric_columns(run_metrics.get(v.version, {}) for v in versions)
    with figure.batch_update():
        figure.data = []
        for v in versions:
            values = run_metrics.get(v.version, {})
            figure.add_bar(
                x=[esc(k) for k in keys], y=[values.get(k) for k in keys], name=esc(version_label(v)), meta=v.version
            )
        figure.layout.title.text = "Key metrics by version" if keys else "No run metrics to compare"


def _moved(request: TransitionRequest) -> str:
    if request.target.startswith("@"):
        return f"alias {request.target} of model {request.name!r} now points to version {request.version}"
    return f"version {request.version} of model {request.name!r} is now in {request.target}"


class ModelPromoter(W.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A registered model's versions, their runs' metrics, and the promotion controls.

    Drive it with the controls or with :meth:`promote`, :meth:`request`, :meth:`approve`,
    :meth:`reject` and :meth:`refresh`; each returns what the registry returned, or None when it
    refused, and ``message`` says what happened (``ok``: whether it succeeded).
    """

    def __init__(self, name: str, tracking_uri: str | None = None) -> None:
        self.client = Client(tracking_uri)
        self.model_name = name
        self.model: RegisteredModel | None = None
        self.versions: list[ModelVersion] = []
        self.run_metrics: dict[str, dict[str, float]] = {}
        self.pending: list[TransitionRequest] = []
        self.message = ""
        self.ok: bool | None = None
        self.overview = W.HTML(layout=W.Layout(width="100%", overflow="auto"))
        self.figure = figure_widget(height=320, barmode="group")
        self.version = W.Dropdown(description="Version")
        self.target = W.Combobox(
            description="Target",
            options=STAGES,
            ensure_option=False,
            placeholder="Staging, Production, Archived or @alias",
            layout=W.Layout(width="340px"),
        )
        self.comment = W.Text(
            description="Comment",
            placeholder="why (recorded in the audit history)",
            layout=W.Layout(flex="1 1 auto", width="auto"),
        )
        self.archive = W.Checkbox(description="Archive the versions now in that stage", indent=False)
        self.promote_button = W.Button(description="Promote", icon="arrow-up", button_style="primary")
        self.request_button = W.Button(description="Request", icon="paper-plane")
        self.request_picker = W.Dropdown(description="Pending", layout=W.Layout(width="auto"))
        self.approve_button = W.Button(description="Approve", icon="check", button_style="success", disabled=True)
        self.reject_button = W.Button(description="Reject", icon="times", button_style="danger", disabled=True)
        self.requests_html = W.HTML(layout=W.Layout(width="100%", overflow="auto"))
        self.output = W.HTML()
        super().__init__(
            children=[
                self.overview,
                self.figure,
                W.HBox([self.version, self.target, self.archive]),
                W.HBox([self.comment]),
                W.HBox([self.promote_button, self.request_button]),
                W.HBox([self.request_picker, self.approve_button, self.reject_button]),
                self.output,
                self.requests_html,
            ]
        )
        self._wire()
        self.refresh()

    # ------------------------------------------------------------------------------ public API
    def refresh(self) -> None:
        """Read the model, its versions, their runs' metrics and the pending requests again."""
        overview, error = attempt(lambda: reprs.model_overview(self.client, self.model_name))
        pending, later = attempt(lambda: self.client.list_transition_requests(self.model_name, "pending"))
        if overview is None or pending is None:
            self._say(error or later, ok=False)
            return
        self.model, self.versions, self.run_metrics = overview
        self.pending = pending
        self.overview.value = reprs.registered_model_html(self.model, self.versions, self.run_metrics)
        draw_versions(self.figure, self.versions, self.run_metrics)
        newest = self.versions[-1].version if self.versions else None
        current = self.version.value
        self.version.options = [(f"{v.version} ({v.current_stage})", v.version) for v in reversed(self.versions)]
        self.version.value = current if current in [v.version for v in self.versions] else newest
        self.target.options = [*STAGES, *sorted("@" + a for a in self.model.aliases)]
        chosen = self.request_picker.value
        self.request_picker.options = [(self._request_label(r), r.request_id) for r in pending]
        ids = [r.request_id for r in pending]
        self.request_picker.value = chosen if chosen in ids else (ids[0] if ids else None)
        self.approve_button.disabled = self.reject_button.disabled = not pending
        self.requests_html.value = reprs.requests_html(pending) if pending else ""

    def promote(
        self, version: str | int, target: str, comment: str | None = None, archive_existing_versions: bool = False
    ) -> ModelVersion | None:
        """Move ``version`` to a stage, or point ``@alias`` at it, if the model's policy allows it."""
        name, version, target, comment = self.model_name, str(version).strip(), target.strip(), comment or None
        if not version or not target:
            self._refuse(_CHOOSE)
            return None
        if target.startswith("@"):
            if archive_existing_versions:
                self._refuse("Archiving existing versions applies to stages, not to aliases.")
                return None
            alias = target[1:]

            def point() -> ModelVersion:
                self.client.set_registered_model_alias(name, alias, version, comment=comment)
                return self.client.get_model_version_by_alias(name, alias)

            return self._act(point, lambda v: f"Alias @{alias} of model {name!r} now points to version {v.version}.")
        return self._act(
            lambda: self.client.transition_model_version_stage(
                name, version, target, archive_existing_versions, comment=comment
            ),
            lambda v: f"Version {v.version} of model {name!r} is now in {v.current_stage}.",
        )

    def request(self, version: str | int, target: str, comment: str | None = None) -> TransitionRequest | None:
        """Ask for ``version`` to be moved to a stage or ``@alias``; someone approves or rejects it."""
        if not str(version).strip() or not target.strip():
            self._refuse(_CHOOSE)
            return None
        return self._act(
            lambda: self.client.request_transition(self.model_name, str(version), target.strip(), comment or None),
            lambda r: f"Request {r.request_id}: version {r.version} of model {r.name!r} to {r.target} is pending.",
        )

    def approve(
        self, request_id: str | int | None, comment: str | None = None, archive_existing_versions: bool = False
    ) -> TransitionRequest | None:
        """Approve a pending request: the promotion happens now (gates are checked again)."""
        if request_id is None or not str(request_id).strip():
            self._refuse(_NO_REQUEST)
            return None
        return self._act(
            lambda: self.client.approve_transition(str(request_id), comment or None, archive_existing_versions),
            lambda r: f"Approved request {r.request_id}: {_moved(r)}.",
        )

    def reject(self, request_id: str | int | None, comment: str | None = None) -> TransitionRequest | None:
        """Reject a pending request; nothing is promoted."""
        if request_id is None or not str(request_id).strip():
            self._refuse(_NO_REQUEST)
            return None
        return self._act(
            lambda: self.client.reject_transition(str(request_id), comment or None),
            lambda r: (
                f"Rejected request {r.request_id}: version {r.version} of model {r.name!r} stays out of {r.target}."
            ),
        )

    # ------------------------------------------------------------------------------ internals
    def _act(self, action: Callable[[], T], success: Callable[[T], str]) -> T | None:
        result, error = attempt(action)
        self.refresh()
        if result is None:
            self._say(error, ok=False)
            return None
        self._say(success(result), ok=True)
        self.comment.value = ""
        return result

    def _refuse(self, text: str) -> None:
        self._say(text, ok=False)

    def _say(self, text: str | None, ok: bool) -> None:
        self.message, self.ok = text or "", ok
        self.output.value = message_html(text, "success" if ok else "error")

    @staticmethod
    def _request_label(r: TransitionRequest) -> str:
        why = f": {r.comment}" if r.comment else ""
        return f"#{r.request_id} v{r.version} \u2192 {r.target} by {r.requested_by}{why}"

    def _wire(self) -> None:
        say = self._refuse

        def archive() -> bool:
            return bool(self.archive.value and not self.archive.disabled)

        self.promote_button.on_click(
            on_click(
                lambda: self.promote(self.version.value or "", self.target.value, self.comment.value, archive()), say
            )
        )
        self.request_button.on_click(
            on_click(lambda: self.request(self.version.value or "", self.target.value, self.comment.value), say)
        )
        self.approve_button.on_click(
            on_click(lambda: self.approve(self.request_picker.value, self.comment.value, archive()), say)
        )
        self.reject_button.on_click(on_click(lambda: self.reject(self.request_picker.value, self.comment.value), say))
        self.target.observe(lambda change: setattr(self.archive, "disabled", str(change.new).startswith("@")), "value")
