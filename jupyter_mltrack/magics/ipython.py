"""Typed handles on the few untyped IPython functions the magics call (mypy --strict)."""

from __future__ import annotations

from typing import Any, Callable, TypeVar, cast

from IPython.core import display_functions as _display
from IPython.core import inputtransformer2 as _transformers
from IPython.core import magic as _magic

T = TypeVar("T")

display: Callable[..., Any] = cast(Any, _display).display
magics_class: Callable[[T], T] = cast(Any, _magic).magics_class
cell_magic: Callable[[T], T] = cast(Any, _magic).cell_magic
line_magic: Callable[[T], T] = cast(Any, _magic).line_magic
cell_magic_transform: Callable[[list[str]], list[str]] = cast(Any, _transformers).cell_magic


def html(text: str) -> Any:
    from IPython.core.display import HTML

    return cast(Any, HTML)(text)
