"""Downsampling keeps each bucket's first, min, max and last point; the histories route serves it."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import pytest

from jupyter_mltrack import Client, Metric
from jupyter_mltrack.tracking.downsample import bucket_bounds, downsample
from tests.server.spec import check_response


def series(values: list[float]) -> list[Metric]:
    return [Metric("loss", v, 1000 + i, i) for i, v in enumerate(values)]


def test_a_short_series_is_returned_exactly() -> None:
    points = series([3.0, 1.0, 2.0])
    assert downsample(points, 4) == points and downsample(points, 1000) == points


@pytest.mark.parametrize("seed", range(20))
def test_every_bucket_keeps_its_first_min_max_and_last_points(seed: int) -> None:
    rng = random.Random(seed)
    n, max_points = rng.randint(50, 5000), rng.choice([4, 7, 40, 100, 1000])
    values = [rng.gauss(0, 1) for _ in range(n)]
    for i in rng.sample(range(n), 3):
        values[i] = rng.choice([float("nan"), float("inf"), -float("inf")])
    points = series(values)
    kept = downsample(points, max_points)
    if n <= max_points:
        assert kept == points
        return
    steps = [p.step for p in kept]
    assert len(kept) <= max_points and steps == sorted(set(steps))  # a subset, in step order, no repeats
    assert kept[0] == points[0] and kept[-1] == points[-1]
    kept_steps = set(steps)
    for lo, hi in bucket_bounds(n, max_points):
        bucket = [p for p in points[lo:hi] if not math.isnan(p.value)]
        assert {lo, hi - 1} <= kept_steps
        if bucket:
            assert min(bucket, key=lambda p: p.value).step in kept_steps
            assert max(bucket, key=lambda p: p.value).step in kept_steps
    finite = [p.value for p in points if not math.isnan(p.value)]
    shown = [p.value for p in kept if not math.isnan(p.value)]
    assert min(shown) == min(finite) and max(shown) == max(finite)


def test_buckets_cover_the_series_in_equal_counts() -> None:
    bounds = bucket_bounds(10_000, 1000)
    assert len(bounds) == 250 and bounds[0] == (0, 40) and bounds[-1] == (9960, 10_000)
    assert all(b[1] == c[0] for b, c in itertools.pairwise(bounds))


def test_a_spike_survives_downsampling() -> None:
    values = [1.0] * 100_000
    values[54_321] = 99.0
    kept = downsample(series(values), 400)
    assert [p.step for p in kept if p.value == 99.0] == [54_321] and len(kept) <= 400


async def test_histories_of_many_runs_in_one_request(api: Any) -> None:
    client = Client()
    experiment_id = client.create_experiment("curves")
    runs = []
    for r in range(3):
        run_id = client.create_run(experiment_id).info.run_id
        client.log_batch(
            run_id, metrics=[Metric("loss", (r + 1) / (s + 1), s, s) for s in range(2000)] + [Metric("acc", 0.5, 0, 0)]
        )
        runs.append(run_id)
    status, body = await api(
        "POST", "metrics", "histories", body={"run_ids": runs, "keys": ["loss", "acc", "missing"], "max_points": 100}
    )
    assert status == 200
    check_response("POST", "/metrics/histories", status, body)
    histories = body["histories"]
    assert [(h["run_id"], h["key"]) for h in histories] == [(r, k) for r in runs for k in ("loss", "acc", "missing")]
    loss = histories[0]
    assert loss["total_points"] == 2000 and loss["downsampled"] and len(loss["steps"]) <= 100
    assert loss["steps"][0] == 0 and loss["steps"][-1] == 1999 and loss["values"][0] == 1.0
    assert loss["timestamps"] == loss["steps"]
    acc = histories[1]
    assert acc == {
        "run_id": runs[0],
        "key": "acc",
        "total_points": 1,
        "downsampled": False,
        "steps": [0],
        "values": [0.5],
        "timestamps": [0],
    }
    assert histories[2]["total_points"] == 0 and histories[2]["steps"] == []
    status, exact = await api(
        "POST", "metrics", "histories", body={"run_ids": runs[:1], "keys": ["loss"], "max_points": 5000}
    )
    assert exact["histories"][0]["steps"] == list(range(2000)) and not exact["histories"][0]["downsampled"]


async def test_histories_nan_values_and_errors(api: Any) -> None:
    client = Client()
    run_id = client.create_run(client.create_experiment("nan")).info.run_id
    client.log_batch(run_id, metrics=[Metric("loss", float("nan"), 0, 0), Metric("loss", float("inf"), 0, 1)])
    status, body = await api("POST", "metrics", "histories", body={"run_ids": [run_id], "keys": ["loss"]})
    assert body["histories"][0]["values"] == ["NaN", "Infinity"]
    status, error = await api("POST", "metrics", "histories", body={"run_ids": ["0123abcd"], "keys": ["loss"]})
    assert status == 404 and "0123abcd" in error["message"]
    status, error = await api("POST", "metrics", "histories", body={"run_ids": [run_id]})
    assert status == 400 and error["message"] == "Field 'keys' is required."
    status, error = await api(
        "POST", "metrics", "histories", body={"run_ids": [run_id], "keys": ["a"], "max_points": 3}
    )
    assert status == 400 and "from 4 to 100000" in error["message"]
    too_many = {"run_ids": [f"r{i}" for i in range(201)], "keys": [f"k{i}" for i in range(50)]}
    status, error = await api("POST", "metrics", "histories", body=too_many)
    assert status == 400 and "at most 10000" in error["message"]
