"""Running a notebook headless as a tracked run (papermill's way of passing parameters).

Parameters are the literal assignments of the cell tagged ``parameters``; given values are checked
against their literal's type and written, papermill-style, into a new cell tagged
``injected-parameters`` right after it (an earlier injected cell is replaced). Before the first
cell the kernel resumes the run (a silent execution, so no cell hook sees it): the notebook's
``%%track`` cells become its child runs and plain logging lands in it. The executed notebook is
stored with the run (``executed/<name>.ipynb``); a failing cell fails the run with the cell's
index, error type and message as tags.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from jupyter_mltrack.export import api, cells, plan, runner, translate
from jupyter_mltrack.export.errors import ProjectError
from jupyter_mltrack.export.params import Parameter, literal_assignments, literal_kind, resolve
from jupyter_mltrack.export.sanitize import slug
from jupyter_mltrack.tracking.client import Client

CELL_INDEX_TAG = "mltrack.error.cell_index"
ARTIFACT_DIR = "executed"
_SETUP = "import jupyter_mltrack as _mltrack_project\n_mltrack_project.start_run(run_id={run_id!r})\n"


def declared_parameters(notebook: Any) -> tuple[int | None, dict[str, Parameter]]:
    """(index of the parameters cell, its parameters) or (None, {})."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and plan.PARAMETERS_TAG in plan.tags_of(cell):
            lines = cells.convert_body(str(cell.source), cells.Names(), translate.LineContext("mlt", "P", None, False))
            tree = cells.analysable(lines)
            found: dict[str, Parameter] = {}
            for _, name, value in literal_assignments(tree) if tree is not None else []:
                kind = literal_kind(value)
                assert kind is not None
                found[name] = Parameter(name, kind[0], kind[1])
            return index, found
    return None, {}


def inject(notebook: Any, values: Mapping[str, Any], after: int | None) -> int | None:
    """Insert the injected-parameters cell; returns its index (None when nothing was given)."""
    import nbformat

    notebook.cells = [c for c in notebook.cells if plan.INJECTED_TAG not in plan.tags_of(c)]
    if not values:
        return None
    lines = ["# Parameters"] + [f"{name} = {value!r}" for name, value in values.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [plan.INJECTED_TAG]})  # type: ignore[no-untyped-call]
    position = 0 if after is None else after + 1
    notebook.cells.insert(position, cell)
    return position


def run_notebook(
    path: str | os.PathLike[str],
    parameters: Mapping[str, Any],
    experiment: str | None,
    timeout: float | None = None,
) -> runner.SubmittedRun:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    source = Path(path).expanduser().resolve()
    notebook = api.read_notebook(source)
    marked, declared = declared_parameters(notebook)
    if parameters and marked is None:
        raise ProjectError(f"Notebook {source.name!r} has no cell tagged 'parameters', so it takes no parameters.")
    given = resolve(declared, parameters, f"Notebook {source.name!r}") if parameters else {}
    given = {k: v for k, v in given.items() if k in parameters}
    shift = inject(notebook, given, marked)
    client = Client()
    values = resolve(declared, given, f"Notebook {source.name!r}")
    run_id, experiment_name = runner.create_run(client, experiment, str(source), source.name, "local",
                                                {"source_notebook": str(source)}, values)
    env = runner.run_env(client, run_id, experiment_name)
    env.pop("MLTRACK_RUN_ID")  # the setup below resumes the run; %%track cells must start their own
    env["JPY_SESSION_NAME"] = str(source)
    executor = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                              resources={"metadata": {"path": str(source.parent)}})
    failure: tuple[int, str, str] | None = None
    try:
        with executor.setup_kernel(env=env):
            _setup(executor, run_id)
            for index, cell in enumerate(notebook.cells):
                try:
                    executor.execute_cell(cell, index)
                except CellExecutionError as exc:
                    original = index - 1 if shift is not None and index > shift else index
                    failure = (original, str(exc.ename), str(exc.evalue))
                    break
    except KeyboardInterrupt:
        client.set_terminated(run_id, "KILLED")
        raise
    except Exception as exc:
        return runner.finish(client, run_id, None, f"the notebook could not run: {exc}", "")
    finally:
        _store(client, run_id, notebook, source.stem)
    if failure is None:
        return runner.finish(client, run_id, None, None, "")
    index, ename, evalue = failure
    tags = {CELL_INDEX_TAG: str(index), runner.ERROR_TYPE_TAG: ename}
    return runner.finish(client, run_id, None, f"cell {index} raised {ename}: {evalue}", "", tags)


def _setup(executor: Any, run_id: str) -> None:
    msg_id = executor.kc.execute(_SETUP.format(run_id=run_id), silent=True, store_history=False)
    reply = executor.wait_for_reply(msg_id)
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        raise ProjectError(
            f"The kernel could not start the run ({content.get('ename', 'no reply')}: {content.get('evalue', '')}); "
            "is jupyter-mltrack installed in the kernel's environment?"
        )


def _store(client: Client, run_id: str, notebook: Any, stem: str) -> None:
    import nbformat

    with tempfile.TemporaryDirectory(prefix="mltrack-executed-") as folder:
        path = os.path.join(folder, slug(stem, "notebook") + ".ipynb")
        nbformat.write(notebook, path)  # type: ignore[no-untyped-call]
        client.log_artifact(run_id, path, ARTIFACT_DIR)
