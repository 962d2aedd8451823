"""``mltrack models``: the model registry from a terminal.

Each command parses its arguments, calls one registry method (``jupyter_mltrack.registry.Client``)
and prints the result; refusals and unknown names or ids are ``MltrackError``s, which the group
turns into one ``Error: ...`` line. Changes are audited under the OS user (no impersonation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn, Sequence

import click

from jupyter_mltrack.cli import render
from jupyter_mltrack.cli.context import State, json_option, pass_state
from jupyter_mltrack.entities import ModelVersion, PromotionPolicy, RegisteredModel, TransitionRequest
from jupyter_mltrack.registry import reprs
from jupyter_mltrack.registry.client import Client

#: `models list` asks for at most this many models (a registry holds hundreds, not millions).
LIST_LIMIT = 10_000
STATUSES = ("pending", "approved", "rejected")


@click.group()
def models() -> None:
    """Register, promote and approve models; read their audit history."""


def _client(state: State) -> Client:
    return Client(state.tracking_uri)


def _tags(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    tags = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", ctx, param)
        tags[key.strip()] = text
    return tags


def _time(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """Option callback: epoch milliseconds, or ISO 8601 (local time unless it has an offset)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither epoch milliseconds nor an ISO 8601 time such as 2025-06-01T12:00:00", ctx, param
        ) from None


def _usage(message: str) -> NoReturn:
    """A usage error (exit status 2) that points at the command's --help."""
    click.get_current_context().fail(message)


# ------------------------------------------------------------------------------------ list, show
@models.command("list")
@click.option("--filter", "-f", "filter_string", default="", metavar="F",
              help="Registry search filter, e.g. \"name LIKE 'churn%'\" or \"tags.team = 'growth'\".")
@json_option()
@pass_state
def list_(state: State, filter_string: str, as_json: bool) -> None:
    """List registered models.

    One row per model: the newest version in each stage, the aliases and the last update.
    """
    found = _client(state).search_registered_models(filter_string or None, LIST_LIMIT, ["name ASC"])
    if as_json:
        click.echo(render.to_json(found))
        return
    if not found:
        click.echo("No registered models.")
        return
    rows = [[m.name, _latest(m), _alias_list(m.aliases), render.timestamp(m.last_updated_timestamp)] for m in found]
    click.echo(render.table(["name", "latest versions", "aliases", "updated"], rows, width=60))
    if found.token:
        click.echo(f"(Stopped at {LIST_LIMIT} models; narrow the list with --filter.)", err=True)


def _latest(model: RegisteredModel) -> str:
    return ", ".join(f"{v.current_stage}: {v.version}" for v in model.latest_versions)


def _alias_list(aliases: dict[str, str]) -> str:
    return ", ".join(f"@{a}: {v}" for a, v in sorted(aliases.items()))


@models.command()
@click.argument("name")
@json_option()
@pass_state
def show(state: State, name: str, as_json: bool) -> None:
    """Show a model, its versions and their metrics.

    Every version with its stage, aliases and source run, and that run's key metrics: the latest
    values of the metrics the promotion gates check, then the others alphabetically, at most 5.
    """
    model, versions, run_metrics = reprs.model_overview(_client(state), name)
    if as_json:
        shown = [{**render.jsonable(v), "metrics": render.jsonable(run_metrics.get(v.version, {}))} for v in versions]
        click.echo(render.to_json({"model": model, "versions": shown}))
        return
    click.echo(_describe(model, versions, run_metrics))


def _describe(model: RegisteredModel, versions: Sequence[ModelVersion],
              run_metrics: dict[str, dict[str, float]]) -> str:
    sections = [f"Model {model.name}", render.fields([
        ("description", model.description),
        ("created", render.timestamp(model.creation_timestamp)),
        ("updated", render.timestamp(model.last_updated_timestamp)),
        ("tags", ", ".join(f"{k}={v}" for k, v in sorted(model.tags.items()))),
        ("aliases", _alias_list(model.aliases)),
    ])]
    if not versions:
        sections.append("No versions.")
        return "\n\n".join(sections)
    keys = reprs.metric_columns(run_metrics.get(v.version, {}) for v in versions)
    headers = ["version", "stage", "aliases", "run_id", "created", *[f"metrics.{k}" for k in keys]]
    rows = []
    for v in versions:
        values = run_metrics.get(v.version, {})
        row: list[Any] = [v.version, v.current_stage, ", ".join("@" + a for a in v.aliases), v.run_id or "",
                          render.timestamp(v.creation_timestamp)]
        rows.append(row + [render.number(values[k]) if k in values else "" for k in keys])
    right = [0, *range(5, len(headers))]
    sections.append("Versions:\n" + _indent(render.table(headers, rows, right=right)))
    return "\n\n".join(sections)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())


# ------------------------------------------------------------------------ register, promote, alias
@models.command()
@click.argument("model_uri")
@click.argument("name")
@click.option("--tag", "-t", "tags", multiple=True, metavar="KEY=VALUE", callback=_tags,
              help="A tag for the new version (repeatable).")
@pass_state
def register(state: State, model_uri: str, name: str, tags: dict[str, str]) -> None:
    """Register MODEL_URI as a new version of NAME.

    NAME is created if it does not exist yet.

    MODEL_URI: runs:/<run_id>/<path>, models:/<name>/<version|stage|latest>, models:/<name>@<alias>,
    a local folder holding an MLmodel file, or a URL such as s3://bucket/path (recorded as given).
    """
    version = _client(state).register_model(model_uri, name, tags or None)
    run = f" from run {version.run_id}" if version.run_id else ""
    click.echo(f"Registered version {version.version} of model {name!r}{run}.")


@models.command()
@click.argument("name")
@click.argument("version")
@click.option("--to", "target", required=True, metavar="STAGE|@ALIAS",
              help="A stage (None, Staging, Production, Archived) or an alias written @alias.")
@click.option("--archive-existing", is_flag=True,
              help="Archive the versions now in that stage (stages Staging and Production only).")
@click.option("--comment", "-m", metavar="C", help="Why; recorded in the audit history.")
@pass_state
def promote(state: State, name: str, version: str, target: str, archive_existing: bool, comment: str | None) -> None:
    """Move a version to a stage, or set an alias.

    Moves VERSION of NAME to a stage, or points an alias at it, if the model's promotion policy
    for that target allows it (otherwise: `mltrack models request`).
    """
    client = _client(state)
    if target.startswith("@"):
        if archive_existing:
            _usage("--archive-existing applies to stages, not to aliases.")
        client.set_registered_model_alias(name, target[1:], version, comment=comment)
        click.echo(f"Alias {target} of model {name!r} now points to version {version}.")
        return
    moved = client.transition_model_version_stage(name, version, target, archive_existing, comment=comment)
    click.echo(f"Version {moved.version} of model {name!r} is now in {moved.current_stage}.")


@models.command()
@click.argument("name")
@click.argument("alias")
@click.argument("version", required=False)
@click.option("--delete", "delete_", is_flag=True, help="Remove the alias instead of setting it.")
@pass_state
def alias(state: State, name: str, alias: str, version: str | None, delete_: bool) -> None:
    """Set an alias, or delete it.

    Points ALIAS of NAME at VERSION, or removes it with --delete.
    """
    alias = alias[1:] if alias.startswith("@") else alias
    if delete_:
        if version is not None:
            _usage("--delete takes no VERSION.")
        _client(state).delete_registered_model_alias(name, alias)
        click.echo(f"Deleted alias @{alias} of model {name!r}.")
        return
    if version is None:
        _usage("Missing argument 'VERSION' (or pass --delete to remove the alias).")
    _client(state).set_registered_model_alias(name, alias, version)
    click.echo(f"Alias @{alias} of model {name!r} now points to version {version}.")


# ------------------------------------------------------------------------------------- approvals
@models.command()
@click.argument("name")
@click.argument("version")
@click.option("--to", "target", required=True, metavar="STAGE|@ALIAS", help="The stage or @alias asked for.")
@click.option("--comment", "-m", metavar="C", help="Why; shown to the approver and recorded.")
@pass_state
def request(state: State, name: str, version: str, target: str, comment: str | None) -> None:
    """Ask for a version to be promoted.

    Prints the request id, for `mltrack models approve` or `mltrack models reject`.
    """
    made = _client(state).request_transition(name, version, target, comment)
    click.echo(f"Request {made.request_id}: version {made.version} of model {made.name!r} to {made.target} "
               f"is pending. Approve it with `mltrack models approve {made.request_id}`.")


@models.command()
@click.argument("request_id")
@click.option("--comment", "-m", metavar="C", help="Recorded with the decision.")
@click.option("--archive-existing", is_flag=True, help="For a stage: archive the versions now in it.")
@pass_state
def approve(state: State, request_id: str, comment: str | None, archive_existing: bool) -> None:
    """Approve a request; the promotion happens now.

    The policy's gates are checked again before the promotion.
    """
    done = _client(state).approve_transition(request_id, comment, archive_existing)
    click.echo(f"Approved request {done.request_id}: {_moved(done)}.")


def _moved(r: TransitionRequest) -> str:
    if r.target.startswith("@"):
        return f"alias {r.target} of model {r.name!r} now points to version {r.version}"
    return f"version {r.version} of model {r.name!r} is now in {r.target}"


@models.command()
@click.argument("request_id")
@click.option("--comment", "-m", metavar="C", help="Why; recorded with the decision.")
@pass_state
def reject(state: State, request_id: str, comment: str | None) -> None:
    """Reject a pending request (nothing is promoted)."""
    done = _client(state).reject_transition(request_id, comment)
    click.echo(f"Rejected request {done.request_id}: version {done.version} of model {done.name!r} "
               f"stays out of {done.target}.")


@models.command()
@click.option("--name", "-n", metavar="N", help="Only requests for this model.")
@click.option("--status", "-s", type=click.Choice(STATUSES, case_sensitive=False), help="Only requests in this state.")
@json_option()
@pass_state
def requests(state: State, name: str | None, status: str | None, as_json: bool) -> None:
    """List transition requests, oldest first."""
    found = _client(state).list_transition_requests(name, status)
    if as_json:
        click.echo(render.to_json(found))
        return
    if not found:
        click.echo("No transition requests.")
        return
    headers = ["id", "model", "version", "target", "status", "requested_by", "requested_at", "comment", "decided_by",
               "decision_comment"]
    rows = [[r.request_id, r.name, r.version, r.target, r.status, r.requested_by, render.timestamp(r.requested_at),
             r.comment, r.decided_by, r.decision_comment] for r in found]
    click.echo(render.table(headers, rows, right=[0, 2]))


# --------------------------------------------------------------------------------------- history
@models.command()
@click.argument("name")
@click.option("--at", "at", metavar="TIME", callback=_time,
              help="With --target: which version held it at TIME (ISO 8601, local time unless an offset is "
                   "given, or epoch milliseconds).")
@click.option("--target", metavar="STAGE|@ALIAS", help="The stage or @alias asked about with --at.")
@json_option()
@pass_state
def history(state: State, name: str, at: int | None, target: str | None, as_json: bool) -> None:
    """Show the audit history of a model.

    Oldest first. With --at and --target: which version held that stage or alias at that time.
    """
    if (at is None) != (target is None):
        _usage("--at and --target go together.")
    if at is not None and target is not None:
        held = _client(state).version_at(name, target, at)
        if as_json:
            click.echo(render.to_json({"name": name, "target": target, "time": at, "version": held}))
        else:
            who = f"version {held}" if held is not None else "no version"
            click.echo(f"{target} of model {name!r} at {render.timestamp(at)}: {who}.")
        return
    entries = _client(state).get_model_history(name)
    if as_json:
        click.echo(render.to_json(entries))
        return
    rows = [[render.timestamp(e.timestamp), e.actor, e.action, e.version, e.target,
             reprs.change_text(e.before, e.after), e.comment] for e in entries]
    click.echo(render.table(["time", "actor", "action", "version", "target", "before -> after", "comment"], rows,
                            right=[3], width=60))


# ---------------------------------------------------------------------------------------- policy
@models.command()
@click.argument("name")
@click.argument("target", required=False)
@click.option("--require-approval/--no-require-approval", default=None,
              help="Whether promotions to TARGET must be requested and approved (default when setting: required).")
@click.option("--gate", "gates", multiple=True, metavar="FILTER",
              help="A run-search filter the version's run must match, e.g. \"metrics.accuracy >= 0.9\" (repeatable).")
@json_option()
@pass_state
def policy(state: State, name: str, target: str | None, require_approval: bool | None, gates: Sequence[str],
           as_json: bool) -> None:
    """Set a promotion policy, or list them.

    With TARGET (a stage or @alias): set the policy of NAME for it, replacing any earlier one.
    Without: list NAME's policies.
    """
    if target is None:
        if require_approval is not None or gates:
            _usage("--require-approval and --gate need a TARGET (a stage or @alias).")
        found = _client(state).list_promotion_policies(name)
        if as_json:
            click.echo(render.to_json(found))
        elif not found:
            click.echo(f"No promotion policies for model {name!r}.")
        else:
            rows = [[p.target, "yes" if p.require_approval else "no", "; ".join(p.gates)] for p in found]
            click.echo(render.table(["target", "approval", "gates"], rows, width=80))
        return
    approval = True if require_approval is None else require_approval
    made = _client(state).set_promotion_policy(name, target, approval, list(gates))
    if as_json:
        click.echo(render.to_json(made))
    else:
        click.echo(f"Promotions of model {name!r} to {made.target}: {_policy_text(made)}.")


def _policy_text(p: PromotionPolicy) -> str:
    approval = "approval required" if p.require_approval else "no approval needed"
    return f"{approval}; gates: {'; '.join(p.gates)}" if p.gates else f"{approval}; no gates"
