"""Run search semantics, table-driven, on SQLite, PostgreSQL and MariaDB alike."""

from __future__ import annotations

import math

import pytest

from jupyter_mltrack import Client
from jupyter_mltrack.entities import Metric, Param, RunTag
from jupyter_mltrack.errors import FilterSyntaxError, InvalidParameterError

# name: (metrics, params, tags, status)
RUNS: dict[str, tuple[dict[str, float], dict[str, str], dict[str, str], str]] = {
    "rf-small": ({"acc": 0.81, "loss": 0.5}, {"model": "rf", "depth": "3"}, {"team": "Vision"}, "FINISHED"),
    "rf-large": ({"acc": 0.93, "loss": 0.2}, {"model": "rf", "depth": "12"}, {"team": "vision"}, "FINISHED"),
    "lr-base": ({"acc": 0.77}, {"model": "lr"}, {"team": "nlp", "note": "it's 50% done"}, "FAILED"),
    "xgb-nan": ({"acc": math.nan, "loss": 0.1}, {"model": "xgb"}, {}, "FINISHED"),
    "svm-inf": ({"acc": math.inf}, {"model": "SVM"}, {"team": "nlp"}, "KILLED"),
    "knn-none": ({}, {"model": "knn_1"}, {}, "RUNNING"),
}


@pytest.fixture
def populated(tracking_uri: str) -> tuple[Client, str, dict[str, str]]:
    client = Client()
    exp = client.create_experiment("search")
    ids = {}
    for i, (name, (metrics, params, tags, status)) in enumerate(RUNS.items()):
        run = client.create_run(exp, run_name=name, start_time=1_000_000 + i)
        run_id = run.info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, 1, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        if status != "RUNNING":
            client.set_terminated(run_id, status)
        ids[name] = run_id
    return client, exp, ids


FILTERS = [
    ("", set(RUNS)),
    ("metrics.acc > 0.8", {"rf-small", "rf-large", "svm-inf"}),
    ("metrics.acc >= 0.93", {"rf-large", "svm-inf"}),
    ("metrics.acc < 0.8", {"lr-base"}),
    ("metrics.acc <= 0.81", {"rf-small", "lr-base"}),
    ("metrics.acc = 0.77", {"lr-base"}),
    ("metrics.acc != 0.77", {"rf-small", "rf-large", "xgb-nan", "svm-inf"}),
    ("metrics.acc IS NULL", {"knn-none"}),
    ("metrics.loss IS NOT NULL", {"rf-small", "rf-large", "xgb-nan"}),
    ("metrics.acc IN (0.77, 0.93)", {"lr-base", "rf-large"}),
    ("metrics.acc > 0.8 and metrics.loss < 0.3", {"rf-large"}),
    ("params.model = 'rf'", {"rf-small", "rf-large"}),
    ("params.model = 'RF'", set()),  # equality is case-sensitive on every backend
    ("params.model != 'rf'", {"lr-base", "xgb-nan", "svm-inf", "knn-none"}),
    ("params.model LIKE 'r%'", {"rf-small", "rf-large"}),
    ("params.model LIKE 'R%'", set()),
    ("params.model ILIKE 's%'", {"svm-inf"}),
    ("params.model LIKE 'knn_1'", {"knn-none"}),
    ("params.model LIKE 'knn%1'", {"knn-none"}),
    ("params.model IN ('lr', 'xgb')", {"lr-base", "xgb-nan"}),
    ("params.model NOT IN ('lr', 'xgb', 'rf')", {"svm-inf", "knn-none"}),
    ("params.depth IS NULL", {"lr-base", "xgb-nan", "svm-inf", "knn-none"}),
    ("params.depth = '12'", {"rf-large"}),
    ("tags.team = 'vision'", {"rf-large"}),
    ("tags.team ILIKE 'vision'", {"rf-small", "rf-large"}),
    ("tags.note LIKE '%50\\%%'", {"lr-base"}),  # a backslash escapes % and _ on every backend
    ("tags.note ILIKE '%50\\% DONE'", {"lr-base"}),
    ("tags.note LIKE '%5\\_%'", set()),
    ("tags.note LIKE '%50%'", {"lr-base"}),
    ("tags.note = 'it''s 50% done'", {"lr-base"}),
    ("tags.team IS NOT NULL and tags.team != 'nlp'", {"rf-small", "rf-large"}),
    ("tags.`mlflow.runName` = 'lr-base'", {"lr-base"}),
    ("attributes.run_name = 'xgb-nan'", {"xgb-nan"}),
    ("attributes.status = 'failed'", {"lr-base"}),
    ("attributes.status IN ('KILLED', 'RUNNING')", {"svm-inf", "knn-none"}),
    ("attributes.status != 'FINISHED'", {"lr-base", "svm-inf", "knn-none"}),
    ("attributes.start_time >= 1000004", {"svm-inf", "knn-none"}),
    ("attributes.created < 1000001", {"rf-small"}),
    ("attributes.end_time IS NULL", {"knn-none"}),
    ("run.run_name LIKE 'rf-%'", {"rf-small", "rf-large"}),
    ("params.model = 'rf' or params.model = 'lr'", {"rf-small", "rf-large", "lr-base"}),
    ("metrics.acc > 0.9 or params.model = 'lr' and tags.team = 'nlp'", {"rf-large", "svm-inf", "lr-base"}),
    ("(metrics.acc > 0.9 or params.model = 'lr') and tags.team = 'nlp'", {"svm-inf", "lr-base"}),
    ("not_a_key_anywhere IS NULL", None),
]


@pytest.mark.parametrize(("filter_string", "expected"), FILTERS, ids=[f or "<empty>" for f, _ in FILTERS])
def test_filters(populated: tuple[Client, str, dict[str, str]], filter_string: str, expected: set[str] | None) -> None:
    client, exp, _ = populated
    if expected is None:
        with pytest.raises(FilterSyntaxError):
            client.search_runs([exp], filter_string)
        return
    found = client.search_runs([exp], filter_string)
    assert {r.info.run_name for r in found} == expected


def test_run_id_filters(populated: tuple[Client, str, dict[str, str]]) -> None:
    client, exp, ids = populated
    found = client.search_runs([exp], f"attributes.run_id IN ('{ids['rf-small']}', '{ids['lr-base']}')")
    assert {r.info.run_name for r in found} == {"rf-small", "lr-base"}


ORDERS = [
    (["metrics.acc DESC"], ["svm-inf", "rf-large", "rf-small", "lr-base"]),  # NaN and missing last
    (["metrics.acc ASC"], ["lr-base", "rf-small", "rf-large", "svm-inf"]),
    (["metrics.acc"], ["lr-base", "rf-small", "rf-large", "svm-inf"]),
    # byte order on every backend (upper case first); ties newest first; runs without the param last
    (["params.model DESC"], ["xgb-nan", "rf-large", "rf-small", "lr-base", "knn-none", "svm-inf"]),
    (["params.depth ASC"], ["rf-large", "rf-small"]),
    (["attributes.start_time ASC"], list(RUNS)),
    (["tags.team ASC", "metrics.acc DESC"], ["rf-small", "svm-inf", "lr-base", "rf-large"]),
]


@pytest.mark.parametrize(("order_by", "expected_prefix"), ORDERS, ids=[" ".join(o) for o, _ in ORDERS])
def test_order_by(
    populated: tuple[Client, str, dict[str, str]], order_by: list[str], expected_prefix: list[str]
) -> None:
    client, exp, _ = populated
    names = [r.info.run_name for r in client.search_runs([exp], order_by=order_by)]
    assert names[: len(expected_prefix)] == expected_prefix
    assert len(names) == len(RUNS)
    if order_by[0].startswith("metrics.acc"):
        assert set(names[-2:]) == {"xgb-nan", "knn-none"}


def test_default_order_is_newest_first(populated: tuple[Client, str, dict[str, str]]) -> None:
    client, exp, _ = populated
    assert [r.info.run_name for r in client.search_runs([exp])] == list(reversed(RUNS))


def test_paging_visits_every_run_once(populated: tuple[Client, str, dict[str, str]]) -> None:
    client, exp, _ = populated
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.search_runs([exp], max_results=4, order_by=["attributes.start_time"], page_token=token)
        seen.extend(r.info.run_name for r in page)
        pages += 1
        token = page.token
        if token is None:
            break
    assert seen == list(RUNS) and pages == 2
    with pytest.raises(InvalidParameterError, match="page_token"):
        client.search_runs([exp], page_token="garbage!")
    with pytest.raises(InvalidParameterError, match="max_results"):
        client.search_runs([exp], max_results=0)


def test_view_types_and_several_experiments(populated: tuple[Client, str, dict[str, str]]) -> None:
    client, exp, ids = populated
    other = client.create_experiment("other")
    client.create_run(other, run_name="elsewhere")
    client.delete_run(ids["rf-small"])
    assert "rf-small" not in {r.info.run_name for r in client.search_runs([exp])}
    assert {r.info.run_name for r in client.search_runs([exp], run_view_type="DELETED_ONLY")} == {"rf-small"}
    assert len(client.search_runs([exp], run_view_type="ALL")) == len(RUNS)
    assert len(client.search_runs([exp, other])) == len(RUNS)  # 6 - 1 deleted + 1 elsewhere


def test_invalid_filter_points_at_token(populated: tuple[Client, str, dict[str, str]]) -> None:
    client, exp, _ = populated
    with pytest.raises(FilterSyntaxError) as err:
        client.search_runs([exp], "metrics.acc > 0.5 and params.model > 'rf'")
    assert err.value.position == len("metrics.acc > 0.5 and params.model ")
    assert "^" in str(err.value)
