"""``export_notebook``: a notebook (and optionally one of its runs) as a runnable project folder."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jupyter_mltrack.entities import Run
from jupyter_mltrack.errors import RunNotFoundError
from jupyter_mltrack.export import files, plan, script
from jupyter_mltrack.export.errors import ExportError
from jupyter_mltrack.export.params import Parameter
from jupyter_mltrack.export.sanitize import Scrubber, slug

_RUN_PREFIX = re.compile(r"[0-9A-Za-z_-]{4,64}")


@dataclass(frozen=True)
class ExportResult:
    """What was written: the folder, the project's name, its parameters and the files."""

    path: str
    name: str
    parameters: dict[str, Parameter]
    files: list[str]
    source_run_id: str | None = None
    pinned_cell: int | None = None
    missing_modules: list[str] = field(default_factory=list)


def read_notebook(path: str | os.PathLike[str]) -> Any:
    import nbformat

    location = Path(path)
    if not location.is_file():
        raise ExportError(f"Notebook {str(location)!r} does not exist. Give the path of an .ipynb file.")
    try:
        return nbformat.read(str(location), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise ExportError(f"{str(location)!r} is not a readable notebook ({type(exc).__name__}).") from None


def find_run(reference: str) -> Run:
    """A run by id, or by an unambiguous id prefix of at least 4 characters."""
    import jupyter_mltrack as mlt

    try:
        return mlt.get_run(reference)
    except RunNotFoundError:
        if not _RUN_PREFIX.fullmatch(reference):
            raise
    found = mlt.search_runs(filter_string=f"attributes.run_id LIKE '{reference}%'", search_all_experiments=True,
                            max_results=2, output_format="list")
    if len(found) != 1:
        raise RunNotFoundError(reference)
    run: Run = found[0]
    return run


def _prepare(out_dir: str | os.PathLike[str], force: bool) -> Path:
    target = Path(out_dir).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise ExportError(f"{str(target)!r} is a file; give a folder to export into.")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ExportError(f"{str(target)!r} is not empty. Choose a new folder, or pass force=True (--force) to "
                          "overwrite the project files in it.")
    target.mkdir(parents=True, exist_ok=True)
    return target


def export_notebook(
    notebook: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    run_id: str | None = None,
    name: str | None = None,
    force: bool = False,
) -> ExportResult:
    """Write ``out_dir`` as a project that reruns ``notebook``; ``run_id`` pins that run's param values."""
    from jupyter_mltrack import __version__

    source = Path(notebook).expanduser()
    nb = read_notebook(source)
    run = find_run(run_id) if run_id else None
    project = slug(name if name is not None else source.stem)
    scrub = Scrubber()
    decided = plan.make_plan(nb, run)  # before touching the output folder: a bad notebook writes nothing
    copy_name = slug(source.stem, "notebook") + ".ipynb"
    main = script.render(decided, project, copy_name, __version__, scrub)
    pins, missing = files.requirements(main.python)
    target = _prepare(out_dir, force)
    folder = str(target)
    written = [
        files.write_text(folder, files.SCRIPT, main.text, scrub),
        files.write_text(folder, files.MLPROJECT, files.mlproject(project, decided.parameters), scrub),
        files.write_text(folder, files.DOCKERFILE, files.dockerfile(), scrub),
        files.write_text(folder, files.README, files.readme(project, copy_name, decided.parameters, run_id and
                                                            run.info.run_id if run else None, missing), scrub),
        files.write_text(folder, copy_name, files.notebook_copy(nb, scrub), scrub),
    ]
    files.write_environment(folder, pins, scrub)
    pinned_plan = next((c for c in decided.cells if c.index == decided.pinned), None)
    run_name = run.info.run_name if run else (pinned_plan.track.run_name if pinned_plan and pinned_plan.track else None)
    meta = {
        "jupyter_mltrack_version": __version__,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source_notebook": str(source.absolute()),
        "notebook_copy": copy_name,
        "source_run_id": run.info.run_id if run else None,
        "experiment": decided.experiment,
        "run_name": run_name if run_name and "{" not in run_name and "$" not in run_name else None,
        "pinned_cell": decided.pinned,
    }
    written.append(files.write_text(folder, files.METADATA, files.metadata(meta), scrub))
    written += [os.path.join(folder, n) for n in ("requirements.txt", "python_env.yaml", "conda.yaml")]
    return ExportResult(folder, project, decided.parameters, sorted(os.path.basename(p) for p in written),
                        run.info.run_id if run else None, decided.pinned, missing)
