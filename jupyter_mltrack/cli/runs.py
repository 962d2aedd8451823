"""``mltrack runs``: search, show, delete and restore runs."""

from __future__ import annotations

from typing import Any, Sequence

import click

from jupyter_mltrack.cli import render
from jupyter_mltrack.cli.context import VIEWS, State, json_option, pass_state, view_option
from jupyter_mltrack.entities import Run
from jupyter_mltrack.tracking import maintenance
from jupyter_mltrack.tracking.client import Client

#: At most this many metric and param columns in the table (``--json`` has everything).
MAX_DATA_COLUMNS = 8


@click.group()
def runs() -> None:
    """Search and manage runs."""


@runs.command("list")
@click.option("--experiment", "-e", "experiments", multiple=True, metavar="ID_OR_NAME",
              help="Only runs of this experiment (repeatable). Default: every active experiment.")
@click.option("--filter", "-f", "filter_string", default="", metavar="F",
              help="MLflow search filter, e.g. \"metrics.acc > 0.9 and params.model = 'rf'\".")
@click.option("--order-by", "-o", multiple=True, metavar="K",
              help="Sort key, e.g. 'metrics.acc DESC' (repeatable). Default: newest first.")
@click.option("--max", "max_results", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many runs.")
@view_option("runs")
@json_option()
@pass_state
def list_(state: State, experiments: Sequence[str], filter_string: str, order_by: Sequence[str], max_results: int,
          view: str, as_json: bool) -> None:
    """List runs: id, name, status, start time and their metrics and params."""
    found = maintenance.find_runs(experiments, filter_string, order_by, max_results, VIEWS[view.lower()],
                                  state.tracking_uri)
    if as_json:
        click.echo(render.to_json(found))
        return
    if not found:
        click.echo("No runs found.")
        return
    headers, rows, hidden = _run_table(found, with_stage=view.lower() != "active")
    click.echo(render.table(headers, rows, right=[i for i, h in enumerate(headers) if h.startswith("metrics.")]))
    if hidden:
        click.echo(f"({hidden} more metric/param columns not shown; use --json to see them all.)", err=True)
    if len(found) == max_results:
        click.echo(f"(Stopped at --max {max_results}; there may be more runs.)", err=True)


def _run_table(found: Sequence[Run], with_stage: bool) -> tuple[list[str], list[list[Any]], int]:
    metric_keys = sorted({k for r in found for k in r.data.metrics})
    param_keys = sorted({k for r in found for k in r.data.params})
    shown_metrics = metric_keys[:MAX_DATA_COLUMNS]
    shown_params = param_keys[: max(0, MAX_DATA_COLUMNS - len(shown_metrics))]
    several = len({r.info.experiment_id for r in found}) > 1
    headers = ["run_id", "name", "status", "start_time"]
    headers += [f"metrics.{k}" for k in shown_metrics] + [f"params.{k}" for k in shown_params]
    if with_stage:
        headers.insert(3, "stage")
    if several:
        headers.insert(1, "exp")
    rows = []
    for run in found:
        row: list[Any] = [run.info.run_id, run.info.run_name, run.info.status, render.timestamp(run.info.start_time)]
        row += [render.number(run.data.metrics[k]) if k in run.data.metrics else "" for k in shown_metrics]
        row += [run.data.params.get(k, "") for k in shown_params]
        if with_stage:
            row.insert(3, run.info.lifecycle_stage)
        if several:
            row.insert(1, run.info.experiment_id)
        rows.append(row)
    hidden = len(metric_keys) + len(param_keys) - len(shown_metrics) - len(shown_params)
    return headers, rows, hidden


@runs.command()
@click.argument("run_id")
@json_option()
@pass_state
def show(state: State, run_id: str, as_json: bool) -> None:
    """Show one run: info, params, metrics, tags and input datasets."""
    run = Client(state.tracking_uri).get_run(run_id)
    click.echo(render.to_json(run) if as_json else _describe(run))


def _describe(run: Run) -> str:
    info = run.info
    sections = [f"Run {info.run_id}", render.fields([
        ("name", info.run_name), ("experiment", info.experiment_id), ("status", info.status),
        ("lifecycle", info.lifecycle_stage), ("user", info.user_id), ("start time", render.timestamp(info.start_time)),
        ("end time", render.timestamp(info.end_time)), ("duration", render.duration(info.start_time, info.end_time)),
        ("artifact uri", info.artifact_uri), ("parent run", info.parent_run_id), ("notebook", info.notebook_path),
        ("cell id", info.cell_id),
    ])]
    metrics = {k: render.number(v) for k, v in run.data.metrics.items()}
    for title, values in (("Params", run.data.params), ("Metrics", metrics), ("Tags", run.data.tags)):
        if values:
            rows = [[k, v] for k, v in sorted(values.items())]
            sections.append(f"{title}:\n" + _indent(render.table(["key", "value"], rows, width=80)))
    if run.inputs.dataset_inputs:
        rows = [[d.dataset.name, d.dataset.digest, d.context or "", d.dataset.source_type, d.dataset.source]
                for d in run.inputs.dataset_inputs]
        table = render.table(["name", "digest", "context", "source_type", "source"], rows)
        sections.append("Inputs:\n" + _indent(table))
    if info.source:
        sections.append("Source:\n" + _indent(info.source.rstrip("\n")))
    return "\n\n".join(sections)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())


@runs.command()
@click.argument("run_ids", metavar="RUN_ID...", nargs=-1, required=True)
@pass_state
def delete(state: State, run_ids: Sequence[str]) -> None:
    """Delete runs (restorable until `mltrack gc` removes them)."""
    for run_id, changed in maintenance.set_runs_stage(run_ids, True, state.tracking_uri):
        click.echo(f"Deleted run {run_id}." if changed else f"Run {run_id} was already deleted.")


@runs.command()
@click.argument("run_ids", metavar="RUN_ID...", nargs=-1, required=True)
@pass_state
def restore(state: State, run_ids: Sequence[str]) -> None:
    """Restore deleted runs."""
    for run_id, changed in maintenance.set_runs_stage(run_ids, False, state.tracking_uri):
        click.echo(f"Restored run {run_id}." if changed else f"Run {run_id} was not deleted.")
