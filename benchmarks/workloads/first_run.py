"""Row 2: the first run in a fresh store, in a fresh process.

import + set_experiment + start_run + log_param + log_metric + end_run, timed from before the
import. The store is configured by the environment only (MLTRACK_HOME for ours,
MLFLOW_TRACKING_URI for MLflow), so creating the database is part of the work.
"""

from __future__ import annotations

from _adapter import PACKAGE, Timer, args, check, emit, load, perf_counter

opts = args(tool="", profile="")
timer = Timer(opts["profile"])
with timer:
    t0 = perf_counter()
    pkg = __import__(PACKAGE[opts["tool"]])
    t_import = perf_counter() - t0
    pkg.set_experiment("bench")
    run = pkg.start_run()
    pkg.log_param("alpha", 0.5)
    pkg.log_metric("loss", 0.25)
    pkg.end_run()
timer.dump()

# Not timed: did the work land?
stored = load(opts["tool"]).Client().get_run(run.info.run_id)
check(stored.info.status == "FINISHED", f"run status {stored.info.status}")
check(stored.data.params.get("alpha") == "0.5", f"params {stored.data.params}")
check(stored.data.metrics.get("loss") == 0.25, f"metrics {stored.data.metrics}")
emit(total=timer.last, import_seconds=t_import, after_import=timer.last - t_import,
     artifact_uri=stored.info.artifact_uri)
