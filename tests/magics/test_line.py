"""``%mltrack`` subcommands in a real shell: each one, its help, and its bad-argument errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.magics.charts import PLOTLY_MIME
from tests.magics.shellkit import Cell, Shell, runs


def usage_error(cell: Cell) -> str:
    """The single UsageError line a bad command printed (and nothing else went wrong)."""
    assert type(cell.error).__name__ == "UsageError", (cell.stdout, cell.stderr)
    lines = cell.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: "), cell.stderr
    assert "Traceback" not in cell.stdout
    return lines[0]


def track_three(shell: Shell) -> list[mlt.Run]:
    shell.run("import jupyter_mltrack as mlt")
    for name, depth, acc in (("shallow", 2, 0.71), ("medium", 6, 0.88), ("deep", 12, 0.93)):
        cell = shell.run(
            f"%%track {name}\ndepth = {depth}\ncriterion = 'gini'\n"
            f"for step in range(3):\n    mlt.log_metric('loss', 1 / (step + {depth}), step=step)\naccuracy = {acc}\n"
        )
        assert cell.error is None, cell.stderr
    return runs()


# ------------------------------------------------------------------------------------------ help
def test_bare_and_help_list_every_subcommand(shell: Shell) -> None:
    overview = shell.run("%mltrack").stdout
    for name in ("autolog", "experiment", "uri", "runs", "show", "compare", "log", "status"):
        assert f"%mltrack {name}" in overview
    assert shell.run("%mltrack help").stdout == overview
    doc = shell.ip.find_line_magic("mltrack").__doc__
    assert "%mltrack compare" in doc and "--order-by" in doc  # what %mltrack? shows
    assert "--live" in shell.ip.find_cell_magic("track").__doc__


@pytest.mark.parametrize("line", ["help runs", "runs -h", "runs --help"])
def test_subcommand_help(shell: Shell, line: str) -> None:
    cell = shell.run(f"%mltrack {line}")
    assert cell.error is None
    assert "usage: %mltrack runs" in cell.stdout and "--filter" in cell.stdout


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("nope", "unknown subcommand 'nope'"),
        ("help nope", "no subcommand 'nope'"),
        ("runs --bogus", "unrecognized arguments"),
        ("runs -n 0", "positive whole number"),
        ("runs -n x", "positive whole number"),
        ("runs --filter 'metrics.acc >'", "Invalid search filter"),
        ("runs -e missing-experiment", "missing-experiment"),
        ("show", "required: RUN_ID"),
        ("show 0000000000000000deadbeef", "no run has the id"),
        ("compare", "two or more runs"),
        ("compare --last 2", "fewer than two runs"),
        ("log", "required: KEY=VALUE"),
        ("log novalue", "KEY=VALUE"),
        ("log acc=0.9", "no run to log into"),
        ("autolog", "required: state"),
        ("autolog maybe", "invalid choice"),
        ("autolog on notaframework", "notaframework"),
        ("experiment a b", "unrecognized arguments"),
        ("uri nosuch://host/db", "nosuch"),
        ("status extra", "unrecognized arguments"),
        ("runs 'unbalanced", "cannot parse"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(shell: Shell, line: str, fragment: str) -> None:
    before = mlt.get_tracking_uri()
    message = usage_error(shell.run(f"%mltrack {line}"))
    assert fragment in message
    assert runs() == [] and mlt.active_run() is None
    assert mlt.get_tracking_uri() == before
    assert [e.name for e in mlt.search_experiments()] in ([], ["Default"])


# -------------------------------------------------------------------------------------- commands
def test_runs_is_a_table_of_the_same_runs_search_runs_finds(shell: Shell) -> None:
    track_three(shell)
    cell = shell.run('table = %mltrack runs --filter "metrics.accuracy > 0.8" --order-by "metrics.accuracy DESC"')
    assert cell.error is None, cell.stderr
    table = shell.ns["table"]
    expected = mlt.search_runs(
        filter_string="metrics.accuracy > 0.8", order_by=["metrics.accuracy DESC"], output_format="list"
    )
    assert [r.info.run_id for r in table.runs] == [r.info.run_id for r in expected]
    assert [r.info.run_name for r in table.runs] == ["deep", "medium"]
    html = table._repr_html_()
    assert "deep" in html and "accuracy" in html and "depth" in html
    assert len(shell.ns["table"].runs) == 2
    limited = shell.run("%mltrack runs -n 1").stdout
    assert "1 run(s)" in limited


def test_show_by_id_and_by_prefix(shell: Shell) -> None:
    deep = next(r for r in track_three(shell) if r.info.run_name == "deep")
    for ref in (deep.info.run_id, deep.info.run_id[:8]):
        cell = shell.run(f"%mltrack show {ref}")
        assert cell.error is None, cell.stderr
        assert deep.info.run_id in cell.stdout
    card = shell.run(f"card = %mltrack show {deep.info.run_id[:8]}")
    html = shell.ns["card"]._repr_html_()
    assert card.error is None and "criterion" in html and "loss" in html
    assert "%%track deep" in html  # the cell's source, in full view


def test_compare_ids_and_last(shell: Shell) -> None:
    found = track_three(shell)
    ids = " ".join(r.info.run_id for r in found[:2])
    cell = shell.run(f"comparison = %mltrack compare {ids}")
    assert cell.error is None, cell.stderr
    comparison = shell.ns["comparison"]
    differ, same = comparison.param_diff()
    assert differ == ["depth"] and same == ["criterion"]
    charts = comparison.charts()
    loss = charts[0].figure
    assert loss.layout.title.text == "loss" and len(loss.data) == 2
    assert all(len(trace.x) == 3 for trace in loss.data)
    bars = charts[-1].figure
    assert list(bars.data[0].x) == ["accuracy"]
    shown = shell.run("%mltrack compare --last 3")
    assert shown.error is None
    assert "Comparing 3 runs" in shown.html()[0]
    assert len(shown.mimetype(PLOTLY_MIME)) == 2  # the loss lines and the accuracy bars


def test_log_into_the_active_run_then_into_the_last_run(shell: Shell) -> None:
    shell.run("import jupyter_mltrack as mlt\nactive = mlt.start_run(run_name='manual')")
    cell = shell.run("%mltrack log acc=0.91 model=rf params.seed=42 metrics.loss=0.3 'tags.note=first try'")
    assert cell.error is None, cell.stderr
    shell.run("mlt.end_run()")
    manual = mlt.get_run(shell.ns["active"].info.run_id)
    assert manual.data.metrics == {"acc": 0.91, "loss": 0.3}
    assert manual.data.params == {"model": "rf", "seed": "42"}
    assert manual.data.tags["note"] == "first try"
    shell.run("%%track later\nx = 1\n")
    shell.run("%mltrack log f1=0.5")
    later = next(r for r in runs() if r.info.run_name == "later")
    assert later.data.metrics["f1"] == 0.5


def test_log_checks_every_pair_before_writing(shell: Shell) -> None:
    shell.run("%%track\nx = 1\n")
    usage_error(shell.run("%mltrack log good=1 metrics.bad=abc"))
    assert "good" not in runs()[0].data.metrics


def test_experiment_show_and_set(shell: Shell) -> None:
    assert "Active experiment: Default (id 0)" in shell.run("%mltrack experiment").stdout
    cell = shell.run("%mltrack experiment churn")
    assert "Active experiment: churn" in cell.stdout
    shell.run("%%track\nx = 1\n")
    assert runs()[0].info.experiment_id == mlt.get_experiment_by_name("churn").experiment_id
    mlt.delete_experiment(mlt.get_experiment_by_name("churn").experiment_id)
    assert "deleted" in usage_error(shell.run("%mltrack experiment churn"))


def test_uri_show_and_set(shell: Shell, tmp_path: Path) -> None:
    assert "Tracking URI: sqlite:///" in shell.run("%mltrack uri").stdout
    other = tmp_path / "other.db"
    cell = shell.run(f"%mltrack uri {other}")
    assert cell.error is None, cell.stderr
    assert mlt.get_tracking_uri() == f"sqlite:///{other}"
    shell.run("%%track on-other\nx = 1\n")
    assert [r.info.run_name for r in runs()] == ["on-other"]


def test_uri_hides_passwords() -> None:
    from jupyter_mltrack.magics.commands.settings import redact

    assert redact("postgresql://me:s3cret@db/x") == "postgresql://me:***@db/x"


def test_status(shell: Shell) -> None:
    shell.run("%%track\nx = 1\n")
    cell = shell.run("status = %mltrack status")
    fields = shell.ns["status"].fields
    assert fields["experiment"] == "Default (id 0)"
    assert fields["active run"] == "none"
    assert fields["last cell run"] == runs()[0].info.run_id
    assert fields["autolog"] in ("off", "not available in this version")
    assert cell.error is None


def test_autolog_on_and_off(shell: Shell) -> None:
    cell = shell.run("%mltrack autolog on sklearn --no-models")
    assert cell.error is None, cell.stderr
    try:
        assert shell.run("s = %mltrack status") and shell.ns["s"].fields["autolog"] == "on: sklearn"
        shell.run(
            "from sklearn.linear_model import LinearRegression\nimport numpy as np\n"
            "X = np.arange(8.0).reshape(4, 2)\ny = np.arange(4.0)\n"
        )
        shell.run("%%track fit-cell\nmodel = LinearRegression().fit(X, y)\n")
        run = runs()[0]
        assert run.data.params["fit_intercept"] == "True"  # autolog's params in the tracked cell's run
    finally:
        shell.run("%mltrack autolog off")
    assert shell.run("s = %mltrack status") and shell.ns["s"].fields["autolog"] == "off"


def test_html_escaping_in_tables_show_and_compare(shell: Shell) -> None:
    hostile = "<script>alert(1)</script>"
    shell.run(f"%%track '{hostile}' -t 'note=<img src=x onerror=alert(2)>'\nkind = '<b>x</b>'\nacc = 0.5\n")
    shell.run("%%track plain\nkind = 'y'\nacc = 0.6\n")
    shell.run("t = %mltrack runs")
    shell.run("c = %mltrack compare --last 2")
    shell.run("s = %mltrack show " + runs()[-1].info.run_id)
    for name in ("t", "c", "s"):
        html = shell.ns[name]._repr_html_()
        assert hostile not in html and "<img" not in html and "<b>x" not in html, name
        assert "&lt;script&gt;" in html, name
    for chart in shell.ns["c"].charts():
        assert all("<script>" not in (trace.name or "") for trace in chart.figure.data)


def test_run_objects_from_the_python_api_render_as_cards(shell: Shell) -> None:
    shell.run("%%track shown\nlr = 0.3\n")
    shell.run("import jupyter_mltrack as mlt\nrun = mlt.get_run(mlt.last_active_run().info.run_id)")
    data, _ = shell.ip.display_formatter.format(shell.ns["run"])  # what a notebook shows for `run`
    assert 'class="mltrack-run"' in data["text/html"] and "shown" in data["text/html"] and "lr" in data["text/html"]
    shell.run("%unload_ext jupyter_mltrack")
    data, _ = shell.ip.display_formatter.format(shell.ns["run"])
    assert "text/html" not in data  # the formatter goes with the extension
