"""``%mltrack compare RUN_ID ...`` (or ``--last N``): params diff and metric charts."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

from jupyter_mltrack.capture import cell
from jupyter_mltrack.magics.args import MagicArgumentParser, positive_int
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.commands.runs import resolve
from jupyter_mltrack.magics.comparison import RunComparison, fetch_histories
from jupyter_mltrack.magics.errors import usage_errors
from jupyter_mltrack.tracking.client import Client


def parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack compare", description="Compare runs: params that differ, metric charts.")
    p.add_argument("run_ids", nargs="*", metavar="RUN_ID", help="two or more run ids (or their first characters)")
    p.add_argument("--last", type=positive_int, metavar="N", help="the last N %%track runs of this notebook")
    return p


def run(_magics: Any, ns: argparse.Namespace) -> RunComparison:
    if ns.last and ns.run_ids:
        raise UsageError("%mltrack compare: give run ids or --last N, not both.")
    ids = cell.recent_run_ids(ns.last) if ns.last else list(ns.run_ids)
    if len(ids) < 2:
        where = "this notebook has tracked fewer than two runs" if ns.last else "give at least two run ids"
        raise UsageError(f"%mltrack compare needs two or more runs: {where}.")
    runs = [resolve(ref, "%mltrack compare") for ref in ids]
    with usage_errors("%mltrack compare"):
        histories = fetch_histories(Client(), runs)
    return RunComparison(runs, histories)


COMMANDS = [Command("compare", "compare runs: params diff table and metric charts", parser, run)]
