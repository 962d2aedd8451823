"""The model registry over REST: models, versions, stages, aliases, policies, approvals, history."""

from __future__ import annotations

from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from jupyter_mltrack import Client
from jupyter_mltrack.tracking.context import current_user
from tests.server.spec import check_response
from tests.server.world import build_world


async def test_registered_models(api: Any) -> None:
    status, made = await api("POST", "models", body={"name": "fraud", "tags": {"team": "risk"}, "description": "v0"})
    assert status == 201 and made["registered_model"]["tags"] == {"team": "risk"}
    check_response("POST", "/models", status, made)
    await api("POST", "models", body={"name": "churn"})
    status, found = await api("GET", "models", params={"filter": "name LIKE 'fr%'"})
    assert [m["name"] for m in found["registered_models"]] == ["fraud"]
    status, ordered = await api("GET", "models", params={"order_by": "name DESC", "max_results": "1"})
    assert [m["name"] for m in ordered["registered_models"]] == ["fraud"] and ordered["next_page_token"]
    status, changed = await api(
        "PATCH",
        "models",
        "fraud",
        body={"description": "first", "tags": {"tier": "gold"}, "delete_tags": ["team"], "name": "fraud-v2"},
    )
    model = changed["registered_model"]
    assert status == 200 and (model["name"], model["description"], model["tags"]) == (
        "fraud-v2",
        "first",
        {"tier": "gold"},
    )
    status, error = await api("GET", "models", "fraud")
    assert status == 404 and error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    status, error = await api("POST", "models", body={"name": "churn"})
    assert status == 409 and error["error_code"] == "RESOURCE_ALREADY_EXISTS"
    status, error = await api("PATCH", "models", "churn", body={"delete_tags": ["nope"]})
    assert status == 400 and "no tag" in error["message"]
    status, body = await api("DELETE", "models", "churn")
    assert (status, body) == (200, {})
    status, _ = await api("DELETE", "models", "churn")
    assert status == 404


async def test_versions_register_list_update_delete(api: Any) -> None:
    world = build_world()
    model_uri = f"runs:/{world.run_id}/model"
    status, made = await api("POST", "models", "new-model", "versions", body={"model_uri": model_uri, "tags": {"a": 1}})
    version = made["model_version"]
    assert status == 201 and (version["name"], version["version"], version["run_id"]) == (
        "new-model",
        "1",
        world.run_id,
    )
    assert version["tags"] == {"a": "1"}
    status, made = await api(
        "POST",
        "models",
        "churn",
        "versions",
        body={"source": "/tmp/model", "run_id": world.run_id, "description": "raw"},
    )
    assert status == 201 and made["model_version"]["version"] == "3" and made["model_version"]["source"] == "/tmp/model"
    status, listed = await api("GET", "models", "churn", "versions")
    assert [v["version"] for v in listed["model_versions"]] == ["3", "2", "1"]
    status, got = await api("GET", "models", "churn", "versions", "1")
    assert got["model_version"]["aliases"] == ["champion"]
    status, patched = await api(
        "PATCH", "models", "churn", "versions", "2", body={"description": "second", "tags": {"ok": "yes"}}
    )
    assert patched["model_version"]["description"] == "second" and patched["model_version"]["tags"] == {"ok": "yes"}
    status, found = await api("GET", "model-versions", params={"filter": f"run_id = '{world.run_id}'"})
    assert sorted((v["name"], v["version"]) for v in found["model_versions"]) == [
        ("churn", "1"),
        ("churn", "2"),
        ("churn", "3"),
        ("new-model", "1"),
    ]
    assert (await api("DELETE", "models", "churn", "versions", "3")) == (200, {})
    status, error = await api("GET", "models", "churn", "versions", "3")
    assert status == 404 and "no version 3" in error["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 400, "exactly one of 'model_uri'"),
        ({"model_uri": "runs:/x/model", "source": "/tmp"}, 400, "exactly one of 'model_uri'"),
        ({"model_uri": "runs:/x/model", "description": "d"}, 400, "go with 'source'"),
        ({"model_uri": "RUN/model"}, 400, "MLmodel"),
        ({"model_uri": "runs:/0123abcd/model"}, 404, "0123abcd"),
    ],
)
async def test_version_registration_errors(api: Any, body: dict[str, Any], status: int, words: str) -> None:
    build_world()
    got, error = await api("POST", "models", "churn", "versions", body=body)
    assert got == status and words in error["message"]


async def test_stages_aliases_and_latest_versions(api: Any) -> None:
    build_world()
    status, moved = await api(
        "POST", "models", "churn", "versions", "2", "stage", body={"stage": "staging", "comment": "try it"}
    )
    assert status == 200 and moved["model_version"]["current_stage"] == "Staging"
    status, latest = await api("GET", "models", "churn", "latest-versions", params={"stages": "Staging"})
    assert [v["version"] for v in latest["model_versions"]] == ["2"]
    status, error = await api("POST", "models", "churn", "versions", "2", "stage", body={"stage": "Prod"})
    assert status == 400 and "Unknown stage" in error["message"]
    status, pointed = await api("PUT", "models", "churn", "aliases", "best", body={"version": 2})
    assert status == 200 and pointed["model_version"]["version"] == "2"
    status, got = await api("GET", "models", "churn", "aliases", "best")
    assert got["model_version"]["aliases"] == ["best"]
    assert (await api("DELETE", "models", "churn", "aliases", "best")) == (200, {})
    status, error = await api("GET", "models", "churn", "aliases", "best")
    assert status == 404
    status, error = await api("PUT", "models", "churn", "aliases", "latest", body={"version": "1"})
    assert status == 400 and "reserved" in error["message"]
    status, error = await api("PUT", "models", "churn", "aliases", "x", body={"version": True})
    assert status == 400 and "'version' must be a string or an integer" in error["message"]


async def test_refused_promotions_are_403_naming_the_rule(api: Any) -> None:
    build_world()  # Production needs approval
    status, error = await api("POST", "models", "churn", "versions", "2", "stage", body={"stage": "Production"})
    assert status == 403 and error["error_code"] == "PERMISSION_DENIED"
    assert "requires approval" in error["message"] and "request_transition" in error["message"]
    check_response("POST", "/models/{name}/versions/{version}/stage", status, error)
    await api(
        "PUT",
        "models",
        "churn",
        "policies",
        "@champion",
        body={"require_approval": False, "gates": ["metrics.accuracy >= 0.99"]},
    )
    status, error = await api("PUT", "models", "churn", "aliases", "champion", body={"version": "2"})
    assert status == 403 and "gate 'metrics.accuracy >= 0.99' failed" in error["message"]
    status, error = await api(
        "POST", "transition-requests", body={"name": "churn", "version": "2", "target": "@champion"}
    )
    assert status == 403 and "gate" in error["message"]


async def test_policies(api: Any) -> None:
    build_world()
    status, policy = await api(
        "PUT",
        "models",
        "churn",
        "policies",
        "Staging",
        body={"require_approval": False, "gates": ["metrics.accuracy > 0.5"]},
    )
    assert status == 200 and policy["policy"] == {
        "name": "churn",
        "target": "Staging",
        "require_approval": False,
        "gates": ["metrics.accuracy > 0.5"],
    }
    status, listed = await api("GET", "models", "churn", "policies")
    assert [p["target"] for p in listed["policies"]] == ["Production", "Staging"]
    status, got = await api("GET", "models", "churn", "policies", "production")
    assert got["policy"]["require_approval"] is True
    status, error = await api("GET", "models", "churn", "policies", "Archived")
    assert status == 404 and "no promotion policy" in error["message"]
    status, error = await api("PUT", "models", "churn", "policies", "Staging", body={"gates": ["metrics.x >>> 1"]})
    assert status == 400
    status, error = await api("GET", "models", "nope", "policies")
    assert status == 404


async def test_requests_approval_rejection_and_history(api: Any) -> None:
    world = build_world()
    status, pending = await api("GET", "transition-requests", params={"name": "churn", "status": "pending"})
    assert [r["request_id"] for r in pending["requests"]] == [world.pending_request, world.other_request]
    status, approved = await api(
        "POST", "transition-requests", world.pending_request, "approve", body={"comment": "lgtm"}
    )
    assert status == 200 and approved["request"]["status"] == "APPROVED"
    assert Client().get_model_version("churn", "1").current_stage == "Production"
    status, error = await api("POST", "transition-requests", world.pending_request, "approve")
    assert status == 409 and error["error_code"] == "INVALID_STATE"
    status, rejected = await api("POST", "transition-requests", world.other_request, "reject", body={"comment": "no"})
    assert rejected["request"]["status"] == "REJECTED" and rejected["request"]["decision_comment"] == "no"
    status, error = await api("POST", "transition-requests", "999", "reject")
    assert status == 404
    status, error = await api("GET", "transition-requests", params={"status": "maybe"})
    assert status == 400 and "PENDING" in error["message"]
    status, made = await api(
        "POST", "transition-requests", body={"name": "churn", "version": 2, "target": "Production", "comment": "again"}
    )
    assert status == 201 and made["request"]["status"] == "PENDING"

    status, history = await api("GET", "models", "churn", "history")
    actions = [e["action"] for e in history["entries"]]
    assert status == 200 and actions[0] == "create_registered_model" and "approve_transition" in " ".join(actions)
    check_response("GET", "/models/{name}/history", status, history)
    now = history["entries"][-1]["timestamp"] + 1
    status, at = await api("GET", "models", "churn", "version-at", params={"target": "Production", "time": str(now)})
    assert at == {"version": "1"}
    status, at = await api("GET", "models", "churn", "version-at", params={"target": "Production", "time": "0"})
    assert at == {"version": None}
    status, error = await api("GET", "models", "churn", "version-at", params={"target": "Production"})
    assert status == 400 and "'time'" in error["message"]


class Ada(IdentityProvider):
    """Every token-authenticated request is Jupyter user ``ada`` (as a hub would say)."""

    def generate_anonymous_user(self, handler: Any) -> User:
        return User(username="ada", name="Ada Lovelace", display_name="Ada")


@pytest.mark.parametrize(
    "jp_server_config",
    [
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_mltrack.server": True}, "identity_provider_class": Ada},
        }
    ],
)
async def test_the_audit_log_names_the_jupyter_user(api: Any) -> None:
    build_world()  # made by this process's OS user
    await api("POST", "models", body={"name": "audited"})
    await api("PATCH", "models", "churn", body={"description": "by ada"})
    await api("PUT", "models", "churn", "aliases", "best", body={"version": "2"})
    await api("POST", "models", "churn", "versions", "2", "stage", body={"stage": "Staging"})
    _, approved = await api("POST", "transition-requests", "1", "approve")
    assert approved["request"]["decided_by"] == "ada"
    history = Client().get_model_history("churn")
    made_here = [e for e in history if e.actor != "ada"]
    assert [e.action for e in history[len(made_here) :]] == [
        "update_registered_model",
        "set_alias",
        "transition_stage",
        "approve_transition",
        "transition_stage",
    ]
    assert {e.actor for e in made_here} == {current_user()}  # the world was built in-process, not via REST
    assert Client().get_model_history("audited")[0].actor == "ada"
