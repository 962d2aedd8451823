"""Plain values that cross every layer (DESIGN.md section 1: a leaf, imports nothing of ours).

Names and shapes follow MLflow's entities (``run.info.run_id``, ``run.data.metrics``...) so code
written against MLflow reads ours unchanged. They are frozen: a value read from the store is a
snapshot, never a live handle on a row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Iterable, TypeVar


class RunStatus(str, Enum):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @classmethod
    def parse(cls, value: "str | RunStatus") -> "RunStatus":
        try:
            return cls(value.upper() if isinstance(value, str) else value)
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"Unknown run status {value!r}; use one of {allowed}.") from None

    @property
    def is_terminated(self) -> bool:
        return self in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED)


class LifecycleStage(str, Enum):
    ACTIVE = "active"
    DELETED = "deleted"


class ViewType(str, Enum):
    """Which lifecycle stages a search returns (MLflow's ViewType)."""

    ACTIVE_ONLY = "ACTIVE_ONLY"
    DELETED_ONLY = "DELETED_ONLY"
    ALL = "ALL"

    def stages(self) -> tuple[str, ...]:
        if self is ViewType.ACTIVE_ONLY:
            return (LifecycleStage.ACTIVE.value,)
        if self is ViewType.DELETED_ONLY:
            return (LifecycleStage.DELETED.value,)
        return (LifecycleStage.ACTIVE.value, LifecycleStage.DELETED.value)


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str = LifecycleStage.ACTIVE.value
    tags: dict[str, str] = field(default_factory=dict)
    creation_time: int | None = None
    last_update_time: int | None = None


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int = 0

    def __eq__(self, other: object) -> bool:
        # NaN != NaN would make a round-tripped NaN metric compare unequal to itself.
        if not isinstance(other, Metric):
            return NotImplemented
        same_value = self.value == other.value or (math.isnan(self.value) and math.isnan(other.value))
        return (self.key, self.timestamp, self.step) == (other.key, other.timestamp, other.step) and same_value

    def __hash__(self) -> int:
        return hash((self.key, self.timestamp, self.step))


@dataclass(frozen=True)
class Param:
    key: str
    value: str


@dataclass(frozen=True)
class RunTag:
    key: str
    value: str


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str
    user_id: str
    status: str
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str = LifecycleStage.ACTIVE.value
    parent_run_id: str | None = None
    notebook_path: str | None = None
    cell_id: str | None = None
    source: str | None = None

    @property
    def run_uuid(self) -> str:
        """MLflow's older name for ``run_id``."""
        return self.run_id


@dataclass(frozen=True)
class RunData:
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    name: str
    digest: str
    source_type: str = "local"
    source: str = ""
    schema: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class DatasetInput:
    dataset: Dataset
    context: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunInputs:
    dataset_inputs: tuple[DatasetInput, ...] = ()


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: RunInputs = field(default_factory=RunInputs)


@dataclass(frozen=True)
class FileInfo:
    path: str
    is_dir: bool
    file_size: int | None = None


T = TypeVar("T")


class PagedList(list[T], Generic[T]):
    """A page of results plus the token that fetches the next page (None on the last page)."""

    def __init__(self, items: Iterable[T], token: str | None) -> None:
        super().__init__(items)
        self.token = token


def now_millis() -> int:
    import time

    return int(time.time() * 1000)


def as_dict(obj: Any) -> Any:
    """JSON-ready form of an entity (for the CLI's --json and REST)."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return obj


# ----------------------------------------------------------------------------------- registry
class ModelStage(str, Enum):
    """MLflow's model version stages (deprecated there in favour of aliases; both work here)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, value: "str | ModelStage | None") -> "ModelStage":
        if isinstance(value, ModelStage):
            return value
        text = "None" if value is None else str(value).strip()
        for stage in cls:
            if stage.value.lower() == text.lower():
                return stage
        allowed = ", ".join(s.value for s in cls)
        raise ValueError(f"Unknown stage {value!r}; use one of {allowed} (or '@alias' for an alias).")


class RequestStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> version (as a string, like MLflow)
    latest_versions: tuple["ModelVersion", ...] = ()


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: str = ModelStage.NONE.value
    source: str = ""
    run_id: str | None = None
    status: str = "READY"
    description: str | None = None
    user_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TransitionRequest:
    request_id: str
    name: str
    version: str
    target: str  # a stage name, or "@alias"
    status: str
    requested_by: str
    requested_at: int
    comment: str | None = None
    decided_by: str | None = None
    decided_at: int | None = None
    decision_comment: str | None = None


@dataclass(frozen=True)
class PromotionPolicy:
    name: str
    target: str
    require_approval: bool = True
    gates: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    """One append-only row: who did what to which model, with the state before and after."""

    entry_id: int
    timestamp: int
    actor: str
    action: str
    name: str
    version: str | None = None
    target: str | None = None
    before: Any = None
    after: Any = None
    comment: str | None = None
