"""Parser for run-search filters and order_by clauses.

The grammar is MLflow's (``metrics.acc > 0.9 and params.model = 'rf'``) so users' filters carry
over, extended with OR and parentheses (AND binds tighter). It is pure stdlib and returns a small
AST: the SQL store turns that into a query, and front doors can validate a filter before anything
touches the database. Type errors (``params.x > 1``, ``metrics.y LIKE 'a'``) are caught here, with
a message that says what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NoReturn, TypeAlias

from jupyter_mltrack.entities import RunStatus
from jupyter_mltrack.store.sql.search_tokens import Token, describe, fail, tokenize

__all__ = [
    "NUMERIC_ATTRIBUTES",
    "STRING_ATTRIBUTES",
    "And",
    "Comparison",
    "Node",
    "Or",
    "OrderBy",
    "parse_filter",
    "parse_order_by",
]


@dataclass(frozen=True)
class Comparison:
    """``<kind>.<key> <op> <value>``; ``position`` is the identifier's offset in the text."""

    kind: str  # "metric" | "param" | "tag" | "attribute" | "dataset"
    key: str  # for attributes the canonical name; for datasets "name" | "digest" | "context"
    op: str  # "=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN", "IS [NOT] NULL"
    value: str | float | tuple[str, ...] | tuple[float, ...] | None
    position: int


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node: TypeAlias = Comparison | And | Or


@dataclass(frozen=True)
class OrderBy:
    kind: str  # as Comparison.kind, never "dataset"
    key: str
    ascending: bool


_PREFIXES = {
    "metric": "metric", "metrics": "metric",
    "param": "param", "params": "param", "parameter": "param", "parameters": "param",
    "tag": "tag", "tags": "tag",
    "attribute": "attribute", "attributes": "attribute", "attr": "attribute", "run": "attribute",
    "dataset": "dataset", "datasets": "dataset",
}  # fmt: skip
_PREFIX_HELP = (
    "metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<name|digest|context> "
    "(aliases: metric, param, parameter(s), tag, attribute, attr, run, dataset)"
)
# Ordered for messages; the frozensets below are the public contract.
_ATTRIBUTE_NAMES = (
    "run_id", "run_name", "status", "artifact_uri", "user_id", "notebook_path", "cell_id",
    "parent_run_id", "experiment_id", "lifecycle_stage", "start_time", "end_time",
)  # fmt: skip
#: Attributes compared as numbers (milliseconds since the epoch).
NUMERIC_ATTRIBUTES: frozenset[str] = frozenset({"start_time", "end_time"})
#: Attributes compared as strings.
STRING_ATTRIBUTES: frozenset[str] = frozenset(_ATTRIBUTE_NAMES) - NUMERIC_ATTRIBUTES
# MLflow's spellings, matched case-insensitively like every attribute name.
_ATTRIBUTE_ALIASES = {"created": "start_time", "run_uuid": "run_id", "name": "run_name"}
_DATASET_KEYS = ("name", "digest", "context")
_STATUSES = tuple(s.value for s in RunStatus)

_NULL_OPS = ("IS NULL", "IS NOT NULL")
_SET_OPS = ("IN", "NOT IN")
_NUMERIC_OPS = ("=", "!=", ">", ">=", "<", "<=", *_SET_OPS, *_NULL_OPS)
_STRING_OPS = ("=", "!=", "LIKE", "ILIKE", *_SET_OPS, *_NULL_OPS)
_STATUS_CHECKED_OPS = ("=", "!=", *_SET_OPS)
_NOT_FINITE = ("nan", "inf", "infinity")


def _is_numeric(kind: str, key: str) -> bool:
    return kind == "metric" or (kind == "attribute" and key in NUMERIC_ATTRIBUTES)


def _subject(kind: str, key: str) -> tuple[str, str]:
    """How a field's type is named in messages, and the pronoun that goes with it."""
    if kind in ("metric", "param", "tag"):
        noun = "numbers" if kind == "metric" else "strings"
        return f"{kind}s are {noun}", "them"
    if kind == "dataset":
        return f"datasets.{key} is a string", "it"
    if key in NUMERIC_ATTRIBUTES:
        return f"attributes.{key} is a number (milliseconds since the epoch)", "it"
    return f"attributes.{key} is a string", "it"


def _combine(cls: type[And | Or], items: list[Node]) -> Node:
    """One item stays bare; nested nodes of the same type are flattened into this one."""
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else (item,))
    return cls(tuple(flat))


class _Parser:
    """Recursive descent over the token list: or := and (OR and)*, and := primary (AND primary)*."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def next(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "EOF":
            self.index += 1
        return token

    def fail(self, pos: int, reason: str) -> NoReturn:
        fail(self.text, pos, reason)

    @staticmethod
    def is_keyword(token: Token, word: str) -> bool:
        return token.kind == "KEYWORD" and token.value == word

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.is_keyword(self.peek(), "OR"):
            self.connective()
            items.append(self.parse_and())
        return _combine(Or, items)

    def parse_and(self) -> Node:
        items = [self.parse_primary()]
        while self.is_keyword(self.peek(), "AND"):
            self.connective()
            items.append(self.parse_primary())
        return _combine(And, items)

    def connective(self) -> None:
        """Consume AND/OR; one that ends the text is reported at the keyword itself."""
        word = self.next()
        if self.peek().kind == "EOF":
            self.fail(word.pos, f"dangling {word.value}: add a condition after it or remove it")

    def parse_primary(self) -> Node:
        token = self.peek()
        if token.kind != "(":
            return self.parse_comparison()
        self.next()
        if self.peek().kind == ")":
            self.fail(token.pos, "empty parentheses: put a condition inside, like (metrics.acc > 0.9)")
        if self.peek().kind == "EOF":
            self.fail(token.pos, "unbalanced parenthesis: this '(' is never closed")
        node = self.parse_or()
        close = self.next()
        if close.kind == "EOF":
            self.fail(token.pos, "unbalanced parenthesis: this '(' is never closed")
        if close.kind != ")":
            self.fail(close.pos, f"expected AND, OR or ')', got {describe(close)}")
        return node

    def parse_comparison(self) -> Comparison:
        ident = self.next()
        if ident.kind != "WORD":
            self.fail(ident.pos, f"expected a condition like metrics.acc > 0.9, got {describe(ident)}")
        kind, key = self.resolve(ident)
        op_token, op = self.parse_operator(ident)
        allowed = _NUMERIC_OPS if _is_numeric(kind, key) else _STRING_OPS
        if op not in allowed:
            subject, pronoun = _subject(kind, key)
            self.fail(op_token.pos, f"{subject}: compare {pronoun} with {' '.join(allowed)}, not {op!r}")
        value: str | float | tuple[str, ...] | tuple[float, ...] | None = None
        if op in _SET_OPS:
            value = self.parse_list(kind, key, op)
        elif op not in _NULL_OPS:
            value = self.parse_scalar(kind, key, op, f"after {op}", ident)
        return Comparison(kind, key, op, value, ident.pos)

    def resolve(self, ident: Token, *, order_by: bool = False) -> tuple[str, str]:
        """Map ``prefix.key`` to (kind, key), applying aliases and canonical attribute names."""
        prefix, dot, key = ident.value.partition(".")
        if not dot:
            hint = ""
            name = ident.value.lower()
            if name in _ATTRIBUTE_NAMES or name in _ATTRIBUTE_ALIASES:
                hint = f" (did you mean attributes.{ident.value}?)"
            self.fail(ident.pos, f"{ident.value!r} has no prefix; write {_PREFIX_HELP}{hint}")
        kind = _PREFIXES.get(prefix.lower())
        if kind is None:
            self.fail(ident.pos, f"unknown prefix {prefix!r}; write {_PREFIX_HELP}")
        if not key:
            self.fail(
                ident.pos,
                f"missing key after {prefix + '.'!r}; quote a key with spaces in backticks: {prefix}.`my key`",
            )
        if kind == "attribute":
            name = _ATTRIBUTE_ALIASES.get(key.lower(), key.lower())
            if name not in _ATTRIBUTE_NAMES:
                self.fail(
                    ident.pos,
                    f"unknown attribute {key!r}; use one of {', '.join(_ATTRIBUTE_NAMES)} (or created, run_uuid, name)",
                )
            return kind, name
        if kind == "dataset":
            if order_by:
                self.fail(
                    ident.pos,
                    "datasets cannot be used in order_by; order by metrics, params, tags or attributes",
                )
            if key.lower() not in _DATASET_KEYS:
                self.fail(
                    ident.pos,
                    f"unknown dataset field {key!r}; use datasets.name, datasets.digest or datasets.context",
                )
            return kind, key.lower()
        return kind, key

    def parse_operator(self, ident: Token) -> tuple[Token, str]:
        """Read one operator, joining the multi-word ones (NOT IN, IS NULL, IS NOT NULL)."""
        token = self.next()
        if token.kind == "OP" or (token.kind == "KEYWORD" and token.value in ("LIKE", "ILIKE", "IN")):
            return token, token.value
        if self.is_keyword(token, "NOT"):
            after = self.next()
            if not self.is_keyword(after, "IN"):
                self.fail(
                    after.pos,
                    f"NOT must be followed by IN here, got {describe(after)} "
                    "(NOT LIKE is not supported; use NOT IN or !=)",
                )
            return token, "NOT IN"
        if self.is_keyword(token, "IS"):
            after = self.next()
            if self.is_keyword(after, "NULL"):
                return token, "IS NULL"
            if not self.is_keyword(after, "NOT"):
                self.fail(after.pos, f"expected NULL or NOT NULL after IS, got {describe(after)}")
            last = self.next()
            if not self.is_keyword(last, "NULL"):
                self.fail(last.pos, f"expected NULL after IS NOT, got {describe(last)}")
            return token, "IS NOT NULL"
        self.fail(
            token.pos,
            f"expected an operator after {ident.text}: one of = != <> > >= < <= "
            f"LIKE ILIKE IN NOT IN IS NULL IS NOT NULL, got {describe(token)}",
        )

    def parse_list(self, kind: str, key: str, op: str) -> tuple[str, ...] | tuple[float, ...]:
        """``( value, value, ... )`` with at least one value, all of the field's type."""
        opening = self.next()
        example = "(1, 2.5)" if _is_numeric(kind, key) else "('a', 'b')"
        if opening.kind != "(":
            self.fail(
                opening.pos,
                f"expected '(' after {op}, like {op} {example}, got {describe(opening)}",
            )
        if self.peek().kind == ")":
            self.fail(opening.pos, f"empty {op} list: give at least one value, like {op} {example}")
        values: list[str | float] = []
        while True:
            values.append(self.parse_scalar(kind, key, op, f"in the {op} list", None))
            token = self.next()
            if token.kind == ")":
                break
            if token.kind == "EOF":
                self.fail(opening.pos, f"unbalanced parenthesis: the {op} list is never closed")
            if token.kind != ",":
                self.fail(token.pos, f"expected ',' or ')' in the {op} list, got {describe(token)}")
        if _is_numeric(kind, key):
            return tuple(float(v) for v in values)
        return tuple(str(v) for v in values)

    def parse_scalar(self, kind: str, key: str, op: str, where: str, ident: Token | None) -> str | float:
        """One literal of the field's type; ``where`` places it in messages."""
        token = self.next()
        if _is_numeric(kind, key):
            return self.number(token, kind, key, op, where)
        if token.kind != "STRING":
            if token.kind == "KEYWORD" and token.value == "NULL" and ident is not None:
                self.fail(token.pos, f"use {ident.text} IS NULL (or IS NOT NULL), not {op} NULL")
            if token.kind in ("WORD", "NUMBER", "KEYWORD"):
                shown = f"{ident.text} {op} " if ident is not None else ""
                self.fail(token.pos, f"quote the value: {shown}'{token.text}'")
            self.fail(token.pos, f"expected a quoted string {where}, got {describe(token)}")
        if kind == "attribute" and key == "status":
            status = token.value.upper()
            if op in _STATUS_CHECKED_OPS and status not in _STATUSES:
                self.fail(
                    token.pos,
                    f"unknown run status {token.value!r}; use one of {', '.join(_STATUSES)}",
                )
            return status
        return token.value

    def number(self, token: Token, kind: str, key: str, op: str, where: str) -> float:
        if token.kind == "NUMBER":
            value = float(token.value)
            if not math.isfinite(value):
                self.fail(token.pos, f"number {token.text} is out of range")
            return value
        if token.kind == "WORD" and token.value.lower() in _NOT_FINITE:
            self.fail(
                token.pos,
                f"{token.text} is not allowed: NaN and infinity cannot be "
                "searched; compare with a finite number like 0.5",
            )
        subject = _subject(kind, key)[0]
        if token.kind == "STRING":
            try:
                float(token.value)
            except ValueError:
                pass
            else:
                self.fail(token.pos, f"{subject}: remove the quotes around {token.text}")
        self.fail(token.pos, f"{subject}: expected a number {where}, got {describe(token)}")


def parse_filter(text: str | None) -> Node | None:
    """Parse a search filter; None, empty or blank text means "no filter" and gives None."""
    if text is None or not text.strip():
        return None
    parser = _Parser(text)
    node = parser.parse_or()
    token = parser.peek()
    if token.kind == ")":
        parser.fail(token.pos, "unbalanced parenthesis: this ')' has no matching '('")
    if token.kind != "EOF":
        parser.fail(token.pos, f"expected AND or OR between conditions, got {describe(token)}")
    return node


def parse_order_by(clause: str) -> OrderBy:
    """Parse one ``<identifier> [ASC|DESC]`` clause (ascending by default)."""
    parser = _Parser(clause)
    ident = parser.next()
    if ident.kind == "EOF":
        parser.fail(0, "empty order_by clause; write one like 'metrics.acc DESC'")
    if ident.kind != "WORD":
        parser.fail(
            ident.pos,
            f"expected a column like metrics.acc or attributes.start_time, got {describe(ident)}",
        )
    kind, key = parser.resolve(ident, order_by=True)
    direction = parser.next()
    if direction.kind == "EOF":
        return OrderBy(kind, key, True)
    if direction.kind != "KEYWORD" or direction.value not in ("ASC", "DESC"):
        parser.fail(direction.pos, f"expected ASC or DESC after {ident.text}, got {describe(direction)}")
    extra = parser.next()
    if extra.kind != "EOF":
        parser.fail(
            extra.pos,
            f"unexpected {describe(extra)} after {direction.text}; an order_by "
            "clause is '<column> [ASC|DESC]' (pass several clauses as a list)",
        )
    return OrderBy(kind, key, direction.value == "ASC")
