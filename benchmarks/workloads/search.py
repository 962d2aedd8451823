"""Row 5: ``search_runs`` over a populated experiment.

``--phase populate`` fills a fresh store through the tool's own public client API
(create_run + log_batch + set_terminated per run) with the same deterministic data for both tools:
run ``run-00042`` has the same 10 params and 10 metrics in either store.

``--phase search`` (a fresh process on that store) times ``Client.search_runs`` with a three-clause
filter and an order_by (max_results=1000, MLflow's client default), then the fluent DataFrame form;
each is warmed up once, then timed ``repeats`` times. It returns the ordered run names so the
harness can check that both tools found the same runs in the same order.
"""

from __future__ import annotations

import random

from _adapter import Timer, args, check, emit, load

#: ~0.5 * 0.2 * 0.8 = 8% of the runs match: about 800 of 10,000.
FILTER = "metrics.m0 > 0.5 and params.p1 = 'v3' and metrics.m2 < 0.8"
ORDER_BY = ["metrics.m3 DESC"]
N_PARAMS = 10
N_METRICS = 10
PARAM_VALUES = 5
TS0 = 1_700_000_000_000


def dataset(runs: int, seed: int) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, float]]]]:
    """(run name, params, metrics) for every run, the same for both tools."""
    rng = random.Random(seed)
    return [
        (
            f"run-{i:05d}",
            [(f"p{k}", f"v{rng.randrange(PARAM_VALUES)}") for k in range(N_PARAMS)],
            [(f"m{k}", rng.random()) for k in range(N_METRICS)],
        )
        for i in range(runs)
    ]


def populate(tool_name: str, runs: int, seed: int, profile: str) -> None:
    tool = load(tool_name)
    client = tool.Client()
    experiment_id = client.create_experiment("bench")
    data = dataset(runs, seed)
    timer = Timer(profile)
    with timer:
        for i, (name, params, metrics) in enumerate(data):
            run_id = client.create_run(experiment_id, start_time=TS0 + i, run_name=name).info.run_id
            client.log_batch(
                run_id,
                metrics=[tool.Metric(k, v, TS0 + i, 0) for k, v in metrics],
                params=[tool.Param(k, v) for k, v in params],
            )
            client.set_terminated(run_id)
    timer.dump()
    expected = sorted(
        (name for name, params, metrics in data if metrics[0][1] > 0.5 and params[1][1] == "v3" and metrics[2][1] < 0.8)
    )
    emit(seconds=timer.last, runs=runs, per_run_ms=timer.last / runs * 1000, experiment_id=experiment_id,
         expected_matches=len(expected))


def search(tool_name: str, repeats: int, profile: str) -> None:
    tool = load(tool_name)
    client = tool.Client()
    experiment = client.get_experiment_by_name("bench")
    check(experiment is not None, "no experiment named 'bench': populate first")
    ids = [experiment.experiment_id]

    def client_search() -> list:
        return client.search_runs(ids, FILTER, max_results=1000, order_by=ORDER_BY)

    def fluent_search():  # a pandas DataFrame in both tools
        return tool.fluent.search_runs(experiment_ids=ids, filter_string=FILTER, order_by=ORDER_BY)

    client_search()  # warm-up
    timer = Timer(profile)
    for _ in range(repeats):
        with timer:
            found = client_search()
    timer.dump()

    fluent_search()  # warm-up
    frame_timer = Timer()
    for _ in range(repeats):
        with frame_timer:
            frame = fluent_search()

    names = [run.info.run_name for run in found]
    m3 = [run.data.metrics["m3"] for run in found]
    check(m3 == sorted(m3, reverse=True), "client search_runs is not ordered by metrics.m3 DESC")
    check(len(frame) == len(found) or len(found) == 1000, f"DataFrame: {len(frame)} rows; client: {len(found)} runs")
    emit(seconds=timer.median(), samples=timer.samples, frame_seconds=frame_timer.median(),
         frame_samples=frame_timer.samples, matches=len(found), frame_rows=len(frame), names=names)


opts = args(tool="", phase="search", runs=10_000, seed=20240601, repeats=5, profile="")
if opts["phase"] == "populate":
    populate(opts["tool"], opts["runs"], opts["seed"], opts["profile"])
elif opts["phase"] == "search":
    search(opts["tool"], opts["repeats"], opts["profile"])
else:
    raise SystemExit(f"--phase must be populate or search, not {opts['phase']!r}")
