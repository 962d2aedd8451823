"""What every command shares: the state the group passes down, and common option types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import click

from jupyter_mltrack.entities import ViewType
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.tracking.maintenance import parse_duration


@dataclass(frozen=True)
class State:
    """What the group hands to every command."""

    #: None means "whatever the services pick": set_tracking_uri(), $MLTRACK_TRACKING_URI, the default.
    tracking_uri: str | None


pass_state = click.make_pass_decorator(State)

F = TypeVar("F", bound=Callable[..., Any])

VIEWS = {"active": ViewType.ACTIVE_ONLY, "deleted": ViewType.DELETED_ONLY, "all": ViewType.ALL}


def view_option(what: str) -> Callable[[F], F]:
    return click.option("--view", type=click.Choice(list(VIEWS), case_sensitive=False), default="active",
                        show_default=True, help=f"Which {what} to show, by lifecycle stage.")


def json_option() -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """Option callback: ``30d``, ``12h``, ``90m``, ``3600s``, ``2w`` or plain seconds, as seconds."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except InvalidParameterError as exc:
        raise click.BadParameter(exc.message, ctx, param) from None
