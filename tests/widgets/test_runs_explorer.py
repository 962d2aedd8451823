"""RunsExplorer: real ipywidgets and a real FigureWidget over a real store, driven as a user would."""

from __future__ import annotations

import html
import json
import math

import ipywidgets as W
import plotly.graph_objects as go
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.widgets import RunsExplorer
from tests.widgets.conftest import make_run


def ids(runs: list[mlt.Run]) -> list[str]:
    return [r.info.run_id for r in runs]


@pytest.fixture
def seven_runs() -> list[str]:
    """Seven runs in experiment 'iris', oldest first: acc = 0.70, 0.75, ... 1.00; depth 3 or 5."""
    mlt.set_experiment("iris")
    return [
        make_run(f"run-{i}", {"depth": 3 + 2 * (i % 2), "optimizer": "adam"}, acc=[0.5, 0.6, 0.70 + 0.05 * i])
        for i in range(7)
    ]


def test_lists_the_runs_of_every_experiment_newest_first(seven_runs: list[str]) -> None:
    mlt.set_experiment("other")
    other = make_run("elsewhere", acc=[0.1])

    explorer = RunsExplorer()

    assert isinstance(explorer, W.VBox) and isinstance(explorer.figure, go.FigureWidget)
    assert set(explorer.experiments.options) == {"iris", "other"}
    assert ids(explorer.runs) == [other, *reversed(seven_runs)]
    assert explorer.error is None
    assert "run-6" in explorer.table.value and "elsewhere" in explorer.table.value
    assert explorer.run_picker.options[0][1] == other

    explorer.experiments.value = ("iris",)  # the user narrows the multi-select
    assert ids(explorer.runs) == list(reversed(seven_runs))
    assert "elsewhere" not in explorer.table.value


def test_agrees_with_the_python_api(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"], filter_string="metrics.acc >= 0.8 and params.depth = '5'")
    expected = mlt.search_runs(experiment_names=["iris"], filter_string="metrics.acc >= 0.8 and params.depth = '5'",
                               output_format="list")
    assert ids(explorer.runs) == ids(expected) and len(expected) == 2


def test_agrees_with_the_cli(seven_runs: list[str]) -> None:
    from click.testing import CliRunner

    from jupyter_mltrack.cli.main import cli

    explorer = RunsExplorer(["iris"], filter_string="params.depth = '3'")
    explorer.set_order("metrics.`acc` DESC")
    out = CliRunner().invoke(cli, ["runs", "list", "-e", "iris", "-f", "params.depth = '3'", "-o",
                                   "metrics.`acc` DESC", "--json"])
    assert out.exit_code == 0, out.output
    assert ids(explorer.runs) == [r["info"]["run_id"] for r in json.loads(out.output)] == seven_runs[::-2]


def test_apply_button_filters(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"])
    explorer.filter_box.value = "metrics.acc > 0.9"
    explorer.apply_button.click()
    assert ids(explorer.runs) == [seven_runs[6], seven_runs[5]]
    assert explorer.filter_string == "metrics.acc > 0.9"
    assert "run-0" not in explorer.table.value


def test_a_bad_filter_is_shown_inline_and_keeps_the_runs(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"])
    explorer.set_filter("metrics.acc > 0.9")
    before = ids(explorer.runs)

    explorer.set_filter("metrics.acc > 0.5 and params.depth > '3'")  # no exception escapes

    assert explorer.error is not None
    assert explorer.error.startswith("Invalid search filter at position 35")
    assert explorer.error.splitlines()[-1] == "  " + " " * 35 + "^"  # the caret, under the '>'
    assert "Traceback" not in explorer.error_html.value
    assert html.escape("params.depth > '3'") in explorer.error_html.value  # escaped, in the widget
    assert ids(explorer.runs) == before and explorer.filter_string == "metrics.acc > 0.9"
    assert explorer.filter_box.value == "metrics.acc > 0.5 and params.depth > '3'"  # left to be fixed

    explorer.set_filter("metrics.acc < 0.75")
    assert explorer.error is None and explorer.error_html.value == ""
    assert ids(explorer.runs) == [seven_runs[0]]


def test_pages_with_next_and_prev(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"], page_size=3)
    newest_first = list(reversed(seven_runs))
    assert ids(explorer.runs) == newest_first[:3]
    assert explorer.prev_button.disabled and not explorer.next_button.disabled

    explorer.next_button.click()
    assert ids(explorer.runs) == newest_first[3:6] and explorer.page_number == 2
    assert "runs 4&ndash;6" in explorer.status.value
    explorer.next_page()
    assert ids(explorer.runs) == newest_first[6:] and explorer.next_button.disabled

    explorer.prev_button.click()
    assert ids(explorer.runs) == newest_first[3:6]
    explorer.set_filter("params.depth = '5'")  # a new filter starts again at page 1
    assert explorer.page_number == 1 and ids(explorer.runs) == [seven_runs[5], seven_runs[3], seven_runs[1]]


def test_order_by(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"])
    assert ("acc \u2191", "metrics.`acc` ASC") in explorer.order.options  # offered from the runs' metrics
    explorer.order.value = "metrics.`acc` ASC"
    assert ids(explorer.runs) == seven_runs
    explorer.set_order("attributes.run_name DESC")
    assert [r.info.run_name for r in explorer.runs] == [f"run-{i}" for i in reversed(range(7))]

    bad = RunsExplorer(["iris"], order_by="metrics.acc SIDEWAYS")  # refused: shown, not raised
    assert bad.runs == [] and (bad.error or "").startswith("Invalid")
    assert [r.info.run_name for r in RunsExplorer(["iris"], order_by="attributes.run_name ASC").runs] == [
        f"run-{i}" for i in range(7)]


def test_compare_two_runs_draws_one_line_per_run(seven_runs: list[str]) -> None:
    mlt.set_experiment("iris")
    first = make_run("a", {"lr": 0.1}, loss=[1.0, 0.5, 0.25], acc=[0.9])
    second = make_run("b", {"lr": 0.2}, loss=[2.0, 1.0, 0.5, 0.125])
    explorer = RunsExplorer(["iris"])

    explorer.select([first, second])
    figure = explorer.compare("loss")

    assert figure is explorer.figure and explorer.metric.options == ("acc", "loss")
    assert [t.name for t in figure.data] == ["a", "b"]
    assert [list(t.y) for t in figure.data] == [[1.0, 0.5, 0.25], [2.0, 1.0, 0.5, 0.125]]
    assert [list(t.x) for t in figure.data] == [[0, 1, 2], [0, 1, 2, 3]]
    assert figure.layout.yaxis.title.text == "loss"

    explorer.metric.value = "acc"  # the user picks another metric
    assert [list(t.y) for t in explorer.figure.data] == [[0.9], []]
    assert "&#10003;" in explorer.table.value  # the selected runs are marked in the table


def test_selecting_in_the_picker_keeps_runs_of_other_pages(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"], page_size=3)
    explorer.run_picker.value = (seven_runs[6],)  # a click in the picker
    explorer.next_page()
    explorer.run_picker.value = (seven_runs[3],)
    assert ids(explorer.selected) == [seven_runs[6], seven_runs[3]]
    assert [list(t.y) for t in explorer.figure.data] == [[0.5, 0.6, 0.70 + 0.05 * 6], [0.5, 0.6, 0.70 + 0.05 * 3]]
    assert "2 selected (run-6, run-3)" in explorer.status.value
    explorer.prev_page()
    assert explorer.run_picker.value == (seven_runs[6],)

    explorer.clear_button.click()
    assert explorer.selected == [] and explorer.run_picker.value == () and explorer.figure.data == ()
    assert "Select runs to compare them." in explorer.params.value


def test_long_series_are_downsampled_keeping_their_extremes() -> None:
    values = [math.sin(i / 50) for i in range(5000)]
    values[1234] = 7.0
    long_run = make_run("long", loss=values)
    explorer = RunsExplorer()
    explorer.select([long_run])
    explorer.compare("loss")
    (trace,) = explorer.figure.data
    assert len(trace.y) <= 1000 and max(trace.y) == 7.0 and min(trace.y) == min(values)
    assert trace.x[0] == 0 and trace.x[-1] == 4999


def test_params_diff_shows_only_differences_when_toggled(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"])
    explorer.select(seven_runs[:2])
    assert "optimizer" in explorer.params.value and "depth" in explorer.params.value

    explorer.only_differences.value = True

    assert "depth" in explorer.params.value and "optimizer" not in explorer.params.value
    assert "1 equal params hidden." in explorer.params.value

    explorer.select([seven_runs[0], seven_runs[2]])  # same depth, same optimizer
    assert "All 2 params are equal." in explorer.params.value


def test_unknown_names_and_ids_are_messages_not_exceptions(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris", "nope"])
    assert explorer.experiments.value == ("iris",) and len(explorer.runs) == 7
    assert explorer.error == "No experiment is named 'nope'; list them with search_experiments()."

    explorer.select(["0123456789abcdef"])
    assert "Run '0123456789abcdef' does not exist" in (explorer.error or "")
    assert explorer.selected == []

    explorer.select([seven_runs[0]])
    assert explorer.compare("no-such-metric") is explorer.figure
    assert explorer.error == "None of the selected runs logged the metric 'no-such-metric'."


def test_refresh_shows_new_runs_and_points(seven_runs: list[str]) -> None:
    explorer = RunsExplorer(["iris"])
    explorer.select([seven_runs[0]])
    mlt.set_experiment("iris")
    late = make_run("late", acc=[0.1])
    with mlt.start_run(run_id=seven_runs[0]):
        mlt.log_metric("acc", 0.99, step=3)

    explorer.refresh()

    assert ids(explorer.runs)[0] == late
    assert list(explorer.figure.data[0].y) == [0.5, 0.6, 0.70, 0.99]


def test_hostile_strings_are_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    mlt.set_experiment("exp <b>bold</b>")
    run_id = make_run(hostile, {"p": "<script>alert(2)</script>"}, loss=[1.0, 0.5])
    other = make_run("plain", {"p": "1"}, loss=[2.0])

    explorer = RunsExplorer()
    explorer.select([run_id, other])

    shown = explorer.table.value + explorer.params.value
    assert "<img" not in shown and "<script>" not in shown and "<b>bold" not in shown
    assert html.escape(hostile) in explorer.table.value
    assert html.escape("exp <b>bold</b>") in explorer.table.value
    assert html.escape("<script>alert(2)</script>") in explorer.params.value
    assert explorer.figure.data[0].name == html.escape(hostile)  # plotly.js reads names as HTML
