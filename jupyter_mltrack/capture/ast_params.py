"""Params and metrics a cell binds, found from its syntax tree, so ``lr = 0.1`` needs no log call.

The AST says *which* names the cell assigns at its top level (including inside top-level
``for``/``if``/``with``/``try`` blocks, not inside functions, classes or comprehensions; loop
targets are not counted). The values are read from the namespace after the cell ran, so
``n = len(X)`` records the number, not the expression. Then:

- a number whose name looks like a metric (its ``_``/camelCase tokens contain one of
  :data:`DEFAULT_METRIC_NAMES`: ``val_loss``, ``testAccuracy``, ``roc_auc_ovr``) is a metric;
- a scalar, a short string, or a small list/tuple/dict of them is a param;
- anything else (models, frames, arrays, functions) is ignored.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

DEFAULT_METRIC_NAMES: tuple[str, ...] = (
    "acc",
    "accuracy",
    "auc",
    "roc_auc",
    "f1",
    "loss",
    "mae",
    "mse",
    "rmse",
    "r2",
    "precision",
    "recall",
    "score",
)
MAX_STRING = 250
MAX_ITEMS = 20
MAX_REPR = 500
FIT_METHODS = frozenset({"fit", "fit_transform", "fit_predict", "partial_fit"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)


@dataclass(frozen=True)
class CellAnalysis:
    """Names the cell binds (first-binding order) and the variables it passes to ``fit``."""

    bound: tuple[str, ...] = ()
    fit_inputs: tuple[str, ...] = ()


def analyze(source: str) -> CellAnalysis:
    """Analyze Python source (IPython syntax already transformed); unparsable code gives nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return CellAnalysis()
    bound: dict[str, None] = {}
    for stmt in _top_level(tree.body):
        for name in _assigned(stmt):
            if not name.startswith("_"):
                bound.setdefault(name, None)
    return CellAnalysis(tuple(bound), tuple(_fit_inputs(tree)))


def _top_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, _COMPOUND):  # in source order: body, except handlers, else, finally
            yield from _top_level(stmt.body)
            for handler in getattr(stmt, "handlers", []):
                yield from _top_level(handler.body)
            yield from _top_level(getattr(stmt, "orelse", []))
            yield from _top_level(getattr(stmt, "finalbody", []))
        elif hasattr(ast, "Match") and isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _top_level(case.body)


def _assigned(stmt: ast.stmt) -> Iterator[str]:
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            yield from _names(target)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and (
        not isinstance(stmt, ast.AnnAssign) or stmt.value is not None
    ):
        yield from _names(stmt.target)


def _names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


def _fit_inputs(tree: ast.Module) -> Iterator[str]:
    """Variable names passed as X/y to ``something.fit(...)`` outside function bodies."""
    seen: set[str] = set()
    for stmt in _top_level(tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(stmt):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in FIT_METHODS:
                continue
            args = [a for a in node.args[:2]] + [k.value for k in node.keywords if k.arg in ("X", "y")]
            for arg in args:
                if isinstance(arg, ast.Name) and arg.id not in seen:
                    seen.add(arg.id)
                    yield arg.id


# ---------------------------------------------------------------------------------- classifying
def _tokens(name: str) -> list[str]:
    return [t for t in _CAMEL.sub("_", name).lower().split("_") if t]


def is_metric_name(name: str, metric_names: Iterable[str] = DEFAULT_METRIC_NAMES) -> bool:
    """True when a run of the name's tokens equals a metric name's tokens (``val_loss`` ~ ``loss``)."""
    tokens = _tokens(name)
    for candidate in metric_names:
        wanted = _tokens(candidate)
        width = len(wanted)
        if width and any(tokens[i : i + width] == wanted for i in range(len(tokens) - width + 1)):
            return True
    return False


def _plain(value: Any) -> Any:
    """numpy scalars as Python scalars; anything else unchanged."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        return value.item()
    return value


def _is_scalar(value: Any) -> bool:
    value = _plain(value)
    return isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= MAX_STRING)


def metric_value(value: Any) -> float | None:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def param_value(value: Any) -> str | None:
    """The param text of a scalar, short string or small container of them; else None."""
    value = _plain(value)
    if value is None:
        return None
    if _is_scalar(value):
        return str(value)
    if isinstance(value, (list, tuple)) and len(value) <= MAX_ITEMS and all(_is_scalar(v) for v in value):
        text = str(type(value)(_plain(v) for v in value))
    elif (
        isinstance(value, dict)
        and len(value) <= MAX_ITEMS
        and all(isinstance(k, (str, int)) and _is_scalar(v) for k, v in value.items())
    ):
        text = str({k: _plain(v) for k, v in value.items()})
    else:
        return None
    return text if len(text) <= MAX_REPR else None


def classify(
    values: Mapping[str, Any], metric_names: Iterable[str] = DEFAULT_METRIC_NAMES
) -> tuple[dict[str, str], dict[str, float]]:
    """(params, metrics) from a name -> value mapping, by the rules in the module docstring."""
    names = tuple(metric_names)
    params: dict[str, str] = {}
    metrics: dict[str, float] = {}
    for name, value in values.items():
        number = metric_value(value)
        if number is not None and is_metric_name(name, names):
            metrics[name] = number
            continue
        text = param_value(value)
        if text is not None:
            params[name] = text
    return params, metrics
