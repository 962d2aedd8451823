"""Which frameworks autolog is on for, and with what options.

Kept apart from ``__init__`` so the per-framework modules can read the options at call time
without importing the switch (and the switch can import them without a cycle).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

#: The tag every autologged run carries; its value names the framework (``sklearn``, ``xgboost``...).
AUTOLOG_TAG = "mltrack.autolog"


@dataclass(frozen=True)
class AutologConfig:
    """The options of one framework's autologging (see ``jupyter_mltrack.autolog.autolog``)."""

    exclusive: bool = False
    silent: bool = False
    log_models: bool = True
    log_datasets: bool = True
    log_post_training_metrics: bool = True
    max_tuning_runs: int | None = 5


_configs: dict[str, AutologConfig] = {}
_lock = threading.Lock()


def config(framework: str) -> AutologConfig | None:
    """The options of ``framework``, or None when autolog is off for it."""
    return _configs.get(framework)


def enabled(framework: str) -> bool:
    return framework in _configs


def set_config(framework: str, value: AutologConfig | None) -> None:
    with _lock:
        if value is None:
            _configs.pop(framework, None)
        else:
            _configs[framework] = value


def silent(framework: str) -> bool:
    found = _configs.get(framework)
    return bool(found and found.silent)
