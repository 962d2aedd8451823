"""Alert hooks: called with the drift summary when a report flags features.

A hook is a Python callable or an ``http(s)://`` URL that receives the summary as a JSON POST. A
failing hook is reported as a warning: monitoring must not break the job that runs it.
"""

from __future__ import annotations

import json
import urllib.request
import warnings
from collections.abc import Callable
from typing import Any

Hook = Callable[[dict[str, Any]], Any] | str
_HOOKS: list[Hook] = []


def add_alert_hook(hook: Hook) -> None:
    """Call ``hook(summary)`` (or POST the summary to the URL ``hook``) whenever drift is flagged."""
    if isinstance(hook, str):
        if not hook.startswith(("http://", "https://")):
            raise ValueError(f"An alert hook URL must be http:// or https://, got {hook!r}.")
    elif not callable(hook):
        raise TypeError("An alert hook is a callable or a webhook URL.")
    _HOOKS.append(hook)


def remove_alert_hook(hook: Hook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)


def notify(summary: dict[str, Any]) -> None:
    for hook in list(_HOOKS):
        try:
            if isinstance(hook, str):
                request = urllib.request.Request(hook, data=json.dumps(summary).encode(), method="POST",
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
            else:
                hook(summary)
        except Exception as exc:
            warnings.warn(f"Drift alert hook {hook!r} failed: {exc}", stacklevel=2)
