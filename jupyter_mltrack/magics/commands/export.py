"""``%mltrack export [OUT_DIR]``: this notebook (as last saved) as a project, via the export service."""

from __future__ import annotations

import argparse
import os
from typing import Any

from IPython.core.error import UsageError

from jupyter_mltrack.capture import cell, notebook
from jupyter_mltrack.magics.args import MagicArgumentParser
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import usage_errors


def parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        prog="%mltrack export",
        description="Export this notebook, as last saved, as a project: MLproject, main.py, requirements, Dockerfile.",
    )
    p.add_argument(
        "out_dir", nargs="?", metavar="OUT_DIR", help="folder to write (default: <notebook>-project beside it)"
    )
    p.add_argument("--run", metavar="RUN_ID", help="use this run's param values as the defaults")
    p.add_argument("--name", metavar="NAME", help="the project's name (default: the notebook's)")
    p.add_argument("--force", action="store_true", help="write into OUT_DIR even if it is not empty")
    return p


def run(magics: Any, ns: argparse.Namespace) -> None:
    from jupyter_mltrack.export import export_notebook  # on first use: %load_ext stays fast
    from jupyter_mltrack.export.sanitize import slug

    shell = getattr(magics, "shell", None)
    path = notebook.notebook_path(getattr(shell, "user_ns", None) or cell.user_namespace())
    if path is None or not os.path.isfile(path):
        raise UsageError(
            "%mltrack export: cannot tell which notebook file this kernel runs; save the notebook and use "
            "`mltrack export NOTEBOOK.ipynb OUT_DIR` in a terminal."
        )
    stem = os.path.splitext(os.path.basename(path))[0]
    out_dir = ns.out_dir or os.path.join(os.path.dirname(path), slug(stem, "notebook") + "-project")
    with usage_errors("%mltrack export"):
        result = export_notebook(path, out_dir, run_id=ns.run, name=ns.name, force=ns.force)
    params = ", ".join(f"{p.name} ({p.kind})" for p in result.parameters.values()) or "none"
    print(f"Exported {os.path.basename(path)} as project {result.name!r} in {result.path}.")
    print(f"Parameters: {params}. Run it with: mltrack run {result.path}")


COMMANDS = [Command("export", "export this notebook as a runnable project (MLproject, main.py...)", parser, run)]
