"""``mltrack export NOTEBOOK OUT_DIR``: a notebook as a runnable project (one call to the export service)."""

from __future__ import annotations

import click

from jupyter_mltrack.cli.context import State, pass_state
from jupyter_mltrack.export import export_notebook
from jupyter_mltrack.tracking import stores


@click.command("export")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--run", "run_id", metavar="RUN_ID", help="Use this run's param values as the defaults.")
@click.option("--name", metavar="NAME", help="The project's name (default: the notebook's file name).")
@click.option("--force", is_flag=True, help="Write into OUT_DIR even if it is not empty.")
@pass_state
def export(state: State, notebook: str, out_dir: str, run_id: str | None, name: str | None, force: bool) -> None:
    """Export NOTEBOOK as a project in OUT_DIR: MLproject, main.py, requirements, Dockerfile."""
    if state.tracking_uri:
        stores.set_tracking_uri(state.tracking_uri)
    result = export_notebook(notebook, out_dir, run_id=run_id, name=name, force=force)
    params = ", ".join(f"{p.name} ({p.kind})" for p in result.parameters.values()) or "none"
    click.echo(f"Exported {notebook} as project {result.name!r} in {result.path}.")
    click.echo(f"Parameters: {params}.")
    click.echo(f"Run it with: mltrack run {result.path}")
