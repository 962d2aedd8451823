"""Model URIs to a local model folder: local paths, ``file://``, ``runs:/``, artifact URLs and hooks.

``runs:/<run_id>/<path>`` is read in place when the run's artifacts are on local disk (no copy) and
downloaded through the tracking Client otherwise. Any other URL (``s3://...``) is downloaded with
the artifact repositories. Other schemes plug in with :func:`register_uri_resolver`; the model
registry registers ``models:`` for ``models:/<name>/<version>``, ``models:/<name>@<alias>``,
``models:/<name>/<stage>`` and ``models:/<name>/latest``.

The tracking store is imported only for ``runs:/`` URIs, so loading a model from a folder (what a
serving process does) never opens a database.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from urllib.parse import urlparse

from jupyter_mltrack.models.errors import ModelUriError, RegistryUnavailableError

Resolver = Callable[[str], str]
_RESOLVERS: dict[str, Resolver] = {}
_REGISTRY_MODULE = "jupyter_mltrack.registry"
_MAX_HOPS = 8


def register_uri_resolver(scheme_prefix: str, fn: Resolver) -> None:
    """Resolve URIs starting with ``scheme_prefix`` (e.g. ``"models:"``) with ``fn``.

    ``fn(uri)`` returns where the model is: a ``runs:/`` URI, an artifact URL or a local folder,
    which is then resolved in turn. It raises a jupyter_mltrack error (e.g. a not-found error that
    names the model) when the URI names nothing. Registering a prefix again replaces its resolver.
    """
    if not scheme_prefix or not callable(fn):
        raise ValueError("register_uri_resolver needs a non-empty scheme prefix and a callable.")
    _RESOLVERS[scheme_prefix] = fn


def unregister_uri_resolver(scheme_prefix: str) -> None:
    _RESOLVERS.pop(scheme_prefix, None)


def _resolver_for(uri: str) -> Resolver | None:
    matches = [p for p in _RESOLVERS if uri.startswith(p)]
    return _RESOLVERS[max(matches, key=len)] if matches else None


def resolve_model_uri(uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> str:
    """The local folder holding the model named by ``uri`` (downloaded into ``dst_path`` if remote)."""
    text = os.fspath(uri)
    destination = os.fspath(dst_path) if dst_path is not None else None
    for _ in range(_MAX_HOPS):
        resolver = _resolver_for(text)
        if resolver is None and text.startswith("models:"):
            resolver = _load_registry_resolver(text)
        if resolver is None:
            return _resolve_location(text, destination)
        text = os.fspath(resolver(text))
    raise ModelUriError(os.fspath(uri), f"resolvers sent it through more than {_MAX_HOPS} hops")


def _load_registry_resolver(uri: str) -> Resolver | None:
    """Importing the registry registers its ``models:`` resolver; say clearly when there is none."""
    if importlib.util.find_spec(_REGISTRY_MODULE) is None:
        raise RegistryUnavailableError(
            f"Model URI {uri!r} names a registered model, but the model registry ({_REGISTRY_MODULE}) is not "
            "available in this installation, so models:/ URIs cannot be resolved. Load the model by "
            "runs:/<run_id>/<artifact_path> or by its folder instead."
        )
    registry = importlib.import_module(_REGISTRY_MODULE)
    plug_in = getattr(registry, "plug_in", None)
    if callable(plug_in):  # plugs in again if its resolver was removed since it was first imported
        plug_in()
    resolver = _resolver_for(uri)
    if resolver is None:
        raise RegistryUnavailableError(
            f"Model URI {uri!r} names a registered model, but the model registry ({_REGISTRY_MODULE}) has not "
            "registered a resolver for models:/ URIs (register_uri_resolver('models:', ...)). Load the model by "
            "runs:/<run_id>/<artifact_path> or by its folder instead."
        )
    return resolver


def _resolve_location(text: str, destination: str | None) -> str:
    if text.startswith("runs:"):
        return _resolve_runs_uri(text, destination)
    scheme = urlparse(text).scheme
    if scheme in ("", "file") or len(scheme) == 1:  # a path, file://, or a Windows drive letter
        local = _local_path(text)
        if not os.path.exists(local):
            raise ModelUriError(text, f"no such file or folder {local!r}")
        return _copy_to(local, destination) if destination else local
    from jupyter_mltrack.store.artifacts import get_repository

    return str(get_repository(text).download_artifacts("", destination))


def _local_path(text: str) -> str:
    """A path or ``file://`` URI as an absolute path (without importing the artifact stores)."""
    if not text.startswith("file:"):
        return os.path.abspath(os.path.expanduser(text))
    from urllib.request import url2pathname

    parsed = urlparse(text)
    if parsed.netloc not in ("", "localhost"):
        raise ModelUriError(text, f"file:// URIs must be local, not on host {parsed.netloc!r}")
    return os.path.abspath(url2pathname(parsed.path))


def parse_runs_uri(uri: str) -> tuple[str, str]:
    """(run_id, artifact path) of ``runs:/<run_id>/<path>``."""
    parsed = urlparse(uri)
    if parsed.scheme != "runs" or parsed.netloc:
        raise ModelUriError(uri, "runs URIs look like runs:/<run_id>/<artifact_path>")
    parts = parsed.path.lstrip("/").split("/", 1)
    if not parts[0]:
        raise ModelUriError(uri, "it names no run; use runs:/<run_id>/<artifact_path>")
    return parts[0], parts[1].strip("/") if len(parts) > 1 else ""


def _resolve_runs_uri(uri: str, destination: str | None) -> str:
    from jupyter_mltrack.store.artifacts.local import is_local_uri, local_path_from_uri
    from jupyter_mltrack.tracking.client import Client

    run_id, path = parse_runs_uri(uri)
    client = Client()
    location = client.get_artifact_uri(run_id, path or None)
    if destination is None and is_local_uri(location):
        local = local_path_from_uri(location)
        if not os.path.exists(local):
            raise ModelUriError(uri, f"run {run_id} has no artifact {path!r}; list them with list_artifacts()")
        return local
    return client.download_artifacts(run_id, path, destination)


def _copy_to(source: str, destination: str) -> str:
    import shutil

    target = os.path.join(destination, os.path.basename(os.path.normpath(source)))
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        os.makedirs(destination, exist_ok=True)
        shutil.copy2(source, target)
    return target
