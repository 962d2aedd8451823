"""``%%track``: run a cell inside a run, without wrapping the user's code in ours.

IPython would hand a cell magic its body as a string and our code would run it: the user's
traceback would then start in our frames, top-level ``await`` would not work, and the last
expression's value would need re-displaying. Instead an input transformer rewrites only the
``%%track`` line, into ``get_ipython().run_cell_magic('track', ARGS, None)``, and leaves the body
as ordinary cell code on its own lines. That first statement starts the run (:func:`begin`);
the body runs as any cell does (its output, its value, its exceptions untouched, same line
numbers); the extension's ``post_run_cell`` hook ends the run from the cell's outcome. Tracebacks
show the cell as typed, ``%%track`` line included.

Calling the magic directly (``get_ipython().run_cell_magic('track', line, body)``) runs the body
as a tracked cell of its own, through the same path.
"""

from __future__ import annotations

import ast
import functools
import linecache
import re
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from jupyter_mltrack.capture import cell, sklearn_metrics
from jupyter_mltrack.capture.recorder import TrackOptions
from jupyter_mltrack.magics import args
from jupyter_mltrack.magics.errors import one_line, usage_errors
from jupyter_mltrack.magics.ipython import cell_magic_transform
from jupyter_mltrack.magics.live import LiveChart, in_kernel

if TYPE_CHECKING:
    from jupyter_mltrack.magics.extension import MltrackMagics

_TRACK_LINE = re.compile(r"^%%track(?=\s|$)")
_MARKER = "get_ipython().run_cell_magic('track', {args!r}, None)\n"


@functools.lru_cache(maxsize=1)
def parser() -> args.MagicArgumentParser:
    """Built once: building an argparse parser per cell would cost a millisecond of every %%track."""
    p = args.MagicArgumentParser(
        prog="%%track",
        description="Run the cell inside a run: params, metrics, models, datasets, the cell's source and "
        "provenance are recorded, and a card shows the run after the cell.",
    )
    p.add_argument("run_name", nargs="?", metavar="RUN_NAME", help="the run's name (default: a random name)")
    p.add_argument(
        "-e",
        "--experiment",
        type=args.nonempty,
        metavar="EXPERIMENT",
        help="experiment for this run (created if missing)",
    )
    p.add_argument("-p", "--params", type=args.names, default=(), metavar="a,b", help="variables to log as params")
    p.add_argument("-m", "--metrics", type=args.names, default=(), metavar="x,y", help="variables to log as metrics")
    p.add_argument("--no-models", action="store_true", help="autolog logs no model for this cell")
    p.add_argument("--nested", action="store_true", help="child of the active run, else of the last %%track run")
    p.add_argument(
        "-t", "--tag", action="extend", nargs="+", type=args.key_value, default=[], metavar="KEY=VALUE", help="run tags"
    )
    p.add_argument("--live", action="store_true", help="draw stepped metrics in a chart while the cell runs")
    return p


def parse_options(line: str, metric_names: tuple[str, ...]) -> tuple[TrackOptions, bool]:
    """(options, live) from the ``%%track`` line; a bad argument is a UsageError."""
    ns = args.parse(parser(), args.split(line))
    options = TrackOptions(
        run_name=ns.run_name,
        experiment=ns.experiment,
        params=tuple(ns.params),
        metrics=tuple(ns.metrics),
        log_models=not ns.no_models,
        nested=ns.nested,
        tags=dict(ns.tag),
        metric_names=metric_names,
    )
    return options, bool(ns.live)


# ------------------------------------------------------------------------- input transformation
def transform(lines: list[str]) -> list[str]:
    """IPython cleanup transformer: the ``%%track`` line becomes the call that starts the run."""
    if not lines or not _TRACK_LINE.match(lines[0]):
        return lines
    rest = lines[1:]
    if rest and rest[0].startswith("%%"):  # %%track over another cell magic (%%time, %%capture...)
        rest = cell_magic_transform(rest)
    return [_MARKER.format(args=lines[0][len("%%track") :].strip()), *rest]


def is_track_module(module: ast.Module) -> bool:
    """Does this parsed cell start with the call :func:`transform` wrote?"""
    if not module.body or not isinstance(module.body[0], ast.Expr):
        return False
    call = module.body[0].value
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "run_cell_magic"
        and len(call.args) == 3
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == "track"
        and isinstance(call.args[2], ast.Constant)
        and call.args[2].value is None
    )


class TrackAstTransformer(ast.NodeTransformer):
    """Rewrites sklearn.metrics call sites of ``%%track`` cells (see capture.sklearn_metrics)."""

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Module) and is_track_module(node):
            return sklearn_metrics.rewrite(node)
        return node


# --------------------------------------------------------------------------------------- runtime
def run(magics: "MltrackMagics", line: str, body: str | None) -> None:
    """The ``%%track`` cell magic: start the run (body None) or run ``body`` as a tracked cell."""
    shell = magics.shell
    assert shell is not None
    if body is not None:
        result = shell.run_cell(f"%%track {line}\n{body}", store_history=False)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            raise UsageError(f"%%track: the tracked cell raised {type(error).__name__} (traceback above).")
        return
    options, live = parse_options(line, tuple(magics.metric_names))
    frame = cell.current_frame()
    if frame is None:
        raise UsageError("%%track needs IPython's cell hooks: it cannot run in a silent execution.")
    raw = _after_magic_line(frame.source)
    try:
        python_source = shell.transform_cell(raw)
    except Exception:
        python_source = raw
    try:
        with usage_errors("%%track"):
            recorder = cell.start_run(options, python_source)
    except UsageError:
        raise
    except Exception as exc:  # the store is unreachable...: say so in one line, run nothing
        raise UsageError(f"%%track: could not start the run: {one_line(exc)}") from None
    _show_raw_cell_in_tracebacks(shell.user_ns, frame.source)
    if live:
        chart = LiveChart(recorder.run_id, _run_name(recorder.run_id), redraw=in_kernel(shell))
        chart.start()
        magics.live_charts[recorder.run_id] = chart


def _run_name(run_id: str) -> str:
    import jupyter_mltrack as mlt

    active = mlt.active_run()
    return active.info.run_name if active is not None and active.info.run_id == run_id else run_id


def _after_magic_line(source: str) -> str:
    lines = source.splitlines(keepends=True)
    for index, text in enumerate(lines):
        if _TRACK_LINE.match(text.lstrip()):
            return "".join(lines[index + 1 :])
    return ""


def _show_raw_cell_in_tracebacks(user_ns: dict[str, Any], source: str) -> None:
    """Let tracebacks quote the ``%%track`` line as typed rather than the call it became."""
    raw = source.lstrip("\n").splitlines()
    frame = sys._getframe(1)
    for _ in range(12):
        if frame is None:
            return
        if frame.f_globals is user_ns and frame.f_code.co_name == "<module>":
            break
        frame = frame.f_back  # type: ignore[assignment]
    else:
        return
    name = frame.f_code.co_filename
    entry: Any = linecache.cache.get(name)
    if not isinstance(entry, tuple) or len(entry) != 4 or len(entry[2]) != len(raw):
        return
    if not entry[2][0].startswith("get_ipython().run_cell_magic('track'"):
        return
    linecache.cache[name] = (entry[0], entry[1], [raw[0] + "\n", *entry[2][1:]], name)
