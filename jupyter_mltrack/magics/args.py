"""Argument parsing for the magics: argparse whose errors are IPython ``UsageError`` s.

argparse prints to stderr and calls ``sys.exit`` on a bad argument; in a notebook that would be
a ``SystemExit`` traceback. Here a bad argument is one ``UsageError`` line (DESIGN.md section 5)
and ``-h/--help`` prints the help and stops the command without an error.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any, NoReturn, Sequence

from IPython.core.error import UsageError


class HelpShown(Exception):
    """``-h`` was given: the help was printed, nothing else must run."""


class MagicArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("add_help", True)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}. See {self.prog} -h.")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:
            raise UsageError(f"{self.prog}: {(message or 'bad arguments').strip()}")
        raise HelpShown()


def split(line: str) -> list[str]:
    """Shell-like words; an unbalanced quote is a UsageError."""
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"cannot parse the arguments {line!r}: {exc}.") from None


def parse(parser: MagicArgumentParser, words: Sequence[str]) -> argparse.Namespace:
    return parser.parse_args(list(words))


def names(text: str) -> tuple[str, ...]:
    """``a,b`` -> ("a", "b"); each must be a Python identifier (a notebook variable)."""
    found = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [n for n in found if not n.isidentifier()]
    if bad or not found:
        raise argparse.ArgumentTypeError(f"expected variable names like a,b; got {text!r}")
    return found


def key_value(text: str) -> tuple[str, str]:
    """``key=value`` (the value may be empty or contain '=')."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a non-empty name")
    return text


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value
