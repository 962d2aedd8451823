"""The model registry on SQLite, PostgreSQL and MariaDB: every verb, approvals, gates, audit."""

from __future__ import annotations

import time

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack import Client
from jupyter_mltrack.errors import (
    InvalidParameterError,
    InvalidStateError,
    ResourceAlreadyExistsError,
    ResourceNotFoundError,
)
from jupyter_mltrack.registry import PromotionRefusedError
from jupyter_mltrack.registry.actor import acting_as


def logged_model(accuracy: float) -> str:
    """A run with an accuracy metric and a model directory (an MLmodel file) under 'model'."""
    with mlt.start_run() as run:
        mlt.log_metric("accuracy", accuracy)
        mlt.log_text("artifact_path: model\nflavors: {}\n", "model/MLmodel")
    return f"runs:/{run.info.run_id}/model"


@pytest.fixture
def client(tracking_uri: str) -> Client:
    return Client()


def test_registered_model_verbs(client: Client) -> None:
    created = client.create_registered_model("churn", tags={"team": "growth"}, description="first")
    assert created.name == "churn" and created.tags == {"team": "growth"} and created.description == "first"
    with pytest.raises(ResourceAlreadyExistsError):
        client.create_registered_model("churn")
    client.update_registered_model("churn", description="second")
    client.set_registered_model_tag("churn", "tier", "gold")
    client.delete_registered_model_tag("churn", "team")
    model = client.get_registered_model("churn")
    assert model.description == "second" and model.tags == {"tier": "gold"}
    with pytest.raises(InvalidParameterError, match="no tag"):
        client.delete_registered_model_tag("churn", "team")
    client.rename_registered_model("churn", "churn-v2")
    with pytest.raises(ResourceNotFoundError, match="mltrack models list"):
        client.get_registered_model("churn")
    client.create_registered_model("other")
    names = [m.name for m in client.search_registered_models(filter_string="name LIKE 'churn%'")]
    assert names == ["churn-v2"]
    assert [m.name for m in client.search_registered_models(filter_string="tags.tier = 'gold'")] == ["churn-v2"]
    assert [m.name for m in client.search_registered_models(order_by=["name DESC"])] == ["other", "churn-v2"]
    client.delete_registered_model("other")
    assert [m.name for m in client.search_registered_models()] == ["churn-v2"]


def test_versions_numbering_tags_and_search(client: Client) -> None:
    uri = logged_model(0.9)
    v1 = mlt.register_model(uri, "fraud", tags={"k": "v"})
    v2 = client.register_model(uri, "fraud")
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.run_id == uri.split("/")[1] and v1.source.endswith("/artifacts/model") and v1.tags == {"k": "v"}
    assert v1.current_stage == "None" and v1.status == "READY"
    client.update_model_version("fraud", 1, description="baseline")
    client.set_model_version_tag("fraud", 1, "validated", "yes")
    client.delete_model_version_tag("fraud", 1, "k")
    got = client.get_model_version("fraud", "1")
    assert got.description == "baseline" and got.tags == {"validated": "yes"}
    found = client.search_model_versions(f"name = 'fraud' and run_id = '{v1.run_id}'")
    assert [v.version for v in found] == ["1", "2"]
    client.delete_model_version("fraud", 2)
    assert client.register_model(uri, "fraud").version == "3"  # numbers are never reused
    with pytest.raises(ResourceNotFoundError, match="no version 2"):
        client.get_model_version("fraud", 2)
    with pytest.raises(ResourceNotFoundError):
        client.get_model_version("fraud", "abc")


def test_register_refuses_a_path_without_a_model(client: Client) -> None:
    with mlt.start_run() as run:
        mlt.log_text("x", "notes/readme.txt")
    with pytest.raises(InvalidParameterError, match="no MLmodel"):
        client.register_model(f"runs:/{run.info.run_id}/notes", "nothing")
    with pytest.raises(InvalidParameterError, match="runs:/<run_id>"):
        client.register_model("runs:/abc", "nothing")


def test_stages_with_and_without_archiving(client: Client) -> None:
    uri = logged_model(0.9)
    for _ in range(3):
        client.register_model(uri, "m")
    client.transition_model_version_stage("m", 1, "production")
    client.transition_model_version_stage("m", 2, "Production")
    stages = {v.version: v.current_stage for v in client.search_model_versions("name = 'm'")}
    assert stages == {"1": "Production", "2": "Production", "3": "None"}
    client.transition_model_version_stage("m", 3, "Production", archive_existing_versions=True)
    stages = {v.version: v.current_stage for v in client.search_model_versions("name = 'm'")}
    assert stages == {"1": "Archived", "2": "Archived", "3": "Production"}
    assert [v.version for v in client.get_latest_versions("m", ["Production"])] == ["3"]
    with pytest.raises(InvalidParameterError, match="Unknown stage"):
        client.transition_model_version_stage("m", 1, "Prod")


def test_aliases(client: Client) -> None:
    uri = logged_model(0.9)
    client.register_model(uri, "m")
    client.register_model(uri, "m")
    client.set_registered_model_alias("m", "champion", 1)
    client.set_registered_model_alias("m", "champion", 2)  # moves: one alias, one version
    assert client.get_model_version_by_alias("m", "champion").version == "2"
    assert client.get_registered_model("m").aliases == {"champion": "2"}
    assert client.get_model_version("m", 2).aliases == ("champion",)
    client.delete_registered_model_alias("m", "champion")
    with pytest.raises(ResourceNotFoundError, match="no alias"):
        client.get_model_version_by_alias("m", "champion")
    with pytest.raises(InvalidParameterError, match="reserved"):
        client.set_registered_model_alias("m", "latest", 1)


def test_models_uris_resolve(client: Client) -> None:
    from jupyter_mltrack.registry.uris import resolve_version

    uri = logged_model(0.9)
    for _ in range(3):
        client.register_model(uri, "m")
    client.transition_model_version_stage("m", 1, "Staging")
    client.transition_model_version_stage("m", 2, "Staging")
    client.set_registered_model_alias("m", "champion", 1)
    assert resolve_version(client, "models:/m/3").version == "3"
    assert resolve_version(client, "models:/m@champion").version == "1"
    assert resolve_version(client, "models:/m/staging").version == "2"
    assert resolve_version(client, "models:/m/latest").version == "3"
    copy = client.register_model("models:/m@champion", "m-copy")
    assert copy.source == client.get_model_version("m", 1).source
    with pytest.raises(InvalidParameterError, match="names no version"):
        resolve_version(client, "models:/m")
    with pytest.raises(ResourceNotFoundError, match="no version in stage Production"):
        resolve_version(client, "models:/m/Production")


def test_approval_policy_blocks_direct_promotion(client: Client) -> None:
    client.register_model(logged_model(0.95), "m")
    client.set_promotion_policy("m", "Production", require_approval=True)
    with pytest.raises(PromotionRefusedError, match="requires approval") as refused:
        client.transition_model_version_stage("m", 1, "Production")
    assert "request_transition" in str(refused.value) and refused.value.http_status == 403
    with acting_as("alice"):
        request = client.request_transition("m", 1, "Production", comment="ready")
    assert request.status == "PENDING" and request.requested_by == "alice" and request.target == "Production"
    with pytest.raises(InvalidStateError, match="already pending"):
        client.request_transition("m", 1, "Production")
    assert client.get_model_version("m", 1).current_stage == "None"
    with acting_as("bob"):
        approved = client.approve_transition(request.request_id, comment="lgtm")
    assert approved.status == "APPROVED" and approved.decided_by == "bob" and approved.decision_comment == "lgtm"
    assert client.get_model_version("m", 1).current_stage == "Production"
    with pytest.raises(InvalidStateError, match="already approved"):
        client.reject_transition(request.request_id)
    assert [r.request_id for r in client.list_transition_requests("m", status="approved")] == [request.request_id]


def test_alias_requests_and_rejection(client: Client) -> None:
    client.register_model(logged_model(0.95), "m")
    client.set_promotion_policy("m", "@champion", require_approval=True)
    with pytest.raises(PromotionRefusedError, match="@champion"):
        client.set_registered_model_alias("m", "champion", 1)
    rejected = client.reject_transition(client.request_transition("m", 1, "@champion").request_id, comment="no")
    assert rejected.status == "REJECTED"
    assert client.get_registered_model("m").aliases == {}
    approved = client.approve_transition(client.request_transition("m", 1, "@champion").request_id)
    assert approved.status == "APPROVED" and client.get_model_version_by_alias("m", "champion").version == "1"
    assert client.list_transition_requests(status="PENDING") == []


def test_metric_gates(client: Client) -> None:
    client.register_model(logged_model(0.80), "m")
    client.register_model(logged_model(0.97), "m")
    client.set_promotion_policy("m", "Production", require_approval=False, gates=["metrics.accuracy >= 0.9"])
    with pytest.raises(PromotionRefusedError, match=r"gate 'metrics.accuracy >= 0.9' failed"):
        client.transition_model_version_stage("m", 1, "Production")
    with pytest.raises(PromotionRefusedError, match="gate"):
        client.request_transition("m", 1, "Production")
    client.transition_model_version_stage("m", 2, "Production")
    assert client.get_model_version("m", 2).current_stage == "Production"
    with pytest.raises(InvalidParameterError):
        client.set_promotion_policy("m", "Staging", gates=["metrics.accuracy >> 1"])
    policy = client.get_promotion_policy("m", "production")
    assert policy is not None and policy.gates == ("metrics.accuracy >= 0.9",) and not policy.require_approval


def test_every_change_is_audited_and_version_at_replays_it(client: Client) -> None:
    uri = logged_model(0.9)
    with acting_as("carol"):
        client.register_model(uri, "m")
        client.register_model(uri, "m")
        client.set_registered_model_tag("m", "t", "1")
        client.transition_model_version_stage("m", 1, "Production", comment="go")
    time.sleep(0.01)
    t1 = int(time.time() * 1000)
    time.sleep(0.01)
    client.transition_model_version_stage("m", 2, "Production", archive_existing_versions=True)
    client.set_registered_model_alias("m", "champion", 2)
    time.sleep(0.01)
    t2 = int(time.time() * 1000)
    time.sleep(0.01)
    client.set_registered_model_alias("m", "champion", 1)
    client.rename_registered_model("m", "m2")
    history = client.get_model_history("m2")
    actions = [h.action for h in history]
    assert actions == [
        "create_registered_model",
        "create_model_version",
        "create_model_version",
        "set_registered_model_tag",
        "transition_stage",
        "transition_stage",
        "transition_stage",
        "set_alias",
        "set_alias",
        "rename_registered_model",
    ]
    promote = history[4]
    assert (promote.actor, promote.version, promote.before, promote.after, promote.comment) == (
        "carol",
        "1",
        "None",
        "Production",
        "go",
    )
    assert history[5].version == "1" and history[5].after == "Archived"  # archived by version 2's promotion
    assert history[-1].before == {"name": "m"} and history[-1].after == {"name": "m2"}
    assert client.version_at("m2", "Production", t1) == "1"
    assert client.version_at("m2", "Production", t2) == "2"
    assert client.version_at("m2", "@champion", t1) is None
    assert client.version_at("m2", "champion", t2) == "2"
    assert client.version_at("m2", "@champion", int(time.time() * 1000) + 1000) == "1"
    assert client.version_at("m2", "Staging", t2) is None


def test_history_survives_model_deletion(client: Client) -> None:
    client.register_model(logged_model(0.9), "gone")
    client.delete_registered_model("gone")
    assert [h.action for h in client.get_model_history("gone")][-1] == "delete_registered_model"
    with pytest.raises(ResourceNotFoundError):
        client.get_model_history("never-existed")


def test_gc_keeps_deleted_runs_that_back_model_versions(client: Client) -> None:
    from jupyter_mltrack.tracking.maintenance import garbage_collect

    uri = logged_model(0.9)
    run_id = uri.split("/")[1]
    client.register_model(uri, "kept")
    with mlt.start_run() as plain:
        pass
    client.delete_run(run_id)
    client.delete_run(plain.info.run_id)
    assert garbage_collect() == [plain.info.run_id]
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"  # still there: version 1 needs its files
    with pytest.raises(InvalidStateError, match="registered model versions"):
        garbage_collect(run_ids=[run_id])
    client.delete_model_version("kept", 1)
    assert garbage_collect() == [run_id]
