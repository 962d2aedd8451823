"""``%mltrack SUBCOMMAND ...``: split the line, find the subcommand, parse its arguments, run it.

``%mltrack`` alone or ``%mltrack help`` lists the subcommands; ``%mltrack help SUB`` or
``%mltrack SUB -h`` prints one subcommand's help. Every bad argument is a one-line UsageError
raised before anything is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from jupyter_mltrack.magics import args
from jupyter_mltrack.magics.commands import (
    Command,
    autolog,
    compare,
    export,
    log,
    models,
    runs,
    serve,
    settings,
    status,
)

if TYPE_CHECKING:
    from jupyter_mltrack.magics.extension import MltrackMagics


def all_commands() -> dict[str, Command]:
    """The subcommands, in the order ``%mltrack?`` lists them."""
    modules = (autolog, settings, runs, compare, log, status, models, serve, export)
    return {c.name: c for module in modules for c in module.COMMANDS}


def overview() -> str:
    """The ``%mltrack?`` text: every subcommand's usage."""
    lines = ["Track, list and compare runs from a notebook.", "", "Subcommands:"]
    for command in all_commands().values():
        usage = command.parser().format_usage().replace("usage: ", "").strip()
        lines.append(f"  {usage}")
        lines.append(f"      {command.summary}")
    lines += ["", "`%mltrack help SUBCOMMAND` or `%mltrack SUBCOMMAND -h` shows one subcommand's help."]
    return "\n".join(lines)


def dispatch(magics: "MltrackMagics", line: str) -> Any:
    words = args.split(line)
    commands = all_commands()
    if not words or words[0] in ("help", "-h", "--help"):
        topic = words[1] if len(words) > 1 else None
        if topic is None:
            print(overview())
        elif topic in commands:
            print(commands[topic].parser().format_help())
        else:
            raise UsageError(f"%mltrack help: no subcommand {topic!r}; choose one of {', '.join(commands)}.")
        return None
    command = commands.get(words[0])
    if command is None:
        raise UsageError(f"%mltrack: unknown subcommand {words[0]!r}; choose one of {', '.join(commands)}.")
    try:
        namespace = args.parse(command.parser(), words[1:])
    except args.HelpShown:
        return None
    return command.run(magics, namespace)
