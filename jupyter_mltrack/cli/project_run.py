"""``mltrack run PROJECT_DIR|NOTEBOOK``: run a project or notebook as a tracked run (``projects.run``)."""

from __future__ import annotations

from typing import Sequence

import click

from jupyter_mltrack import projects
from jupyter_mltrack.cli.context import State, pass_state
from jupyter_mltrack.tracking import stores


def _pairs(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {text!r}", ctx, param)
        found[key.strip()] = value
    return found


@click.command("run")
@click.argument("uri", metavar="PROJECT_DIR|NOTEBOOK", type=click.Path(exists=True))
@click.option("--entry-point", "-e", default="main", show_default=True, help="Entry point of the project.")
@click.option("--param", "-P", "parameters", multiple=True, callback=_pairs, metavar="KEY=VALUE",
              help="A parameter value (repeatable).")
@click.option("--experiment", metavar="NAME", help="Experiment of the run (default: the project's, else Default).")
@click.option("--env-manager", type=click.Choice(projects.ENV_MANAGERS), default="local", show_default=True,
              help="local: this environment; virtualenv: a cached virtualenv built from requirements.txt.")
@pass_state
def run(state: State, uri: str, entry_point: str, parameters: dict[str, str], experiment: str | None,
        env_manager: str) -> None:
    """Run a project folder's entry point, or a notebook, as a new run."""
    if state.tracking_uri:
        stores.set_tracking_uri(state.tracking_uri)
    result = projects.run(uri, entry_point=entry_point, parameters=parameters, experiment_name=experiment,
                          env_manager=env_manager)
    if result.status != "FINISHED":
        raise click.ClickException(f"Run {result.run_id} FAILED: {result.error or 'see its tags'}.")
    click.echo(f"Run {result.run_id} FINISHED.")
