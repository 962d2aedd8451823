"""Running cells in a real IPython shell, the way a notebook does, and seeing what the user saw.

``shell.run(code)`` runs one cell the way a notebook does (history on, a cell id, the next
execution count) and returns what the user saw: the ExecutionResult, stdout, stderr and the
rich outputs (display_data) in order.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config


@dataclass
class Cell:
    result: Any
    stdout: str
    stderr: str
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def error(self) -> BaseException | None:
        return self.result.error_in_exec or self.result.error_before_exec

    def html(self) -> list[str]:
        return [o["text/html"] for o in self.outputs if "text/html" in o]

    def mimetype(self, mime: str) -> list[Any]:
        return [o[mime] for o in self.outputs if mime in o]


class Shell:
    def __init__(self, ip: InteractiveShell) -> None:
        self.ip = ip
        self._cells = 0

    @property
    def ns(self) -> dict[str, Any]:
        return self.ip.user_ns  # type: ignore[no-any-return]

    def run(self, code: str, cell_id: str | None = None) -> Cell:
        self._cells += 1
        with capture_output() as captured:
            result = self.ip.run_cell(code, store_history=True, cell_id=cell_id or f"cell-{self._cells}")
        return Cell(result, captured.stdout, captured.stderr, [dict(o.data) for o in captured.outputs])


def new_shell() -> InteractiveShell:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "NoColor"
    InteractiveShell.clear_instance()
    return InteractiveShell.instance(config=config)


def dispose_shell(ip: InteractiveShell) -> None:
    """Close a test shell now, cheaply, instead of at interpreter exit.

    IPython registers ``atexit_operations`` for every shell; at exit each one resets its
    namespace, which runs a full ``gc.collect()``. With hundreds of test shells that made pytest
    spend minutes exiting after its summary. Ending the history session and dropping the
    namespace is all a test shell needs.
    """
    atexit.unregister(ip.atexit_operations)
    history = ip.history_manager
    if history is not None:
        history.end_session()
        thread = getattr(history, "save_thread", None)
        if thread is not None:
            thread.stop()
    ip.user_ns.clear()
    ip.user_ns_hidden.clear()
    InteractiveShell.clear_instance()


def runs(**kwargs: Any) -> list[Any]:
    """All runs of every experiment, newest first."""
    import jupyter_mltrack as mlt

    return list(mlt.search_runs(search_all_experiments=True, output_format="list", **kwargs))
