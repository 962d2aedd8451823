"""``%mltrack`` subcommands, one small module each; :data:`COMMANDS` is the dispatch table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import argparse

    from jupyter_mltrack.magics.args import MagicArgumentParser
    from jupyter_mltrack.magics.extension import MltrackMagics


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    parser: "Callable[[], MagicArgumentParser]"
    run: "Callable[[MltrackMagics, argparse.Namespace], Any]"
