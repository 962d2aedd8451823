"""``serve()``: one function behind ``mltrack serve`` and ``jupyter_mltrack.serve``."""

from __future__ import annotations

import os
from typing import Any

from jupyter_mltrack.serving.config import DEFAULT, ModelSpec, ServerConfig, parse_split, version_of
from jupyter_mltrack.serving.server import ServerHandle, run_forever, start_thread, start_workers


def build_config(model_uri: str | os.PathLike[str] | None = None, *, models: dict[str, Any] | None = None,
                 split: str | dict[str, float] | None = None, **options: Any) -> ServerConfig:
    """Resolve every URI to a local folder now, so serving processes never need the tracking store."""
    from jupyter_mltrack.models.uri import resolve_model_uri

    named: dict[str, str] = {DEFAULT: os.fspath(model_uri)} if model_uri is not None else {}
    for name, uri in (models or {}).items():
        if "/" in name or not name:
            raise ValueError(f"Model names appear in URLs (/models/<name>/invocations): {name!r} is not one.")
        named[name] = os.fspath(uri)
    if not named:
        raise ValueError("Nothing to serve: give a model URI, or models={name: uri}.")
    weights = parse_split(split) if isinstance(split, str) else _normalise(split or {})
    unknown = sorted(set(weights) - set(named))
    if unknown:
        raise ValueError(f"--split names {unknown}, which are not served models; add them with --model NAME=URI.")
    specs = []
    for name, uri in named.items():
        path = resolve_model_uri(uri)
        specs.append(ModelSpec(name=name, uri=uri, path=path, version=version_of(uri, path)))
    return ServerConfig(models=specs, split=weights, **options)


def _normalise(weights: dict[str, float]) -> dict[str, float]:
    if not weights:
        return {}
    return parse_split(",".join(f"{k}={v}" for k, v in weights.items()))


def serve(model_uri: str | os.PathLike[str] | None = None, *, models: dict[str, Any] | None = None,
          split: str | dict[str, float] | None = None, host: str = "127.0.0.1", port: int = 5000, workers: int = 1,
          max_body_mb: float = 100.0, max_concurrency: int = 32, timeout: float = 30.0,
          cors_origin: str | None = None, log_dir: str | os.PathLike[str] | None = None, sample_rate: float = 0.0,
          batching: bool = True, block: bool = True) -> ServerHandle | None:
    """Serve models over MLflow's scoring protocol at ``http://host:port``.

    ``models`` adds named models (``/models/<name>/invocations``); ``split`` (``"a=90,b=10"``) sends
    ``/invocations`` to those names by weight. ``block=False`` returns a handle (``.url``,
    ``.stop()``) once the models are loaded and warm; ``port=0`` picks a free port.
    ``batching=False`` scores every request on its own (no micro-batching of concurrent requests).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}.")
    if not 0.0 <= sample_rate <= 1.0:
        raise ValueError(f"sample_rate must be between 0 and 1, got {sample_rate}.")
    config = build_config(
        model_uri, models=models, split=split, host=host, port=port, max_body=int(max_body_mb * 1024 * 1024),
        max_concurrency=max_concurrency, timeout=timeout, cors_origin=cors_origin,
        log_dir=os.path.abspath(os.fspath(log_dir)) if log_dir is not None else None, sample_rate=sample_rate,
        batching=batching,
    )
    if workers > 1:
        return start_workers(config, workers, block)
    if not block:
        return start_thread(config)
    run_forever(config)
    return None
