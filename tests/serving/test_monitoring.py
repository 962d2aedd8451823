"""Sampled request log -> drift report: drift found on shifted inputs, not on the same distribution."""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from jupyter_mltrack.monitoring import add_alert_hook, drift_report, profile_data, remove_alert_hook


@pytest.fixture(scope="module")
def training(iris: Any) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = iris[0]
    return X.sample(3000, replace=True, random_state=1).reset_index(drop=True) + rng.normal(0, 0.05, (3000, 4))


@pytest.fixture(scope="module")
def profiled_model(model_dir: Path, training: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The iris model saved with its training data, so the profile is part of the model (and of its
    integrity manifest: rewriting profile.json afterwards would make the model refuse to load)."""
    from jupyter_mltrack.models import load_model, save_model

    folder = tmp_path_factory.mktemp("profiled") / "iris"
    save_model(load_model(str(model_dir / "iris")), folder, training_data=training)
    return folder


def send(url: str, frame: pd.DataFrame) -> None:
    with requests.Session() as session:
        for start in range(0, len(frame), 50):
            body = {"dataframe_split": frame.iloc[start : start + 50].to_dict(orient="split")}
            assert session.post(url + "/invocations", json=body, timeout=10).status_code == 200


def served_log(start_server: Any, model: Path, log_dir: Path, frame: pd.DataFrame) -> str:
    url = start_server(str(model), "--log-dir", str(log_dir), "--sample-rate", "1")
    send(url, frame)
    start_server.procs[-1].terminate()  # flushes the buffered rows on shutdown
    start_server.procs[-1].wait(10)
    return str(url)


def test_profile_describes_features(training: pd.DataFrame) -> None:
    frame = training.assign(color=["red", "blue", None] * 1000)
    profile = profile_data(frame)
    assert profile["rows"] == 3000
    assert len(profile["features"]["sepal length (cm)"]["quantiles"]) == 101
    assert abs(sum(profile["features"]["petal width (cm)"]["fractions"]) - 1) < 1e-9
    color = profile["features"]["color"]
    assert color["kind"] == "categorical" and abs(color["missing_rate"] - 1 / 3) < 1e-9
    assert set(color["frequencies"]) == {"red", "blue"}


def test_same_distribution_is_not_flagged(start_server: Any, profiled_model: Path, training: pd.DataFrame,
                                          tmp_path: Path, isolated_home: Path) -> None:
    served = training.sample(1000, random_state=7).reset_index(drop=True)
    served_log(start_server, profiled_model, tmp_path / "log", served)
    assert list((tmp_path / "log").glob("requests-*.parquet"))
    report = drift_report(str(profiled_model), tmp_path / "log")
    assert not report["drifted"].any(), report
    assert set(report["feature"]) == set(training.columns)


def test_shifted_inputs_are_flagged_logged_alerted_and_exported(
    start_server: Any, profiled_model: Path, training: pd.DataFrame, tmp_path: Path, isolated_home: Path
) -> None:
    import jupyter_mltrack as mlt

    shifted = training.sample(1000, random_state=3).reset_index(drop=True)
    shifted["petal length (cm)"] += 2.0
    url = start_server(str(profiled_model), "--log-dir", str(tmp_path / "log"), "--sample-rate", "1")
    send(url, shifted)
    time.sleep(0.1)
    received: list[dict[str, Any]] = []
    posted: list[dict[str, Any]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    webhook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=webhook.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{webhook.server_address[1]}/alert"
    add_alert_hook(received.append)
    add_alert_hook(hook_url)
    try:
        start_server.procs[-1].terminate()
        start_server.procs[-1].wait(10)
        report = drift_report(str(profiled_model), tmp_path / "log")
    finally:
        remove_alert_hook(received.append)
        remove_alert_hook(hook_url)
        webhook.shutdown()
    flagged = report.loc[report["drifted"], "feature"].tolist()
    assert flagged == ["petal length (cm)"], report
    assert report.set_index("feature").loc["petal length (cm)", "psi"] > 0.2
    assert received and received[0]["drifted"] == ["petal length (cm)"]
    assert posted and posted[0]["drifted"] == ["petal length (cm)"]
    assert report.figure.data[0].y is not None
    run = mlt.get_run(report.run_id)
    assert run.data.metrics["features_drifted"] == 1.0
    assert mlt.get_experiment(run.info.experiment_id).name == "monitoring"
    # a server on the same log folder exposes the latest scores
    url = start_server(str(profiled_model), "--log-dir", str(tmp_path / "log"))
    families = {f.name: f for f in text_string_to_metric_families(requests.get(url + "/metrics").text)}
    scores = {(s.labels["feature"], s.labels["statistic"]): s.value for s in families["mltrack_drift_score"].samples}
    assert scores[("petal length (cm)", "psi")] > 0.2
    assert families["mltrack_drift_flagged"].samples[0].value == 1


def test_reference_frame_instead_of_a_profile(start_server: Any, model_dir: Path, training: pd.DataFrame,
                                              tmp_path: Path, isolated_home: Path) -> None:
    served = training.sample(600, random_state=11).reset_index(drop=True)
    served["sepal width (cm)"] *= 1.5
    served_log(start_server, model_dir / "iris", tmp_path / "log", served)
    from jupyter_mltrack.models import load_model, save_model

    bare = tmp_path / "no-profile"
    save_model(load_model(str(model_dir / "iris")), bare)  # neither training data nor an input example
    with pytest.raises(Exception, match="no stored profile"):
        drift_report(str(bare), tmp_path / "log", log_run=False)
    report = drift_report(str(model_dir / "iris"), tmp_path / "log", reference=training, log_run=False)
    assert report.loc[report["drifted"], "feature"].tolist() == ["sepal width (cm)"]


def test_save_model_stores_the_training_profile_under_the_integrity_check(
    training: pd.DataFrame, tmp_path: Path
) -> None:
    import json

    from sklearn.linear_model import LogisticRegression

    import jupyter_mltrack as mlt
    from jupyter_mltrack.monitoring import profile_data

    labels = (training.iloc[:, 0] > training.iloc[:, 0].median()).astype(int)
    model = LogisticRegression(max_iter=500).fit(training, labels)
    mlt.save_model(model, tmp_path / "m", training_data=training)
    stored = json.loads((tmp_path / "m" / "profile.json").read_text())
    assert stored == json.loads(json.dumps(profile_data(training)))
    assert "profile.json" in (tmp_path / "m" / "checksums.sha256").read_text()
    mlt.save_model(model, tmp_path / "example-only", input_example=training.iloc[:20])
    assert json.loads((tmp_path / "example-only" / "profile.json").read_text())["rows"] == 20
