"""Entry-point parameters: found in a notebook, typed, written to MLproject, validated before a run.

A parameter is a top-level literal assignment (``n_estimators = 200``, ``lr = 1e-3``,
``model = "rf"``, ``scale = True``) in the papermill ``parameters`` cell or, without one, in a
``%%track`` cell. Its kind is the literal's Python type. MLproject knows only ``float``, ``path``,
``string`` and ``uri``; MLflow reads the ``type`` and ``default`` keys of a parameter and ignores
any other, so the exact kind is kept beside them:

=========  =============================================  ==================================
Python     MLproject                                      accepted values
=========  =============================================  ==================================
``int``    ``{type: float, default: 200, mltrack_type: int}``       whole numbers (``-3``, ``200``)
``float``  ``{type: float, default: 0.1}``                any float (``1e-3``, ``nan``)
``bool``   ``{type: string, default: "true", mltrack_type: bool}``  true/false, yes/no, 1/0
``str``    ``{type: string, default: "rf"}``              anything
=========  =============================================  ==================================

``path`` (an existing local file or folder, passed on as an absolute path) and ``uri`` (a value
with a scheme, like ``s3://bucket/x``) are validated too, for hand-written MLproject files.
"""

from __future__ import annotations

import ast
import math
import os
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlparse

from jupyter_mltrack.export.errors import ParameterValueError

KINDS = ("int", "float", "bool", "str", "path", "uri")
_MLPROJECT_TYPE = {"int": "float", "float": "float", "bool": "string", "str": "string", "path": "path", "uri": "uri"}
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # one of KINDS
    default: Any = None  # a Python value of that kind, or None when the parameter is required

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def spec(self) -> dict[str, Any]:
        """This parameter as an MLproject entry-point parameter."""
        found: dict[str, Any] = {"type": _MLPROJECT_TYPE[self.kind]}
        if self.default is not None:
            found["default"] = "true" if self.default is True else "false" if self.default is False else self.default
        if self.kind in ("int", "bool"):
            found["mltrack_type"] = self.kind
        return found


def literal_kind(node: ast.expr) -> tuple[str, Any] | None:
    """(kind, value) of a literal int/float/bool/str expression (``-1`` included), else None."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        return "int", value
    if isinstance(value, float):
        return "float", value
    if isinstance(value, str):
        return "str", value
    return None


def literal_assignments(tree: ast.Module) -> list[tuple[ast.stmt, str, ast.expr]]:
    """(statement, name, value) of ``name = literal`` / ``name: T = literal`` at the top of a module."""
    found: list[tuple[ast.stmt, str, ast.expr]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            target, value = stmt.target.id, stmt.value
        else:
            continue
        if literal_kind(value) is not None:
            found.append((stmt, target, value))
    return found


def from_spec(name: str, spec: Any) -> Parameter:
    """A parameter read back from an MLproject file (MLflow's short form ``name: float`` too)."""
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping):
        spec = {}
    declared = str(spec.get("type", "string"))
    kind = str(spec.get("mltrack_type") or {"float": "float", "path": "path", "uri": "uri"}.get(declared, "str"))
    if kind not in KINDS:
        kind = "str"
    default = spec.get("default")
    if default is not None:
        default = parse(Parameter(name, kind), str(default).lower() if isinstance(default, bool) else str(default),
                        check_path=False)
    return Parameter(name, kind, default)


def parse(param: Parameter, text: str, check_path: bool = True) -> Any:
    """``text`` as a value of the parameter's kind; a ParameterValueError says why not."""
    kind = param.kind
    if kind == "int":
        try:
            number = float(text)
        except ValueError:
            raise ParameterValueError(param.name, "int", text, "not a number") from None
        if not math.isfinite(number) or number != int(number):
            raise ParameterValueError(param.name, "int", text, "not a whole number")
        return int(text) if text.strip().lstrip("+-").isdigit() else int(number)
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ParameterValueError(param.name, "float", text, "not a number") from None
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise ParameterValueError(param.name, "bool", text, "use true or false")
    if kind == "path" and check_path:
        local = text[len("file://") :] if text.startswith("file://") else text
        if not os.path.exists(local):
            raise ParameterValueError(param.name, "path", text, "no such file or folder")
        return os.path.abspath(local)
    if kind == "uri" and not urlparse(text).scheme:
        raise ParameterValueError(param.name, "uri", text, "a URI has a scheme, like s3://bucket/key")
    return text


def canonical(value: Any) -> str:
    """The text a value is passed and logged as: what ``str()`` of the script's own variable gives."""
    return str(value)


def infer(text: str) -> tuple[str, Any]:
    """(kind, value) of a logged param's text: int, then float, then bool, else str."""
    for kind in ("int", "float", "bool"):
        try:
            return kind, parse(Parameter("value", kind), text)
        except ParameterValueError:
            continue
    return "str", text


def resolve(declared: Mapping[str, Parameter], given: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Every declared parameter's value: given (validated) or its default; unknown or missing ones are errors."""
    from jupyter_mltrack.export.errors import ProjectError

    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise ProjectError(f"{where} has no parameter {unknown[0]!r} (its parameters: {known}).")
    values: dict[str, Any] = {}
    for name, param in declared.items():
        if name in given:
            raw = given[name]
            text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
            values[name] = parse(param, text)
        elif param.default is not None:
            values[name] = param.default
        else:
            raise ProjectError(f"{where} needs a value for parameter {name!r} ({param.kind}): pass -P {name}=VALUE.")
    return values
