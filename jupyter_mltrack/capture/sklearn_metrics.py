"""Scores a ``%%track`` cell computes with ``sklearn.metrics`` become metrics of its run.

``print(f1_score(y_test, clf.predict(X_test)))`` keeps no variable, so the value is taken where
it is returned. The cell's AST is rewritten before it runs (only ``%%track`` cells, only call
sites whose function name looks like a scalar metric: ``*_score``, ``*_error``, ``*_loss``...):

    f1_score(y_test, clf.predict(X_test))
    ->  observe(f1_score, "X_test")(y_test, clf.predict(X_test))

``observe`` returns the function itself unless it really comes from ``sklearn.metrics`` (checked
at run time), so any other call runs exactly as written, and the rewrite keeps line numbers.
For a real metric it returns a wrapper that records the result under ``<function>_<data>``
(MLflow's naming: the ``X`` given to ``predict``, else the ``y_true`` variable) and returns it
unchanged; its frame is hidden from IPython tracebacks. Repeated keys get steps 0, 1, 2...
A key that something else (autolog) already logged to the run during the cell is not logged again.
"""

from __future__ import annotations

import ast
from typing import Any

_SUFFIXES = ("_score", "_error", "_loss")
_NAMES = frozenset({"matthews_corrcoef", "auc", "r2_score", "log_loss", "hamming_loss", "zero_one_loss"})
_PREDICT = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "transform"})
_MODULE = "jupyter_mltrack.capture.sklearn_metrics"

_collecting: list[list[tuple[str, float]]] = []  # one list per running %%track cell (cells can nest)


def looks_like_metric(name: str) -> bool:
    return name in _NAMES or name.endswith(_SUFFIXES)


def _func_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _data_name(call: ast.Call) -> str:
    for arg in ast.walk(call):
        if (
            arg is not call
            and isinstance(arg, ast.Call)
            and isinstance(arg.func, ast.Attribute)
            and arg.func.attr in _PREDICT
            and arg.args
            and isinstance(arg.args[0], ast.Name)
        ):
            return arg.args[0].id
    first = call.args[0] if call.args else None
    return first.id if isinstance(first, ast.Name) else ""


class _Rewriter(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = _func_name(node.func)
        if name is None or not looks_like_metric(name):
            return node
        observer = ast.Attribute(
            value=ast.Call(
                func=ast.Name("__import__", ast.Load()),
                args=[ast.Constant(_MODULE)],
                keywords=[ast.keyword("fromlist", ast.List([ast.Constant("observe")], ast.Load()))],
            ),
            attr="observe",
            ctx=ast.Load(),
        )
        wrapped = ast.Call(func=observer, args=[node.func, ast.Constant(_data_name(node))], keywords=[])
        new = ast.Call(func=wrapped, args=node.args, keywords=node.keywords)
        return ast.copy_location(new, node)


def rewrite(module: ast.Module) -> ast.Module:
    """Route candidate metric calls of a ``%%track`` cell through :func:`observe`."""
    result = _Rewriter().visit(module)
    ast.fix_missing_locations(result)
    assert isinstance(result, ast.Module)
    return result


def _is_sklearn_metric(func: Any) -> bool:
    module = getattr(func, "__module__", None) or ""
    return module.startswith("sklearn.metrics")


def observe(func: Any, data_name: str) -> Any:
    """``func`` unchanged, or a recording wrapper when it is a sklearn metric and a cell collects."""
    try:
        if not _collecting or not _is_sklearn_metric(func):
            return func
    except Exception:
        return func
    key = f"{func.__name__}_{data_name}" if data_name else str(func.__name__)

    def recording(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        value = func(*args, **kwargs)
        _record(key, value)
        return value

    return recording


def _record(key: str, value: Any) -> None:
    if not _collecting:
        return
    try:
        if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
            value = value.item()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _collecting[-1].append((key, float(value)))
    except Exception:
        pass


def start() -> None:
    """Begin collecting for a ``%%track`` cell that starts."""
    _collecting.append([])


def stop() -> list[tuple[str, float, int]]:
    """Stop collecting for the innermost cell; (key, value, step), steps counting repeats of a key."""
    found = _collecting.pop() if _collecting else []
    steps: dict[str, int] = {}
    points = []
    for key, value in found:
        step = steps.get(key, 0)
        steps[key] = step + 1
        points.append((key, value, step))
    return points
