"""Micro-batching: requests that wait together are scored by one predict, with the answers (and the
errors) each would get alone."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from jupyter_mltrack.serving.protocol import predictions_json
from jupyter_mltrack.serving.rows import batch_invariant, parse_rows


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """While this file is missing, the gated model's predict waits: requests pile up behind it."""
    path = tmp_path_factory.mktemp("gate") / "open"
    path.touch()
    return path


@pytest.fixture(scope="module")
def gated_model(tmp_path_factory: pytest.TempPathFactory, iris: Any, gate: Path) -> Path:
    """A scikit-learn pipeline (so it is batched) whose first step waits for the gate."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from jupyter_mltrack.models import save_model

    where = str(gate)

    def wait_for_gate(frame: Any) -> Any:  # pickled by value (a local function), with its path
        import os
        import time

        while not os.path.exists(where):
            time.sleep(0.01)
        return frame

    X, y = iris
    pipeline = make_pipeline(FunctionTransformer(wait_for_gate), LogisticRegression(max_iter=300)).fit(X, y)
    folder = tmp_path_factory.mktemp("gated") / "model"
    save_model(pipeline, folder, input_example=X.head(3))
    return folder


def metric(url: str, name: str) -> float:
    """The sum of a metric's samples on ``/metrics``, parsed with prometheus_client."""
    text = requests.get(url + "/metrics", timeout=10).text
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


def test_waiting_requests_share_one_predict_and_keep_their_own_answers(start_server: Any, gated_model: Path,
                                                                        gate: Path, iris: Any) -> None:
    import jupyter_mltrack.pyfunc as pyfunc

    url = start_server(str(gated_model))
    X = iris[0]
    columns = list(X.columns)
    floats = [X.iloc[[i]] for i in (0, 55, 110)] + [X.iloc[[20, 70, 140]]]  # three rows, then a request of three
    bodies = [{"dataframe_split": f.to_dict(orient="split")} for f in floats]
    bodies.append({"dataframe_records": [dict(zip(columns, [0, 1, 1, 0], strict=True))]})  # ints 0/1: allowed
    bodies.append({"dataframe_split": {"columns": columns, "data": [[5, 3, 1, 0]]}})  # int 5 -> double: refused
    answers: dict[int, requests.Response] = {}

    def post(index: int, body: Any) -> None:
        answers[index] = requests.post(url + "/invocations", json=body, timeout=60)

    gate.unlink()
    first = threading.Thread(target=post, args=(-1, {"dataframe_split": X.iloc[[1]].to_dict(orient="split")}))
    first.start()
    try:
        deadline = time.monotonic() + 30
        while metric(url, "mltrack_in_flight_requests") < 2:  # the first is held at the gate (+1: this scrape)
            assert time.monotonic() < deadline
            time.sleep(0.02)
        threads = [threading.Thread(target=post, args=(i, body)) for i, body in enumerate(bodies)]
        for thread in threads:
            thread.start()
        while metric(url, "mltrack_in_flight_requests") < 2 + len(bodies):  # all queued behind it
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        gate.touch()
    for thread in [first, *threads]:
        thread.join(60)

    model = pyfunc.load_model(str(gated_model))
    for index, frame in enumerate(floats):
        assert answers[index].status_code == 200, answers[index].text
        assert answers[index].json() == {"predictions": model.predict(frame).tolist()}
    assert answers[4].status_code == 200, answers[4].text
    assert answers[4].json() == {"predictions": model.predict(pd.DataFrame([[0, 1, 1, 0]], columns=columns)).tolist()}
    assert answers[5].status_code == 400 and answers[5].json()["error_code"] == "BAD_REQUEST"
    assert "sepal length (cm)" in answers[5].json()["message"]  # its own schema error, naming the column
    for index, body in enumerate(bodies):  # one at a time, the server answers exactly the same
        again = requests.post(url + "/invocations", json=body, timeout=30)
        assert (again.status_code, again.content) == (answers[index].status_code, answers[index].content)

    # The four float requests shared one predict; the two int requests were tried together, failed
    # on the 5, and were scored one by one, so they are not counted as batched.
    assert metric(url, "mltrack_batches_total") == 1
    assert metric(url, "mltrack_batched_requests_total") == 4
    assert metric(url, "mltrack_predictions_total") == 1 + 5 + 5  # the first, then five of six twice


def test_only_plain_homogeneous_tables_join_a_batch(iris: Any) -> None:
    X = iris[0].head(2)
    split = X.to_dict(orient="split")  # with "index", as pandas writes it
    rows = parse_rows(json.dumps({"dataframe_split": split}).encode(), 256)
    assert rows is not None and rows.columns == tuple(X.columns) and rows.kinds == (float,) * 4
    records = parse_rows(json.dumps({"dataframe_records": X.to_dict(orient="records")}).encode(), 256)
    assert records is not None and records.key == rows.key and records.data == rows.data
    refused = [
        {"dataframe_split": split, "params": {"a": 1}},  # params: scored alone
        {"instances": X.to_numpy().tolist()},
        {"dataframe_split": {**split, "data": [[1.0, 2.0, 3.0, 4.0], [1, 2.0, 3.0, 4.0]]}},  # int then float
        {"dataframe_split": {**split, "data": [[1.0, None, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]}},
        {"dataframe_split": {**split, "index": [0]}},  # index of the wrong length: pandas' own error
        {"dataframe_records": [{"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0}]},  # keys in another order
    ]
    for body in refused:
        assert parse_rows(json.dumps(body).encode(), 256) is None, body
    assert parse_rows(json.dumps({"dataframe_split": split}).encode(), 1) is None  # more rows than a batch takes
    assert parse_rows(b"{not json", 256) is None


def test_only_models_that_answer_alike_alone_and_together_are_batched(iris: Any, tmp_path: Path) -> None:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LinearRegression

    import jupyter_mltrack.pyfunc as pyfunc
    from jupyter_mltrack.models import save_model

    X, y = iris
    target = X["petal width (cm)"] * 1.7 + y
    folder = tmp_path
    for name, model, expected in (("forest", RandomForestRegressor(n_estimators=5, random_state=0), True),
                                  ("linear", LinearRegression(), False)):
        save_model(model.fit(X, target), folder / name, input_example=X.head(3))
        loaded = pyfunc.load_model(str(folder / name))
        # a linear model's matrix product differs in the last bit between one row and many
        assert batch_invariant(loaded, X.head(3), predictions_json) is expected, name


def test_no_batching_scores_waiting_requests_one_by_one(start_server: Any, gated_model: Path, gate: Path,
                                                        iris: Any) -> None:
    """``mltrack serve --no-batching``: the same queue as above, but every request gets its own predict."""
    url = start_server(str(gated_model), "--no-batching")
    X = iris[0]
    bodies = [{"dataframe_split": X.iloc[[i]].to_dict(orient="split")} for i in (1, 0, 55, 110)]
    answers: dict[int, requests.Response] = {}

    def post(index: int) -> None:
        answers[index] = requests.post(url + "/invocations", json=bodies[index], timeout=60)

    gate.unlink()
    threads = [threading.Thread(target=post, args=(0,))]
    threads[0].start()
    try:
        deadline = time.monotonic() + 30
        while metric(url, "mltrack_in_flight_requests") < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        threads += [threading.Thread(target=post, args=(i,)) for i in (1, 2, 3)]
        for thread in threads[1:]:
            thread.start()
        while metric(url, "mltrack_in_flight_requests") < 5:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        gate.touch()
    for thread in threads:
        thread.join(60)
    assert all(answers[i].status_code == 200 for i in range(4)), answers
    assert metric(url, "mltrack_batches_total") == 0
    assert metric(url, "mltrack_predictions_total") == 4
