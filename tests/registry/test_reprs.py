"""HTML views of the registry: what they show, JupyterLab's look, and that no user string injects markup.

Every renderer gets hostile names, tags, aliases, comments, actors and descriptions; the output is
parsed with the standard HTML parser, which must find only the elements and attributes the
renderers write themselves, and the hostile text back, verbatim, as text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack import Client
from jupyter_mltrack.entities import AuditEntry, ModelVersion, RegisteredModel, TransitionRequest
from jupyter_mltrack.registry import reprs

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "</td></tr></table><b>bold</b>",
    "&lt;already&gt; & ampersand",
]
ELEMENTS = {"div", "span", "table", "thead", "tbody", "tr", "th", "td", "code"}


class Page(HTMLParser):
    """Collects the elements, attributes and text of an HTML fragment."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.attributes: set[str] = set()
        self.styles: list[str] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "style":
                self.styles.append(value or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def check_safe(html: str, hostile: list[str]) -> Page:
    page = Page(html)
    assert set(page.elements) <= ELEMENTS, set(page.elements) - ELEMENTS
    assert page.attributes <= {"style", "class"}, page.attributes
    assert not any("alert" in s or "expression(" in s for s in page.styles)
    for text in hostile:
        assert text in page.all_text, text  # shown to the user as text...
        assert text not in html, text  # ...never as raw markup
    return page


def version(number: str, **fields: Any) -> ModelVersion:
    base: dict[str, Any] = {
        "name": "m",
        "version": number,
        "creation_timestamp": 1_700_000_000_000,
        "last_updated_timestamp": 1_700_000_100_000,
    }
    return ModelVersion(**{**base, **fields})


# ------------------------------------------------------------------------------------ escaping
@pytest.mark.parametrize("bad", HOSTILE)
def test_registered_model_html_escapes_everything(bad: str) -> None:
    versions = [
        version("1", name=bad, current_stage="Production", run_id=bad, aliases=(bad,), tags={bad: bad}),
        version("2", name=bad, current_stage=bad),
    ]
    model = RegisteredModel(
        name=bad,
        creation_timestamp=1,
        last_updated_timestamp=2,
        description=bad,
        tags={bad: bad, "team": bad},
        aliases={bad: "1"},
        latest_versions=tuple(versions),
    )
    html = reprs.registered_model_html(model, versions, {"1": {bad: 0.5}, "2": {"ok": 1.0}})
    page = check_safe(html, [bad])
    assert f"Registered model {bad}" in page.all_text
    assert f"metrics.{bad}" in page.all_text and "@" + bad in page.all_text
    check_safe(reprs.registered_model_html(model), [bad])  # latest versions, no metrics


@pytest.mark.parametrize("bad", HOSTILE)
def test_registered_models_html_escapes_everything(bad: str) -> None:
    latest = (version("1", name=bad, current_stage=bad), version("2", name=bad, current_stage="Production"))
    models = [
        RegisteredModel(
            name=bad, creation_timestamp=1, last_updated_timestamp=2, aliases={bad: bad}, latest_versions=latest
        ),
        RegisteredModel(name="plain", creation_timestamp=1, last_updated_timestamp=2),
    ]
    page = check_safe(reprs.registered_models_html(models), [bad])
    assert "plain" in page.all_text and "Production\xa02" in page.all_text


@pytest.mark.parametrize("bad", HOSTILE)
def test_model_version_html_escapes_everything(bad: str) -> None:
    v = version(
        bad,
        name=bad,
        current_stage=bad,
        source=bad,
        run_id=bad,
        status=bad,
        description=bad,
        user_id=bad,
        tags={bad: bad},
        aliases=(bad, "ok"),
    )
    page = check_safe(reprs.model_version_html(v), [bad])
    assert f"models:/{bad}/{bad}" in page.all_text


@pytest.mark.parametrize("bad", HOSTILE)
def test_history_html_escapes_everything(bad: str) -> None:
    entries = [
        AuditEntry(
            1, 1_700_000_000_000, bad, bad, bad, version=bad, target=bad, before={bad: bad}, after=[bad], comment=bad
        ),
        AuditEntry(
            2,
            1_700_000_000_001,
            "ann",
            "transition_stage",
            bad,
            version="1",
            target="Production",
            before=bad,
            after="Production",
            comment=None,
        ),
    ]
    page = check_safe(reprs.history_html(entries), [bad])
    assert f"{bad} \u2192 Production" in page.all_text


@pytest.mark.parametrize("bad", HOSTILE)
def test_requests_html_escapes_everything(bad: str) -> None:
    requests = [
        TransitionRequest(
            bad,
            bad,
            bad,
            bad,
            bad,
            bad,
            1_700_000_000_000,
            comment=bad,
            decided_by=bad,
            decided_at=1_700_000_000_500,
            decision_comment=bad,
        ),
        TransitionRequest("2", "m", "1", "@champion", "PENDING", "ann", 1_700_000_000_000),
    ]
    check_safe(reprs.requests_html(requests), [bad])


def test_the_check_itself_catches_unescaped_markup() -> None:
    with pytest.raises(AssertionError):
        check_safe("<div>" + HOSTILE[0] + "</div>", [HOSTILE[0]])
    with pytest.raises(AssertionError):
        check_safe('<div title="x">' + "safe" + "</div>", ["safe"])


# --------------------------------------------------------------------------------- what is shown
def test_look_uses_jupyterlab_variables_with_fallbacks() -> None:
    html = reprs.registered_model_html(
        RegisteredModel("m", 1, 2, latest_versions=(version("1", current_stage="Production"),))
    )
    for variable in ("--jp-ui-font-color1", "--jp-border-color2", "--jp-ui-font-family", "--jp-success-color1"):
        assert f"var({variable}, " in html  # a fallback after the comma, for other front ends
    assert html.startswith('<div class="mltrack-repr mltrack-registered-model"')
    assert "<style" not in html and "<script" not in html


def test_empty_views_say_so() -> None:
    assert "No audit rows." in Page(reprs.history_html([])).all_text
    assert "No transition requests." in Page(reprs.requests_html([])).all_text
    assert "No registered models." in Page(reprs.registered_models_html([])).all_text
    assert "No versions." in Page(reprs.registered_model_html(RegisteredModel("m", 1, 2), [], {})).all_text


def test_change_text_and_key_metrics() -> None:
    assert reprs.change_text(None, "Production") == "- -> Production"
    assert reprs.change_text("Staging", "Production", arrow="\u2192") == "Staging \u2192 Production"
    assert reprs.change_text({"name": "a"}, {"name": "b"}) == "name=a -> name=b"
    after = {"run_id": None, "source": "s3://b", "tags": {"k": "v"}, "gates": ["metrics.a > 1"], "empty": {}}
    assert reprs.change_text(None, after) == '- -> source=s3://b, tags={k=v}, gates=["metrics.a > 1"]'
    assert reprs.change_text(None, {"description": None, "tags": {}}) == ""
    metrics = {"zeta": 1.0, "alpha": 2.0, "beta": 3.0, "gamma": 4.0, "delta": 5.0, "eps": 6.0}
    assert list(reprs.key_metrics(metrics)) == ["alpha", "beta", "delta", "eps", "gamma"]
    assert list(reprs.key_metrics(metrics, ["zeta", "missing"])) == ["zeta", "alpha", "beta", "delta", "eps"]
    assert reprs.key_metrics(metrics, limit=2) == {"alpha": 2.0, "beta": 3.0}
    timed = {"cell.wall_time_s": 1.0, "loss": 0.1, "zeta": 2.0}
    assert list(reprs.key_metrics(timed)) == ["loss", "zeta", "cell.wall_time_s"]  # the cell's own cost last
    assert list(reprs.key_metrics(timed, ["cell.wall_time_s"], limit=1)) == ["cell.wall_time_s"]
    assert reprs.gated_metric_keys(
        ["metrics.acc >= 0.9 and (metrics.f1 > 0.5 or params.m = 'x')", "metrics.acc < 1"]
    ) == ["acc", "f1"]


def test_overview_of_a_real_model_with_a_hostile_name() -> None:
    name = HOSTILE[1]
    with mlt.start_run() as run:
        mlt.log_metrics({"accuracy": 0.93, "a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0})
        mlt.log_text("flavors: {}\n", "model/MLmodel")
    client = Client()
    client.register_model(f"runs:/{run.info.run_id}/model", name, tags={"note": HOSTILE[0]})
    client.register_model("s3://bucket/model", name)
    client.set_promotion_policy(name, "Production", require_approval=False, gates=["metrics.accuracy >= 0.9"])
    client.transition_model_version_stage(name, 1, "Production", comment=HOSTILE[3])
    client.set_registered_model_alias(name, "champion", 1)
    model, versions, run_metrics = reprs.model_overview(client, name)
    assert model.name == name and [v.version for v in versions] == ["1", "2"]
    assert run_metrics == {"1": {"accuracy": 0.93, "a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}}  # gated metric first

    page = check_safe(reprs.registered_model_html(model, versions, run_metrics), [name])
    assert "metrics.accuracy" in page.all_text and "0.93" in page.all_text and "metrics.e" not in page.all_text
    assert run.info.run_id in page.all_text and "@champion" in page.all_text
    check_safe(reprs.model_version_html(versions[0]), [name, HOSTILE[0]])
    page = check_safe(reprs.history_html(client.get_model_history(name)), [name, HOSTILE[3]])
    assert "None \u2192 Production" in page.all_text
    request = client.request_transition(name, 2, "Staging", comment=HOSTILE[4])
    check_safe(reprs.requests_html(client.list_transition_requests(name)), [name, HOSTILE[4]])
    assert request.request_id in Page(reprs.requests_html([request])).all_text


def test_overview_of_versions_whose_run_is_elsewhere_or_absent() -> None:
    client = Client()
    client.create_registered_model("m")
    client.create_model_version("m", "s3://bucket/m", run_id="a-run-of-another-store")  # MLflow allows it
    client.create_model_version("m", "s3://bucket/m")
    model, versions, metrics = reprs.model_overview(client, "m")
    assert [v.version for v in versions] == ["1", "2"] and metrics == {"1": {}}
    assert "a-run-of-another-store" in Page(reprs.registered_model_html(model, versions, metrics)).all_text
