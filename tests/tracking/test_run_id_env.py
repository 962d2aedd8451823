"""``MLTRACK_RUN_ID``: the first top-level ``start_run`` resumes that run and consumes the variable."""

from __future__ import annotations

import pytest

import jupyter_mltrack as mlt


def test_the_variable_is_resumed_once_and_never_by_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    with mlt.start_run() as made:
        pass
    monkeypatch.setenv("MLTRACK_RUN_ID", made.info.run_id)
    with mlt.start_run() as resumed:
        assert resumed.info.run_id == made.info.run_id
        with mlt.start_run(nested=True) as child:
            assert child.info.run_id != made.info.run_id
        assert mlt.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == made.info.run_id
    with mlt.start_run() as later:
        assert later.info.run_id != made.info.run_id
    import os

    assert "MLTRACK_RUN_ID" not in os.environ


def test_an_explicit_run_id_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with mlt.start_run() as first:
        pass
    with mlt.start_run() as second:
        pass
    monkeypatch.setenv("MLTRACK_RUN_ID", first.info.run_id)
    with mlt.start_run(run_id=second.info.run_id) as resumed:
        assert resumed.info.run_id == second.info.run_id
