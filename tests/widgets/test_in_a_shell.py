"""Both widgets as a notebook user meets them: made and displayed in a real IPython shell's cell."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.widgets.conftest import make_run

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def assert_shown_as_widget(ipython: Any, value: Any) -> None:
    """What a front end gets for the cell's value: a widget view of that very widget."""
    data, _ = ipython.display_formatter.format(value)
    assert data[WIDGET_VIEW]["model_id"] == value.model_id


def test_runs_explorer_in_a_cell(ipython: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = make_run("in-shell", loss=[1.0, 0.5])

    result = ipython.run_cell("from jupyter_mltrack.widgets import RunsExplorer; w = RunsExplorer(); w")
    assert result.success, result.error_in_exec
    assert result.result is ipython.user_ns["w"]  # the cell's value, shown by the display hook
    assert_shown_as_widget(ipython, result.result)
    assert "Out[1]: RunsExplorer(" in capsys.readouterr().out
    assert [r.info.run_id for r in ipython.user_ns["w"].runs] == [run_id]

    result = ipython.run_cell(f"w.select([{run_id!r}]); [list(t.y) for t in w.compare('loss').data]")
    assert result.success, result.error_in_exec
    assert result.result == [[1.0, 0.5]]

    bad = ipython.run_cell("w.set_filter('metrics.loss >'); w.error")
    assert bad.success and bad.result.startswith("Invalid search filter")
    assert "Traceback" not in capsys.readouterr().out


def test_model_promoter_in_a_cell(ipython: Any, iris_model: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    ipython.run_cell("import jupyter_mltrack as mlt; mlt.Client().set_promotion_policy('iris', 'Production')")
    result = ipython.run_cell(
        "from jupyter_mltrack.widgets import ModelPromoter\n"
        "p = ModelPromoter('iris')\n"
        "p.promote('2', 'Production')\n"
        "p"
    )
    assert result.success, result.error_in_exec  # the refusal did not raise in the cell
    promoter = ipython.user_ns["p"]
    assert_shown_as_widget(ipython, promoter)
    assert promoter.ok is False and "requires approval" in promoter.message
    out = capsys.readouterr().out
    assert "ModelPromoter(" in out and "Traceback" not in out and "PromotionRefusedError" not in out

    flow = ipython.run_cell("r = p.request('2', 'Production'); p.approve(r.request_id).status")
    assert flow.success and flow.result == "APPROVED"


def test_importing_the_package_does_not_import_the_widgets() -> None:
    code = (
        "import sys, json, jupyter_mltrack; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'anywidget') "
        "or m.startswith('jupyter_mltrack.widgets'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
