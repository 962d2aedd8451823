"""Batch scoring: chunked files in every format give the model's own predictions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_mltrack.serving import BatchScoringError, predict_batch


@pytest.fixture(scope="module")
def data(iris: Any) -> pd.DataFrame:
    return pd.concat([iris[0]] * 7, ignore_index=True)  # 1,050 rows: several chunks of 100


def expected(model_dir: Path, frame: pd.DataFrame) -> list[int]:
    import jupyter_mltrack.pyfunc as pyfunc

    return [int(v) for v in pyfunc.load_model(str(model_dir / "iris")).predict(frame)]


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_json(path, lines=True)


@pytest.mark.parametrize("source", ["parquet", "csv", "jsonl"])
@pytest.mark.parametrize("target", ["parquet", "csv", "jsonl"])
def test_every_format_in_and_out(tmp_path: Path, model_dir: Path, data: pd.DataFrame, source: str,
                                 target: str) -> None:
    infile, outfile = tmp_path / f"in.{source}", tmp_path / f"out.{target}"
    if source == "parquet":
        data.to_parquet(infile)
    elif source == "csv":
        data.to_csv(infile, index=False)
    else:
        data.to_json(infile, orient="records", lines=True)
    assert predict_batch(str(model_dir / "iris"), infile, outfile, batch_size=100, progress=False) == len(data)
    assert read(outfile)["prediction"].tolist() == expected(model_dir, data)


def test_schema_errors_name_the_row_range(tmp_path: Path, model_dir: Path, data: pd.DataFrame) -> None:
    bad = data.astype({"petal width (cm)": object})
    bad.loc[250, "petal width (cm)"] = "oops"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(BatchScoringError, match=r"Rows 200-299 .*petal width \(cm\)"):
        predict_batch(str(model_dir / "iris"), tmp_path / "bad.csv", tmp_path / "out.csv", batch_size=100,
                      progress=False)


def test_mltrack_predict_command(tmp_path: Path, model_dir: Path, data: pd.DataFrame) -> None:
    data.to_parquet(tmp_path / "in.parquet")
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_mltrack.cli", "predict", str(model_dir / "iris"), "-i",
         str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"), "--batch-size", "300"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Scored 1050 rows" in done.stderr
    assert pd.read_parquet(tmp_path / "out.parquet")["prediction"].tolist() == expected(model_dir, data)


def test_serve_in_process_without_blocking(model_dir: Path, iris: Any) -> None:
    import requests

    import jupyter_mltrack.serving as serving

    with serving.serve(str(model_dir / "iris"), port=0, block=False) as server:  # type: ignore[union-attr]
        assert server.url.startswith("http://127.0.0.1:")
        body = {"dataframe_split": iris[0].head(20).to_dict(orient="split")}
        assert requests.post(server.url + "/invocations", json=body).json()["predictions"] == expected(
            model_dir, iris[0].head(20))
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/ping", timeout=2)
