"""Text edits at AST positions, so a cell keeps its own formatting and comments when rewritten.

``ast`` columns count UTF-8 bytes; these helpers turn them into string offsets.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    start: int  # string offsets into the source
    end: int
    text: str


class Positions:
    def __init__(self, source: str) -> None:
        self.source = source
        self._starts = [0]
        for line in source.splitlines(keepends=True):
            self._starts.append(self._starts[-1] + len(line))
        self._lines = source.splitlines(keepends=True)

    def offset(self, lineno: int, col: int) -> int:
        line = self._lines[lineno - 1] if lineno - 1 < len(self._lines) else ""
        return self._starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))

    def span(self, node: ast.expr) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def replace(self, node: ast.expr, text: str) -> Edit:
        start, end = self.span(node)
        return Edit(start, end, text)

    def insert_before(self, node: ast.expr, text: str) -> Edit:
        start, _ = self.span(node)
        return Edit(start, start, text)

    def insert_after(self, node: ast.expr, text: str) -> Edit:
        _, end = self.span(node)
        return Edit(end, end, text)


def apply(source: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (insertions at one point keep their given order)."""
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]), reverse=True)
    for _, edit in ordered:
        source = source[: edit.start] + edit.text + source[edit.end :]
    return source
