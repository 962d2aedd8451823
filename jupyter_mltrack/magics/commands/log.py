"""``%mltrack log key=value ...``: add values to the active run, or to this notebook's last run.

MLflow's habit decides the kind: a value that reads as a number (``0.93``, ``1e-3``, ``nan``) is a
metric, anything else a param. A prefix says it explicitly, with the search grammar's names:
``params.seed=42`` (a param even though numeric), ``metrics.acc=0.9``, ``tags.note="first try"``.
All pairs are checked before anything is written.
"""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

import jupyter_mltrack as mlt
from jupyter_mltrack.capture import cell
from jupyter_mltrack.entities import Metric, Param, RunTag, now_millis
from jupyter_mltrack.magics.args import MagicArgumentParser, key_value
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import usage_errors
from jupyter_mltrack.tracking.client import Client

PREFIXES = {"params": "param", "param": "param", "metrics": "metric", "metric": "metric", "tags": "tag", "tag": "tag"}


def parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        prog="%mltrack log",
        description="Log values into the active run, else this notebook's last run. Numbers are metrics, other "
        "values params; prefix a key with params., metrics. or tags. to choose.",
    )
    p.add_argument("pairs", nargs="+", type=key_value, metavar="KEY=VALUE")
    return p


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def classify(pairs: list[tuple[str, str]]) -> tuple[list[Metric], list[Param], list[RunTag]]:
    metrics: list[Metric] = []
    params: list[Param] = []
    tags: list[RunTag] = []
    now = now_millis()
    for key, value in pairs:
        head, dot, rest = key.partition(".")
        kind = PREFIXES.get(head) if dot and rest else None
        key = rest if kind else key
        number = _number(value)
        if kind == "metric" and number is None:
            raise UsageError(f"%mltrack log: metric {key!r} needs a number, got {value!r}.")
        if kind == "tag":
            tags.append(RunTag(key, value))
        elif kind == "param" or (kind is None and number is None):
            params.append(Param(key, value))
        else:
            assert number is not None
            metrics.append(Metric(key, number, now, 0))
    return metrics, params, tags


def target_run_id() -> str:
    active = mlt.active_run()
    if active is not None:
        return active.info.run_id
    last = cell.last_run_id()
    if last is None:
        raise UsageError("%mltrack log: no run to log into; run a %%track cell (or start_run()) first.")
    return last


def run(_magics: Any, ns: argparse.Namespace) -> None:
    metrics, params, tags = classify(list(ns.pairs))
    run_id = target_run_id()
    with usage_errors("%mltrack log"):
        Client().log_batch(run_id, metrics=metrics, params=params, tags=tags)
    kinds = [f"{len(x)} {name}" for x, name in ((metrics, "metric(s)"), (params, "param(s)"), (tags, "tag(s)")) if x]
    print(f"Logged {', '.join(kinds)} to run {run_id}")


COMMANDS = [Command("log", "log key=value pairs into the active or last run", parser, run)]
