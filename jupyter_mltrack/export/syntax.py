"""IPython syntax in a cell, found without IPython (export is a service: DESIGN.md section 1).

A cell is split into its cell magic (``%%track ...`` on the first line, possibly over another
``%%magic``) and a body whose lines are Python or *special lines*: line magics (``%time f()``,
``x = %env HOME``), shell escapes (``!pip install x``, ``files = !ls``) and help (``obj?``).
A line that only looks special (``% b`` continuing a bracket, ``!`` inside a triple-quoted
string) stays Python: candidates are swapped for a placeholder name and kept only where the
tokenizer sees that name start a logical line outside any bracket or string.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_CANDIDATE = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<target>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*)?"
    r"(?P<kind>%(?!%)|!|\?\??)(?P<text>.*)$"
)
_HELP = re.compile(r"^(?P<indent>[ \t]*)(?P<text>[A-Za-z_][\w.]*\?\??)\s*$")
_CELL_MAGIC = re.compile(r"^%%(?P<name>[A-Za-z_][\w-]*)(?P<args>.*)$")
_PLACEHOLDER = "__mltrack_special_{}__"


@dataclass(frozen=True)
class Special:
    """One special line: ``kind`` is ``%`` (line magic), ``!`` (shell) or ``?`` (help)."""

    line: int  # index of its first line in the body
    count: int  # how many physical lines it spans (``\\`` continuations)
    indent: str
    kind: str
    text: str  # after the % or !, continuations joined
    target: str | None  # ``x`` in ``x = %magic`` / ``x = !cmd``

    @property
    def magic_name(self) -> str:
        return self.text.split(None, 1)[0] if self.kind == "%" and self.text.strip() else ""

    @property
    def magic_args(self) -> str:
        parts = self.text.split(None, 1)
        return parts[1] if len(parts) > 1 else ""

    @property
    def source(self) -> str:
        prefix = f"{self.target} = " if self.target else ""
        mark = "" if self.kind == "?" else self.kind
        return f"{prefix}{mark}{self.text}"


@dataclass(frozen=True)
class CellMagic:
    name: str
    args: str
    body: str


def split_cell_magic(source: str) -> tuple[CellMagic | None, str]:
    """(``%%magic`` of the first non-blank line, the rest) or (None, the source)."""
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, source
    match = _CELL_MAGIC.match(lines[first].strip())
    if match is None:
        return None, source
    body = "\n".join(lines[first + 1 :])
    return CellMagic(match["name"], match["args"].strip(), body), body


def find_specials(body: str) -> list[Special]:
    """The special lines of a cell body (no cell magic line), in order."""
    lines = body.splitlines()
    candidates = _candidates(lines)
    if not candidates:
        return []
    confirmed = _confirm(lines, candidates)
    return [c for c in candidates if c.line in confirmed]


def _candidates(lines: list[str]) -> list[Special]:
    found: list[Special] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _CANDIDATE.match(line)
        help_match = _HELP.match(line) if match is None else None
        if match is None and help_match is None:
            index += 1
            continue
        count = 1
        text = match["text"] if match else help_match["text"]  # type: ignore[index]
        while text.endswith("\\") and index + count < len(lines):
            text = text[:-1] + " " + lines[index + count].strip()
            count += 1
        if match:
            kind = "?" if match["kind"].startswith("?") else match["kind"]
            text = text if kind != "?" else match["kind"] + text
            found.append(Special(index, count, match["indent"], kind, text.strip(), match["target"]))
        else:
            found.append(Special(index, count, help_match["indent"], "?", text.strip(), None))  # type: ignore[index]
        index += count
    return found


def _confirm(lines: list[str], candidates: list[Special]) -> set[int]:
    """Indexes of candidates that the tokenizer sees as statements (not in strings or brackets).

    First the marker (``%``, ``!``, ``x = !``) alone is swapped for a placeholder name, so brackets
    and quotes on the line still count; if that does not tokenize (``!echo it's``), whole lines.
    """
    for whole_line in (False, True):
        swapped = list(lines)
        names: dict[str, int] = {}
        for candidate in candidates:
            name = _PLACEHOLDER.format(candidate.line)
            names[name] = candidate.line
            original = lines[candidate.line]
            rest = "" if whole_line else original[_marker_end(original, candidate) :]
            swapped[candidate.line] = candidate.indent + name + (" " + rest if rest else "")
            for extra in range(1, candidate.count if whole_line else 1):
                swapped[candidate.line + extra] = ""
        found = _statements(swapped, names)
        if found is not None:
            return found
    return {c.line for c in candidates}  # cannot tell: IPython would treat them as special too


def _marker_end(line: str, candidate: Special) -> int:
    if candidate.kind == "?":
        return len(candidate.indent)
    marker = line.find(candidate.kind, len(candidate.indent))
    return marker + 1 if marker >= 0 else len(line)


def _statements(lines: list[str], names: dict[str, int]) -> set[int] | None:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    confirmed: set[int] = set()
    depth = 0
    at_start = True
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth = max(0, depth - 1)
        if token.type == tokenize.NAME and token.string in names and depth == 0 and at_start:
            confirmed.add(names[token.string])
        if token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or (
            token.type == tokenize.NL and depth == 0
        ):
            at_start = True
        elif token.type not in (tokenize.COMMENT, tokenize.NL):
            at_start = False
    return confirmed


def string_lines(source: str) -> set[int]:
    """0-based indexes of lines that continue a multi-line string (re-indenting them would change it)."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))  # 1-based start+1 .. end -> 0-based
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set()
    return inside
