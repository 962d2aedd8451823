"""What an export decides before writing a line: each cell's role, the parameters, the pinned cell.

Parameters come from the papermill ``parameters`` cell (its values updated by a papermill
``injected-parameters`` cell, which is then left out), else from the literal assignments of the
``%%track`` cells: of the pinned cell only with ``--run``, else of every tracked cell, where a name
is fed to the first tracked cell that assigns it (later cells keep their own literal). With
``--run`` the run's logged values are the defaults. The pinned cell is the tracked cell that made
the ``--run`` run (same cell id, else same source, else same run name), else the first top-level
tracked cell: under ``mltrack run`` its block logs into the project's run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable

from jupyter_mltrack.entities import Run
from jupyter_mltrack.export import cells, syntax, translate
from jupyter_mltrack.export.errors import ExportError, ParameterValueError
from jupyter_mltrack.export.params import Parameter, infer, literal_assignments, literal_kind, parse
from jupyter_mltrack.export.sanitize import is_secret_name

SKIP_TAG = "skip"
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


@dataclass
class CellPlan:
    index: int
    kind: str  # "markdown", "raw", "code", "skipped", "injected"
    source: str
    cell_id: str | None = None
    magics: list[syntax.CellMagic] = field(default_factory=list)  # the cell-magic chain, outermost first
    body: str = ""  # the code under the chain
    track: translate.TrackLine | None = None


@dataclass
class Plan:
    cells: list[CellPlan]
    parameters: dict[str, Parameter]
    fed: dict[int, set[str]]  # cell index -> parameter names its assignments read from ARGS
    pinned: int | None
    experiment: str | None


def tags_of(cell: Any) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return [str(t) for t in tags] if isinstance(tags, list) else []


def cell_plans(notebook: Any) -> list[CellPlan]:
    plans = []
    for index, cell in enumerate(notebook.cells):
        source = str(cell.get("source", ""))
        tags = tags_of(cell)
        if cell.cell_type != "code":
            plans.append(CellPlan(index, "markdown" if cell.cell_type == "markdown" else "raw", source))
            continue
        if SKIP_TAG in tags or INJECTED_TAG in tags:
            plans.append(CellPlan(index, "skipped" if SKIP_TAG in tags else "injected", source))
            continue
        plan = CellPlan(index, "code", source, cell.get("id"), body=source)
        magic, body = syntax.split_cell_magic(source)
        while magic is not None:
            plan.magics.append(magic)
            plan.body = body
            if magic.name == "track" and plan.track is None:
                try:
                    plan.track = translate.parse_track(magic.args)
                except ExportError as exc:
                    raise ExportError(f"Cell {index}: {exc.message}") from None
            if magic.name not in ("track", *cells.KEEP_BODY):
                break
            magic, body = syntax.split_cell_magic(body)
        plans.append(plan)
    return plans


def _assignments(plan: CellPlan) -> list[tuple[str, ast.expr]]:
    lines = cells.convert_body(plan.body, cells.Names(), translate.LineContext("mlt", "P", None, False))
    tree = cells.analysable(lines)
    if tree is None:
        return []
    return [(name, value) for _, name, value in literal_assignments(tree) if not is_secret_name(name)]


def _param(name: str, value: ast.expr) -> Parameter:
    found = literal_kind(value)
    assert found is not None
    return Parameter(name, found[0], found[1])


def make_plan(notebook: Any, run: Run | None) -> Plan:
    plans = cell_plans(notebook)
    tracked = [p for p in plans if p.track is not None]
    pinned = _pinned(tracked, run) if run is not None else next((p.index for p in tracked if not p.track.nested), None)  # type: ignore[union-attr]
    if pinned is None and tracked:
        pinned = tracked[0].index
    parameters: dict[str, Parameter] = {}
    fed: dict[int, set[str]] = {}
    marked = next((p for p in plans if p.kind == "code" and PARAMETERS_TAG in tags_of(notebook.cells[p.index])), None)
    if marked is not None:
        fed[marked.index] = set()
        for name, value in _assignments(marked):
            parameters[name] = _param(name, value)
            fed[marked.index].add(name)
        for injected in (p for p in plans if p.kind == "injected" and p.index > marked.index):
            for name, value in _assignments(CellPlan(injected.index, "code", injected.source, body=injected.source)):
                # papermill's injected values are the ones the notebook last ran with
                if name in parameters:
                    parameters[name] = _param(name, value)
    else:
        sources = [p for p in tracked if p.index == pinned] if run is not None else tracked
        for plan in sources:
            fed[plan.index] = set()
            for name, value in _assignments(plan):
                if name not in parameters:
                    parameters[name] = _param(name, value)
                    fed[plan.index].add(name)
    if run is not None:
        parameters = {name: _pin(p, run.data.params.get(name)) for name, p in parameters.items()}
    return Plan(plans, parameters, fed, pinned, _experiment(plans, run))


def _pin(param: Parameter, logged: str | None) -> Parameter:
    if logged is None:
        return param
    try:
        return Parameter(param.name, param.kind, parse(param, logged, check_path=False))
    except ParameterValueError:
        kind, value = infer(logged)
        return Parameter(param.name, kind, value)


def _pinned(tracked: list[CellPlan], run: Run) -> int:
    info = run.info
    matches: list[Callable[[CellPlan], bool]] = [
        lambda p: bool(info.cell_id) and p.cell_id == info.cell_id,
        lambda p: bool(info.source) and p.source.strip() == (info.source or "").strip(),
        lambda p: p.track is not None and p.track.run_name == info.run_name,
    ]
    for match in matches:
        found = [p.index for p in tracked if match(p)]
        if found:
            return found[0]
    raise ExportError(
        f"Run {info.run_id} was not made by a %%track cell of this notebook (no cell has its id, source or "
        "run name). Export without --run, or give a run of this notebook."
    )


def _experiment(plans: list[CellPlan], run: Run | None) -> str | None:
    if run is not None:
        from jupyter_mltrack.tracking.client import Client

        return Client().get_experiment(run.info.experiment_id).name
    for plan in plans:
        for line in plan.body.splitlines() if plan.kind == "code" else []:
            if not line.strip().startswith("%mltrack experiment "):
                continue
            words = translate.split(line.strip(), "%mltrack")
            if len(words) == 3 and "{" not in words[2] and "$" not in words[2]:
                return words[2]
    return None
