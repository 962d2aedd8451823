"""Run search: the parsed filter (search_grammar) compiled to SQL, with ordering and paging.

Each comparison becomes an EXISTS against the indexed per-run tables (latest_metrics, params,
tags, run_inputs), so a three-clause filter over 10,000 runs is a few index probes per run.
Ordering joins one value per key; NaN and missing values sort last in either direction.
In LIKE patterns a backslash escapes ``%``, ``_`` and itself on every backend.
Text comparisons are case-sensitive on every backend: SQLite's LIKE is not (we use GLOB) and
MySQL's default collations are not (we compare under utf8mb4_bin).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Sequence

from sqlalchemy import ColumnElement, Connection, Row, and_, case, exists, false, literal, not_, or_, select, true

from jupyter_mltrack.entities import ViewType
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.store.sql import search_grammar as g
from jupyter_mltrack.store.sql.schema import datasets, latest_metrics, params, run_inputs, runs, tags
from jupyter_mltrack.store.validation import SPECIAL_NAN

MAX_RESULTS_LIMIT = 50_000

_ATTRIBUTE_COLUMNS = {
    "run_id": runs.c.run_uuid,
    "run_name": runs.c.name,
    "status": runs.c.status,
    "artifact_uri": runs.c.artifact_uri,
    "user_id": runs.c.user_id,
    "notebook_path": runs.c.notebook_path,
    "cell_id": runs.c.cell_id,
    "parent_run_id": runs.c.parent_run_id,
    "experiment_id": runs.c.experiment_id,
    "lifecycle_stage": runs.c.lifecycle_stage,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
}


def _glob_pattern(like: str) -> str:
    """A SQL LIKE pattern as the equivalent (case-sensitive) SQLite GLOB pattern.

    Backslash escapes the next character, as LIKE does on PostgreSQL and MySQL.
    """
    out = []
    escaped = False
    for ch in like:
        if escaped:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    return "".join(out)


class _Compiler:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def text(self, column: Any) -> Any:
        """The column under a byte-wise collation, so every backend compares and sorts alike."""
        if self.dialect in ("mysql", "mariadb"):
            return column.collate("utf8mb4_bin")
        if self.dialect == "postgresql":
            return column.collate("C")
        return column

    def string_op(self, column: Any, op: str, value: Any) -> ColumnElement[bool]:
        col = self.text(column)
        if op == "=":
            return col == value  # type: ignore[no-any-return]
        if op == "!=":
            return col != value  # type: ignore[no-any-return]
        if op == "IN":
            return col.in_(list(value))  # type: ignore[no-any-return]
        if op == "NOT IN":
            return col.not_in(list(value))  # type: ignore[no-any-return]
        if op == "LIKE":
            if self.dialect == "sqlite":
                return column.op("GLOB")(_glob_pattern(value))  # type: ignore[no-any-return]
            return col.like(value)  # type: ignore[no-any-return]
        if op == "ILIKE":
            if self.dialect == "sqlite":  # SQLite's LIKE has no default escape character
                return column.ilike(value, escape="\\")  # type: ignore[no-any-return]
            return column.ilike(value)  # type: ignore[no-any-return]
        raise InvalidParameterError(f"Operator {op} is not supported on text values.")

    @staticmethod
    def number_op(column: Any, op: str, value: Any) -> ColumnElement[bool]:
        ops = {
            "=": lambda: column == value,
            "!=": lambda: column != value,
            ">": lambda: column > value,
            ">=": lambda: column >= value,
            "<": lambda: column < value,
            "<=": lambda: column <= value,
            "IN": lambda: column.in_(list(value)),
            "NOT IN": lambda: column.not_in(list(value)),
        }
        if op not in ops:
            raise InvalidParameterError(f"Operator {op} is not supported on numbers.")
        return ops[op]()  # type: ignore[no-any-return]

    def compile(self, node: g.Node) -> ColumnElement[bool]:
        if isinstance(node, g.And):
            return and_(*(self.compile(n) for n in node.items))
        if isinstance(node, g.Or):
            return or_(*(self.compile(n) for n in node.items))
        return self.comparison(node)

    def comparison(self, c: g.Comparison) -> ColumnElement[bool]:
        if c.kind == "attribute":
            return self.attribute(c)
        if c.kind == "metric":
            lm = latest_metrics.alias()
            base = [lm.c.run_uuid == runs.c.run_uuid, lm.c.key == c.key]
            if c.op in ("IS NULL", "IS NOT NULL"):
                found = exists(select(literal(1)).where(*base))
                return not_(found) if c.op == "IS NULL" else found
            cond = self.number_op(lm.c.value, c.op, c.value)
            if c.op != "!=":  # NaN compares false with everything but !=
                cond = and_(cond, lm.c.special != SPECIAL_NAN)
            return exists(select(literal(1)).where(*base, cond))
        if c.kind in ("param", "tag"):
            table = params if c.kind == "param" else tags
            alias = table.alias()
            base = [alias.c.run_uuid == runs.c.run_uuid, self.text(alias.c.key) == c.key]
            if c.op in ("IS NULL", "IS NOT NULL"):
                found = exists(select(literal(1)).where(*base))
                return not_(found) if c.op == "IS NULL" else found
            return exists(select(literal(1)).where(*base, self.string_op(alias.c.value, c.op, c.value)))
        if c.kind == "dataset":
            ri, ds = run_inputs.alias(), datasets.alias()
            column = ri.c.context if c.key == "context" else ds.c[c.key]
            joined = [ri.c.run_uuid == runs.c.run_uuid, ds.c.dataset_uuid == ri.c.dataset_uuid]
            if c.op in ("IS NULL", "IS NOT NULL"):
                found = exists(select(literal(1)).where(*joined, column.is_not(None)))
                return not_(found) if c.op == "IS NULL" else found
            return exists(select(literal(1)).where(*joined, self.string_op(column, c.op, c.value)))
        raise InvalidParameterError(f"Unknown identifier kind {c.kind!r}.")

    def attribute(self, c: g.Comparison) -> ColumnElement[bool]:
        column = _ATTRIBUTE_COLUMNS[c.key]
        if c.op == "IS NULL":
            return column.is_(None)
        if c.op == "IS NOT NULL":
            return column.is_not(None)
        if c.key == "experiment_id":
            values = c.value if isinstance(c.value, tuple) else (c.value,)
            try:
                numbers = tuple(int(v) for v in values)  # type: ignore[arg-type]
            except ValueError:
                return false() if c.op in ("=", "IN") else true()
            return self.number_op(column, c.op, numbers if isinstance(c.value, tuple) else numbers[0])
        if c.key in g.NUMERIC_ATTRIBUTES:
            return self.number_op(column, c.op, c.value)
        return self.string_op(column, c.op, c.value)


def _order_clauses(items: Sequence[str] | None, compiler: _Compiler) -> tuple[list[Any], list[Any]]:
    """(outer joins, ORDER BY terms); missing and NaN values last, then newest first."""
    joins: list[Any] = []
    terms: list[Any] = []
    for clause in items or ():
        ob = g.parse_order_by(clause)
        if ob.kind == "attribute":
            value: Any = _ATTRIBUTE_COLUMNS[ob.key]
            missing: Any = value.is_(None)
            if ob.key not in g.NUMERIC_ATTRIBUTES and ob.key != "experiment_id":
                value = compiler.text(value)
        elif ob.kind == "metric":
            lm = latest_metrics.alias()
            joins.append((lm, and_(lm.c.run_uuid == runs.c.run_uuid, lm.c.key == ob.key)))
            value, missing = lm.c.value, or_(lm.c.value.is_(None), lm.c.special == SPECIAL_NAN)
        else:
            table = (params if ob.kind == "param" else tags).alias()
            joins.append((table, and_(table.c.run_uuid == runs.c.run_uuid, table.c.key == ob.key)))
            value, missing = compiler.text(table.c.value), table.c.value.is_(None)
        terms.append(case((missing, 1), else_=0))
        terms.append(value.asc() if ob.ascending else value.desc())
    terms.extend([runs.c.start_time.desc(), runs.c.run_uuid])
    return joins, terms


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
        if offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise InvalidParameterError(
            f"Invalid page_token {token!r}: pass the token from the previous page's .token unchanged."
        ) from None


def check_max_results(max_results: int) -> None:
    if not isinstance(max_results, int) or isinstance(max_results, bool) or not 0 < max_results <= MAX_RESULTS_LIMIT:
        raise InvalidParameterError(
            f"max_results must be an integer from 1 to {MAX_RESULTS_LIMIT}, got {max_results!r}; "
            "page through more with page_token."
        )


def find_run_rows(
    conn: Connection,
    experiment_ids: Sequence[int],
    filter_string: str | None,
    view_type: ViewType,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> tuple[list[Row[Any]], str | None]:
    check_max_results(max_results)
    offset = decode_page_token(page_token)
    node = g.parse_filter(filter_string)
    compiler = _Compiler(conn.dialect.name)
    joins, terms = _order_clauses(order_by, compiler)
    source: Any = runs
    for table, on in joins:
        source = source.outerjoin(table, on)
    query = (
        select(runs)
        .select_from(source)
        .where(runs.c.experiment_id.in_(list(experiment_ids)), runs.c.lifecycle_stage.in_(view_type.stages()))
    )
    if node is not None:
        query = query.where(compiler.compile(node))
    rows = list(conn.execute(query.order_by(*terms).offset(offset).limit(max_results + 1)).all())
    token = encode_page_token(offset + max_results) if len(rows) > max_results else None
    return rows[:max_results], token
