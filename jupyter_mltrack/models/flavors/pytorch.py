"""PyTorch models: a state dict plus the model class (the default), or TorchScript.

State dict (``serialization_format="state_dict"``), the model-class contract:

* the model's class must be importable where the model is loaded: defined in a module (not in the
  notebook itself), installed or shipped with the model through ``code_paths=["my_net.py"]``;
* ``ModelClass(**init_kwargs)`` must build the untrained architecture; ``init_kwargs`` (JSON
  values, stored in MLmodel) default to the model's ``mltrack_init_kwargs`` attribute, else ``{}``;
* the weights are loaded with ``torch.load(weights_only=True)``: no pickle code runs at load time.

The save checks the contract at once (it rebuilds the model and loads the weights into it), so a
model that could not be loaded is never saved. The MLmodel entry is ``mltrack_pytorch``, which
MLflow's own pytorch loader does not read (MLflow loads it through our pyfunc loader instead).

TorchScript (``serialization_format="torchscript"``, or any ``torch.jit.ScriptModule``) needs no
class at all; it is written in MLflow's ``pytorch`` flavor layout (``data/model.pth``), which
MLflow's native pytorch loader reads too. Models pickled whole by MLflow load here as well.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import sys
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError, UnsupportedModelError
from jupyter_mltrack.models.flavors import Saved, from_modules, mlflow_entry, require

FLAVOR_NAME = "pytorch"
STATE_DICT_FLAVOR = "mltrack_pytorch"
_DATA = "data"


def detect(model: Any) -> bool:
    return from_modules(model, "torch")


def save(
    model: Any,
    path: str,
    serialization_format: str | None = None,
    init_kwargs: dict[str, Any] | None = None,
    **_: Any,
) -> Saved:
    torch = require("torch", "torch", "Saving a PyTorch model")
    data = os.path.join(path, _DATA)
    os.makedirs(data, exist_ok=True)
    scripted = isinstance(model, torch.jit.ScriptModule)
    fmt = serialization_format or ("torchscript" if scripted else "state_dict")
    if fmt == "torchscript":
        script = model if scripted else torch.jit.script(model)
        torch.jit.save(script, os.path.join(data, "model.pth"))
        with open(os.path.join(data, "pickle_module_info.txt"), "w", encoding="utf-8") as handle:
            handle.write("pickle")
        native: dict[str, Any] = {
            "model_data": _DATA,
            "pytorch_version": str(torch.__version__),
            "serialization_format": fmt,
        }
        return Saved(native=native, pyfunc={"data": _DATA}, requirements=["torch"], walk=None)
    if fmt != "state_dict":
        raise ModelFormatError(f"Unknown PyTorch serialization_format {fmt!r}; use 'state_dict' or 'torchscript'.")
    kwargs = dict(init_kwargs if init_kwargs is not None else getattr(model, "mltrack_init_kwargs", {}) or {})
    class_path = _check_contract(model, kwargs, torch)
    torch.save(model.state_dict(), os.path.join(data, "state_dict.pth"))
    native = {
        "model_data": _DATA,
        "state_dict": "state_dict.pth",
        "model_class": class_path,
        "init_kwargs": kwargs,
        "pytorch_version": str(torch.__version__),
    }
    saved = Saved(native=native, pyfunc={"data": _DATA}, requirements=["torch"], walk=type(model))
    saved.name = STATE_DICT_FLAVOR
    return saved


def _check_contract(model: Any, kwargs: dict[str, Any], torch: Any) -> str:
    cls = type(model)
    class_path = f"{cls.__module__}:{cls.__qualname__}"
    if cls.__module__ in ("__main__", "__mp_main__") or "<locals>" in cls.__qualname__:
        raise UnsupportedModelError(
            f"The PyTorch model class {cls.__qualname__} is defined in the notebook (or inside a function), so it "
            "could not be imported where the model is loaded. Move it into a .py file and pass "
            "code_paths=['that_file.py'], or save with serialization_format='torchscript'."
        )
    try:
        json.dumps(kwargs)
        rebuilt = _import_class(class_path)(**kwargs)
        rebuilt.load_state_dict(model.state_dict(), strict=True)
    except Exception as exc:
        raise UnsupportedModelError(
            f"{class_path}(**init_kwargs) with init_kwargs={kwargs!r} does not rebuild this model ({exc}). Pass "
            "init_kwargs= (JSON values) that recreate its architecture, or save it as TorchScript."
        ) from None
    return class_path


def _import_class(class_path: str) -> Any:
    module, _, qualname = class_path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def load_native(path: str, model: Any) -> Any:
    torch = require("torch", "torch", "Loading a PyTorch model")
    conf = model.flavors.get(STATE_DICT_FLAVOR)
    if conf is not None:
        data = os.path.join(path, conf.get("model_data", _DATA))
        weights = torch.load(os.path.join(data, conf["state_dict"]), map_location="cpu", weights_only=True)
        try:
            net = _import_class(conf["model_class"])(**(conf.get("init_kwargs") or {}))
        except (ImportError, AttributeError) as exc:
            raise ModelFormatError(
                f"The model class {conf['model_class']} cannot be imported here ({exc}). Install the package that "
                "defines it, or re-save the model with code_paths=[...] or as TorchScript."
            ) from None
        net.load_state_dict(weights)
        return net.eval()
    conf = model.flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ModelFormatError(f"The model at {path} has no pytorch flavor (it has {sorted(model.flavors)}).")
    file = os.path.join(path, conf.get("model_data", _DATA), "model.pth")
    if conf.get("serialization_format") == "torchscript" or _is_torchscript(file):
        return torch.jit.load(file, map_location="cpu").eval()
    return torch.load(file, map_location="cpu", weights_only=False, pickle_module=_compat_pickle()).eval()


def _is_torchscript(file: str) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(file) as archive:
            return any(name.endswith("constants.pkl") for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _compat_pickle() -> Any:
    """A pickle module whose Unpickler maps MLflow's names (for models MLflow pickled whole)."""
    from jupyter_mltrack.models.flavors._serialize import _CompatUnpickler

    module = type(sys)("mltrack_compat_pickle")
    module.__dict__.update({k: getattr(pickle, k) for k in dir(pickle) if not k.startswith("__")})
    module.Unpickler = _CompatUnpickler  # type: ignore[attr-defined]
    return module


class TorchPyfunc:
    """predict over a tensor made from the input (DataFrames as float32, as MLflow does)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        params = list(model.parameters()) if hasattr(model, "parameters") else []
        self._dtype = params[0].dtype if params and params[0].is_floating_point() else None

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import numpy as np
        import pandas as pd
        import torch

        frame = isinstance(data, pd.DataFrame)
        array = data.to_numpy(dtype=np.float32) if frame else np.asarray(data)
        tensor = torch.tensor(array)
        if self._dtype is not None and tensor.is_floating_point():
            tensor = tensor.to(self._dtype)
        with torch.no_grad():
            output = self.model(tensor)
        result = output.detach().cpu().numpy() if isinstance(output, torch.Tensor) else output
        return pd.DataFrame(result, index=data.index) if frame and getattr(result, "ndim", 0) in (1, 2) else result

    def get_raw_model(self) -> Any:
        return self.model


def load_pyfunc(path: str, model: Any) -> TorchPyfunc:
    return TorchPyfunc(load_native(path, model))


def _load_pyfunc(path: str) -> TorchPyfunc:
    """MLflow's loader entry point."""
    root, model = mlflow_entry(path)
    return load_pyfunc(root, model)
