"""Requirements of a model, inferred from what the model object really uses, and MLflow's env files.

MLflow loads the saved model in a subprocess and records what gets imported (about 8 s). We walk the
model object instead: the modules of its classes, of the objects it holds and of the code of any
function or class defined in the notebook, map each top-level module to its distribution and pin
the installed version. No subprocess, no scan of the whole environment in the common case.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
import types
import warnings
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from jupyter_mltrack.models.errors import ModelEnvironmentWarning

REQUIREMENTS_FILE = "requirements.txt"
PYTHON_ENV_FILE = "python_env.yaml"
CONDA_FILE = "conda.yaml"
_ALIASES = {
    "sklearn": "scikit-learn",
    "yaml": "PyYAML",
    "PIL": "pillow",
    "cv2": "opencv-python",
    "skimage": "scikit-image",
    "dateutil": "python-dateutil",
    "bs4": "beautifulsoup4",
    "attr": "attrs",
    "jupyter_mltrack": "jupyter-mltrack",
}
_SKIP = {"builtins", "__main__", "__mp_main__", "typing", "abc"}
_MAX_NODES = 50_000
#: MLflow pins itself in the models it saves; we load them without it
_NOT_NEEDED = {"mlflow", "mlflow-skinny", "mlflow-tracing"}


def infer_requirements(model: Any, base: Iterable[str] = ()) -> list[str]:
    """Pinned requirements (``name==version``) of ``model``, plus the ``base`` distributions."""
    pins = {_pin_distribution(name) for name in base}
    pins.update(distribution_pin(m) for m in used_modules(model))
    pins.add(f"jupyter-mltrack=={_own_version()}")  # our loader module reads the model
    return sorted((p for p in pins if p), key=str.lower)


def _own_version() -> str:
    from jupyter_mltrack import __version__

    return __version__


def used_modules(root: Any) -> set[str]:
    """Top-level modules of everything reachable from ``root`` (classes, held objects, code)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [root]
    while stack and len(seen) < _MAX_NODES:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.ModuleType):
            found.add(obj.__name__)
            continue
        if isinstance(obj, (str, bytes, int, float, bool, complex, type(None))):
            continue
        if isinstance(obj, type):
            found.update(c.__module__ for c in obj.__mro__)
            if _is_user_code(obj.__module__):
                stack.extend(vars(obj).values())
            continue
        if isinstance(obj, (types.FunctionType, types.MethodType)):
            stack.extend(_function_refs(obj, found))
            continue
        kind = type(obj)
        found.update(c.__module__ for c in kind.__mro__)
        if _is_user_code(kind.__module__):
            stack.append(kind)
        if kind.__module__.startswith(("numpy", "pandas", "scipy")) and not isinstance(obj, (list, dict)):
            continue  # data containers: their contents add nothing
        if isinstance(obj, dict):
            stack.extend(list(obj.values())[:1000])
            stack.extend(k for k in list(obj)[:1000] if not isinstance(k, str))
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(list(obj)[:1000])
        else:
            stack.extend(_attributes(obj))
    return {m.split(".")[0] for m in found if m} - _SKIP - set(sys.stdlib_module_names)


def _attributes(obj: Any) -> list[Any]:
    values: list[Any] = []
    try:
        values.extend(vars(obj).values())
    except TypeError:
        pass
    for slot in getattr(type(obj), "__slots__", ()):
        if isinstance(slot, str) and hasattr(obj, slot):
            values.append(getattr(obj, slot))
    return values


def _is_user_code(module: str) -> bool:
    """Code cloudpickle saves by value: the notebook's own, or modules outside installed packages."""
    if module in ("__main__", "__mp_main__"):
        return True
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in _SKIP:
        return False
    return distribution_pin(top) is None


def _function_refs(func: Any, found: set[str]) -> list[Any]:
    """A function's module, and for user code the modules and globals its code refers to."""
    func = getattr(func, "__func__", func)
    module = getattr(func, "__module__", None) or ""
    found.add(module)
    if not _is_user_code(module):
        return []
    refs: list[Any] = []
    names: set[str] = set()
    codes = [func.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    scope = getattr(func, "__globals__", {})
    for name in names:
        if name in scope:
            refs.append(scope[name])
        elif name in sys.modules and "." not in name:
            found.add(name)  # `import x` inside the function body
    refs.extend(c.cell_contents for c in func.__closure__ or () if _cell_set(c))
    return refs


def _cell_set(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


@functools.cache
def distribution_pin(module: str) -> str | None:
    """``name==version`` of the installed distribution that provides top-level ``module``."""
    for candidate in (_ALIASES.get(module), module, module.replace("_", "-")):
        if not candidate:
            continue
        try:
            dist = metadata.distribution(candidate)
        except metadata.PackageNotFoundError:
            continue
        if _provides(dist, module):
            return _pin(dist)
    names = _slow_index().get(module)
    return _pin(metadata.distribution(names[0])) if names else None


@functools.lru_cache(maxsize=1)
def _slow_index() -> dict[str, list[str]]:
    """Every module -> distributions (0.3 s): only for modules whose name gives no candidate."""
    return dict(metadata.packages_distributions())


def _provides(dist: metadata.Distribution, module: str) -> bool:
    top_level = dist.read_text("top_level.txt")
    if top_level is not None:
        return module in top_level.split()
    files = dist.files
    if files is None:
        return True
    return any(f.parts and (f.parts[0] in (module, f"{module}.py") or f.name.endswith(".pth")) for f in files)


def _pin(dist: metadata.Distribution) -> str:
    return f"{dist.metadata['Name']}=={base_version(dist.version)}"


def _pin_distribution(name: str) -> str | None:
    try:
        return _pin(metadata.distribution(name))
    except metadata.PackageNotFoundError:
        return None


def base_version(version: str) -> str:
    """A version without its local label (``2.3.0+cpu`` -> ``2.3.0``): PyPI cannot install those."""
    return version.split("+", 1)[0]


def resolve_requirements(
    inferred: list[str], pip_requirements: Any = None, extra_pip_requirements: Any = None
) -> list[str]:
    """The final list: the user's own list if given (else the inferred one), plus any extras."""
    chosen = _as_lines(pip_requirements) if pip_requirements is not None else list(inferred)
    for line in _as_lines(extra_pip_requirements):
        if line not in chosen:
            chosen.append(line)
    return chosen


def _as_lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        with open(value, encoding="utf-8") as handle:
            text = handle.read()
        return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return [str(v) for v in value]


def write_environment(path: str, requirements: list[str]) -> None:
    """requirements.txt, python_env.yaml and conda.yaml, in MLflow's layout."""
    from jupyter_mltrack.models.mlmodel import yaml_dump

    python = platform.python_version()
    build = [_pin_distribution(p) or p for p in ("pip", "setuptools", "wheel")]
    with open(os.path.join(path, REQUIREMENTS_FILE), "w", encoding="utf-8") as handle:
        handle.write("\n".join(requirements))
    python_env = {"python": python, "build_dependencies": build, "dependencies": [f"-r {REQUIREMENTS_FILE}"]}
    with open(os.path.join(path, PYTHON_ENV_FILE), "w", encoding="utf-8") as handle:
        handle.write(yaml_dump(python_env, sort_keys=False))
    pip = [f"pip<={build[0].split('==')[1]}" if "==" in build[0] else "pip"]
    conda = {
        "channels": ["conda-forge"],
        "dependencies": [f"python={python}", *pip, {"pip": requirements}],
        "name": "mlflow-env",
    }
    with open(os.path.join(path, CONDA_FILE), "w", encoding="utf-8") as handle:
        handle.write(yaml_dump(conda))


def environment_mismatches(path: str) -> list[str]:
    """What differs between the model's pinned requirements and this environment."""
    problems: list[str] = []
    try:
        with open(os.path.join(path, REQUIREMENTS_FILE), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return problems
    for line in lines:
        requirement = line.split(";", 1)[0].split("#", 1)[0].strip()
        if "==" not in requirement or requirement.startswith("-"):
            continue
        name, wanted = (part.strip() for part in requirement.split("==", 1))
        name = name.split("[", 1)[0]
        if name.lower() in _NOT_NEEDED:
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}=={wanted} (not installed)")
            continue
        if base_version(installed) != base_version(wanted):
            problems.append(f"{name}=={wanted} (installed: {installed})")
    return problems


def warn_on_mismatch(path: str) -> list[str]:
    problems = environment_mismatches(path)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        warnings.warn(
            f"The model at {path} was saved with requirements this environment does not match:\n{listed}\n"
            "Predictions may differ or fail; install them with: pip install -r "
            f"{os.path.join(path, REQUIREMENTS_FILE)}",
            ModelEnvironmentWarning,
            stacklevel=3,
        )
    return problems
