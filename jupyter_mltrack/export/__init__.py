"""Notebook -> project (``export_notebook``) and the project runner's pieces (DESIGN.md: a service).

Nothing here imports IPython or tornado: the magic and the CLI call :func:`export_notebook` and
``jupyter_mltrack.projects.run``. Modules: ``syntax`` (IPython syntax without IPython),
``translate`` (magics -> API calls), ``cells``/``script`` (main.py), ``plan`` (cell roles,
parameters, the pinned cell), ``params`` (types and validation), ``files`` (MLproject and the
rest), ``sanitize`` (names, secrets), ``runtime`` (what main.py imports), ``spec``/``runner``/
``notebook_run``/``venv`` (running projects and notebooks).
"""

from __future__ import annotations

from jupyter_mltrack.export.api import ExportResult, export_notebook

__all__ = ["ExportResult", "export_notebook"]
