"""A project folder read back: its MLproject (MLflow's format), entry points and export metadata.

An entry point's command becomes an argument list without a shell: the command is split like a
shell would split it, then each word has its ``{parameter}`` placeholders filled, so a value can
never become two arguments or a second command. A leading ``python`` is the chosen interpreter.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from jupyter_mltrack.export import params
from jupyter_mltrack.export.errors import ProjectError
from jupyter_mltrack.export.files import METADATA
from jupyter_mltrack.export.params import Parameter


@dataclass(frozen=True)
class EntryPoint:
    name: str
    parameters: dict[str, Parameter]
    command: str
    script: bool = False  # a .py file named as the entry point: parameters pass as --name value


@dataclass(frozen=True)
class Project:
    path: str
    name: str
    entry_points: dict[str, EntryPoint]
    python_env: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def entry_point(self, name: str) -> EntryPoint:
        if name in self.entry_points:
            return self.entry_points[name]
        if name.endswith(".py") and os.path.isfile(os.path.join(self.path, name)) and _inside(self.path, name):
            return EntryPoint(name, {}, f"python {shlex.quote(name)}", script=True)
        known = ", ".join(self.entry_points) or "none"
        raise ProjectError(f"Project {self.name!r} has no entry point {name!r} (its entry points: {known}).")


def _inside(folder: str, name: str) -> bool:
    root = Path(folder).resolve()
    return root in (root / name).resolve().parents


def _project_file(folder: Path) -> Path | None:
    for child in folder.iterdir():
        if child.name.lower() == "mlproject" and child.is_file():
            return child
    return None


def load_project(path: str | os.PathLike[str]) -> Project:
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ProjectError(
            f"{str(folder)!r} is not a project folder. Give a folder with an MLproject file, or a notebook."
        )
    found = _project_file(folder)
    document: Any = {}
    if found is not None:
        try:
            document = yaml.safe_load(found.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ProjectError(f"{found} is not valid YAML: {' '.join(str(exc).split())[:200]}.") from None
    if not isinstance(document, Mapping):
        raise ProjectError(f"{found} must be a YAML mapping with name and entry_points.")
    entry_points = {}
    for name, entry in (document.get("entry_points") or {}).items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("command"), str):
            raise ProjectError(f"Entry point {name!r} of {found} needs a command.")
        declared = {str(k): params.from_spec(str(k), v) for k, v in (entry.get("parameters") or {}).items()}
        entry_points[str(name)] = EntryPoint(str(name), declared, entry["command"])
    metadata: dict[str, Any] = {}
    meta_file = folder / METADATA
    if meta_file.is_file():
        try:
            loaded = json.loads(meta_file.read_text(encoding="utf-8"))
            metadata = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            metadata = {}
    env = document.get("python_env")
    return Project(str(folder.resolve()), str(document.get("name") or folder.resolve().name), entry_points,
                   str(env) if isinstance(env, str) else None, metadata)


def argv(entry: EntryPoint, values: Mapping[str, Any], python: str) -> list[str]:
    """The command of ``entry`` with ``values`` filled in, as an argument list."""
    text = {k: params.canonical(v) for k, v in values.items()}
    try:
        words = shlex.split(entry.command)
    except ValueError as exc:
        raise ProjectError(f"The command of entry point {entry.name!r} cannot be parsed: {exc}.") from None
    filled = []
    for word in words:
        try:
            filled.append(word.format(**text))
        except (KeyError, IndexError, ValueError) as exc:
            raise ProjectError(
                f"The command of entry point {entry.name!r} uses {{{exc.args[0] if exc.args else word}}}, "
                "which is not one of its parameters."
            ) from None
    if filled and filled[0] in ("python", "python3"):
        filled[0] = python
    if entry.script:
        for key, value in text.items():
            filled += [f"--{key}", value]
    return filled
