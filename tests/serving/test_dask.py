"""Dask scoring on a real LocalCluster: equal to local scoring, one model load per worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


def local(model_dir: Path, frame: pd.DataFrame) -> list[int]:
    import jupyter_mltrack.pyfunc as pyfunc

    return [int(v) for v in pyfunc.load_model(str(model_dir / "iris")).predict(frame)]


@pytest.mark.parametrize("processes", [False, True])
def test_partitions_scored_on_workers_equal_local(model_dir: Path, iris: Any, processes: bool) -> None:
    import jupyter_mltrack.dask as mltrack_dask

    frame = pd.concat([iris[0]] * 4, ignore_index=True)
    ddf = dd.from_pandas(frame, npartitions=12)
    with distributed.LocalCluster(n_workers=3, threads_per_worker=2, processes=processes,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        result = mltrack_dask.predict(str(model_dir / "iris"), ddf).compute()
        result_again = mltrack_dask.predict(str(model_dir / "iris"), ddf).compute()
        counts = client.run(mltrack_dask.load_counts)
    assert result.tolist() == local(model_dir, frame)
    assert result.index.tolist() == frame.index.tolist()
    assert result_again.tolist() == result.tolist()
    if processes:  # each worker process loaded the model at most once, over 24 partitions
        assert all(sum(c.values()) <= 1 for c in counts.values()), counts
        assert sum(sum(c.values()) for c in counts.values()) >= 2
