"""Workload: what sklearn autolog adds to ``LogisticRegression().fit`` on 10,000 x 20.

Plain fits and autologged fits (each makes a run: params, training metrics, the model when
``--log-models 1``) in interleaved blocks (``--rounds``), switching autolog off and on between
blocks, so load from other processes hits both alike; the overhead is the median autologged fit
minus the median plain fit. The data is synthetic numpy data made here (same seed for both tools).
The first autologged fit (it creates the store) is timed apart.
"""

from __future__ import annotations

from _adapter import Timer, args, check, emit, load

opts = args(tool="", repeats=20, rounds=5, rows=10_000, cols=20, log_models=1, profile="")

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(opts["rows"], opts["cols"]))
y = (X @ rng.normal(size=opts["cols"]) + rng.normal(scale=0.5, size=opts["rows"]) > 0).astype(int)


def fit() -> LogisticRegression:
    return LogisticRegression(max_iter=500).fit(X, y)


tool = load(opts["tool"])
log_models = bool(opts["log_models"])
if opts["tool"] == "ours":
    from jupyter_mltrack.autolog import autolog

    def switch(on: bool) -> None:
        autolog(disable=not on, frameworks=["sklearn"], log_models=log_models)
else:
    import mlflow.sklearn

    def switch(on: bool) -> None:
        mlflow.sklearn.autolog(disable=not on, log_models=log_models, silent=True)

for _ in range(3):
    fit()  # warm-up: imports, BLAS threads, caches
switch(True)
first = Timer()
with first:
    fit()
plain, autologged = Timer(), Timer(opts["profile"])
per_block = max(1, opts["repeats"] // opts["rounds"])
for _ in range(opts["rounds"]):
    switch(False)
    for _ in range(per_block):
        with plain:
            fit()
    switch(True)
    for _ in range(per_block):
        with autologged:
            fit()
switch(False)
autologged.dump()
fits = 1 + per_block * opts["rounds"]

# Not timed: did every autologged fit make a complete run?
client = tool.Client()
runs = tool.fluent.search_runs(search_all_experiments=True, output_format="list")
check(len(runs) == fits, f"{len(runs)} runs for {fits} autologged fits")
last = client.get_run(runs[0].info.run_id)
check(last.data.params.get("C") == "1.0", f"params {last.data.params}")
check("training_score" in last.data.metrics, f"metrics {last.data.metrics}")
artifacts = [f.path for f in client.list_artifacts(last.info.run_id)]
check(("model" in artifacts) == log_models or opts["tool"] == "mlflow", f"artifacts {artifacts}")

emit(
    plain_s=plain.median(),
    autolog_s=autologged.median(),
    first_autolog_s=first.last,
    overhead_s=autologged.median() - plain.median(),
    samples={"plain": plain.samples, "autolog": autologged.samples},
    metrics=sorted(last.data.metrics),
    artifacts=artifacts,
)
