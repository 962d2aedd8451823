"""The files of an exported project besides ``main.py``: MLproject, environments, Dockerfile, README.

Every text goes through the export's :class:`Scrubber` on its way to disk; YAML is written by
the YAML library (never by string formatting), so no value can add keys or documents.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import sys
from typing import Any, Iterable

import yaml

from jupyter_mltrack.capture.environment import imported_modules
from jupyter_mltrack.export.params import Parameter
from jupyter_mltrack.export.sanitize import Scrubber, one_line
from jupyter_mltrack.models import environment

MLPROJECT = "MLproject"
SCRIPT = "main.py"
METADATA = "mltrack_export.json"
DOCKERFILE = "Dockerfile"
README = "README.md"
_KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")


def write_text(folder: str, name: str, text: str, scrub: Scrubber) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(scrub(text))
    return path


def command(parameters: Iterable[Parameter]) -> str:
    flags = " ".join(f"{p.flag} {{{p.name}}}" for p in parameters)
    return f"python {SCRIPT} {flags}".strip()


def mlproject(name: str, parameters: dict[str, Parameter]) -> str:
    entry: dict[str, Any] = {}
    if parameters:
        entry["parameters"] = {p.name: p.spec() for p in parameters.values()}
    entry["command"] = command(parameters.values())
    document = {"name": name, "python_env": environment.PYTHON_ENV_FILE, "entry_points": {"main": entry}}
    return str(yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=False))


def requirements(python_sources: Iterable[str]) -> tuple[list[str], list[str]]:
    """(pins of the distributions the code imports, plus jupyter-mltrack; modules found in none)."""
    modules: set[str] = {"jupyter_mltrack"}
    for source in python_sources:
        modules |= imported_modules(source)
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    pins: set[str] = set()
    missing: list[str] = []
    for module in sorted(modules):
        if module in stdlib or module.startswith("_"):
            continue
        pin = environment.distribution_pin(module)
        if pin:
            pins.add(pin)
        else:
            missing.append(module)
    return sorted(pins, key=str.lower), missing


def write_environment(folder: str, pins: list[str], scrub: Scrubber) -> None:
    environment.write_environment(folder, pins)
    for name in (environment.REQUIREMENTS_FILE, environment.PYTHON_ENV_FILE, environment.CONDA_FILE):
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        write_text(folder, name, text.rstrip("\n") + "\n", scrub)


def dockerfile() -> str:
    version = ".".join(platform.python_version_tuple()[:2])
    return (
        f"FROM python:{version}-slim\n"
        "WORKDIR /project\n"
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . .\n"
        "# Runs go to $MLTRACK_TRACKING_URI (give it with `docker run -e`), else a SQLite store in the image.\n"
        'ENTRYPOINT ["python", "main.py"]\n'
    )


def readme(name: str, notebook: str, parameters: dict[str, Parameter], run_id: str | None, missing: list[str]) -> str:
    rows = [f"| `{p.name}` | {p.kind} | `{_code(repr(p.default))}` |" for p in parameters.values()]
    lines = [
        f"# {name}",
        "",
        f"Exported from the notebook `{notebook}` (a copy is in this folder)"
        + (f", with the parameter values of run `{run_id}`." if run_id else "."),
        "",
        "## Run it",
        "",
        "```bash",
        "mltrack run .                          # in this environment, as a tracked run",
        "mltrack run . --env-manager virtualenv # in a fresh virtualenv built from requirements.txt",
        "python main.py --help                  # the script alone",
        "```",
        "",
        "`mltrack run` checks the parameters, creates a run and passes its id to `main.py`",
        "(`MLTRACK_RUN_ID`) with the store (`MLTRACK_TRACKING_URI`), so the script logs into that run.",
        "",
        "## Parameters",
        "",
    ]
    if rows:
        lines += ["| name | type | default |", "|---|---|---|", *rows, "", "Give them as `-P name=value`."]
    else:
        lines.append("None.")
    lines += ["", "## Files", "", "`MLproject` (MLflow's format), `main.py`, `requirements.txt`, `python_env.yaml`,",
              "`conda.yaml`, `Dockerfile`, `mltrack_export.json` (where the project came from)."]
    if missing:
        shown = ", ".join(f"`{one_line(m)}`" for m in missing)
        lines += ["", f"Imported but not found in the exporting environment (local modules?): {shown}.",
                  "Copy them next to `main.py` or add them to `requirements.txt`."]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    return one_line(text).replace("`", "'").replace("|", "/")


def notebook_copy(notebook: Any, scrub: Scrubber) -> str:
    """The source notebook without outputs, execution counts or foreign metadata, as JSON text."""
    import nbformat

    clean = copy.deepcopy(notebook)
    clean.metadata = {k: v for k, v in clean.metadata.items() if k in _KEEP_NOTEBOOK_METADATA}
    for cell in clean.cells:
        tags = cell.get("metadata", {}).get("tags")
        cell.metadata = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.source = scrub(str(cell.source))
    return str(nbformat.writes(clean))  # type: ignore[no-untyped-call]


def metadata(fields: dict[str, Any]) -> str:
    return json.dumps(fields, indent=2, sort_keys=True) + "\n"
