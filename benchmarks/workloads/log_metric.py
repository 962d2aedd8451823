"""Row 3: fluent ``log_metric`` in a loop inside one active run.

Per-call time = (loop + end_run) / N: end_run is where a buffering tool commits what it holds,
so it is counted. One untimed call with another key comes first (lazy set-up in either tool).
"""

from __future__ import annotations

from _adapter import Timer, args, check, emit, load

opts = args(tool="", n=1000, profile="")
tool = load(opts["tool"])
n = opts["n"]
fluent = tool.fluent
fluent.set_experiment("bench")
run_id = fluent.start_run().info.run_id
fluent.log_metric("warmup", 0.0)

timer = Timer(opts["profile"])
with timer:
    for i in range(n):
        fluent.log_metric("loss", 1.0 / (i + 1), step=i)
    fluent.end_run()
timer.dump()

history = tool.Client().get_metric_history(run_id, "loss")
check(len(history) == n, f"{len(history)} points stored, {n} logged")
emit(seconds=timer.last, n=n, per_call_us=timer.last / n * 1e6)
