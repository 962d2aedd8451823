"""``save_model``, ``log_model`` and ``load_model``: any flavor, MLflow's directory layout.

A save writes into a fresh folder: the flavor's files, ``code/`` (``code_paths``), the input
example, the signature (given, or inferred from the example and the model's output on it), the
environment files, the MLmodel file and last the integrity manifest. A failed save leaves nothing.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import shutil
import tempfile
import warnings
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError, RegistryUnavailableError
from jupyter_mltrack.models.flavors import Saved, detect_flavor, flavor_module
from jupyter_mltrack.models.mlmodel import PYFUNC, Model, ModelInfo
from jupyter_mltrack.models.schema import ModelSignature

log = logging.getLogger("jupyter_mltrack.models")

def save_model(
    model: Any,
    path: str | os.PathLike[str],
    *,
    flavor: str | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    to_onnx: bool = False,
    run_id: str | None = None,
    artifact_path: str | None = None,
    training_data: Any = None,
    **flavor_options: Any,
) -> Model:
    """Save ``model`` to the new folder ``path``; returns its MLmodel description.

    ``flavor`` is detected from the model's classes when not given; ``to_onnx=True`` converts a
    scikit-learn model to ONNX. ``training_data`` (a DataFrame, array, sparse matrix or 2-D tensor;
    else the input example; ``False``: none) is profiled into ``profile.json``, so drift reports need
    no training data later (docs/serving.md); large data is sampled (``profile.MAX_ROWS`` rows) and
    data with no rows of features raises ``ProfileError``. ``flavor_options`` go to the flavor
    (``serialization_format``, ``pyfunc_predict_fn``, ``init_kwargs``, ``artifacts``, ``model_config``...).
    """
    target = os.path.abspath(os.fspath(path))
    if os.path.exists(target) and (not os.path.isdir(target) or os.listdir(target)):
        raise ModelFormatError(f"Cannot save a model to {target}: it already exists. Choose a new folder.")
    name = "onnx" if to_onnx else flavor or detect_flavor(model)
    module = flavor_module(name)
    os.makedirs(target, exist_ok=True)
    try:
        return _write(
            model,
            target,
            module,
            signature,
            input_example,
            pip_requirements,
            extra_pip_requirements,
            code_paths,
            metadata,
            run_id,
            artifact_path,
            training_data,
            flavor_options,
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _write(
    model: Any,
    path: str,
    module: Any,
    signature: Any,
    input_example: Any,
    pip_requirements: Any,
    extra_pip_requirements: Any,
    code_paths: Any,
    metadata: Any,
    run_id: Any,
    artifact_path: Any,
    training_data: Any,
    options: dict[str, Any],
) -> Model:
    from jupyter_mltrack.models.environment import infer_requirements, resolve_requirements, write_environment
    from jupyter_mltrack.models.example import save_example
    from jupyter_mltrack.models.integrity import write_manifest

    meta = Model(run_id=run_id, artifact_path=artifact_path, metadata=metadata)
    example = None
    if input_example is not None:
        meta.saved_input_example_info, example = save_example(input_example, path)
    saved: Saved = module.save(model, path, example=example, **options)
    code = _copy_code(code_paths, path)
    pyfunc = {
        "loader_module": module.__name__,
        "python_version": platform.python_version(),
        "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
        "code": code,
        **saved.pyfunc,
    }
    meta.add_flavor(PYFUNC, **pyfunc)
    if saved.native is not None:
        meta.add_flavor(saved.name or module.FLAVOR_NAME, **saved.native, code=code)
    meta.signature = _signature(signature, example, module, path, meta)
    requirements = resolve_requirements(
        infer_requirements(saved.walk, saved.requirements) if pip_requirements is None else [],
        pip_requirements,
        extra_pip_requirements,
    )
    write_environment(path, requirements)
    _profile(path, training_data, example)
    meta.model_size_bytes = sum(
        os.path.getsize(os.path.join(folder, f)) for folder, _, files in os.walk(path) for f in files
    )
    meta.save(path)
    write_manifest(path)
    return meta


def _profile(path: str, training_data: Any, example: Any) -> None:
    """``profile.json`` from the training data (an unprofilable one is the caller's error to fix),
    else from the input example, best effort: an example that is not a table (an image batch) only
    means no profile. ``training_data=False`` stores none."""
    from jupyter_mltrack.models.profile import ProfileError, write_profile

    if training_data is False:
        return
    if training_data is not None:
        write_profile(path, training_data)
    elif example is not None:
        try:
            write_profile(path, example)
        except ProfileError as exc:
            log.debug("no profile from the input example: %s", exc)


def _copy_code(code_paths: list[str] | None, path: str) -> str | None:
    if not code_paths:
        return None
    folder = os.path.join(path, "code")
    os.makedirs(folder, exist_ok=True)
    for source in code_paths:
        source = os.path.abspath(os.fspath(source))
        target = os.path.join(folder, os.path.basename(os.path.normpath(source)))
        if os.path.isdir(source):
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif os.path.isfile(source):
            shutil.copy2(source, target)
        else:
            raise ModelFormatError(f"code_paths entry {source!r} does not exist.")
    return "code"


def _signature(signature: Any, example: Any, module: Any, path: str, meta: Model) -> ModelSignature | None:
    """The given signature; else one inferred from the example and the model's output on it."""
    from jupyter_mltrack.models.signature import infer_schema

    if signature is False or (signature is None and example is None):
        return None
    if isinstance(signature, ModelSignature):
        return signature
    if signature is not None and signature is not True:
        raise ModelFormatError(f"signature must be a ModelSignature (see infer_signature()), not {signature!r}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = infer_schema(example)
        try:
            output = module.load_pyfunc(path, meta).predict(example)
            outputs = infer_schema(output)
        except Exception:  # the example may not be scoreable as given; the input schema still helps
            outputs = None
    return ModelSignature(inputs, outputs)


def log_model(
    model: Any,
    name: str,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    code_paths: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    training_data: Any = None,
    **flavor_options: Any,
) -> ModelInfo:
    """Save ``model`` as artifact folder ``name`` of the active run (started if there is none).

    The options are ``save_model``'s (``training_data`` is profiled for drift reports)."""
    from jupyter_mltrack.store.artifacts import validate_artifact_path
    from jupyter_mltrack.tracking.client import Client
    from jupyter_mltrack.tracking.fluent import _active_run_id

    artifact_path = validate_artifact_path(name)
    if not artifact_path:
        raise ModelFormatError("log_model needs a name for the model's artifact folder, like 'model'.")
    if registered_model_name is not None:
        _registry()  # fail before writing anything if there is no registry to register with
    run_id = _active_run_id()
    with tempfile.TemporaryDirectory(prefix="mltrack-model-") as tmp:
        local = os.path.join(tmp, "model")
        meta = save_model(
            model,
            local,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            extra_pip_requirements=extra_pip_requirements,
            code_paths=code_paths,
            metadata=metadata,
            run_id=run_id,
            artifact_path=artifact_path,
            training_data=training_data,
            **flavor_options,
        )
        Client().log_artifacts(run_id, local, artifact_path)
    model_uri = f"runs:/{run_id}/{artifact_path}"
    version = None
    if registered_model_name is not None:
        registered = _registry().register_model(model_uri, registered_model_name)
        version = int(getattr(registered, "version", registered))
    return ModelInfo.of(meta, model_uri, version)


def _registry() -> Any:
    name = "jupyter_mltrack.registry"
    if importlib.util.find_spec(name) is None:
        raise RegistryUnavailableError(
            "registered_model_name needs the model registry (jupyter_mltrack.registry), which is not available in "
            "this installation yet. Log the model without it; register it later with register_model(model_uri, name)."
        )
    return importlib.import_module(name)


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The native object of the model at ``model_uri`` (a PyFuncModel for custom Python models)."""
    from jupyter_mltrack.models.environment import warn_on_mismatch
    from jupyter_mltrack.models.integrity import verify
    from jupyter_mltrack.models.pyfunc import add_code_paths, load_pyfunc
    from jupyter_mltrack.models.uri import resolve_model_uri

    path = resolve_model_uri(model_uri, dst_path)
    meta = Model.load(path)
    native = meta.native_flavor()
    if native is None:
        return load_pyfunc(path)
    verify(path)
    add_code_paths(path, meta.flavors[native])
    warn_on_mismatch(path)
    return flavor_module(native).load_native(path, meta)


def load_flavor(model_uri: str | os.PathLike[str], flavor: str, dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The native object, checking the model really is of ``flavor`` (the per-flavor load_model)."""
    from jupyter_mltrack.models.flavors import ALIASES
    from jupyter_mltrack.models.uri import resolve_model_uri

    path = resolve_model_uri(model_uri, dst_path)
    native = Model.load(path).native_flavor()
    if ALIASES.get(native or "", native) != flavor:
        raise ModelFormatError(
            f"The model at {model_uri} is a {native or 'custom Python'} model, not {flavor}; "
            "load it with jupyter_mltrack.models.load_model()."
        )
    return load_model(path)


def model_name(name: str | None, artifact_path: str | None) -> str:
    """MLflow 3's ``name`` or MLflow 2's ``artifact_path`` (the per-flavor modules accept both)."""
    if name and artifact_path and name != artifact_path:
        raise ModelFormatError(f"Pass name or artifact_path, not both ({name!r} and {artifact_path!r}).")
    return name or artifact_path or "model"
