"""Experiment search: MLflow's ``name``/``tags.*`` filters and ordering, evaluated in Python.

A store holds tens or hundreds of experiments, not millions of runs, so filtering them in memory
with the same grammar as run search is simpler than a second SQL compiler and just as fast.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Sequence

from jupyter_mltrack.entities import Experiment, PagedList
from jupyter_mltrack.errors import InvalidParameterError

_BARE_NAME = re.compile(
    r"(?i)(^|\(|\s)(name|creation_time|last_update_time)(?=\s*(=|!=|<>|>|<|like\b|ilike\b|in\b|not\b|is\b|asc\b|desc\b|$))"
)


_NUMERIC_OPS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _like_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("^" + "".join(parts) + "$", flags | re.DOTALL)


def compare(actual: Any, op: str, expected: Any) -> bool:
    if op in ("IS NULL", "IS NOT NULL"):
        return (actual is None) == (op == "IS NULL")
    if actual is None:
        return False
    if op in ("LIKE", "ILIKE"):
        return bool(_like_regex(expected, re.IGNORECASE if op == "ILIKE" else 0).match(actual))
    if op in ("IN", "NOT IN"):
        return (actual in expected) == (op == "IN")
    return bool(_NUMERIC_OPS[op](actual, expected))


def _value(exp: Experiment, kind: str, key: str) -> Any:
    if kind == "tag":
        return exp.tags.get(key)
    if kind == "attribute" and key == "run_name":
        return exp.name
    if kind == "attribute" and key == "start_time":
        return exp.creation_time
    raise InvalidParameterError(
        f"Experiments can be filtered by name, creation_time and tags.<key>, not {kind} {key!r}."
    )


def _matches(exp: Experiment, node: Any) -> bool:
    from jupyter_mltrack.store.sql import search_grammar as g

    if isinstance(node, g.And):
        return all(_matches(exp, n) for n in node.items)
    if isinstance(node, g.Or):
        return any(_matches(exp, n) for n in node.items)
    return compare(_value(exp, node.kind, node.key), node.op, node.value)


def _normalise(text: str) -> str:
    text = _BARE_NAME.sub(lambda m: m.group(1) + "attributes." + m.group(2), text)
    return re.sub(r"(?i)attributes\.(creation_time|last_update_time)", "attributes.created", text)


def search(
    experiments: list[Experiment],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> PagedList[Experiment]:
    from jupyter_mltrack.store.sql import search_grammar as g
    from jupyter_mltrack.store.sql.search import check_max_results, decode_page_token, encode_page_token

    check_max_results(max_results)
    node = g.parse_filter(_normalise(filter_string)) if filter_string else None
    found = [e for e in experiments if node is None or _matches(e, node)]
    for clause in reversed(list(order_by or [])):
        ob = g.parse_order_by(_normalise(clause))
        present = [e for e in found if _value(e, ob.kind, ob.key) is not None]
        missing = [e for e in found if _value(e, ob.kind, ob.key) is None]
        present.sort(key=lambda e: _value(e, ob.kind, ob.key), reverse=not ob.ascending)
        found = present + missing
    offset = decode_page_token(page_token)
    page = found[offset : offset + max_results]
    token = encode_page_token(offset + max_results) if offset + max_results < len(found) else None
    return PagedList(page, token)
