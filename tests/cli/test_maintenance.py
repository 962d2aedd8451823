"""`mltrack gc`, `mltrack db` and `mltrack doctor`, and the maintenance service behind them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import jupyter_mltrack as mlt
from jupyter_mltrack.cli.main import cli
from jupyter_mltrack.errors import InvalidParameterError, InvalidStateError, RunNotFoundError
from jupyter_mltrack.store.sql.admin import upgrade_database
from jupyter_mltrack.store.sql.schema import HEAD_REVISION
from jupyter_mltrack.tracking import maintenance, stores


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
    return result


def one_line_error(*args: str, code: int = 1, stdin: str | None = None) -> str:
    result = run_cli(*args, code=code, stdin=stdin)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def make_runs(n: int = 3, experiment: str = "gc") -> list[str]:
    mlt.set_experiment(experiment)
    ids = []
    for i in range(n):
        with mlt.start_run(run_name=f"r{i}") as run:
            mlt.log_param("i", i)
            mlt.log_metric("acc", i / 10)
            mlt.log_text(f"run {i}", "notes/readme.txt")
        ids.append(run.info.run_id)
    return ids


def run_folder(run_id: str) -> Path:
    """<experiment artifact root>/<run id>: everything gc should remove for a run."""
    return Path(mlt.get_run(run_id).info.artifact_uri).parent


def stage(run_id: str) -> str | None:
    try:
        return mlt.get_run(run_id).info.lifecycle_stage
    except RunNotFoundError:
        return None


def backdate_deletion(db: Path, run_id: str, days: float) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET deleted_time = deleted_time - ? WHERE run_uuid = ?",
                     (int(days * 86400 * 1000), run_id))


# ---------------------------------------------------------------------------------------- gc
def test_gc_removes_rows_and_artifacts_of_deleted_runs_only(tracking_uri: str) -> None:
    """On every backend: deleted runs lose rows and folders; live runs keep both."""
    live, gone1, gone2 = make_runs()
    folders = {run_id: run_folder(run_id) for run_id in (live, gone1, gone2)}
    assert all((f / "artifacts" / "notes" / "readme.txt").is_file() for f in folders.values())
    run_cli("--tracking-uri", tracking_uri, "runs", "delete", gone1, gone2)

    out = run_cli("--tracking-uri", tracking_uri, "gc", "--yes").stdout.splitlines()
    assert sorted(out[:2]) == sorted([f"Purged run {gone1}.", f"Purged run {gone2}."])
    assert out[2] == "Purged 2 runs, artifacts included."
    for run_id in (gone1, gone2):
        assert stage(run_id) is None
        assert not folders[run_id].exists()
        assert "does not exist" in one_line_error("--tracking-uri", tracking_uri, "runs", "show", run_id)
    assert folders[live].parent.is_dir()  # the experiment's folder stays
    assert (folders[live] / "artifacts" / "notes" / "readme.txt").read_text() == "run 0"
    kept = mlt.get_run(live)
    assert kept.info.lifecycle_stage == "active"
    assert kept.data.params == {"i": "0"} and kept.data.metrics == {"acc": 0.0}
    listed = json.loads(run_cli("--tracking-uri", tracking_uri, "runs", "list", "--view", "all", "--json").stdout)
    assert [r["info"]["run_id"] for r in listed] == [live]
    again = run_cli("--tracking-uri", tracking_uri, "gc", "--yes").stdout.strip()
    assert again == "Nothing to collect: no deleted runs match."


def test_gc_run_ids_must_be_deleted_runs() -> None:
    live, gone1, gone2 = make_runs()
    mlt.delete_run(gone1)
    mlt.delete_run(gone2)
    line = one_line_error("gc", "--yes", "--run-id", gone2, "--run-id", live)
    assert f"Run {live} is not deleted" in line and "mltrack runs delete" in line
    assert "Run 'nope' does not exist" in one_line_error("gc", "--yes", "--run-id", "nope")
    assert stage(gone2) == "deleted" and run_folder(gone2).exists()  # checked before anything was removed

    assert run_cli("gc", "--yes", "--run-id", gone1).stdout.splitlines()[0] == f"Purged run {gone1}."
    assert stage(gone1) is None and stage(gone2) == "deleted" and stage(live) == "active"
    assert run_folder(gone2).exists() and run_folder(live).exists()


def test_gc_older_than(home: Path) -> None:
    old, recent, live = make_runs()
    mlt.delete_run(old)
    mlt.delete_run(recent)
    assert "Nothing to collect" in run_cli("gc", "--yes", "--older-than", "1h").stdout
    backdate_deletion(home / "mltrack.db", old, days=2)
    assert "Nothing to collect" in run_cli("gc", "--yes", "--older-than", "3d").stdout
    out = run_cli("gc", "--yes", "--older-than", "1d").stdout
    assert out.splitlines()[0] == f"Purged run {old}." and "Purged 1 run, artifacts included." in out
    assert stage(old) is None and stage(recent) == "deleted" and stage(live) == "active"
    # --run-id and --older-than together: the given run, only if it is old enough
    assert "Nothing to collect" in run_cli("gc", "--yes", "--run-id", recent, "--older-than", "90m").stdout
    assert stage(recent) == "deleted"
    assert f"Purged run {recent}." in run_cli("gc", "--yes", "--run-id", recent, "--older-than", "0s").stdout


def test_deleting_again_keeps_the_deletion_time(home: Path) -> None:
    (run_id,) = make_runs(1)
    mlt.delete_run(run_id)
    backdate_deletion(home / "mltrack.db", run_id, days=10)
    assert "already deleted" in run_cli("runs", "delete", run_id).stdout
    assert f"Purged run {run_id}." in run_cli("gc", "--yes", "--older-than", "9d").stdout


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30d", 30 * 86400), ("12h", 43200), ("90m", 5400), ("3600s", 3600), ("2w", 14 * 86400), ("45", 45),
     ("1.5h", 5400), (" 2D ", 172800)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert maintenance.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["3x", "d", "", "-1d", "1 day", "1e3s", "12h30m"])
def test_older_than_bad_input_is_one_line_usage_error(text: str) -> None:
    with pytest.raises(InvalidParameterError, match="30d, 12h, 90m, 3600s"):
        maintenance.parse_duration(text)
    line = one_line_error("gc", "--yes", "--older-than", text, code=2)
    assert "Invalid value for '--older-than'" in line and "Cannot read the duration" in line


def test_gc_refuses_without_yes_when_not_interactive() -> None:
    (live, gone) = make_runs(2)
    mlt.delete_run(gone)
    for stdin in (None, "y\n"):  # CliRunner's stdin is not a terminal, whatever it holds
        line = one_line_error("gc", stdin=stdin)
        assert "stdin is not a terminal" in line and "--yes" in line
    assert stage(gone) == "deleted" and run_folder(gone).exists() and stage(live) == "active"


def test_gc_rerun_finishes_after_a_crash_between_artifacts_and_rows() -> None:
    live, gone = make_runs(2)
    mlt.delete_run(gone)
    folder = run_folder(gone)
    import shutil

    shutil.rmtree(folder)  # as if a collection died after deleting the artifacts, before the rows
    assert stage(gone) == "deleted"  # the row is still there, but no search shows it
    assert gone not in {r.info.run_id for r in mlt.search_runs(search_all_experiments=True, output_format="list")}
    assert f"Purged run {gone}." in run_cli("gc", "--yes").stdout
    assert stage(gone) is None and stage(live) == "active"


def test_garbage_collect_service_confirm_callback() -> None:
    live, gone = make_runs(2)
    mlt.delete_run(gone)
    seen: list[list[str]] = []

    def decline(ids: list[str]) -> bool:
        seen.append(ids)
        return False

    assert maintenance.garbage_collect(confirm=decline) == []
    assert seen == [[gone]] and stage(gone) == "deleted"
    assert maintenance.garbage_collect(confirm=lambda ids: True) == [gone]
    assert maintenance.garbage_collect(confirm=decline) == [] and seen == [[gone]]  # nothing to ask about
    with pytest.raises(InvalidStateError, match="not deleted"):
        maintenance.garbage_collect(run_ids=[live])
    with pytest.raises(InvalidParameterError, match="negative"):
        maintenance.garbage_collect(older_than_seconds=-1)


# ---------------------------------------------------------------------------------------- db
def outdated_store(home: Path) -> str:
    uri = f"sqlite:///{home / 'mltrack.db'}"
    assert upgrade_database(uri, "0001") == (None, "0001")
    return uri


def test_db_current_and_upgrade_on_an_outdated_database(home: Path) -> None:
    uri = outdated_store(home)
    current = run_cli("db", "current").stdout.splitlines()
    assert current == [f"database: {uri}", "revision: 0001", f"head:     {HEAD_REVISION}",
                       "Upgrade needed: back up the database, then run `mltrack db upgrade`."]
    for args in (["runs", "list"], ["experiments", "list"], ["experiments", "create", "x"], ["runs", "show", "abc"],
                 ["gc", "--yes"]):
        line = one_line_error(*args)
        assert "schema revision 0001" in line and "`mltrack db upgrade`" in line
    report = json.loads(run_cli("doctor", "--json", code=1).stdout)
    assert report["schema"] == {"revision": "0001", "head": HEAD_REVISION}
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["schema"]
    assert report["counts"] == {"experiments": {"active": 0, "deleted": 0}, "runs": {"active": 0, "deleted": 0}}

    upgraded = run_cli("db", "upgrade").stdout.strip()
    assert upgraded == f"Upgraded {uri} from revision 0001 to {HEAD_REVISION}."
    assert run_cli("db", "current").stdout.splitlines()[-1] == "Up to date: no upgrade needed."
    assert "nothing to do" in run_cli("db", "upgrade").stdout
    run_cli("experiments", "create", "after-upgrade")
    mlt.set_experiment("after-upgrade")
    with mlt.start_run():
        mlt.log_metric("m", 1.0)
    assert len(json.loads(run_cli("runs", "list", "--json").stdout)) == 1
    assert run_cli("doctor").exit_code == 0


def test_db_current_and_upgrade_on_an_empty_database() -> None:
    current = run_cli("db", "current").stdout.splitlines()
    assert current[1] == "revision: none (empty database)" and current[-1].startswith("No schema yet")
    assert run_cli("db", "upgrade").stdout.strip().endswith(f"from revision none (empty) to {HEAD_REVISION}.")
    assert maintenance.current_revision().revision == HEAD_REVISION


# ------------------------------------------------------------------------------------ doctor
def checks(report: dict[str, Any]) -> dict[str, bool]:
    return {c["name"]: c["ok"] for c in report["checks"]}


def test_doctor_on_a_healthy_store(home: Path) -> None:
    _, gone = make_runs(2)
    mlt.delete_run(gone)
    report = json.loads(run_cli("doctor", "--json").stdout)
    assert report["ok"] is True and report["version"] == mlt.__version__
    assert checks(report) == {"database connection": True, "schema": True, "database writable": True,
                              "contents": True, "artifact root writable": True}
    assert report["tracking_uri"] == {"value": f"sqlite:///{home / 'mltrack.db'}",
                                      "source": "default (under MLTRACK_HOME)"}
    assert report["artifact_root"] == {"value": str(home / "artifacts"),
                                       "source": "default (beside the SQLite database)"}
    assert report["database_kind"] == "sqlite"
    assert report["schema"] == {"revision": HEAD_REVISION, "head": HEAD_REVISION}
    assert report["counts"] == {"experiments": {"active": 1, "deleted": 0}, "runs": {"active": 1, "deleted": 1}}
    assert not [p for p in (home / "artifacts").iterdir() if p.name.startswith(".mltrack-doctor")]  # probe removed

    text = run_cli("doctor").stdout
    assert "runs:" in text and "1 active, 1 deleted" in text
    assert text.count("[ok]") == 5 and "[FAILED]" not in text and text.rstrip().endswith("All checks passed.")


def test_doctor_names_set_tracking_uri_as_the_source(tmp_path: Path) -> None:
    stores.set_tracking_uri(tmp_path / "api.db")  # the fixture resets it
    report = maintenance.doctor()
    assert report["tracking_uri"] == {"value": f"sqlite:///{tmp_path / 'api.db'}", "source": "set_tracking_uri()"}
    assert report["artifact_root"]["value"] == str(tmp_path / "artifacts") and report["ok"] is True


def test_doctor_on_an_empty_store_reports_no_schema_yet() -> None:
    report = json.loads(run_cli("doctor", "--json").stdout)
    assert report["ok"] is True and report["counts"] is None
    assert report["schema"] == {"revision": None, "head": HEAD_REVISION}


def test_doctor_fails_on_an_unwritable_artifact_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_runs(1)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLTRACK_ARTIFACT_ROOT", str(blocker / "artifacts"))
    result = run_cli("doctor", "--json", code=1)
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["artifact_root"] == {"value": str(blocker / "artifacts"), "source": "MLTRACK_ARTIFACT_ROOT"}
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["artifact root writable"] and "existing file" in failed[0]["message"]
    text = run_cli("doctor", code=1).stdout
    assert "[FAILED] artifact root writable:" in text and text.rstrip().endswith("Some checks failed.")


def test_doctor_fails_on_a_read_only_database(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_runs(1)
    monkeypatch.setenv("MLTRACK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    read_only = f"sqlite:///file:{home / 'mltrack.db'}?mode=ro&uri=true"
    report = json.loads(run_cli("--tracking-uri", read_only, "doctor", "--json", code=1).stdout)
    failed = {c["name"]: c["message"] for c in report["checks"] if not c["ok"]}
    assert list(failed) == ["database writable"] and "readonly database" in failed["database writable"]
    assert "[SQL:" not in failed["database writable"]
    assert report["counts"]["runs"] == {"active": 1, "deleted": 0}


def test_doctor_never_shows_the_database_password() -> None:
    uri = "postgresql://postgres:hunter2-secret@127.0.0.1:5432/mltrack_no_such_database"
    result = run_cli("--tracking-uri", uri, "doctor", code=1)
    assert "hunter2-secret" not in result.output
    report = json.loads(run_cli("--tracking-uri", uri, "doctor", "--json", code=1).stdout)
    assert report["tracking_uri"]["value"] == "postgresql://postgres:***@127.0.0.1:5432/mltrack_no_such_database"
    assert report["database_kind"] == "postgresql"
    assert checks(report) == {"database connection": False, "artifact root writable": True}
