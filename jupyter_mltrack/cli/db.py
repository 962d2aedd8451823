"""``mltrack db`` (schema upgrade and status), ``mltrack gc`` and ``mltrack doctor``."""

from __future__ import annotations

import sys
from typing import Any, Sequence

import click

from jupyter_mltrack.cli import render
from jupyter_mltrack.cli.context import State, duration, json_option, pass_state
from jupyter_mltrack.tracking import maintenance

_SHOWN_IDS = 10


@click.group()
def db() -> None:
    """Tracking database schema: status and upgrades."""


@db.command()
@pass_state
def upgrade(state: State) -> None:
    """Upgrade the tracking database to the schema this version needs (back it up first)."""
    status, before = maintenance.upgrade_database(state.tracking_uri)
    if before == status.revision:
        click.echo(f"{status.uri} is already at revision {status.revision}; nothing to do.")
    else:
        click.echo(f"Upgraded {status.uri} from revision {before or 'none (empty)'} to {status.revision}.")


@db.command()
@pass_state
def current(state: State) -> None:
    """Show the database's schema revision, the head this version needs, and if an upgrade is needed."""
    status = maintenance.current_revision(state.tracking_uri)
    click.echo(
        render.fields(
            [("database", status.uri), ("revision", status.revision or "none (empty database)"), ("head", status.head)]
        )
    )
    if status.upgrade_needed:
        click.echo("Upgrade needed: back up the database, then run `mltrack db upgrade`.")
    elif status.unknown:
        click.echo("This database was made by a newer jupyter_mltrack: pip install -U jupyter-mltrack.")
    elif status.empty:
        click.echo("No schema yet: it is created at head on first use (or by `mltrack db upgrade`).")
    else:
        click.echo("Up to date: no upgrade needed.")


@click.command()
@click.option(
    "--older-than",
    callback=duration,
    metavar="AGE",
    help="Only runs deleted at least AGE ago: 30d, 12h, 90m, 3600s, 2w (plain number: seconds).",
)
@click.option(
    "--run-id", "run_ids", multiple=True, metavar="ID", help="Only this run, which must be deleted (repeatable)."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required when stdin is not a terminal).")
@pass_state
def gc(state: State, older_than: float | None, run_ids: Sequence[str], yes: bool) -> None:
    """Permanently remove deleted runs, their data and their artifact folders."""
    if not yes and (sys.stdin is None or not sys.stdin.isatty()):
        raise click.ClickException(
            "Refusing to permanently delete runs without confirmation: stdin is not a terminal. Pass --yes."
        )
    purged = maintenance.garbage_collect(
        older_than, list(run_ids) or None, state.tracking_uri, confirm=None if yes else _confirm
    )
    if not purged:
        click.echo("Nothing to collect: no deleted runs match.")
        return
    for run_id in purged:
        click.echo(f"Purged run {run_id}.")
    click.echo(f"Purged {len(purged)} run{'s' if len(purged) != 1 else ''}, artifacts included.")


def _confirm(run_ids: list[str]) -> bool:
    plural = "s" if len(run_ids) != 1 else ""
    click.echo(f"{len(run_ids)} deleted run{plural} will be removed for good, artifacts included:")
    for run_id in run_ids[:_SHOWN_IDS]:
        click.echo(f"  {run_id}")
    if len(run_ids) > _SHOWN_IDS:
        click.echo(f"  ... and {len(run_ids) - _SHOWN_IDS} more")
    return click.confirm("Continue?", default=False, abort=True)


@click.command()
@json_option()
@pass_state
def doctor(state: State, as_json: bool) -> None:
    """Check the configuration and the store; exit status 1 if a check fails."""
    report = maintenance.doctor(state.tracking_uri)
    click.echo(render.to_json(report) if as_json else _describe(report))
    if not report["ok"]:
        click.get_current_context().exit(1)


def _describe(report: dict[str, Any]) -> str:
    schema, counts = report["schema"], report["counts"]
    revision = f"{schema['revision'] or 'none'} (head {schema['head']})" if schema["head"] else None
    summary = render.fields(
        [
            ("version", report["version"]),
            ("tracking uri", f"{report['tracking_uri']['value']}  [from {report['tracking_uri']['source']}]"),
            ("artifact root", f"{report['artifact_root']['value']}  [from {report['artifact_root']['source']}]"),
            ("database kind", report["database_kind"]),
            ("schema", revision),
            *[(what, f"{c['active']} active, {c['deleted']} deleted") for what, c in (counts or {}).items()],
        ]
    )
    lines = [f"{'[ok]' if c['ok'] else '[FAILED]':<9}{c['name']}: {c['message']}" for c in report["checks"]]
    verdict = "All checks passed." if report["ok"] else "Some checks failed."
    return "\n".join([summary, "", *lines, "", verdict])
