"""Registry errors: a refused promotion says which rule stopped it and what to do instead."""

from __future__ import annotations

from jupyter_mltrack.errors import MltrackError


class PromotionRefusedError(MltrackError):
    error_code = "PERMISSION_DENIED"
    http_status = 403

    def __init__(self, name: str, version: str, target: str, rule: str, advice: str) -> None:
        self.name = name
        self.version = version
        self.target = target
        self.rule = rule
        super().__init__(f"Promotion of {name!r} version {version} to {target} was refused: {rule}. {advice}")
