"""``%mltrack runs`` (a table of runs) and ``%mltrack show RUN_ID`` (one run in full)."""

from __future__ import annotations

import argparse
import re
from typing import Any

from IPython.core.error import UsageError

import jupyter_mltrack as mlt
from jupyter_mltrack.entities import Run
from jupyter_mltrack.errors import RunNotFoundError
from jupyter_mltrack.magics.args import MagicArgumentParser, positive_int
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import usage_errors
from jupyter_mltrack.magics.reprs import RunCard, RunTable, find_models
from jupyter_mltrack.tracking.client import Client

_ID_PREFIX = re.compile(r"[0-9A-Za-z_-]{4,64}")


def resolve(reference: str, what: str) -> Run:
    """A run by id, or by an unambiguous id prefix of at least 4 characters (as cards show them)."""
    with usage_errors(what):
        try:
            return mlt.get_run(reference)
        except RunNotFoundError:
            if not _ID_PREFIX.fullmatch(reference):
                raise
        found = mlt.search_runs(
            filter_string=f"attributes.run_id LIKE '{reference}%'",
            search_all_experiments=True,
            max_results=2,
            output_format="list",
        )
    if len(found) == 1:
        return found[0]  # type: ignore[no-any-return]
    if not found:
        raise UsageError(f"{what}: no run has the id {reference!r}; list runs with %mltrack runs.")
    raise UsageError(f"{what}: several runs start with {reference!r}; give more of the id.")


def runs_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack runs", description="Runs of the active experiment, newest first.")
    p.add_argument("--filter", default="", metavar="F", help='search filter, e.g. "metrics.acc > 0.9"')
    p.add_argument("--order-by", action="append", default=[], metavar="K", help='e.g. "metrics.acc DESC"')
    p.add_argument("-n", type=positive_int, default=20, metavar="N", help="at most N runs (default 20)")
    p.add_argument("-e", "--experiment", metavar="EXPERIMENT", help="another experiment than the active one")
    return p


def runs(_magics: Any, ns: argparse.Namespace) -> RunTable:
    with usage_errors("%mltrack runs"):
        found = mlt.search_runs(
            experiment_names=[ns.experiment] if ns.experiment else None,
            filter_string=ns.filter,
            order_by=ns.order_by or None,
            max_results=ns.n,
            output_format="list",
        )
    return RunTable(found)


def show_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack show", description="One run in full: params, metrics, tags, source.")
    p.add_argument("run_id", metavar="RUN_ID", help="a run id (or its first characters)")
    return p


def show(_magics: Any, ns: argparse.Namespace) -> RunCard:
    run = resolve(ns.run_id, "%mltrack show")
    return RunCard(run, find_models(Client(), run), full=True)


COMMANDS = [
    Command("runs", "list runs as a table (filter, order, limit)", runs_parser, runs),
    Command("show", "show one run in full", show_parser, show),
]
