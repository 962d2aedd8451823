"""``%mltrack status``: where runs go, what is active, whether autolog is on."""

from __future__ import annotations

import argparse
from typing import Any

import jupyter_mltrack as mlt
from jupyter_mltrack.capture import cell, notebook
from jupyter_mltrack.magics.args import MagicArgumentParser
from jupyter_mltrack.magics.commands import Command, autolog
from jupyter_mltrack.magics.commands.settings import active_experiment, redact
from jupyter_mltrack.magics.errors import usage_errors
from jupyter_mltrack.magics.reprs import StatusView


def parser() -> MagicArgumentParser:
    return MagicArgumentParser(prog="%mltrack status", description="The store, the active run and autolog's state.")


def run(_magics: Any, _ns: argparse.Namespace) -> StatusView:
    with usage_errors("%mltrack status"):
        experiment = active_experiment()
        active = mlt.active_run()
    last = cell.last_run_id()
    fields = {
        "tracking URI": redact(mlt.get_tracking_uri()),
        "experiment": f"{experiment.name} (id {experiment.experiment_id})",
        "active run": f"{active.info.run_name} ({active.info.run_id})" if active else "none",
        "last cell run": last or "none",
        "autolog": autolog.state(),
        "notebook": notebook.notebook_path(cell.user_namespace()) or "unknown",
    }
    return StatusView(fields)


COMMANDS = [Command("status", "show the store, the active run and autolog's state", parser, run)]
