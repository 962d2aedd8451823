"""Several models in one server, an A/B split between two versions, and --workers processes."""

from __future__ import annotations

import collections
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families


def test_named_models_answer_at_their_own_routes(start_server: Any, model_dir: Any, iris: Any) -> None:
    import jupyter_mltrack.pyfunc as pyfunc

    url = start_server("--model", f"logreg={model_dir / 'iris'}", "--model", f"tree={model_dir / 'tree'}")
    X = iris[0].iloc[::7]
    body = {"dataframe_split": X.to_dict(orient="split")}
    for name, folder in (("logreg", "iris"), ("tree", "tree")):
        response = requests.post(f"{url}/models/{name}/invocations", json=body, timeout=10)
        assert response.status_code == 200 and response.headers["X-Mltrack-Model"] == name
        expected = pyfunc.load_model(str(model_dir / folder)).predict(X).tolist()
        assert response.json()["predictions"] == expected
    ambiguous = requests.post(url + "/invocations", json=body, timeout=10)
    assert ambiguous.status_code == 404 and "/models/<name>/invocations" in ambiguous.json()["message"]


def test_split_sends_traffic_by_weight_and_reports_it(start_server: Any, model_dir: Any, iris: Any) -> None:
    url = start_server("--model", f"champion={model_dir / 'iris'}", "--model", f"challenger={model_dir / 'tree'}",
                       "--split", "champion=80,challenger=20")
    body = {"dataframe_split": iris[0].head(1).to_dict(orient="split")}
    seen: collections.Counter[str] = collections.Counter()
    with requests.Session() as session:
        for _ in range(1000):
            response = session.post(url + "/invocations", json=body, timeout=10)
            assert response.status_code == 200
            seen[response.headers["X-Mltrack-Model"]] += 1
            assert response.headers["X-Mltrack-Model-Version"]
    assert 0.75 <= seen["champion"] / 1000 <= 0.85, seen  # 80 % +- 5 points: > 3.9 standard deviations
    metrics = requests.get(url + "/metrics").text
    answered = {s.labels["model"]: s.value for f in text_string_to_metric_families(metrics)
                if f.name == "mltrack_predictions" for s in f.samples}
    assert answered == {"champion": seen["champion"], "challenger": seen["challenger"]}


def test_split_names_must_be_served_models(model_dir: Any) -> None:
    import pytest

    from jupyter_mltrack.serving.api import build_config

    with pytest.raises(ValueError, match="not served models"):
        build_config(models={"a": str(model_dir / "iris")}, split="a=50,b=50")


def test_workers_share_the_port(start_server: Any, model_dir: Any) -> None:
    url = start_server(str(model_dir / "iris"), "--workers", "2")
    pids = set()
    for _ in range(2000):
        response = requests.get(url + "/health", headers={"Connection": "close"}, timeout=10)
        if response.status_code == 200:  # 503 from a worker still loading its model
            pids.add(response.json()["pid"])
        if len(pids) == 2:
            break
    assert len(pids) == 2
