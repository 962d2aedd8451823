"""Signature types with MLflow's JSON form (``Schema``, ``ColSpec``, ``TensorSpec``, params).

The MLmodel file stores a signature as JSON strings (``inputs: '[{"type": "double", ...}]'``),
written byte for byte as MLflow writes them so either tool reads the other's models. numpy is only
imported when a tensor dtype is actually needed, so reading an MLmodel file stays cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from jupyter_mltrack.models.errors import ModelFormatError

COMPLEX_TYPES = ("array", "object", "map", "sparkml_vector", "any")


class DataType(Enum):
    """MLflow's column types, with the numpy dtype each one stands for."""

    boolean = "bool"
    integer = "int32"
    long = "int64"
    float = "float32"
    double = "float64"
    string = "str"
    binary = "bytes"
    datetime = "datetime64[ns]"

    def to_numpy(self) -> Any:
        import numpy as np

        return np.dtype(self.value)

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ComplexType:
    """array / object / map / any: kept as MLflow's JSON so it round-trips unchanged."""

    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec["type"])

    def __repr__(self) -> str:
        return json.dumps(self.spec)


@dataclass(frozen=True)
class ColSpec:
    type: DataType | ComplexType
    name: str | None = None
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type.name} if isinstance(self.type, DataType) else dict(self.type.spec)
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "ColSpec":
        kind = raw.get("type")
        required = raw.get("required", True)
        required = True if required is None else bool(required)
        if kind in COMPLEX_TYPES:
            spec = {k: v for k, v in raw.items() if k not in ("name", "required")}
            return cls(ComplexType(spec), raw.get("name"), required)
        try:
            return cls(DataType[str(kind)], raw.get("name"), required)
        except KeyError:
            known = ", ".join(t.name for t in DataType)
            raise ModelFormatError(f"Unknown column type {kind!r} in a signature; known types: {known}.") from None

    def describe(self) -> str:
        return f"{self.name!r}: {self.type.name}" if self.name is not None else self.type.name


@dataclass(frozen=True)
class TensorSpec:
    """A tensor: numpy dtype name (``float64``, ``str``...) and shape, -1 for a variable axis."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    required = True

    @property
    def numpy_dtype(self) -> Any:
        import numpy as np

        return np.dtype(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        spec = {"dtype": self.dtype, "shape": list(self.shape)}
        if self.name is None:
            return {"type": "tensor", "tensor-spec": spec}
        return {"name": self.name, "type": "tensor", "tensor-spec": spec}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "TensorSpec":
        try:
            spec = raw["tensor-spec"]
            return cls(str(spec["dtype"]), tuple(int(d) for d in spec["shape"]), raw.get("name"))
        except (KeyError, TypeError, ValueError):
            raise ModelFormatError(f"Malformed tensor spec in a signature: {raw!r}.") from None

    def describe(self) -> str:
        shape = f"({', '.join(str(d) for d in self.shape)}{',' if len(self.shape) == 1 else ''})"
        text = f"Tensor({self.dtype!r}, {shape})"
        return f"{self.name!r}: {text}" if self.name is not None else text


Spec = ColSpec | TensorSpec


@dataclass
class Schema:
    """An ordered list of column specs or of tensor specs (never a mix)."""

    inputs: list[Spec] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        kinds = {isinstance(s, TensorSpec) for s in self.inputs}
        if len(kinds) > 1:
            raise ModelFormatError("A schema holds either column specs or tensor specs, not both.")
        names = [s.name for s in self.inputs]
        if any(n is not None for n in names) and (None in names or len(set(names)) != len(names)):
            raise ModelFormatError(f"Schema inputs must be all unnamed or all uniquely named, got {names}.")

    def __len__(self) -> int:
        return len(self.inputs)

    def is_tensor_spec(self) -> bool:
        return bool(self.inputs) and isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return bool(self.inputs) and self.inputs[0].name is not None

    def input_names(self) -> list[str]:
        return [str(s.name) for s in self.inputs]

    def required_input_names(self) -> list[str]:
        return [str(s.name) for s in self.inputs if s.required]

    def optional_input_names(self) -> list[str]:
        return [str(s.name) for s in self.inputs if not s.required]

    def describe(self) -> str:
        return "[" + ", ".join(s.describe() for s in self.inputs) + "]"

    def to_dict(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> "Schema":
        try:
            items = json.loads(text)
        except (TypeError, ValueError):
            raise ModelFormatError(f"A signature schema is not valid JSON: {text!r}.") from None
        return cls([TensorSpec.from_dict(x) if x.get("type") == "tensor" else ColSpec.from_dict(x) for x in items])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.inputs == other.inputs

    def __repr__(self) -> str:
        return f"Schema({self.describe()})"


@dataclass(frozen=True)
class ParamSpec:
    """A predict-time parameter: name, type, default, shape (None for a scalar, (-1,) for a list)."""

    name: str
    dtype: DataType
    default: Any
    shape: tuple[int, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "default": self.default,
            "shape": list(self.shape) if self.shape is not None else None,
            "type": self.dtype.name,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "ParamSpec":
        shape = raw.get("shape")
        try:
            dtype = DataType[str(raw["type"])]
        except KeyError:
            raise ModelFormatError(f"Unsupported param type in a signature: {raw!r}.") from None
        return cls(str(raw["name"]), dtype, raw.get("default"), tuple(shape) if shape is not None else None)


@dataclass
class ParamSchema:
    params: list[ParamSpec] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps([p.to_dict() for p in self.params])

    @classmethod
    def from_json(cls, text: str) -> "ParamSchema":
        return cls([ParamSpec.from_dict(x) for x in json.loads(text)])


@dataclass
class ModelSignature:
    """What a model takes and returns (and its predict-time params), as MLflow records it."""

    inputs: Schema | None = None
    outputs: Schema | None = None
    params: ParamSchema | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "inputs": self.inputs.to_json() if self.inputs else None,
            "outputs": self.outputs.to_json() if self.outputs else None,
            "params": self.params.to_json() if self.params else None,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "ModelSignature":
        def read(key: str) -> Any:
            value = raw.get(key)
            return value if value else None

        inputs, outputs, params = read("inputs"), read("outputs"), read("params")
        return cls(
            Schema.from_json(inputs) if inputs else None,
            Schema.from_json(outputs) if outputs else None,
            ParamSchema.from_json(params) if params else None,
        )

    def __repr__(self) -> str:
        return f"ModelSignature(inputs={self.inputs!r}, outputs={self.outputs!r}, params={self.params!r})"
