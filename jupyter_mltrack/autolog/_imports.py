"""Patch a framework the moment it is imported, when autolog was switched on before the import.

A ``sys.meta_path`` finder answers only for the watched module names: it asks the other finders
for the real spec and hands back that spec with a loader that runs the real loader, then calls
our callback. The real loader is put back on the module before its code runs, so the module (and
``importlib.resources``) never sees ours. The finder leaves ``sys.meta_path`` when nothing is
watched any more.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Sequence

Callback = Callable[[ModuleType], None]


class _Loader(importlib.abc.Loader):
    def __init__(self, real: Any, finder: "_Finder") -> None:
        self.real = real
        self.finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self.real, "create_module", None)
        module: ModuleType | None = create(spec) if create is not None else None
        return module

    def exec_module(self, module: ModuleType) -> None:
        if module.__spec__ is not None:
            module.__spec__.loader = self.real
        module.__loader__ = self.real
        self.real.exec_module(module)
        self.finder.loaded(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.callbacks: dict[str, Callback] = {}
        self._busy = threading.local()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.callbacks or getattr(self._busy, "name", None) == fullname:
            return None
        self._busy.name = fullname
        try:
            spec = _real_spec(self, fullname, path, target)
        finally:
            self._busy.name = None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _Loader(spec.loader, self)
        return spec

    def loaded(self, module: ModuleType) -> None:
        callback = self.callbacks.pop(module.__name__, None)
        if not self.callbacks:
            uninstall()
        if callback is not None:
            callback(module)  # the callback reports its own failures (never raises)


def _real_spec(
    me: _Finder, fullname: str, path: Sequence[str] | None, target: ModuleType | None
) -> importlib.machinery.ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is me:
            continue
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target)
        if spec is not None:
            return spec
    return None


_finder = _Finder()
_lock = threading.Lock()


def watch(module_name: str, callback: Callback) -> None:
    """Call ``callback(module)`` right after ``module_name`` is first imported."""
    with _lock:
        _finder.callbacks[module_name] = callback
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)


def unwatch(module_name: str) -> None:
    with _lock:
        _finder.callbacks.pop(module_name, None)
        if not _finder.callbacks:
            uninstall()


def uninstall() -> None:
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)


def watched() -> list[str]:
    return sorted(_finder.callbacks)


def installed() -> bool:
    return _finder in sys.meta_path
