"""``/export``: a notebook under the Jupyter server's root folder written as a reproducible project.

Both paths are relative to the server's root folder (what the file browser shows) and must stay
inside it; the answer names the project folder relative to that root too.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.errors import InvalidParameterError, ResourceNotFoundError
from jupyter_mltrack.export import ExportResult, export_notebook
from jupyter_mltrack.server.base import MltrackAPIHandler


class ExportHandler(MltrackAPIHandler):
    @property
    def root_dir(self) -> Path:
        root = self.settings.get("server_root_dir") or getattr(self.contents_manager, "root_dir", None) or os.getcwd()
        return Path(os.path.expanduser(str(root))).resolve()

    def inside_root(self, field: str, relative: str) -> Path:
        """``relative`` resolved against the root folder; 400 if it is absolute or leaves the root."""
        root = self.root_dir
        if not relative.strip():
            raise InvalidParameterError(f"Field {field!r} must not be empty.")
        if os.path.isabs(relative) or relative.startswith("~"):
            raise InvalidParameterError(
                f"Field {field!r} must be a path relative to the Jupyter server's root folder, not {relative!r}."
            )
        target = (root / relative).resolve()
        if target != root and root not in target.parents:
            raise InvalidParameterError(
                f"Field {field!r} ({relative!r}) leaves the Jupyter server's root folder; "
                "give a path inside it."
            )
        return target

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body("notebook_path", "out_dir", "run_id", "name", "force")
        notebook_path, out_dir = body.required_text("notebook_path"), body.required_text("out_dir")
        run_id, name = body.text("run_id") or None, body.text("name") or None
        force = body.data.get("force", False)
        if force is None:
            force = False
        if not isinstance(force, bool):
            raise InvalidParameterError(f"Field 'force' must be true or false, not {force!r}.")
        notebook = self.inside_root("notebook_path", notebook_path)
        target = self.inside_root("out_dir", out_dir)
        if target == self.root_dir:
            raise InvalidParameterError("Field 'out_dir' must name a folder inside the root folder, not the root.")
        if not notebook.is_file():
            raise ResourceNotFoundError(
                f"Notebook {notebook_path!r} does not exist under the Jupyter server's root folder."
            )
        result: ExportResult = await self.run(lambda: export_notebook(notebook, target, run_id, name, force))
        self.send_json(
            {
                "project_dir": Path(result.path).resolve().relative_to(self.root_dir).as_posix(),
                "name": result.name,
                "parameters": [
                    {"name": p.name, "type": p.kind, "default": p.default} for p in result.parameters.values()
                ],
                "files": result.files,
                "source_run_id": result.source_run_id,
                "missing_modules": result.missing_modules,
            }
        )

