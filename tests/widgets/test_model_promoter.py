"""ModelPromoter: real widgets over a real registry, with models logged by the sklearn flavor."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.registry import PromotionRefusedError
from jupyter_mltrack.widgets import ModelPromoter
from tests.widgets.conftest import train_iris


def stage(name: str, version: str) -> str:
    return mlt.Client().get_model_version(name, version).current_stage


def test_shows_the_versions_and_their_metrics(iris_model: dict[str, Any]) -> None:
    promoter = ModelPromoter("iris")

    assert isinstance(promoter, W.VBox) and promoter.ok is None and promoter.message == ""
    assert "Registered model iris" in promoter.overview.value
    assert [v.version for v in promoter.versions] == ["1", "2"]
    assert [value for _, value in promoter.version.options] == ["2", "1"] and promoter.version.value == "2"
    bars = promoter.figure.data
    assert [b.name for b in bars] == ["v1", "v2"] and all(b.type == "bar" for b in bars)
    assert list(bars[0].x) == ["accuracy", "n_iter"]
    assert [b.y[0] for b in bars] == [iris_model["accuracy"]["1"], iris_model["accuracy"]["2"]]
    assert iris_model["accuracy"]["1"] < iris_model["accuracy"]["2"]


def test_promotes_to_a_stage_and_to_an_alias(iris_model: dict[str, Any]) -> None:
    promoter = ModelPromoter("iris")

    moved = promoter.promote(2, "staging", comment="looks good")

    assert moved is not None and moved.current_stage == "Staging" and stage("iris", "2") == "Staging"
    assert promoter.ok and promoter.message == "Version 2 of model 'iris' is now in Staging."
    assert ("2 (Staging)", "2") in promoter.version.options  # refreshed
    assert [b.name for b in promoter.figure.data] == ["v1", "v2 · Staging"]
    history = mlt.Client().get_model_history("iris")
    assert history[-1].comment == "looks good" and history[-1].after == "Staging"

    assert promoter.promote("1", "@champion") is not None
    assert promoter.message == "Alias @champion of model 'iris' now points to version 1."
    assert mlt.Client().get_model_version_by_alias("iris", "champion").version == "1"
    assert "@champion" in promoter.target.options


def test_the_buttons_read_the_controls(iris_model: dict[str, Any]) -> None:
    promoter = ModelPromoter("iris")
    promoter.version.value = "1"
    promoter.target.value = "Production"
    promoter.comment.value = "first release"
    promoter.promote_button.click()
    assert stage("iris", "1") == "Production" and promoter.ok
    assert promoter.comment.value == ""  # cleared after a success

    promoter.version.value, promoter.target.value, promoter.archive.value = "2", "Production", True
    promoter.promote_button.click()
    assert (stage("iris", "1"), stage("iris", "2")) == ("Archived", "Production")


def test_a_refusal_is_a_message_not_an_exception(iris_model: dict[str, Any]) -> None:
    mlt.Client().set_promotion_policy("iris", "Production", require_approval=True)
    promoter = ModelPromoter("iris")

    assert promoter.promote("2", "Production") is None  # nothing raised

    assert promoter.ok is False and "the policy for Production requires approval" in promoter.message
    with pytest.raises(PromotionRefusedError) as direct:  # the same words as the Python API
        mlt.Client().transition_model_version_stage("iris", "2", "Production")
    assert promoter.message == str(direct.value)
    assert html.escape(promoter.message) in promoter.output.value and "Traceback" not in promoter.output.value
    assert stage("iris", "2") == "None"

    from click.testing import CliRunner

    from jupyter_mltrack.cli.main import cli

    refused = CliRunner().invoke(cli, ["models", "promote", "iris", "2", "--to", "Production"])
    assert refused.exit_code == 1 and refused.output.strip() == f"Error: {promoter.message}"

    promoter.version.value, promoter.target.value = "2", "Production"
    promoter.promote_button.click()  # the same through the button
    assert promoter.ok is False and "requires approval" in promoter.message


def test_gate_and_input_refusals(iris_model: dict[str, Any]) -> None:
    mlt.Client().set_promotion_policy("iris", "@champion", require_approval=False,
                                      gates=[f"metrics.accuracy >= {iris_model['accuracy']['2']}"])
    promoter = ModelPromoter("iris")
    assert promoter.promote("1", "@champion") is None and "gate 'metrics.accuracy >=" in promoter.message
    assert promoter.promote("1", "Nowhere") is None and "Unknown stage 'Nowhere'" in promoter.message
    assert promoter.promote("9", "Staging") is None and promoter.ok is False
    assert promoter.promote("1", "  ") is None and promoter.message.startswith("Choose a version and a target")
    assert promoter.promote("1", "@champion", archive_existing_versions=True) is None
    assert promoter.approve(None) is None and promoter.message == "Choose a pending request."


def test_request_then_approve_updates_the_stage(iris_model: dict[str, Any]) -> None:
    mlt.Client().set_promotion_policy("iris", "Production", require_approval=True)
    promoter = ModelPromoter("iris")
    assert promoter.approve_button.disabled and promoter.request_picker.options == ()

    request = promoter.request("2", "Production", comment="retrained")

    assert request is not None and request.status == "PENDING"
    assert promoter.message == f"Request {request.request_id}: version 2 of model 'iris' to Production is pending."
    assert [r.request_id for r in promoter.pending] == [request.request_id]
    assert promoter.request_picker.value == request.request_id and not promoter.approve_button.disabled
    assert "retrained" in promoter.requests_html.value

    promoter.comment.value = "metrics look good"
    promoter.approve_button.click()

    assert stage("iris", "2") == "Production"
    assert promoter.message == f"Approved request {request.request_id}: version 2 of model 'iris' is now in Production."
    assert promoter.pending == [] and promoter.approve_button.disabled
    decided = mlt.Client().list_transition_requests("iris", status="approved")
    assert [(r.request_id, r.decision_comment) for r in decided] == [(request.request_id, "metrics look good")]
    assert ("2 (Production)", "2") in promoter.version.options


def test_reject(iris_model: dict[str, Any]) -> None:
    promoter = ModelPromoter("iris")
    request = promoter.request(1, "@champion", comment="roll back?")
    assert request is not None

    rejected = promoter.reject(request.request_id, comment="no")

    assert rejected is not None and rejected.status == "REJECTED" and rejected.decision_comment == "no"
    assert promoter.message == (
        f"Rejected request {request.request_id}: version 1 of model 'iris' stays out of @champion."
    )
    assert promoter.pending == [] and mlt.Client().get_registered_model("iris").aliases == {}
    assert promoter.reject(request.request_id) is None and promoter.ok is False  # no longer pending


def test_a_missing_model_is_a_message(isolated_home: object) -> None:
    promoter = ModelPromoter("ghost")
    assert promoter.ok is False and "ghost" in promoter.message and promoter.versions == []


def test_hostile_model_name_and_comment_are_escaped(isolated_home: object) -> None:
    name = "<script>alert(1)</script>"
    comment = "<img src=x onerror=alert(2)>"
    train_iris(name, 1.0)
    promoter = ModelPromoter(name)
    request = promoter.request("1", "Staging", comment=comment)
    assert request is not None

    shown = promoter.overview.value + promoter.requests_html.value + promoter.output.value
    assert "<script>" not in shown and "<img" not in shown
    assert html.escape(name) in promoter.overview.value and html.escape(name) in promoter.output.value
    assert html.escape(comment) in promoter.requests_html.value

    promoter.promote("1", "Bogus <stage>")
    assert "<stage>" not in promoter.output.value and html.escape("<stage>") in promoter.output.value
