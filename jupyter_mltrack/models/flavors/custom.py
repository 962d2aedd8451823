"""Custom Python models: a ``PythonModel`` subclass plus artifacts, in MLflow's ``python_model`` layout.

The instance is cloudpickled to ``python_model.pkl`` (a class defined in the notebook is saved by
value); each artifact is copied under ``artifacts/`` and handed back at load time as a local path
in ``context.artifacts``. Custom models saved by MLflow load here too: their pickles name
``mlflow.pyfunc.PythonModel``, which is mapped to :class:`PythonModel` below.
"""

from __future__ import annotations

import inspect
import os
import shutil
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError
from jupyter_mltrack.models.flavors import Saved, _serialize, mlflow_entry

FLAVOR_NAME = "python_function"


class PythonModelContext:
    """What ``load_context`` and ``predict`` get: the artifacts' local paths and the model config."""

    def __init__(self, artifacts: dict[str, str], model_config: dict[str, Any] | None = None) -> None:
        self._artifacts = artifacts
        self._model_config = model_config or {}

    @property
    def artifacts(self) -> dict[str, str]:
        return self._artifacts

    @property
    def model_config(self) -> dict[str, Any]:
        return self._model_config


class PythonModel:
    """Subclass this for any model: override ``predict(context, model_input, params=None)``.

    ``load_context(context)`` runs once at load time, after unpickling: read artifacts there
    (``context.artifacts["name"]`` is a local path). ``predict`` may also omit ``context``
    (``predict(self, model_input, params=None)``), as in MLflow 3.
    """

    def load_context(self, context: PythonModelContext) -> None:
        """Load artifacts here; the default does nothing."""

    def predict(self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError("Subclasses of PythonModel implement predict(context, model_input, params=None).")


class _FunctionModel(PythonModel):
    """A plain function used as a model (``python_model=my_function``)."""

    def __init__(self, func: Any) -> None:
        self.func = func

    def predict(self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return self.func(model_input)


def detect(model: Any) -> bool:
    return isinstance(model, PythonModel)


def save(
    model: Any,
    path: str,
    artifacts: dict[str, str] | None = None,
    model_config: dict[str, Any] | None = None,
    **_: Any,
) -> Saved:
    import cloudpickle  # type: ignore[import-untyped,unused-ignore]

    if not isinstance(model, PythonModel):
        if not callable(model):
            raise ModelFormatError("python_model must be a PythonModel subclass instance or a function.")
        model = _FunctionModel(model)
    _serialize.dump(model, os.path.join(path, "python_model.pkl"), "cloudpickle")
    conf: dict[str, Any] = {
        "python_model": "python_model.pkl",
        "cloudpickle_version": str(cloudpickle.__version__),
        "streamable": False,
    }
    if artifacts:
        conf["artifacts"] = _copy_artifacts(artifacts, path)
    if model_config:
        conf["model_config"] = model_config
    return Saved(native=None, pyfunc=conf, requirements=["cloudpickle"], walk=model)


def _copy_artifacts(artifacts: dict[str, str], path: str) -> dict[str, dict[str, str]]:
    """Copy each artifact (a path or any URI we resolve) to ``artifacts/`` in the model folder."""
    from jupyter_mltrack.models.uri import resolve_model_uri

    folder = os.path.join(path, "artifacts")
    os.makedirs(folder, exist_ok=True)
    saved: dict[str, dict[str, str]] = {}
    for name, uri in artifacts.items():
        source = resolve_model_uri(os.fspath(uri))
        base = os.path.basename(os.path.normpath(source))
        target = base if not os.path.exists(os.path.join(folder, base)) else f"{name}-{base}"
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(folder, target))
        else:
            shutil.copy2(source, os.path.join(folder, target))
        saved[name] = {"path": f"artifacts/{target}", "uri": os.fspath(uri)}
    return saved


class CustomPyfunc:
    """Calls the user's predict with or without ``context`` and ``params``, as it was written."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context
        names = list(inspect.signature(python_model.predict).parameters)
        self._with_context = "context" in names or len([n for n in names if n not in ("self", "params")]) == 2
        self._with_params = "params" in names

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        args = (self.context, data) if self._with_context else (data,)
        if self._with_params:
            return self.python_model.predict(*args, params=params)
        return self.python_model.predict(*args)

    def get_raw_model(self) -> Any:
        return self.python_model


def load_pyfunc(path: str, model: Any) -> CustomPyfunc:
    conf = model.flavors.get("python_function", {})
    if "python_model" not in conf:
        raise ModelFormatError(f"The model at {path} has no python_model entry; it is not a custom Python model.")
    python_model = _serialize.load(os.path.join(path, conf["python_model"]), "cloudpickle")
    artifacts = {name: _inside(path, info["path"]) for name, info in (conf.get("artifacts") or {}).items()}
    context = PythonModelContext(artifacts, conf.get("model_config"))
    python_model.load_context(context)
    return CustomPyfunc(python_model, context)


def _inside(root: str, relative: str) -> str:
    """An artifact path from MLmodel, refused if it leads out of the model folder."""
    local = os.path.realpath(os.path.join(root, *relative.split("/")))
    if os.path.commonpath([os.path.realpath(root), local]) != os.path.realpath(root):
        raise ModelFormatError(f"The model's artifact path {relative!r} leads outside the model folder {root}.")
    return local


def _load_pyfunc(path: str) -> CustomPyfunc:
    """MLflow's loader entry point."""
    root, model = mlflow_entry(path)
    return load_pyfunc(root, model)
