"""What a server serves and how: plain data, so ``--workers`` processes receive it as JSON.

Model URIs are resolved to local folders before a server starts (the registry, when a
``models:/`` URI needs it, runs in the caller), so a serving process reads folders only.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT = "default"
_VERSION = re.compile(r"^models:/[^/@]+/(\d+)$")


@dataclass
class ModelSpec:
    """One servable model: its endpoint name, URI as given, local folder and version label."""

    name: str
    uri: str
    path: str
    version: str


@dataclass
class ServerConfig:
    models: list[ModelSpec]
    split: dict[str, float] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 5000
    max_body: int = 100 * 1024 * 1024
    max_concurrency: int = 32
    timeout: float = 30.0
    cors_origin: str | None = None
    log_dir: str | None = None
    sample_rate: float = 0.0
    batching: bool = True  # micro-batching of concurrent small requests (see batching.py)
    batch_max_rows: int = 256
    metrics_dir: str | None = None  # set by start_workers: where --workers processes share their metrics

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServerConfig":
        raw: dict[str, Any] = json.loads(text)
        raw["models"] = [ModelSpec(**m) for m in raw["models"]]
        return cls(**raw)


def version_of(uri: str, path: str) -> str:
    """``3`` for ``models:/name/3``; otherwise the model's uuid (short), which names the build."""
    match = _VERSION.match(uri)
    if match:
        return match.group(1)
    from jupyter_mltrack.models.mlmodel import Model

    return Model.load(path).model_uuid[:12]


def parse_split(text: str) -> dict[str, float]:
    """``champion=90,challenger=10`` as weights that sum to 1."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or not name.strip() or weight < 0:
            raise ValueError(f"--split takes NAME=WEIGHT pairs like champion=90,challenger=10; got {part!r}.")
        weights[name.strip()] = weight
    total = sum(weights.values())
    if len(weights) < 2 or total <= 0:
        raise ValueError(f"--split needs at least two models with positive total weight; got {text!r}.")
    return {name: weight / total for name, weight in weights.items()}
