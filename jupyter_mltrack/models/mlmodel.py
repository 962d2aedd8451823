"""The ``MLmodel`` file: MLflow's model descriptor, read and written with MLflow's key names.

Keys we do not know are kept and written back, so a model made by a newer MLflow survives a
read-modify-write here. ``mlflow_version`` is never written by us (we are not MLflow);
``mltrack_version`` says which jupyter_mltrack saved the model.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError
from jupyter_mltrack.models.schema import ModelSignature, ParamSchema, Schema

MLMODEL_FILE = "MLmodel"
PYFUNC = "python_function"
_KNOWN = {
    "artifact_path",
    "run_id",
    "flavors",
    "signature",
    "saved_input_example_info",
    "model_uuid",
    "utc_time_created",
    "metadata",
    "model_size_bytes",
}


def yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def yaml_dump(data: Any, sort_keys: bool = True) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, default_flow_style=False, sort_keys=sort_keys))


def _now() -> str:
    return str(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))


@dataclass
class Model:
    """An MLmodel file in memory: flavors, signature, input example info and identity."""

    flavors: dict[str, dict[str, Any]] = field(default_factory=dict)
    signature: ModelSignature | None = None
    saved_input_example_info: dict[str, Any] | None = None
    model_uuid: str = field(default_factory=lambda: uuid.uuid4().hex)
    utc_time_created: str = field(default_factory=_now)
    run_id: str | None = None
    artifact_path: str | None = None
    metadata: dict[str, Any] | None = None
    model_size_bytes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add_flavor(self, name: str, **params: Any) -> "Model":
        self.flavors[name] = params
        return self

    def native_flavor(self) -> str | None:
        """The framework flavor (sklearn, xgboost...), None for a python_function-only model."""
        return next((name for name in self.flavors if name != PYFUNC), None)

    def get_input_schema(self) -> Schema | None:
        return self.signature.inputs if self.signature else None

    def get_output_schema(self) -> Schema | None:
        return self.signature.outputs if self.signature else None

    def get_params_schema(self) -> ParamSchema | None:
        return self.signature.params if self.signature else None

    # ------------------------------------------------------------------------------ (de)serialize
    def to_dict(self) -> dict[str, Any]:
        from jupyter_mltrack import __version__

        out: dict[str, Any] = dict(self.extra)
        out.update(
            {
                "flavors": self.flavors,
                "model_uuid": self.model_uuid,
                "utc_time_created": self.utc_time_created,
                "mltrack_version": __version__,
            }
        )
        optional = {
            "run_id": self.run_id,
            "artifact_path": self.artifact_path,
            "signature": self.signature.to_dict() if self.signature else None,
            "saved_input_example_info": self.saved_input_example_info,
            "metadata": self.metadata,
            "model_size_bytes": self.model_size_bytes,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out

    def to_yaml(self) -> str:
        return yaml_dump(self.to_dict())

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the MLmodel file (``path`` is the file or the model directory)."""
        target = os.fspath(path)
        if os.path.isdir(target):
            target = os.path.join(target, MLMODEL_FILE)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(self.to_yaml())

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Model":
        if not isinstance(raw, dict) or not isinstance(raw.get("flavors"), dict):
            raise ModelFormatError("The MLmodel file has no 'flavors' mapping; it is not a model descriptor.")
        signature = raw.get("signature")
        return cls(
            flavors=raw["flavors"],
            signature=ModelSignature.from_dict(signature) if isinstance(signature, dict) else None,
            saved_input_example_info=raw.get("saved_input_example_info"),
            model_uuid=str(raw.get("model_uuid") or uuid.uuid4().hex),
            utc_time_created=str(raw.get("utc_time_created") or ""),
            run_id=raw.get("run_id"),
            artifact_path=raw.get("artifact_path"),
            metadata=raw.get("metadata"),
            model_size_bytes=raw.get("model_size_bytes"),
            extra={k: v for k, v in raw.items() if k not in _KNOWN and k != "mltrack_version"},
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Model":
        """Read the MLmodel file of a model directory (or the file itself)."""
        target = os.fspath(path)
        if os.path.isdir(target):
            target = os.path.join(target, MLMODEL_FILE)
        try:
            with open(target, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            raise ModelFormatError(
                f"No MLmodel file at {target}: this folder is not a saved model. Save one with "
                "save_model() or log_model(), or point at the folder that holds the MLmodel file."
            ) from None
        try:
            raw = yaml_load(text)
        except Exception as exc:
            raise ModelFormatError(f"The MLmodel file {target} is not valid YAML: {exc}") from None
        return cls.from_dict(raw)

    def load_input_example(self, path: str | os.PathLike[str]) -> Any:
        """The saved input example as data a model takes (DataFrame, array, dict...), or None."""
        from jupyter_mltrack.models.example import read_example

        return read_example(self, os.fspath(path))


@dataclass(frozen=True)
class ModelInfo:
    """What ``log_model`` returns: where the model went and what it is (MLflow's ModelInfo)."""

    artifact_path: str
    flavors: dict[str, dict[str, Any]]
    model_uri: str
    model_uuid: str
    run_id: str | None
    saved_input_example_info: dict[str, Any] | None
    signature: ModelSignature | None
    utc_time_created: str
    metadata: dict[str, Any] | None = None
    registered_model_version: int | None = None

    @classmethod
    def of(cls, model: Model, model_uri: str, registered_model_version: int | None = None) -> "ModelInfo":
        return cls(
            artifact_path=model.artifact_path or "",
            flavors=model.flavors,
            model_uri=model_uri,
            model_uuid=model.model_uuid,
            run_id=model.run_id,
            saved_input_example_info=model.saved_input_example_info,
            signature=model.signature,
            utc_time_created=model.utc_time_created,
            metadata=model.metadata,
            registered_model_version=registered_model_version,
        )
