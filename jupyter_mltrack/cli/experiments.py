"""``mltrack experiments``: list, create, delete and restore experiments."""

from __future__ import annotations

import click

from jupyter_mltrack.cli import render
from jupyter_mltrack.cli.context import VIEWS, State, json_option, pass_state, view_option
from jupyter_mltrack.entities import Experiment
from jupyter_mltrack.tracking import maintenance
from jupyter_mltrack.tracking.client import Client


@click.group()
def experiments() -> None:
    """List and manage experiments (ID_OR_NAME: an experiment id, else its name)."""


@experiments.command("list")
@view_option("experiments")
@json_option()
@pass_state
def list_(state: State, view: str, as_json: bool) -> None:
    """List experiments."""
    found = maintenance.list_experiments(VIEWS[view.lower()], state.tracking_uri)
    if as_json:
        click.echo(render.to_json(found))
        return
    if not found:
        click.echo("No experiments found.")
        return
    headers = ["id", "name", "stage", "created", "artifact_location"]
    rows = [[e.experiment_id, e.name, e.lifecycle_stage, render.timestamp(e.creation_time), e.artifact_location]
            for e in found]
    click.echo(render.table(headers, rows, right=[0], width=60))


@experiments.command()
@click.argument("name")
@click.option("--artifact-location", "-l", metavar="L", help="Where the runs' artifacts go (a folder or a URL); "
              "default: <artifact root>/<experiment id>.")
@pass_state
def create(state: State, name: str, artifact_location: str | None) -> None:
    """Create an experiment called NAME and print its id."""
    experiment_id = Client(state.tracking_uri).create_experiment(name, artifact_location)
    click.echo(f"Created experiment {name!r} with id {experiment_id}.")


@experiments.command()
@click.argument("id_or_name")
@pass_state
def delete(state: State, id_or_name: str) -> None:
    """Delete an experiment (restorable until its runs are garbage collected)."""
    exp, changed = maintenance.set_experiment_stage(id_or_name, True, state.tracking_uri)
    click.echo(f"{'Deleted' if changed else 'Already deleted:'} experiment {_label(exp)}.")


@experiments.command()
@click.argument("id_or_name")
@pass_state
def restore(state: State, id_or_name: str) -> None:
    """Restore a deleted experiment."""
    exp, changed = maintenance.set_experiment_stage(id_or_name, False, state.tracking_uri)
    click.echo(f"{'Restored' if changed else 'Already active:'} experiment {_label(exp)}.")


def _label(exp: Experiment) -> str:
    return f"{exp.experiment_id} ({exp.name!r})"
