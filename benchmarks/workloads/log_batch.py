"""Row 4: ``Client.log_batch`` of keys x steps metric points (Metric entities) in one call.

Each repeat logs to a new run of the same store; the Metric list is built before the clock starts.
"""

from __future__ import annotations

import math

from _adapter import Timer, args, check, emit, load

opts = args(tool="", keys=10, steps=1000, repeats=3, profile="")
tool = load(opts["tool"])
client = tool.Client()
experiment_id = client.create_experiment("bench")
ts0 = 1_700_000_000_000
metrics = [
    tool.Metric(f"m{k}", math.sin(k + step / 100), ts0 + step, step)
    for k in range(opts["keys"])
    for step in range(opts["steps"])
]

timer = Timer(opts["profile"])
for _ in range(opts["repeats"]):
    run_id = client.create_run(experiment_id).info.run_id
    with timer:
        client.log_batch(run_id, metrics=metrics)
    client.set_terminated(run_id)
    history = client.get_metric_history(run_id, "m0")
    check(len(history) == opts["steps"], f"{len(history)} points of m0 stored, {opts['steps']} logged")
timer.dump()
emit(seconds=timer.median(), samples=timer.samples, points=len(metrics))
