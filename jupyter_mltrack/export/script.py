"""``main.py``: the notebook's cells in order, as a script that runs without Jupyter.

Cells are separated by ``# %%`` lines (the percent format VS Code and Jupytext open as cells).
A ``%%track`` cell becomes ``with start_run(...) as tracked_run, track_cell(...) as tracking:``
around its code. Under ``mltrack run`` (``MLTRACK_RUN_ID`` set) the pinned cell's block resumes
the project's run and every other tracked block is a child run of it; run alone, each block is
a run of its own, as in the notebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jupyter_mltrack.capture import ast_params
from jupyter_mltrack.export import cells, syntax, translate
from jupyter_mltrack.export.plan import CellPlan, Plan
from jupyter_mltrack.export.sanitize import Scrubber, one_line

_IDENT = re.compile(r"[A-Za-z_]\w*")
_ENV_MAGIC = re.compile(r"^\s*%(?:set_)?env\s+[\w.]+(?:=|\s+)(?P<value>.+?)\s*$", re.M)
_FUTURE = re.compile(r"^from\s+__future__\s+import\s+.+$", re.M)
_TYPES = {"int": "int", "float": "float", "bool": "boolean", "str": "str", "path": "str", "uri": "str"}


@dataclass
class Script:
    text: str
    python: list[str]  # the Python of every exported cell, for the requirements


class _Writer:
    def __init__(self, plan: Plan, scrub: Scrubber) -> None:
        self.plan = plan
        self.scrub = scrub
        sources = "\n".join(c.source for c in plan.cells if c.kind == "code")
        for match in _ENV_MAGIC.finditer(sources):  # %env NAME=value: the value may be a secret, never copied
            scrub.add(match["value"])
        taken = set(_IDENT.findall(sources))
        if re.search(r"\bimport\s+jupyter_mltrack\s+as\s+mlt\b", sources):
            taken.discard("mlt")
        self.names = cells.Names.avoiding(taken)
        self.uses_display = re.search(r"(?<![\w.])display\s*\(", sources) is not None and not re.search(
            r"\bdef\s+display\b|\bimport\b.*\bdisplay\b", sources
        )
        self.last_run: str | None = None
        self.tracked_blocks = 0
        self.python: list[str] = []

    def cell(self, plan: CellPlan) -> list[str]:
        if plan.kind in ("markdown", "raw"):
            label = "# %% [markdown]" if plan.kind == "markdown" else "# %% [raw]"
            return [label, *("# " + one_line(line) if line.strip() else "#" for line in plan.source.splitlines())]
        if plan.kind == "skipped":
            return [f"# (cell {plan.index} is tagged {'skip'!r}: left out)"]
        if plan.kind == "injected":
            return [f"# (cell {plan.index} held papermill's injected parameters: they are command-line flags now)"]
        head = [f"# %% cell {plan.index}"]
        for magic in plan.magics:
            note = "" if magic.name == "track" else "  [timing left out]" if magic.name == "time" else ""
            head.append(f"# %%{one_line(magic.name)} {one_line(magic.args)}".rstrip() + note)
        last = plan.magics[-1].name if plan.magics else None
        if last is not None and last not in ("track", *cells.KEEP_BODY):
            commented = ["# " + one_line(x) for x in plan.body.splitlines()]
            return [*head[:-1], head[-1] + "  [cell magic: not run]", *commented]
        if plan.track is None:
            return head + self._code(plan, in_tracked=False)
        return head + self._tracked(plan)

    def _code(self, plan: CellPlan, in_tracked: bool) -> list[str]:
        ctx = translate.LineContext(self.names.mlt, self.names.project_run, self.last_run, in_tracked, self.names.uses)
        lines = cells.convert_body(plan.body, self.names, ctx)
        lines = cells.rewrite(lines, self.names, self.plan.fed.get(plan.index, set()), self.scrub, observe=in_tracked)
        self.python.append("\n".join(lines))
        return lines

    def _tracked(self, plan: CellPlan) -> list[str]:
        track = plan.track
        assert track is not None
        n = self.names
        pinned = plan.index == self.plan.pinned
        lines = self._code(plan, in_tracked=True)
        tree = cells.analysable(lines)
        analysis = ast_params.analyze("\n".join(lines)) if tree is not None else ast_params.CellAnalysis()
        args: list[str] = []
        if pinned:
            args.append(f"run_id={n.project_run}")
        if track.run_name:
            args.append(f"run_name={translate.text_expr(track.run_name)}")
        if track.nested and not pinned:
            args.append(f"parent_run_id={self.last_run or n.project_run}" + (".info.run_id" if self.last_run else ""))
        elif not pinned:
            args.append(f"parent_run_id={n.project_run}")
        if track.tags:
            args.append(f"tags={translate.dict_expr(track.tags)}")
        if track.experiment:
            self.names.uses.add("experiment_id")
            chosen = f"experiment_id({translate.text_expr(track.experiment)})"
            args.append(f"experiment_id=None if {n.project_run} else {chosen}" if pinned else f"experiment_id={chosen}")
        target = n.nested_run if track.nested else n.run
        capture = [f"globals(), {list(analysis.bound)!r}"]
        for key, values in (("params", track.params), ("metrics", track.metrics), ("fit_inputs", analysis.fit_inputs)):
            if values:
                capture.append(f"{key}={list(values)!r}")
        self.names.uses.update({"track_cell", "project_run", "os"})
        notes = [f"# --{flag}: {why}" for flag, on, why in (
            ("live", track.live, "no live chart outside Jupyter"),
            ("no-models", track.no_models, "autolog logs models here (no notebook cell to tell it not to)"),
        ) if on]
        header = [
            *notes,
            "with (",
            f"    {n.mlt}.start_run({', '.join(args)}) as {target},",
            f"    track_cell({', '.join(capture)}) as {n.tracking},",
            "):",
        ]
        inside = syntax.string_lines("\n".join(lines) + "\n")
        body = [line if i in inside or not line.strip() else "    " + line for i, line in enumerate(lines)]
        if tree is None or not tree.body:
            body.append("    pass")
        if not track.nested:
            self.last_run = n.run
        self.tracked_blocks += 1
        return header + body

    def preamble(self, project: str, notebook: str, version: str) -> list[str]:
        n = self.names
        lines = [
            f'"""Project {project}: the notebook {notebook!r} as a script (exported by jupyter-mltrack {version}).',
            "",
            "Run it with `mltrack run <this folder>` (a run of its own, parameters checked),",
            "or `python main.py --help`.",
            '"""',
        ]
        futures = sorted({m for p in self.python for m in _FUTURE.findall(p)})
        lines += [*futures, ""] if futures else [""]
        imports = ["argparse"] if self.plan.parameters else []
        if "os" in n.uses:
            imports.append("os")
        lines += [f"import {m}" for m in imports] + ([""] if imports else [])
        lines.append("import jupyter_mltrack" + ("" if n.mlt == "jupyter_mltrack" else f" as {n.mlt}"))
        helpers = [h for h in ("boolean", "experiment_id", "log_pairs", "track_cell") if h in n.uses or (
            h == "boolean" and any(p.kind == "bool" for p in self.plan.parameters.values()))]
        if helpers:
            lines.append(f"from jupyter_mltrack.export.runtime import {', '.join(helpers)}")
        lines.append("")
        if "project_run" in n.uses:
            how = "pop" if self.tracked_blocks else "get"
            lines += [
                "# `mltrack run` creates the project's run and passes its id in MLTRACK_RUN_ID: the tracked cell",
                "# this project was exported from logs into it, the other tracked cells become its child runs.",
                f"{n.project_run} = os.environ.{how}(\"MLTRACK_RUN_ID\"{', None' if how == 'pop' else ''})",
                "",
            ]
        if self.plan.parameters:
            lines += self._arguments(project)
        if self.uses_display:
            lines += ["", "def display(*objects: object, **_options: object) -> None:",
                      '    """IPython\'s display() outside Jupyter: print each object."""',
                      "    for item in objects:", "        print(item)", ""]
        return lines

    def _arguments(self, project: str) -> list[str]:
        lines = [
            "",
            "def parse_args() -> argparse.Namespace:",
            f"    parser = argparse.ArgumentParser(description={('Run ' + project + '.')!r})",
        ]
        for param in self.plan.parameters.values():
            default = "" if param.default is None else f", default={param.default!r}"
            required = ", required=True" if param.default is None else ""
            lines.append(
                f"    parser.add_argument({param.flag!r}, dest={param.name!r}, type={_TYPES[param.kind]}{default}"
                f"{required}, help={param.kind!r})"
            )
        lines += ["    return parser.parse_args()", "", "", f"{self.names.args} = parse_args()", ""]
        return lines


def render(plan: Plan, project: str, notebook: str, version: str, scrub: Scrubber) -> Script:
    """main.py's text (secrets scrubbed) and the Python it runs."""
    writer = _Writer(plan, scrub)
    body: list[str] = []
    for cell in plan.cells:
        body += ["", *writer.cell(cell)]
    body = [line for line in body if not _FUTURE.match(line)]
    text = "\n".join([*writer.preamble(project, notebook, version), *body]).rstrip() + "\n"
    return Script(scrub(text), writer.python)
