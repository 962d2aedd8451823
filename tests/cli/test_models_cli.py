"""`mltrack models`: every command and option, JSON output, refusals and unknown ids as one line.

Models are made through the public Python API (a run with a metric and a model directory), and the
CLI's JSON is compared with what the Python API returns, so the two front doors agree. The last
tests drive the installed `mltrack` executable in real subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import jupyter_mltrack as mlt
from jupyter_mltrack import Client
from jupyter_mltrack.cli.main import cli
from jupyter_mltrack.entities import as_dict
from jupyter_mltrack.registry.actor import current_actor
from jupyter_mltrack.tracking import stores


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    monkeypatch.setenv("MLTRACK_HOME", str(path))
    for name in ("MLTRACK_TRACKING_URI", "MLTRACK_ARTIFACT_ROOT", "MLTRACK_EXPERIMENT_NAME", "MLTRACK_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    stores.reset_tracking_uri()
    yield path
    while mlt.active_run() is not None:
        mlt.end_run()
    stores.reset_tracking_uri()


def run_cli(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    if code == 0:
        assert result.exception is None
    return result


def one_line_error(*args: str, code: int = 1) -> str:
    """Run a failing command; check it printed exactly one `Error: ...` line, nothing on stdout."""
    result = run_cli(*args, code=code)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
    return lines[0]


def strict_json(text: str) -> Any:
    def refuse(token: str) -> Any:
        raise AssertionError(f"invalid JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def plain(entity: Any) -> Any:
    return json.loads(json.dumps(as_dict(entity)))


def logged_model(accuracy: float, **more: float) -> str:
    """A run with an accuracy metric (and more) and a model directory (an MLmodel file) under 'model'."""
    with mlt.start_run() as run:
        mlt.log_metrics({"accuracy": accuracy, **more})
        mlt.log_text("artifact_path: model\nflavors: {}\n", "model/MLmodel")
    return f"runs:/{run.info.run_id}/model"


def run_of(uri: str) -> str:
    return uri.split("/")[1]


def lines_of(text: str) -> list[list[str]]:
    """A table's rows, split on runs of two or more spaces."""
    import re

    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


# ----------------------------------------------------------------------------------- help, usage
def test_models_group_is_listed_and_has_every_command() -> None:
    assert "models" in run_cli("--help").stdout
    result = CliRunner().invoke(cli, ["models"])
    assert result.exit_code in (0, 2) and "Usage: mltrack models" in result.output and "Error" not in result.output
    for command in ("list", "show", "register", "promote", "alias", "request", "approve", "reject", "requests",
                    "history", "policy"):
        assert f"  {command}" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["models", "show"], "Missing argument 'NAME'"),
        (["models", "promote", "m", "1"], "Missing option '--to'"),
        (["models", "register", "s3://b/m", "m", "--tag", "novalue"], "Invalid value for '--tag'"),
        (["models", "promote", "m", "1", "--to", "@champion", "--archive-existing"], "applies to stages"),
        (["models", "alias", "m", "champion"], "Missing argument 'VERSION'"),
        (["models", "alias", "m", "champion", "1", "--delete"], "--delete takes no VERSION"),
        (["models", "requests", "--status", "done"], "Invalid value for '--status'"),
        (["models", "history", "m", "--at", "2025-01-01"], "--at and --target go together"),
        (["models", "history", "m", "--target", "Production"], "--at and --target go together"),
        (["models", "history", "m", "--at", "yesterday", "--target", "Production"], "Invalid value for '--at'"),
        (["models", "policy", "m", "--gate", "metrics.a > 1"], "need a TARGET"),
        (["models", "policy", "m", "--no-require-approval"], "need a TARGET"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], expected: str) -> None:
    line = one_line_error(*args, code=2)
    assert expected in line and "--help" in line


# ------------------------------------------------------------------------------ register, list
def test_register_from_a_run_a_folder_and_a_url_with_tags(tmp_path: Path) -> None:
    uri = logged_model(0.9)
    out = run_cli("models", "register", uri, "churn", "--tag", "team=growth", "-t", "stage=a=b").stdout
    assert out == f"Registered version 1 of model 'churn' from run {run_of(uri)}.\n"
    version = Client().get_model_version("churn", 1)
    assert version.tags == {"team": "growth", "stage": "a=b"} and version.run_id == run_of(uri)
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "MLmodel").write_text("flavors: {}\n")
    assert run_cli("models", "register", str(folder), "churn").stdout == "Registered version 2 of model 'churn'.\n"
    assert Client().get_model_version("churn", 2).source == str(folder.resolve())
    run_cli("models", "register", "s3://bucket/models/churn", "churn")
    assert Client().get_model_version("churn", 3).source == "s3://bucket/models/churn"
    assert run_cli("models", "register", "models:/churn/1", "churn-copy").stdout.startswith(
        "Registered version 1 of model 'churn-copy' from run"
    )


def test_register_refuses_what_holds_no_model(tmp_path: Path) -> None:
    with mlt.start_run() as run:
        mlt.log_text("x", "notes/readme.txt")
    assert "holds no MLmodel file" in one_line_error("models", "register", f"runs:/{run.info.run_id}/notes", "m")
    assert "holds no MLmodel file" in one_line_error("models", "register", str(tmp_path), "m")
    assert "does not exist" in one_line_error("models", "register", "runs:/nope/model", "m")
    assert "Registered model 'nope' does not exist" in one_line_error("models", "register", "models:/nope/4", "m")


def test_list_table_filter_and_json() -> None:
    assert run_cli("models", "list").stdout == "No registered models.\n"
    assert strict_json(run_cli("models", "list", "--json").stdout) == []
    uri = logged_model(0.9)
    for name in ("churn", "churn", "churn", "fraud"):
        mlt.register_model(uri, name)
    client = Client()
    client.transition_model_version_stage("churn", 1, "Production")
    client.transition_model_version_stage("churn", 2, "Staging")
    client.set_registered_model_alias("churn", "champion", 1)
    client.set_registered_model_tag("fraud", "team", "risk")
    rows = lines_of(run_cli("models", "list").stdout)
    assert rows[0] == ["name", "latest versions", "aliases", "updated"]
    assert rows[1][:3] == ["churn", "Production: 1, Staging: 2, None: 3", "@champion: 1"]
    assert rows[2][:2] == ["fraud", "None: 1"] and len(rows) == 3
    datetime.strptime(rows[1][3], "%Y-%m-%d %H:%M:%S")
    filtered = lines_of(run_cli("models", "list", "--filter", "tags.team = 'risk'").stdout)
    assert [r[0] for r in filtered[1:]] == ["fraud"]
    assert [r[0] for r in lines_of(run_cli("models", "list", "-f", "name LIKE 'ch%'").stdout)[1:]] == ["churn"]
    listed = strict_json(run_cli("models", "list", "--json").stdout)
    assert listed == [plain(client.get_registered_model("churn")), plain(client.get_registered_model("fraud"))]
    assert "Invalid search filter" in one_line_error("models", "list", "--filter", "name ===")


# ---------------------------------------------------------------------------------------- show
def test_show_versions_stages_aliases_runs_and_key_metrics() -> None:
    many = {"b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0, "zz": 9.0}  # with accuracy: 6 metrics, 5 are shown
    first, second = logged_model(0.81, **many), logged_model(0.97, loss=0.1)
    mlt.register_model(first, "churn")
    mlt.register_model(second, "churn")
    mlt.register_model("s3://bucket/churn", "churn")
    client = Client()
    client.transition_model_version_stage("churn", 2, "Production")
    client.set_registered_model_alias("churn", "champion", 2)
    client.update_registered_model("churn", description="predicts churn")
    out = run_cli("models", "show", "churn").stdout
    assert out.startswith("Model churn\n") and "description: predicts churn" in out
    assert "aliases:     @champion: 2" in out
    table = lines_of(out.split("Versions:\n", 1)[1])
    # Without gates: the first 5 metric keys in alphabetical order, each run's latest value.
    assert table[0] == ["version", "stage", "aliases", "run_id", "created", "metrics.accuracy", "metrics.b",
                        "metrics.c", "metrics.d", "metrics.e", "metrics.loss"]
    assert table[1][:3] == ["1", "None", run_of(first)]  # (an empty aliases cell)
    assert table[1][-5:] == ["0.81", "2", "3", "4", "5"]
    assert table[2][:4] == ["2", "Production", "@champion", run_of(second)] and table[2][-2:] == ["0.97", "0.1"]
    assert table[3][:2] == ["3", "None"] and len(table[3]) == 3  # a URL source: no run, no metrics
    assert "metrics.zz" not in out

    # A gated metric comes first, whatever its name.
    client.set_promotion_policy("churn", "Staging", require_approval=False, gates=["metrics.zz > 1"])
    header = lines_of(run_cli("models", "show", "churn").stdout.split("Versions:\n", 1)[1])[0]
    assert header[5:] == ["metrics.zz", "metrics.accuracy", "metrics.b", "metrics.c", "metrics.d", "metrics.loss"]

    shown = strict_json(run_cli("models", "show", "churn", "--json").stdout)
    assert shown["model"] == plain(client.get_registered_model("churn"))
    versions = client.search_model_versions("name = 'churn'")
    assert [{k: v for k, v in s.items() if k != "metrics"} for s in shown["versions"]] == [plain(v) for v in versions]
    assert shown["versions"][0]["metrics"] == {"zz": 9.0, "accuracy": 0.81, "b": 2.0, "c": 3.0, "d": 4.0}
    assert shown["versions"][1]["metrics"] == {"accuracy": 0.97, "loss": 0.1}
    assert shown["versions"][2]["metrics"] == {}


def test_show_a_model_without_versions_and_non_finite_metrics() -> None:
    Client().create_registered_model("empty")
    assert run_cli("models", "show", "empty").stdout.rstrip().endswith("No versions.")
    assert strict_json(run_cli("models", "show", "empty", "--json").stdout)["versions"] == []
    uri = logged_model(float("nan"), worst=float("-inf"))
    mlt.register_model(uri, "odd")
    assert strict_json(run_cli("models", "show", "odd", "--json").stdout)["versions"][0]["metrics"] == {
        "accuracy": "NaN",
        "worst": "-Infinity",
    }
    assert lines_of(run_cli("models", "show", "odd").stdout.split("Versions:\n", 1)[1])[1][-2:] == ["nan", "-inf"]


def test_unknown_models_versions_and_requests_are_one_line_errors() -> None:
    mlt.register_model(logged_model(0.9), "m")
    missing_model = "Registered model 'nope' does not exist"
    for args in (
        ["models", "show", "nope"],
        ["models", "show", "nope", "--json"],
        ["models", "history", "nope"],
        ["models", "history", "nope", "--at", "0", "--target", "Production"],
        ["models", "promote", "nope", "1", "--to", "Staging"],
        ["models", "alias", "nope", "champion", "1"],
        ["models", "request", "nope", "1", "--to", "Staging"],
        ["models", "policy", "nope"],
        ["models", "policy", "nope", "Production"],
    ):
        assert missing_model in one_line_error(*args), args
    for args in (
        ["models", "promote", "m", "7", "--to", "Staging"],
        ["models", "promote", "m", "seven", "--to", "@champion"],
        ["models", "alias", "m", "champion", "7"],
        ["models", "request", "m", "7", "--to", "Production"],
    ):
        assert "Model 'm' has no version" in one_line_error(*args), args
    for args in (["models", "approve", "42"], ["models", "reject", "42"], ["models", "approve", "abc"]):
        line = one_line_error(*args)
        assert line.startswith(f"Error: Transition request '{args[2]}' does not exist."), line
    assert "has no alias 'ghost'" in one_line_error("models", "alias", "m", "ghost", "--delete")
    assert "Unknown stage 'Prod'" in one_line_error("models", "promote", "m", "1", "--to", "Prod")
    assert "reserved" in one_line_error("models", "promote", "m", "1", "--to", "@latest")


# ------------------------------------------------------------------------- promote and alias
def test_promote_to_stages_with_archiving_and_comments() -> None:
    uri = logged_model(0.9)
    for _ in range(3):
        mlt.register_model(uri, "m")
    assert run_cli("models", "promote", "m", "1", "--to", "production").stdout == (
        "Version 1 of model 'm' is now in Production.\n"
    )
    run_cli("models", "promote", "m", "2", "--to", "Production", "--comment", "second opinion")
    stages = {v.version: v.current_stage for v in Client().search_model_versions("name = 'm'")}
    assert stages == {"1": "Production", "2": "Production", "3": "None"}
    run_cli("models", "promote", "m", "3", "--to", "Production", "--archive-existing", "-m", "the one")
    stages = {v.version: v.current_stage for v in Client().search_model_versions("name = 'm'")}
    assert stages == {"1": "Archived", "2": "Archived", "3": "Production"}
    history = Client().get_model_history("m")
    assert [(h.version, h.after, h.comment) for h in history if h.action == "transition_stage"][-3:] == [
        ("1", "Archived", "archived: version 3 moved to Production"),
        ("2", "Archived", "archived: version 3 moved to Production"),
        ("3", "Production", "the one"),
    ]
    assert history[-4].comment == "second opinion" and history[-4].actor == current_actor()


def test_promote_to_an_alias_and_the_alias_command() -> None:
    uri = logged_model(0.9)
    mlt.register_model(uri, "m")
    mlt.register_model(uri, "m")
    out = run_cli("models", "promote", "m", "1", "--to", "@champion", "--comment", "first").stdout
    assert out == "Alias @champion of model 'm' now points to version 1.\n"
    assert Client().get_model_version_by_alias("m", "champion").version == "1"
    assert Client().get_model_history("m")[-1].comment == "first"
    assert run_cli("models", "alias", "m", "champion", "2").stdout == (
        "Alias @champion of model 'm' now points to version 2.\n"
    )
    run_cli("models", "alias", "m", "@challenger", "1")  # a leading @ is accepted
    assert Client().get_registered_model("m").aliases == {"champion": "2", "challenger": "1"}
    assert run_cli("models", "alias", "m", "champion", "--delete").stdout == "Deleted alias @champion of model 'm'.\n"
    assert Client().get_registered_model("m").aliases == {"challenger": "1"}


def test_refusals_are_one_line_and_name_the_rule() -> None:
    mlt.register_model(logged_model(0.80), "m")
    mlt.register_model(logged_model(0.97), "m")
    run_cli("models", "policy", "m", "Production")  # approval required by default
    line = one_line_error("models", "promote", "m", "2", "--to", "Production")
    assert "was refused: the policy for Production requires approval" in line
    run_cli("models", "policy", "m", "@champion", "--no-require-approval", "--gate", "metrics.accuracy >= 0.9")
    line = one_line_error("models", "promote", "m", "1", "--to", "@champion")
    assert "was refused: gate 'metrics.accuracy >= 0.9' failed" in line
    assert "gate 'metrics.accuracy >= 0.9' failed" in one_line_error("models", "alias", "m", "champion", "1")
    assert "gate" in one_line_error("models", "request", "m", "1", "--to", "@champion")
    run_cli("models", "promote", "m", "2", "--to", "@champion")  # passes the gate, needs no approval
    assert Client().get_model_version_by_alias("m", "champion").version == "2"
    assert Client().get_model_version("m", 2).current_stage == "None"


# --------------------------------------------------------------------------------- approvals
def test_request_approve_reject_and_list_requests() -> None:
    mlt.register_model(logged_model(0.95), "m")
    mlt.register_model(logged_model(0.96), "m")
    mlt.register_model(logged_model(0.97), "other")
    client = Client()
    client.transition_model_version_stage("m", 1, "Production")
    run_cli("models", "policy", "m", "Production", "--require-approval", "--gate", "metrics.accuracy > 0.9")
    assert run_cli("models", "requests").stdout == "No transition requests.\n"

    out = run_cli("models", "request", "m", "2", "--to", "production", "--comment", "beats v1").stdout
    assert out == ("Request 1: version 2 of model 'm' to Production is pending. "
                   "Approve it with `mltrack models approve 1`.\n")
    assert "already pending" in one_line_error("models", "request", "m", "2", "--to", "Production")
    run_cli("models", "request", "m", "2", "--to", "@champion")
    run_cli("models", "request", "other", "1", "--to", "Staging", "-m", "try it")
    rows = lines_of(run_cli("models", "requests", "--name", "m").stdout)
    assert rows[0] == ["id", "model", "version", "target", "status", "requested_by", "requested_at", "comment",
                       "decided_by", "decision_comment"]
    assert [r[:6] for r in rows[1:]] == [["1", "m", "2", "Production", "PENDING", current_actor()],
                                         ["2", "m", "2", "@champion", "PENDING", current_actor()]]
    assert rows[1][7] == "beats v1"

    out = run_cli("models", "approve", "1", "--comment", "lgtm", "--archive-existing").stdout
    assert out == "Approved request 1: version 2 of model 'm' is now in Production.\n"
    assert {v.version: v.current_stage for v in client.search_model_versions("name = 'm'")} == {
        "1": "Archived",
        "2": "Production",
    }
    assert "already approved" in one_line_error("models", "approve", "1")
    assert "already approved" in one_line_error("models", "reject", "1")
    out = run_cli("models", "reject", "2", "-m", "not yet").stdout
    assert out == "Rejected request 2: version 2 of model 'm' stays out of @champion.\n"
    assert client.get_registered_model("m").aliases == {}
    out = run_cli("models", "approve", "3").stdout
    assert out == "Approved request 3: version 1 of model 'other' is now in Staging.\n"

    assert [r[0] for r in lines_of(run_cli("models", "requests", "--status", "APPROVED").stdout)[1:]] == ["1", "3"]
    rejected = lines_of(run_cli("models", "requests", "-s", "rejected", "-n", "m").stdout)
    assert len(rejected) == 2 and rejected[1][-2:] == [current_actor(), "not yet"]
    assert run_cli("models", "requests", "--status", "pending").stdout == "No transition requests.\n"
    listed = strict_json(run_cli("models", "requests", "--json").stdout)
    assert listed == [plain(r) for r in client.list_transition_requests()]
    assert listed[0]["decision_comment"] == "lgtm" and listed[0]["decided_by"] == current_actor()
    assert strict_json(run_cli("models", "requests", "--status", "pending", "--json").stdout) == []


def test_approving_an_alias_request() -> None:
    mlt.register_model(logged_model(0.95), "m")
    run_cli("models", "policy", "m", "@champion")
    assert "requires approval" in one_line_error("models", "alias", "m", "champion", "1")
    run_cli("models", "request", "m", "1", "--to", "@champion")
    assert run_cli("models", "approve", "1").stdout == (
        "Approved request 1: alias @champion of model 'm' now points to version 1.\n"
    )
    assert Client().get_model_version_by_alias("m", "champion").version == "1"


def test_approval_rechecks_the_gates() -> None:
    uri = logged_model(0.95)
    mlt.register_model(uri, "m")
    run_cli("models", "request", "m", "1", "--to", "Staging")
    run_cli("models", "policy", "m", "Staging", "--gate", "metrics.accuracy > 0.99")  # stricter since the request
    assert "gate 'metrics.accuracy > 0.99' failed" in one_line_error("models", "approve", "1")
    assert Client().get_model_version("m", 1).current_stage == "None"


# --------------------------------------------------------------------------------------- policy
def test_policy_set_list_and_json() -> None:
    mlt.register_model(logged_model(0.95), "m")
    assert run_cli("models", "policy", "m").stdout == "No promotion policies for model 'm'.\n"
    assert strict_json(run_cli("models", "policy", "m", "--json").stdout) == []
    assert run_cli("models", "policy", "m", "production").stdout == (
        "Promotions of model 'm' to Production: approval required; no gates.\n"
    )
    out = run_cli("models", "policy", "m", "@champion", "--no-require-approval", "--gate", "metrics.accuracy >= 0.9",
                  "--gate", "params.model = 'rf'").stdout
    assert out == ("Promotions of model 'm' to @champion: no approval needed; "
                   "gates: metrics.accuracy >= 0.9; params.model = 'rf'.\n")
    made = strict_json(run_cli("models", "policy", "m", "Staging", "--require-approval", "--json").stdout)
    assert made == {"name": "m", "target": "Staging", "require_approval": True, "gates": []}
    rows = lines_of(run_cli("models", "policy", "m").stdout)
    assert rows == [
        ["target", "approval", "gates"],
        ["@champion", "no", "metrics.accuracy >= 0.9; params.model = 'rf'"],
        ["Production", "yes"],
        ["Staging", "yes"],
    ]
    assert strict_json(run_cli("models", "policy", "m", "--json").stdout) == [
        plain(p) for p in Client().list_promotion_policies("m")
    ]
    assert "gate must be" in one_line_error("models", "policy", "m", "Staging", "--gate", " ")
    assert "Invalid search filter" in one_line_error("models", "policy", "m", "Staging", "--gate", "metrics.a >> 1")
    assert "Unknown stage" in one_line_error("models", "policy", "m", "Prod")


# -------------------------------------------------------------------------------------- history
def test_history_table_json_and_version_at() -> None:
    uri = logged_model(0.9)
    mlt.register_model(uri, "m")
    mlt.register_model(uri, "m")
    run_cli("models", "promote", "m", "1", "--to", "Production", "--comment", "go live")
    time.sleep(0.02)
    between = int(time.time() * 1000)
    time.sleep(0.02)
    run_cli("models", "promote", "m", "2", "--to", "Production", "--archive-existing")
    run_cli("models", "alias", "m", "champion", "2")

    out = run_cli("models", "history", "m").stdout
    rows = lines_of(out)
    assert rows[0] == ["time", "actor", "action", "version", "target", "before -> after", "comment"]
    actions = [r[2] for r in rows[1:]]
    assert actions == ["create_registered_model", "create_model_version", "create_model_version", "transition_stage",
                       "transition_stage", "transition_stage", "set_alias"]
    assert all(r[1] == current_actor() for r in rows[1:])
    assert rows[4][3:] == ["1", "Production", "None -> Production", "go live"]
    assert rows[5][3:] == ["1", "Archived", "Production -> Archived", "archived: version 2 moved to Production"]
    assert rows[7][3:] == ["2", "@champion", "- -> 2"]
    assert rows[2][3] == "1" and rows[2][4].startswith(f"- -> run_id={run_of(uri)}, source=")

    entries = strict_json(run_cli("models", "history", "m", "--json").stdout)
    assert entries == [plain(e) for e in Client().get_model_history("m")]

    iso = datetime.fromtimestamp(between / 1000).isoformat(timespec="milliseconds")
    out = run_cli("models", "history", "m", "--at", iso, "--target", "Production").stdout
    assert out == f"Production of model 'm' at {datetime.fromtimestamp(between / 1000):%Y-%m-%d %H:%M:%S}: version 1.\n"
    assert run_cli("models", "history", "m", "--at", "2100-01-01T00:00:00+00:00", "--target", "production").stdout \
        .endswith(": version 2.\n")
    assert run_cli("models", "history", "m", "--at", str(between), "--target", "@champion").stdout.endswith(
        ": no version.\n"
    )
    answer = strict_json(run_cli("models", "history", "m", "--at", "4102444800000", "--target", "@champion",
                                 "--json").stdout)
    assert answer == {"name": "m", "target": "@champion", "time": 4102444800000, "version": "2"}
    answer = strict_json(run_cli("models", "history", "m", "--at", str(between), "--target", "Staging",
                                 "--json").stdout)
    assert answer["version"] is None


def test_history_outlives_the_model() -> None:
    mlt.register_model(logged_model(0.9), "gone")
    Client().delete_registered_model("gone")
    rows = lines_of(run_cli("models", "history", "gone").stdout)
    assert rows[-1][2] == "delete_registered_model"


def test_global_tracking_uri_is_used(tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    run_cli("--tracking-uri", other, "models", "register", "s3://b/m", "elsewhere")
    assert run_cli("models", "list").stdout == "No registered models.\n"
    assert lines_of(run_cli("--tracking-uri", other, "models", "list").stdout)[1][0] == "elsewhere"


# ------------------------------------------------------------------- the installed executable
def executable() -> str:
    beside = Path(sys.executable).with_name("mltrack")
    found = str(beside) if beside.exists() else shutil.which("mltrack")
    assert found, "the mltrack console script is not installed (pip install -e .)"
    return found


def mltrack(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([executable(), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            env=dict(os.environ), timeout=120)
    assert result.returncode == code, (args, result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.slow
def test_approval_flow_end_to_end_in_subprocesses() -> None:
    uri = logged_model(0.93)
    assert mltrack("models", "register", uri, "churn", "--tag", "team=growth").stdout.startswith(
        "Registered version 1 of model 'churn'"
    )
    mltrack("models", "policy", "churn", "Production", "--gate", "metrics.accuracy >= 0.9")
    refused = mltrack("models", "promote", "churn", "1", "--to", "Production", code=1)
    assert refused.stdout == "" and len(refused.stderr.splitlines()) == 1
    assert refused.stderr.startswith("Error: Promotion of 'churn' version 1 to Production was refused: the policy")
    mltrack("models", "request", "churn", "1", "--to", "Production", "--comment", "ready")
    pending = json.loads(mltrack("models", "requests", "--status", "pending", "--json").stdout)
    assert [(r["request_id"], r["target"], r["comment"]) for r in pending] == [("1", "Production", "ready")]
    assert mltrack("models", "approve", pending[0]["request_id"], "-m", "ok").stdout.startswith("Approved request 1")
    shown = json.loads(mltrack("models", "show", "churn", "--json").stdout)
    assert shown["versions"][0]["current_stage"] == "Production"
    assert shown["versions"][0]["metrics"] == {"accuracy": 0.93}
    history = json.loads(mltrack("models", "history", "churn", "--json").stdout)
    assert [h["action"] for h in history][-3:] == ["request_transition", "approve_transition", "transition_stage"]
    assert history[-1]["comment"] == "request 1 approved by " + current_actor()
    at = mltrack("models", "history", "churn", "--at", "2100-01-01T00:00:00", "--target", "Production").stdout
    assert at.endswith(": version 1.\n")
    missing = mltrack("models", "approve", "9", code=1)
    assert missing.stderr.splitlines() == [
        "Error: Transition request '9' does not exist. List requests with list_transition_requests()."
    ]
