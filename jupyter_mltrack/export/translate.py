"""What one magic becomes in the exported script: ``%%track`` options and ``%mltrack`` lines.

Nothing here imports IPython: the ``%%track`` option grammar (``magics/track.py``) is parsed
again with argparse, and ``{expr}``/``$name`` (IPython expands them in magic lines) become
f-strings, so ``%%track rf-{n}`` is ``run_name=f"rf-{n}"``.
"""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, NoReturn, Sequence

from jupyter_mltrack.export.errors import ExportError
from jupyter_mltrack.export.sanitize import one_line

DISPLAY_ONLY = frozenset({"runs", "show", "compare", "status", "models", "history", "help", "export"})
REGISTRY = frozenset({"register", "promote", "request", "approve", "reject"})
_DOLLAR = re.compile(r"\$([A-Za-z_]\w*)")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)$", re.IGNORECASE)
_PREFIXES = {"params": "param", "param": "param", "metrics": "metric", "metric": "metric", "tags": "tag", "tag": "tag"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ExportError(f"{self.prog}: {message}.")


@dataclass(frozen=True)
class TrackLine:
    """A ``%%track`` line's options, as ``magics/track.py`` reads them."""

    run_name: str | None = None
    experiment: str | None = None
    params: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    no_models: bool = False
    nested: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    live: bool = False


def _names(text: str) -> tuple[str, ...]:
    found = tuple(p.strip() for p in text.split(",") if p.strip())
    if not found or not all(n.isidentifier() for n in found):
        raise argparse.ArgumentTypeError(f"expected variable names like a,b; got {text!r}")
    return found


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def split(line: str, what: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ExportError(f"{what}: cannot parse {one_line(line)!r}: {exc}.") from None


def parse_track(line: str) -> TrackLine:
    """The options of a ``%%track`` line; a bad one is an ExportError (the notebook would fail too)."""
    p = _Parser(prog="%%track", add_help=False)
    p.add_argument("run_name", nargs="?")
    p.add_argument("-e", "--experiment")
    p.add_argument("-p", "--params", type=_names, default=())
    p.add_argument("-m", "--metrics", type=_names, default=())
    p.add_argument("--no-models", action="store_true")
    p.add_argument("--nested", action="store_true")
    p.add_argument("-t", "--tag", action="extend", nargs="+", type=_key_value, default=[])
    p.add_argument("--live", action="store_true")
    ns = p.parse_args(split(line, "%%track"))
    return TrackLine(ns.run_name, ns.experiment, tuple(ns.params), tuple(ns.metrics), ns.no_models, ns.nested,
                     dict(ns.tag), ns.live)


def text_expr(text: str) -> str:
    """A Python expression for magic-line text: a plain literal, or an f-string where IPython expands."""
    if "{" not in text and "$" not in text:
        return repr(text)
    candidate = "f" + repr(_DOLLAR.sub(r"{\1}", text))
    try:
        compile(candidate, "<magic>", "eval")
    except SyntaxError:
        return repr(text)
    return candidate


def dict_expr(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"{text_expr(k)}: {text_expr(v)}" for k, v in values.items()) + "}"


@dataclass
class LineContext:
    """What a ``%mltrack`` line needs to know about where it stands in the script."""

    mlt: str  # the name jupyter_mltrack is imported as
    project_run: str  # the variable holding MLTRACK_RUN_ID
    last_run: str | None  # variable of the last top-level tracked run before this line, if any
    in_tracked: bool  # inside a %%track block (a run is active)
    uses: set[str] = field(default_factory=set)  # runtime helpers / modules the script must import


def mltrack_line(args: str, ctx: LineContext) -> tuple[list[str], str]:
    """(code lines, note) for ``%mltrack ARGS``; no code means the line is commented out with the note."""
    words = split(args, "%mltrack")
    sub = words[0] if words else "help"
    if sub == "autolog":
        return _autolog(words[1:], ctx), ""
    if sub == "experiment" and len(words) == 2:
        ctx.uses.add("project_run")
        return [f"if {ctx.project_run} is None:  # under `mltrack run`, runs go to the experiment chosen there",
                f"    {ctx.mlt}.set_experiment({text_expr(words[1])})"], ""
    if sub == "log" and len(words) > 1:
        return _log(words[1:], ctx), ""
    if sub == "uri":
        return [], "the store comes from MLTRACK_TRACKING_URI (`mltrack run` passes it)"
    if sub in REGISTRY:
        return [], "registry changes are not repeated by the project"
    if sub in DISPLAY_ONLY or sub == "experiment":
        return [], "display only"
    return [], f"unknown %mltrack subcommand {one_line(sub)!r}"


def _autolog(words: Sequence[str], ctx: LineContext) -> list[str]:
    p = _Parser(prog="%mltrack autolog", add_help=False)
    p.add_argument("state", choices=["on", "off"])
    p.add_argument("frameworks", nargs="*")
    p.add_argument("--no-models", action="store_true")
    p.add_argument("--exclusive", action="store_true")
    p.add_argument("--silent", action="store_true")
    ns = p.parse_args(list(words))
    kwargs: list[str] = []
    if ns.state == "off":
        kwargs.append("disable=True")
    if ns.frameworks:
        kwargs.append(f"frameworks={list(ns.frameworks)!r}")
    flags = ((ns.no_models, "log_models=False"), (ns.exclusive, "exclusive=True"), (ns.silent, "silent=True"))
    kwargs += [text for on, text in flags if on]
    return [f"{ctx.mlt}.autolog({', '.join(kwargs)})"]


def classify_pairs(
    words: Sequence[str], expanded: bool = False
) -> tuple[dict[str, Any], dict[str, str], dict[str, str], list[str]]:
    """(metrics, params, tags, pairs IPython would expand) by ``%mltrack log``'s rule: numbers are metrics."""
    metrics: dict[str, Any] = {}
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    dynamic: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise ExportError(f"%mltrack log: expected KEY=VALUE, got {one_line(word)!r}.")
        if not expanded and ("{" in word or "$" in word):
            dynamic.append(word)
            continue
        head, dot, rest = key.partition(".")
        kind = _PREFIXES.get(head) if dot and rest else None
        key = rest if kind else key
        number = _NUMBER.match(value.strip()) is not None
        if kind == "tag":
            tags[key] = value
        elif kind == "param" or (kind is None and not number):
            params[key] = value
        elif not number:
            raise ExportError(f"%mltrack log: metric {key!r} needs a number, got {one_line(value)!r}.")
        else:
            metrics[key] = float(value)
    return metrics, params, tags, dynamic


def _log(words: Sequence[str], ctx: LineContext) -> list[str]:
    metrics, params, tags, dynamic = classify_pairs(words)
    calls = []
    if metrics:
        calls.append(f"{ctx.mlt}.log_metrics({metrics!r})")
    if params:
        calls.append(f"{ctx.mlt}.log_params({params!r})")
    if tags:
        calls.append(f"{ctx.mlt}.set_tags({tags!r})")
    if dynamic:
        ctx.uses.add("log_pairs")
        calls.append(f"log_pairs({', '.join(text_expr(w) for w in dynamic)})")
    if ctx.in_tracked or ctx.last_run is None:
        return calls
    # Outside %%track the notebook logs into its last tracked run: resume it for these calls.
    return [f"with {ctx.mlt}.start_run(run_id={ctx.last_run}.info.run_id, nested=True):", *("    " + c for c in calls)]
