"""MLflow's scoring protocol against a real server process: every format, every error body."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families


@pytest.fixture(scope="module")
def url(start_server: Any, model_dir: Any) -> str:
    return str(start_server(str(model_dir / "iris")))


@pytest.fixture(scope="module")
def expected(model_dir: Any, iris: Any) -> list[int]:
    import jupyter_mltrack.pyfunc as pyfunc

    X, _ = iris
    return [int(v) for v in pyfunc.load_model(str(model_dir / "iris")).predict(X.head(20))]


def post(url: str, body: Any, content_type: str = "application/json", path: str = "/invocations") -> requests.Response:
    data = json.dumps(body) if content_type == "application/json" and not isinstance(body, (bytes, str)) else body
    return requests.post(url + path, data=data, headers={"Content-Type": content_type}, timeout=30)


def test_every_input_format_gives_the_models_own_predictions(url: str, iris: Any, expected: list[int]) -> None:
    X = iris[0].head(20)
    parquet = io.BytesIO()
    X.to_parquet(parquet)
    cases = [
        ({"dataframe_split": X.to_dict(orient="split")}, "application/json"),
        ({"dataframe_records": X.to_dict(orient="records")}, "application/json"),
        ({"instances": X.to_dict(orient="records")}, "application/json"),
        ({"instances": X.to_numpy().tolist()}, "application/json"),
        ({"inputs": X.to_dict(orient="list")}, "application/json"),
        ({"inputs": X.to_dict(orient="records")}, "application/json"),
        (X.to_csv(index=False), "text/csv"),
        (X.to_csv(index=False), "text/csv; charset=utf-8"),
        (parquet.getvalue(), "application/x-parquet"),
        (parquet.getvalue(), "application/vnd.apache.parquet"),
    ]
    for body, content_type in cases:
        response = post(url, body, content_type)
        assert response.status_code == 200, (content_type, response.text)
        assert response.json() == {"predictions": expected}, content_type
        assert response.headers["X-Mltrack-Model"] == "default"


def test_params_are_accepted(url: str, iris: Any, expected: list[int]) -> None:
    body = {"dataframe_split": iris[0].head(20).to_dict(orient="split"), "params": {}}
    assert post(url, body).json() == {"predictions": expected}


def test_ping_health_version(url: str) -> None:
    import jupyter_mltrack

    assert requests.get(url + "/ping").status_code == 200
    health = requests.get(url + "/health").json()
    assert health["status"] == "ok" and health["models"][0]["name"] == "default"
    assert requests.get(url + "/version").text == jupyter_mltrack.__version__


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "valid JSON"),
        ([1, 2], "exactly one of the input fields"),
        ({"dataframe_split": {"data": [[1, 2, 3, 4]]}, "inputs": [[1, 2, 3, 4]]}, "exactly one of the input fields"),
        ({"columns": ["a"], "data": [[1]]}, "exactly one of the input fields"),
        ({"dataframe_split": [[1, 2]]}, "Dataframe split format"),
        ({"dataframe_records": {"a": 1}}, "list of records"),
    ],
)
def test_malformed_requests_get_mlflows_error_body(url: str, body: Any, fragment: str) -> None:
    response = post(url, body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert fragment in response.json()["message"]
    assert "Traceback" not in response.text


def test_schema_errors_name_the_fields_and_echo_at_most_1kb(url: str, iris: Any) -> None:
    X = iris[0].head(2).drop(columns=["petal width (cm)"])
    response = post(url, {"dataframe_split": X.to_dict(orient="split")})
    assert response.status_code == 400
    message = response.json()["message"]
    assert "petal width (cm)" in message and "missing" in message
    big = pd.DataFrame({"unknown": ["x" * 100] * 500})
    response = post(url, {"dataframe_records": big.to_dict(orient="records")})
    assert response.status_code == 400
    message = response.json()["message"]
    assert "sepal length (cm)" in message
    assert len(message) < 3000 and "more characters" in message


def test_wrong_column_type_names_the_column(url: str, iris: Any) -> None:
    X = iris[0].head(2).astype({"sepal length (cm)": str})
    response = post(url, {"dataframe_split": X.to_dict(orient="split")})
    assert response.status_code == 400
    assert "sepal length (cm)" in response.json()["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/json; format=pandas-split",
                                          "text/csv; charset=latin-1"])
def test_unsupported_content_types_get_415_with_a_json_body(url: str, content_type: str) -> None:
    response = post(url, "a,b\n1,2\n", content_type)
    assert response.status_code == 415
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error_code"] == "BAD_REQUEST"


def test_bad_csv_and_parquet_are_400(url: str) -> None:
    assert post(url, b"\x00\x01not parquet", "application/x-parquet").status_code == 400
    assert post(url, b"\xff\xfe", "text/csv").status_code == 400


def test_unknown_routes_and_methods(url: str) -> None:
    response = requests.get(url + "/nope")
    assert response.status_code == 404 and response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert requests.get(url + "/invocations").status_code == 405
    assert post(url, {"inputs": [[1, 2, 3, 4]]}, path="/models/ghost/invocations").status_code == 404


def test_no_cors_unless_asked(url: str) -> None:
    response = requests.get(url + "/ping", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_metrics_parse_and_count(url: str, iris: Any) -> None:
    post(url, {"dataframe_split": iris[0].head(1).to_dict(orient="split")})
    post(url, "x", "text/plain")
    families = {f.name: f for f in text_string_to_metric_families(requests.get(url + "/metrics").text)}
    requests_total = {(s.labels["route"], s.labels["code"]): s.value for s in families["mltrack_requests"].samples}
    assert requests_total[("/invocations", "200")] >= 1
    assert requests_total[("/invocations", "415")] >= 1
    errors = {s.labels["error_code"]: s.value for s in families["mltrack_errors"].samples}
    assert errors["BAD_REQUEST"] >= 1
    buckets = [s for s in families["mltrack_request_duration_seconds"].samples if s.name.endswith("_bucket")]
    assert any(s.labels["le"] == "+Inf" and s.value >= 1 for s in buckets)
    assert families["mltrack_in_flight_requests"].samples[0].value >= 0
    info = families["mltrack_model_info"].samples[0]
    assert info.labels["model"] == "default" and info.labels["version"]
    assert np.isfinite(sum(s.value for s in families["mltrack_predictions"].samples))
