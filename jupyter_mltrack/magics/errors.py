"""The magics' one place for the error contract: our errors become one-line ``UsageError`` s."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from IPython.core.error import UsageError

from jupyter_mltrack.errors import FilterSyntaxError, MltrackError


def one_line(exc: BaseException) -> str:
    if isinstance(exc, FilterSyntaxError):
        near = exc.text[exc.position : exc.position + 30]
        return f"Invalid search filter at position {exc.position} ({near!r}): {exc.reason}"
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines) if len(" ".join(lines)) <= 300 else lines[0]


@contextmanager
def usage_errors(what: str = "") -> Iterator[None]:
    """Turn MltrackError (and ValueError from settings) into a one-line UsageError."""
    try:
        yield
    except UsageError:
        raise
    except (MltrackError, ValueError) as exc:
        prefix = f"{what}: " if what else ""
        raise UsageError(prefix + one_line(exc)) from None
