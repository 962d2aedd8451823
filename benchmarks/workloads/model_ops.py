"""Model workloads (benchmarks/models.py): log_model, pyfunc.load_model in a fresh process, predict.

--op log      train iris' logistic regression (not timed), then time log_model twice in a run
              (the first call pays for any lazy imports, as in a notebook) and save a copy to --out
--op load     time ``import <tool>.pyfunc`` + ``pyfunc.load_model(--out)`` from a fresh process
--op bare     time what any loader must pay: ``import sklearn`` + unpickling the model file
--op predict  one-row predict through the pyfunc wrapper against the bare estimator
"""

from __future__ import annotations

import os

from _adapter import args, check, emit, perf_counter

opts = args(tool="", op="", out="", repeats=2000)
os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = "true"  # MLflow 3.17 refuses any pickle without it
ours = opts["tool"] == "ours"


def iris():  # type: ignore[no-untyped-def]
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True, as_frame=True)


if opts["op"] == "log":
    from sklearn.linear_model import LogisticRegression

    X, y = iris()
    model = LogisticRegression(max_iter=300).fit(X, y)
    if ours:
        import jupyter_mltrack as pkg
        import jupyter_mltrack.sklearn as flavor
    else:
        import mlflow as pkg
        import mlflow.sklearn as flavor
    with pkg.start_run():
        t0 = perf_counter()
        flavor.log_model(model, name="model", input_example=X.head(3))
        first = perf_counter() - t0
        t0 = perf_counter()
        flavor.log_model(model, name="model2", input_example=X.head(3))
        second = perf_counter() - t0
    flavor.save_model(model, opts["out"], input_example=X.head(3))
    with open(os.path.join(opts["out"], "requirements.txt")) as handle:
        requirements = handle.read().split()
    check(any(r.startswith("scikit-learn") for r in requirements), f"requirements {requirements}")
    emit(first=first, second=second, requirements=requirements)

elif opts["op"] == "load":
    t0 = perf_counter()
    if ours:
        import jupyter_mltrack.pyfunc as pyfunc
    else:
        import mlflow.pyfunc as pyfunc
    loaded = pyfunc.load_model(opts["out"])
    seconds = perf_counter() - t0
    X, _ = iris()
    check(len(loaded.predict(X)) == len(X), "predictions")
    emit(seconds=seconds)

elif opts["op"] == "bare":
    t0 = perf_counter()
    import pickle

    import sklearn.linear_model  # noqa: F401 - what unpickling imports anyway

    with open(os.path.join(opts["out"], "model.pkl"), "rb") as handle:
        pickle.load(handle)
    emit(seconds=perf_counter() - t0)

elif opts["op"] == "predict":
    if ours:
        import jupyter_mltrack.pyfunc as pyfunc
    else:
        import mlflow.pyfunc as pyfunc
    loaded = pyfunc.load_model(opts["out"])
    bare = loaded.get_raw_model()
    X, _ = iris()
    row = X.iloc[:1]
    check((loaded.predict(row) == bare.predict(row)).all(), "same prediction")

    def per_call(fn, n):  # type: ignore[no-untyped-def]
        t0 = perf_counter()
        for _ in range(n):
            fn(row)
        return (perf_counter() - t0) / n

    n = opts["repeats"]
    for fn in (bare.predict, loaded.predict):  # warm-up
        per_call(fn, 50)
    samples: dict[str, list[float]] = {"bare": [], "pyfunc": []}
    for _ in range(7):  # interleaved, so load on the machine hits both alike
        samples["bare"].append(per_call(bare.predict, n))
        samples["pyfunc"].append(per_call(loaded.predict, n))
    best = {k: min(v) for k, v in samples.items()}
    emit(bare_us=best["bare"] * 1e6, pyfunc_us=best["pyfunc"] * 1e6, overhead_us=(best["pyfunc"] - best["bare"]) * 1e6)
else:
    raise SystemExit(f"unknown --op {opts['op']!r}")
