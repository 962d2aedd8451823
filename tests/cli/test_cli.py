"""`mltrack` experiments and runs commands, output formats and error translation (click's CliRunner).

Every test tracks into its own MLTRACK_HOME; runs are made through the public Python API, so these
tests also check that the CLI and the Python API agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import jupyter_mltrack as mlt
from jupyter_mltrack.cli.main import cli
from jupyter_mltrack.cli.runs import MAX_DATA_COLUMNS
from jupyter_mltrack.entities import as_dict
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


def run_cli(*args: str, code: int = 0, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    if code == 0:
        assert result.exception is None
    return result


def one_line_error(*args: str, code: int = 1) -> str:
    """Run a failing command; check it printed exactly one `Error: ...` line and no traceback."""
    result = run_cli(*args, code=code)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def strict_json(text: str) -> Any:
    """Parse JSON, refusing the NaN/Infinity tokens that are not JSON."""
    def refuse(token: str) -> Any:
        raise AssertionError(f"invalid JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def plain(entity: Any) -> Any:
    """An entity as JSON would carry it (tuples become lists); finite values only."""
    return json.loads(json.dumps(as_dict(entity)))


def make_runs() -> dict[str, str]:
    """Three finished runs in 'exp-a', one in 'exp-b'; returns run name -> id."""
    ids = {}
    mlt.set_experiment("exp-a")
    for i, (model, acc) in enumerate([("rf", 0.7), ("svm", 0.9), ("rf", 0.8)]):
        with mlt.start_run(run_name=f"a{i}") as run:
            mlt.log_params({"model": model, "depth": i})
            mlt.log_metric("acc", acc)
            mlt.log_text("hello", "notes/readme.txt")
        ids[f"a{i}"] = run.info.run_id
    mlt.set_experiment("exp-b")
    with mlt.start_run(run_name="b0") as run:
        mlt.log_metric("acc", 0.5)
    ids["b0"] = run.info.run_id
    return ids


# ----------------------------------------------------------------------------------- basics
def test_version_and_help() -> None:
    assert run_cli("--version").stdout.strip() == f"mltrack {mlt.__version__}"
    help_text = run_cli("--help").stdout
    for command in ("experiments", "runs", "db", "gc", "doctor"):
        assert command in help_text
    assert "MLTRACK_TRACKING_URI" in help_text


@pytest.mark.parametrize("args", [[], ["runs"], ["experiments"], ["db"]])
def test_a_group_without_a_command_shows_its_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 2)  # click >= 8.2 exits 2, like any usage error
    assert f"Usage: mltrack {' '.join(args)}".rstrip() in result.output and "Commands:" in result.output
    assert "Error" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--bogus"], "No such option '--bogus'"),
        (["runs", "lis"], "No such command 'lis'"),
        (["runs", "show"], "Missing argument 'RUN_ID'"),
        (["runs", "list", "--view", "gone"], "Invalid value for '--view'"),
        (["runs", "list", "--max", "0"], "Invalid value for '--max'"),
        (["runs", "delete"], "Missing argument 'RUN_ID...'"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], expected: str) -> None:
    line = one_line_error(*args, code=2)
    assert expected in line and "--help" in line


# ------------------------------------------------------------------------------ experiments
def test_experiments_create_list_delete_restore(home: Path) -> None:
    assert run_cli("experiments", "list").stdout.strip() == "No experiments found."
    assert run_cli("experiments", "create", "alpha").stdout.strip() == "Created experiment 'alpha' with id 1."
    custom = home.parent / "elsewhere"
    run_cli("experiments", "create", "beta", "--artifact-location", str(custom))
    table = run_cli("experiments", "list").stdout.splitlines()
    assert table[0].split() == ["id", "name", "stage", "created", "artifact_location"]
    assert [line.split()[1] for line in table[1:]] == ["alpha", "beta"]
    listed = strict_json(run_cli("experiments", "list", "--json").stdout)
    assert [e["name"] for e in listed] == ["alpha", "beta"]
    assert listed[1]["artifact_location"] == str(custom)
    assert listed == [plain(e) for e in mlt.search_experiments()]  # the CLI and the API agree

    # a run of the experiment made with --artifact-location keeps its files there
    mlt.set_experiment("beta")
    with mlt.start_run() as run:
        mlt.log_text("x", "x.txt")
    assert (custom / run.info.run_id / "artifacts" / "x.txt").is_file()

    assert run_cli("experiments", "delete", "alpha").stdout.strip() == "Deleted experiment 1 ('alpha')."
    assert "Already deleted" in run_cli("experiments", "delete", "1").stdout
    assert [e["name"] for e in strict_json(run_cli("experiments", "list", "--json").stdout)] == ["beta"]
    assert [e["name"] for e in strict_json(run_cli("experiments", "list", "--view", "deleted", "--json").stdout)] == [
        "alpha"
    ]
    all_view = run_cli("experiments", "list", "--view", "ALL").stdout
    assert "alpha  deleted" in all_view and "beta   active" in all_view
    assert run_cli("experiments", "restore", "1").stdout.strip() == "Restored experiment 1 ('alpha')."
    assert "Already active" in run_cli("experiments", "restore", "alpha").stdout
    assert mlt.get_experiment_by_name("alpha").lifecycle_stage == "active"


def test_experiment_id_or_name_resolution() -> None:
    run_cli("experiments", "create", "first")  # id 1
    run_cli("experiments", "create", "1")  # a name that looks like an id: id 2
    # an all-digit argument is an id first, then a name
    assert "experiment 1 ('first')" in run_cli("experiments", "delete", "1").stdout
    run_cli("experiments", "create", "77")
    assert "experiment 3 ('77')" in run_cli("experiments", "delete", "77").stdout


def test_experiment_errors_are_one_line() -> None:
    line = one_line_error("experiments", "delete", "missing")
    assert "Experiment 'missing' does not exist" in line
    assert "does not exist" in one_line_error("experiments", "restore", "424242")
    run_cli("experiments", "create", "dup")
    assert "already exists" in one_line_error("experiments", "create", "dup")
    assert "does not exist" in one_line_error("runs", "list", "--experiment", "missing")


# ------------------------------------------------------------------------------------- runs
def test_runs_list_table() -> None:
    ids = make_runs()
    lines = run_cli("runs", "list").stdout.splitlines()
    header = lines[0].split()
    assert header == ["run_id", "exp", "name", "status", "start_time", "metrics.acc", "params.depth", "params.model"]
    assert len(lines) == 5
    assert {line.split()[0] for line in lines[1:]} == set(ids.values())
    row = next(line for line in lines if line.startswith(ids["a1"]))
    assert row.split()[1:4] == ["1", "a1", "FINISHED"] and row.split()[-3:] == ["0.9", "1", "svm"]

    only_a = run_cli("runs", "list", "-e", "exp-a").stdout.splitlines()
    assert only_a[0].split()[:4] == ["run_id", "name", "status", "start_time"]  # one experiment: no exp column
    assert len(only_a) == 4


def test_runs_list_json_filter_order_max_and_experiments() -> None:
    ids = make_runs()

    def listed(*args: str) -> list[str]:
        return [r["info"]["run_name"] for r in strict_json(run_cli("runs", "list", "--json", *args).stdout)]

    assert listed("-e", "exp-a", "--order-by", "metrics.acc DESC") == ["a1", "a2", "a0"]
    assert listed("-e", "exp-a", "-o", "params.model ASC", "-o", "metrics.acc ASC") == ["a0", "a2", "a1"]
    assert listed("--filter", "metrics.acc > 0.75", "-o", "metrics.acc") == ["a2", "a1"]
    assert listed("-f", "params.model = 'rf'", "-o", "metrics.acc DESC") == ["a2", "a0"]
    assert listed("-e", "exp-a", "-o", "metrics.acc DESC", "--max", "2") == ["a1", "a2"]
    capped = run_cli("runs", "list", "-e", "exp-a", "--max", "2")
    assert len(capped.stdout.splitlines()) == 3 and "Stopped at --max 2" in capped.stderr
    assert "Stopped" not in run_cli("runs", "list", "-e", "exp-a", "--max", "4").stderr
    experiment_b = mlt.get_experiment_by_name("exp-b").experiment_id
    both = listed("--experiment", experiment_b, "--experiment", "exp-a", "-o", "metrics.acc")
    assert both == ["b0", "a0", "a2", "a1"]
    assert listed("-f", "metrics.acc > 5") == []
    assert run_cli("runs", "list", "-f", "metrics.acc > 5").stdout.strip() == "No runs found."

    # the same runs, in the same shape, as the Python API returns
    from_cli = strict_json(run_cli("runs", "list", "--json", "-e", "exp-a", "-o", "metrics.acc").stdout)
    from_api = mlt.search_runs(experiment_names=["exp-a"], order_by=["metrics.acc"], output_format="list")
    assert from_cli == [plain(r) for r in from_api]
    assert {r["info"]["run_id"] for r in from_cli} == {ids["a0"], ids["a1"], ids["a2"]}


@pytest.mark.parametrize(
    ("option", "text", "position", "near"),
    [
        ("--filter", "metrics.acc >> 0.9", 13, "> 0.9"),
        ("--filter", "metrics.acc > 0.9 and colour = 'red'", 22, "colour = 'red'"),
        ("--order-by", "metrics.acc sideways", 12, "sideways"),
    ],
)
def test_invalid_filter_points_at_token(option: str, text: str, position: int, near: str) -> None:
    make_runs()
    line = one_line_error("runs", "list", option, text)
    assert f"Invalid search filter at position {position} (near {near!r})" in line


def test_runs_list_nan_and_inf_stay_valid_json() -> None:
    mlt.set_experiment("odd")
    with mlt.start_run(run_name="odd"):
        mlt.log_metrics({"nan": float("nan"), "up": float("inf"), "down": float("-inf"), "ok": 1.5})
    (run,) = strict_json(run_cli("runs", "list", "--json", "-e", "odd").stdout)
    assert run["data"]["metrics"] == {"nan": "NaN", "up": "Infinity", "down": "-Infinity", "ok": 1.5}
    assert float(run["data"]["metrics"]["up"]) == float("inf")  # the strings read back with float()
    table = run_cli("runs", "list", "-e", "odd").stdout
    assert table.splitlines()[1].split()[-4:] == ["-inf", "nan", "1.5", "inf"]


def test_runs_list_truncates_long_values() -> None:
    long_value = "word " * 40 + "end"
    mlt.set_experiment("long")
    with mlt.start_run(run_name="long"):
        mlt.log_param("text", long_value)
    lines = run_cli("runs", "list", "-e", "long").stdout.splitlines()
    cell = lines[1].split("  ")[-1]
    assert cell.endswith("...") and len(cell) == 40 and long_value.startswith(cell[:-3])
    (run,) = strict_json(run_cli("runs", "list", "--json", "-e", "long").stdout)
    assert run["data"]["params"]["text"] == long_value


def test_runs_list_caps_metric_and_param_columns() -> None:
    mlt.set_experiment("wide")
    with mlt.start_run(run_name="wide"):
        mlt.log_param("p", "1")
        mlt.log_metrics({f"m{i:02d}": float(i) for i in range(MAX_DATA_COLUMNS + 3)})
    result = run_cli("runs", "list", "-e", "wide")
    header = result.stdout.splitlines()[0].split()
    assert header[4:] == [f"metrics.m{i:02d}" for i in range(MAX_DATA_COLUMNS)]
    assert result.stderr.strip() == "(4 more metric/param columns not shown; use --json to see them all.)"
    run = strict_json(run_cli("runs", "list", "--json", "-e", "wide").stdout)[0]
    assert len(run["data"]["metrics"]) == MAX_DATA_COLUMNS + 3 and run["data"]["params"] == {"p": "1"}


def test_runs_list_view_shows_stage() -> None:
    ids = make_runs()
    mlt.delete_run(ids["a0"])
    default = strict_json(run_cli("runs", "list", "--json").stdout)
    assert ids["a0"] not in {r["info"]["run_id"] for r in default}
    deleted = strict_json(run_cli("runs", "list", "--json", "--view", "deleted").stdout)
    assert [r["info"]["run_id"] for r in deleted] == [ids["a0"]]
    table = run_cli("runs", "list", "--view", "all", "-e", "exp-a").stdout.splitlines()
    assert table[0].split()[3] == "stage"
    stage_of = {line.split()[0]: line.split()[3] for line in table[1:]}
    assert stage_of == {ids["a0"]: "deleted", ids["a1"]: "active", ids["a2"]: "active"}


def test_runs_show_text_and_json() -> None:
    mlt.set_experiment("show")
    with mlt.start_run(run_name="shown") as run:
        mlt.log_params({"lr": 0.01, "model": "rf"})
        mlt.log_metric("acc", 0.93)
        mlt.set_tag("team", "vision")
        mlt.log_input(pd.DataFrame({"x": [1, 2, 3]}), context="training", name="train-set")
    run_id = run.info.run_id
    text = run_cli("runs", "show", run_id).stdout
    assert text.startswith(f"Run {run_id}\n")
    for expected in ("name:", "shown", "FINISHED", "Params:", "lr", "0.01", "Metrics:", "0.93", "Tags:", "team",
                     "vision", "Inputs:", "train-set", "training"):
        assert expected in text
    shown = strict_json(run_cli("runs", "show", run_id, "--json").stdout)
    assert shown == plain(mlt.get_run(run_id))
    assert shown["inputs"]["dataset_inputs"][0]["dataset"]["name"] == "train-set"
    assert shown["data"]["params"] == {"lr": "0.01", "model": "rf"}


def test_unknown_run_is_one_line_error() -> None:
    assert "Run 'feedbeef' does not exist" in one_line_error("runs", "show", "feedbeef")
    assert "Run 'feedbeef' does not exist" in one_line_error("runs", "show", "feedbeef", "--json")
    assert "does not exist" in one_line_error("runs", "delete", "feedbeef")
    assert "does not exist" in one_line_error("runs", "restore", "feedbeef")


def test_runs_delete_and_restore() -> None:
    ids = make_runs()
    out = run_cli("runs", "delete", ids["a0"], ids["a1"]).stdout.splitlines()
    assert out == [f"Deleted run {ids['a0']}.", f"Deleted run {ids['a1']}."]
    assert mlt.get_run(ids["a0"]).info.lifecycle_stage == "deleted"
    assert run_cli("runs", "delete", ids["a0"]).stdout.strip() == f"Run {ids['a0']} was already deleted."
    # every id is checked before anything changes
    assert "does not exist" in one_line_error("runs", "restore", ids["a0"], "no-such-run")
    assert mlt.get_run(ids["a0"]).info.lifecycle_stage == "deleted"
    out = run_cli("runs", "restore", ids["a0"], ids["a1"], ids["a2"]).stdout.splitlines()
    assert out == [f"Restored run {ids['a0']}.", f"Restored run {ids['a1']}.", f"Run {ids['a2']} was not deleted."]
    assert {mlt.get_run(i).info.lifecycle_stage for i in ids.values()} == {"active"}


def test_tracking_uri_option_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.db"
    run_cli("--tracking-uri", f"sqlite:///{other}", "experiments", "create", "there")
    assert other.is_file()
    assert run_cli("experiments", "list").stdout.strip() == "No experiments found."  # the default store
    monkeypatch.setenv("MLTRACK_TRACKING_URI", str(other))
    assert "there" in run_cli("experiments", "list").stdout
    report = strict_json(run_cli("doctor", "--json").stdout)
    assert report["tracking_uri"] == {"value": f"sqlite:///{other}", "source": "MLTRACK_TRACKING_URI"}
    report = strict_json(run_cli("--tracking-uri", str(tmp_path / "x.db"), "doctor", "--json").stdout)
    assert report["tracking_uri"]["source"] == "argument"
