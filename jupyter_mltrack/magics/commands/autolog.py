"""``%mltrack autolog on|off [FRAMEWORK ...]``: one call to ``jupyter_mltrack.autolog.autolog``."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from IPython.core.error import UsageError

from jupyter_mltrack.magics.args import MagicArgumentParser
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import usage_errors

#: What `%mltrack autolog` last asked for in this kernel (shown by `%mltrack status` when the
#: autolog package cannot say itself).
last_request: str | None = None


def parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack autolog", description="Turn automatic logging of model fits on or off.")
    p.add_argument("state", choices=["on", "off"], help="on or off")
    p.add_argument("frameworks", nargs="*", metavar="FRAMEWORK", help="e.g. sklearn xgboost lightgbm (default: all)")
    p.add_argument("--no-models", action="store_true", help="log params and metrics but no models")
    p.add_argument("--exclusive", action="store_true", help="do not log into runs you started yourself")
    p.add_argument("--silent", action="store_true", help="no autolog messages")
    return p


def autolog_module() -> Any:
    try:
        return importlib.import_module("jupyter_mltrack.autolog")
    except ImportError:
        raise UsageError(
            "%mltrack autolog: autolog is not available in this version of jupyter_mltrack "
            "(the jupyter_mltrack.autolog package is missing)."
        ) from None


def run(_magics: Any, ns: argparse.Namespace) -> None:
    global last_request
    module = autolog_module()
    frameworks = list(ns.frameworks) or None
    with usage_errors("%mltrack autolog"):
        module.autolog(
            disable=ns.state == "off",
            exclusive=ns.exclusive,
            silent=ns.silent,
            log_models=not ns.no_models,
            frameworks=frameworks,
        )
    last_request = ns.state + (f" ({', '.join(frameworks)})" if frameworks else "")
    if not ns.silent:
        print(f"autolog {last_request}")


def state() -> str:
    """Autolog's state as the autolog package reports it, else what this kernel asked for."""
    try:
        module = importlib.import_module("jupyter_mltrack.autolog")
    except ImportError:
        return "not available in this version"
    report = getattr(module, "status", None)
    if callable(report):
        try:
            found = [name for name, state in report().items() if state.get("enabled")]
        except Exception:
            found = None
        if found is not None:
            return "on: " + ", ".join(found) if found else "off"
    return last_request or "off"


COMMANDS = [Command("autolog", "turn autolog on or off, for all or some frameworks", parser, run)]
