"""Registry search: MLflow's filters for registered models (``name``, ``tags.*``) and model
versions (``name``, ``run_id``, ``source``, ``version``, ``tags.*``), evaluated in Python with the
run-search grammar (a registry holds hundreds of rows, not millions)."""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence, TypeVar

from jupyter_mltrack.entities import ModelVersion, PagedList, RegisteredModel
from jupyter_mltrack.errors import InvalidParameterError

T = TypeVar("T")
_BARE = re.compile(
    r"(?i)(^|\(|\s)(name|run_id|source|version|current_stage)(?=\s*(=|!=|<>|>|<|like\b|ilike\b|in\b|not\b|is\b|asc\b|desc\b|$))"
)


def _normalise(text: str) -> str:
    return _BARE.sub(lambda m: f"{m.group(1)}tags.`__attr__{m.group(2).lower()}`", text)


def _getter(kind: str, key: str, attributes: Callable[[Any], dict[str, Any]]) -> Callable[[Any], Any]:
    if kind == "tag" and key.startswith("__attr__"):
        name = key[len("__attr__") :]
        return lambda item: attributes(item).get(name)
    if kind == "tag":
        return lambda item: item.tags.get(key)
    raise InvalidParameterError(
        f"Registry searches filter on name, tags.<key> (and for versions run_id, source, version), not {kind}s."
    )


def _search(
    items: list[T],
    attributes: Callable[[Any], dict[str, Any]],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> PagedList[T]:
    from jupyter_mltrack.store.sql import search_grammar as g
    from jupyter_mltrack.store.sql.search import check_max_results, decode_page_token, encode_page_token
    from jupyter_mltrack.tracking.experiment_search import compare

    check_max_results(max_results)
    node = g.parse_filter(_normalise(filter_string)) if filter_string else None

    def matches(item: Any, n: Any) -> bool:
        if isinstance(n, g.And):
            return all(matches(item, x) for x in n.items)
        if isinstance(n, g.Or):
            return any(matches(item, x) for x in n.items)
        return compare(_getter(n.kind, n.key, attributes)(item), n.op, n.value)

    found = [i for i in items if node is None or matches(i, node)]
    for clause in reversed(list(order_by or [])):
        ob = g.parse_order_by(_normalise(clause))
        get = _getter(ob.kind, ob.key, attributes)
        present = sorted((i for i in found if get(i) is not None), key=get, reverse=not ob.ascending)
        found = present + [i for i in found if get(i) is None]
    offset = decode_page_token(page_token)
    token = encode_page_token(offset + max_results) if offset + max_results < len(found) else None
    return PagedList(found[offset : offset + max_results], token)


def search_models(
    models: list[RegisteredModel],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> PagedList[RegisteredModel]:
    return _search(models, lambda m: {"name": m.name}, filter_string, order_by, max_results, page_token)


def search_versions(
    versions: list[ModelVersion],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> PagedList[ModelVersion]:
    def attributes(v: ModelVersion) -> dict[str, Any]:
        return {
            "name": v.name,
            "run_id": v.run_id,
            "source": v.source,
            "version": v.version,
            "current_stage": v.current_stage,
        }

    return _search(versions, attributes, filter_string, order_by, max_results, page_token)
