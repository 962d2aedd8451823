"""ipywidgets + plotly dashboards for any notebook front end (classic Notebook, VS Code, JupyterLab).

- :class:`RunsExplorer`: the runs table, a filter, paging and compare charts;
- :class:`ModelPromoter`: a registered model's versions and their metrics, with promote, request,
  approve and reject.

Both are front doors (DESIGN.md): each control parses its input, calls one service method and
renders the answer; a refusal is shown as a message in the widget, never as a traceback.
Importing this module imports ipywidgets; ``import jupyter_mltrack`` does not.
"""

from __future__ import annotations

from jupyter_mltrack.errors import MissingDependencyError

try:
    import ipywidgets  # noqa: F401
except ImportError:  # pragma: no cover - the test extra installs it
    raise MissingDependencyError("ipywidgets", "widgets", "jupyter_mltrack.widgets") from None

from jupyter_mltrack.widgets.promoter import ModelPromoter
from jupyter_mltrack.widgets.runs import RunsExplorer

__all__ = ["ModelPromoter", "RunsExplorer"]
