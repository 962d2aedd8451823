"""``%%track --live``: one line per stepped metric with every point, redrawn while a kernel runs the cell."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_mltrack.magics.charts import PLOTLY_MIME
from tests.magics.shellkit import Shell, runs

LOOP = (
    "%%track --live training\n"
    "import time, jupyter_mltrack as mlt\n"
    "for epoch in range(5):\n"
    "    mlt.log_metric('loss', 1.0 / (epoch + 1), step=epoch)\n"
    "    mlt.log_metrics({'val_acc': 0.5 + epoch / 10}, step=epoch)\n"
    "    time.sleep(SLEEP)\n"
    "mlt.log_metric('final_score', 0.9)\n"
)


def traces(figure: dict[str, Any]) -> dict[str, tuple[list[Any], list[Any]]]:
    return {t["name"]: (list(t["x"]), list(t["y"])) for t in figure["data"]}


def test_the_final_chart_has_a_line_per_stepped_metric(shell: Shell) -> None:
    shell.run("SLEEP = 0")
    cell = shell.run(LOOP)
    assert cell.error is None, cell.stderr
    [figure] = cell.mimetype(PLOTLY_MIME)
    lines = traces(figure)
    assert set(lines) == {"loss", "val_acc"}  # final_score was logged once, at step 0
    assert lines["loss"] == ([0, 1, 2, 3, 4], [1.0, 0.5, 1 / 3, 0.25, 0.2])
    assert lines["val_acc"][0] == [0, 1, 2, 3, 4]
    assert figure["layout"]["title"]["text"] == "training"
    assert "text/html" in cell.outputs[0]
    assert "final_score" in cell.html()[-1]  # the card, after the chart


def test_live_chart_stops_listening_when_the_cell_ends(shell: Shell) -> None:
    shell.run("SLEEP = 0")
    shell.run(LOOP)
    later = shell.run("import jupyter_mltrack as mlt\nwith mlt.start_run():\n    mlt.log_metric('loss', 9, step=9)")
    assert later.outputs == []
    from jupyter_mltrack.tracking import events

    assert events._listeners == []


@pytest.mark.slow
def test_a_kernel_redraws_the_chart_while_the_cell_runs(tmp_path: Path, isolated_home: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "MLTRACK_HOME": str(isolated_home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        client.execute_interactive("%load_ext jupyter_mltrack\nSLEEP = 0.3", timeout=60)
        messages: list[dict[str, Any]] = []
        reply = client.execute_interactive(LOOP, timeout=120, output_hook=messages.append)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    first = next(m for m in messages if m["msg_type"] == "display_data" and PLOTLY_MIME in m["content"]["data"])
    display_id = first["content"]["transient"]["display_id"]
    updates = [
        m
        for m in messages
        if m["msg_type"] == "update_display_data" and m["content"]["transient"]["display_id"] == display_id
    ]
    assert len(updates) >= 3  # redrawn during the loop, not only at the end
    drawn = [sum(len(x) for x, _ in traces(u["content"]["data"][PLOTLY_MIME]).values()) for u in updates]
    assert drawn == sorted(drawn) and drawn[0] < 10  # points appear as they are logged
    final = traces(updates[-1]["content"]["data"][PLOTLY_MIME])
    assert final["loss"][0] == [0, 1, 2, 3, 4] and final["val_acc"][0] == [0, 1, 2, 3, 4]
    assert "text/html" in updates[-1]["content"]["data"]
    [run] = runs()
    assert run.info.run_name == "training" and run.info.status == "FINISHED"
