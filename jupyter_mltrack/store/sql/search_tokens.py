"""Tokenizer for the run-search filter grammar (the parser is ``search_grammar``).

Kept apart so the parser reads like the grammar. Every token keeps its offset in the original
text, so each :class:`FilterSyntaxError` can point at the exact character the user has to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from jupyter_mltrack.errors import FilterSyntaxError

#: Reserved words, matched case-insensitively; inside quotes or backticks they are plain text.
KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE", "ASC", "DESC"})

# A bare identifier: a letter or "_" first, then the characters MLflow keys commonly use.
_WORD = re.compile(r"[^\W\d][\w\-./:]*")
# A prefix alone ("metrics.") may be followed directly by a quoted key: metrics.`my key`.
_PREFIX_DOT = re.compile(r"[^\W\d]\w*\.")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_TAIL = re.compile(r"[\w.+\-]*")
_OPERATORS = ("!=", "<>", ">=", "<=", "=", "<", ">")  # longest first


@dataclass(frozen=True)
class Token:
    """One lexeme.

    ``kind`` is WORD, KEYWORD, STRING, NUMBER, OP, "(", ")", "," or EOF. ``text`` is the exact
    source slice (for messages); ``value`` is what the parser uses: the unescaped contents of a
    string, the upper-cased keyword, the operator with ``<>`` spelled ``!=``, or the identifier
    with its quoted key unquoted (``params."my key"`` -> ``params.my key``).
    """

    kind: str
    text: str
    pos: int
    value: str


def fail(text: str, pos: int, reason: str) -> NoReturn:
    """Raise the one error type a bad filter produces, pointing at ``pos``."""
    raise FilterSyntaxError(text, pos, reason)


def _read_quoted(text: str, start: int, what: str) -> tuple[str, int]:
    """Read a quoted run starting at ``start``; a doubled quote stands for one (SQL style)."""
    quote = text[start]
    parts: list[str] = []
    i = start + 1
    while True:
        j = text.find(quote, i)
        if j < 0:
            fail(
                text,
                start,
                f"unterminated {what}: add the closing {quote} (write a {quote} inside it as {quote}{quote})",
            )
        parts.append(text[i:j])
        if text.startswith(quote, j + 1):
            parts.append(quote)
            i = j + 2
            continue
        return "".join(parts), j + 1


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an EOF token at ``len(text)``."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "(),":
            tokens.append(Token(c, c, i, c))
            i += 1
            continue
        if c in "'\"":
            value, end = _read_quoted(text, i, "string")
            tokens.append(Token("STRING", text[i:end], i, value))
            i = end
            continue
        if c == "`":
            fail(text, i, "backticks quote keys only, right after the prefix: metrics.`my key`")
        if text.startswith("==", i):
            fail(text, i, "'==' is not an operator; use '='")
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token("OP", op, i, "!=" if op == "<>" else op))
            i += len(op)
            continue
        number = _NUMBER.match(text, i)
        if number is not None:
            end = number.end()
            if end < n and (text[end].isalnum() or text[end] in "_."):
                tail = _NUMBER_TAIL.match(text, end)
                bad = text[i : tail.end() if tail else end]
                fail(text, i, f"malformed number {bad!r}; write numbers like 3, -0.5 or 1e-3")
            tokens.append(Token("NUMBER", number.group(), i, number.group()))
            i = end
            continue
        word = _WORD.match(text, i)
        if word is None:
            fail(text, i, f"unexpected character {c!r}")
        end = word.end()
        name = word.group()
        if end < n and text[end] in '`"' and _PREFIX_DOT.fullmatch(name):
            key, end = _read_quoted(text, end, "quoted key")
            tokens.append(Token("WORD", text[i:end], i, name + key))
        elif name.upper() in KEYWORDS:
            tokens.append(Token("KEYWORD", name, i, name.upper()))
        else:
            tokens.append(Token("WORD", name, i, name))
        i = end
    tokens.append(Token("EOF", "", n, ""))
    return tokens


def describe(token: Token) -> str:
    """How a token is named in an error message."""
    if token.kind == "EOF":
        return "end of text"
    if token.kind == "STRING":
        return f"the string {token.text}"
    return repr(token.text)
