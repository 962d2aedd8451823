"""Batch-score a Parquet file; prints rows/s and the peak RSS of this process.

ours: ``jupyter_mltrack.serving.predict_batch`` (chunked). mlflow: what MLflow offers for a file,
``pyfunc.load_model`` + ``pandas.read_parquet`` of the whole file + ``predict`` + ``to_parquet``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

parser = argparse.ArgumentParser()
parser.add_argument("--tool", choices=["ours", "mlflow"], required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--input", required=True)
parser.add_argument("--output", required=True)
args = parser.parse_args()

started = time.perf_counter()
if args.tool == "ours":
    from jupyter_mltrack.serving import predict_batch

    rows = predict_batch(args.model, args.input, args.output, batch_size=100_000, progress=False)
else:
    import mlflow.pyfunc
    import pandas as pd

    model = mlflow.pyfunc.load_model(args.model)
    frame = pd.read_parquet(args.input)
    predictions = model.predict(frame)
    pd.DataFrame({"prediction": predictions}).to_parquet(args.output)
    rows = len(frame)
elapsed = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH_RESULT " + json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak_mb}))
