"""The ``mltrack`` group: the global ``--tracking-uri``, ``--version``, and error translation.

Errors are translated in one place, :class:`MltrackGroup`: every ``MltrackError`` becomes a
``click.ClickException``, and every click error (usage errors included) is shown as one line,
``Error: <message>``, on stderr with a non-zero exit status and no traceback.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import click
from click.core import ParameterSource

from jupyter_mltrack import __version__
from jupyter_mltrack.cli import db, experiments, export, models, project_run, runs
from jupyter_mltrack.cli import serve as serving
from jupyter_mltrack.cli.context import State
from jupyter_mltrack.config import ENV_TRACKING_URI
from jupyter_mltrack.errors import FilterSyntaxError, MltrackError


class _NeverRaised(click.UsageError):
    """Stands in for NoArgsIsHelpError on click 8.1, which printed the help itself."""


#: click >= 8.2 raises this for a group called without a command.
_NO_ARGS_IS_HELP: type[click.UsageError] = getattr(click.exceptions, "NoArgsIsHelpError", _NeverRaised)


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on a single line (a filter error keeps its pointer to the token)."""
    if isinstance(exc, FilterSyntaxError):
        near = exc.text[exc.position : exc.position + 30] or "<end of input>"
        message = f"Invalid search filter at position {exc.position} (near {near!r}): {exc.reason}"
    elif isinstance(exc, click.ClickException):
        message = exc.format_message()
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            end = "" if message.endswith((".", "?", "!")) else "."
            message = f"{message}{end} See '{exc.ctx.command_path} --help'."
    elif isinstance(exc, MltrackError):
        message = exc.message
    else:
        message = str(exc)
    return " ".join(message.split())


class MltrackGroup(click.Group):
    """A group that turns our errors, and click's, into one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MltrackError as exc:
            raise click.ClickException(one_line(exc)) from None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        extra["windows_expand_args"] = windows_expand_args
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            if isinstance(exc, _NO_ARGS_IS_HELP) and exc.ctx is not None:
                click.echo(exc.ctx.get_help(), err=True)  # a bare `mltrack` or `mltrack runs`: help, not an error
            else:
                click.echo(f"Error: {one_line(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        # Without standalone mode click returns the command's value, or the code given to ctx.exit().
        sys.exit(result if isinstance(result, int) else 0)


@click.group("mltrack", cls=MltrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--tracking-uri", envvar=ENV_TRACKING_URI, show_envvar=True, metavar="URI",
              help="Tracking database: sqlite:///path.db, postgresql://..., mysql+pymysql://..., or a folder.")
@click.version_option(__version__, "-V", "--version", prog_name="mltrack", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, tracking_uri: str | None) -> None:
    """Inspect and maintain a jupyter_mltrack tracking store."""
    if ctx.get_parameter_source("tracking_uri") is ParameterSource.ENVIRONMENT:
        tracking_uri = None  # let the services read it, so `doctor` can say where it came from
    ctx.obj = State(tracking_uri or None)


for command in (experiments.experiments, runs.runs, models.models, db.db, db.gc, db.doctor, serving.serve,
                serving.predict):
    cli.add_command(command)
for command in (export.export, project_run.run):
    cli.add_command(command)


def main() -> None:
    """Console script entry point (``mltrack``)."""
    cli.main(prog_name="mltrack")
