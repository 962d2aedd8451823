"""``%mltrack experiment [NAME]`` and ``%mltrack uri [URI]``: show or set where runs go."""

from __future__ import annotations

import argparse
import re
from typing import Any

from IPython.core.error import UsageError

import jupyter_mltrack as mlt
from jupyter_mltrack.errors import MltrackError
from jupyter_mltrack.magics.args import MagicArgumentParser
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import one_line, usage_errors
from jupyter_mltrack.tracking.client import Client

_PASSWORD = re.compile(r"(://[^:/@]+):[^@/]*@")


def redact(uri: str) -> str:
    return _PASSWORD.sub(r"\1:***@", uri)


def active_experiment() -> Any:
    from jupyter_mltrack.tracking.fluent import _active_experiment_for

    client = Client()
    return client.get_experiment(_active_experiment_for(client))


def experiment_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack experiment", description="Show the active experiment, or set it.")
    p.add_argument("name", nargs="?", metavar="NAME", help="experiment to make active (created if missing)")
    return p


def experiment(_magics: Any, ns: argparse.Namespace) -> None:
    with usage_errors("%mltrack experiment"):
        exp = mlt.set_experiment(ns.name) if ns.name else active_experiment()
    print(f"Active experiment: {exp.name} (id {exp.experiment_id})")


def uri_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack uri", description="Show the tracking URI, or set it for this kernel.")
    p.add_argument("uri", nargs="?", metavar="URI", help="sqlite:///path.db, postgresql://..., or a folder")
    return p


def uri(_magics: Any, ns: argparse.Namespace) -> None:
    if ns.uri:
        with usage_errors("%mltrack uri"):
            from jupyter_mltrack.config import normalize_tracking_uri

            target = normalize_tracking_uri(ns.uri)
            try:
                Client(target)  # opens (and checks) the store before switching to it
            except (UsageError, MltrackError):
                raise
            except Exception as exc:
                raise UsageError(f"%mltrack uri: cannot open {redact(target)}: {one_line(exc)}") from None
            mlt.set_tracking_uri(target)
    print(f"Tracking URI: {redact(mlt.get_tracking_uri())}")


COMMANDS = [
    Command("experiment", "show or set the active experiment", experiment_parser, experiment),
    Command("uri", "show or set the tracking URI", uri_parser, uri),
]
