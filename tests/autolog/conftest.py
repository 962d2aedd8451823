"""Autolog tests: real frameworks on scikit-learn's bundled datasets, each test with autolog off
at the start and the end (whatever it switched on is switched off and the originals restored)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import AutologWarning, autolog


@pytest.fixture(autouse=True)
def autolog_off() -> Iterator[None]:
    from jupyter_mltrack.autolog import _runs

    autolog(disable=True)
    _runs._used_runs.clear()
    yield
    autolog(disable=True)
    _runs._used_runs.clear()


@pytest.fixture
def iris() -> tuple[Any, Any, Any, Any]:
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    X, y = load_iris(return_X_y=True)
    return tuple(train_test_split(X, y, random_state=0, stratify=y))  # type: ignore[return-value]


@pytest.fixture
def cancer() -> tuple[Any, Any, Any, Any]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(X, y, random_state=0, stratify=y))  # type: ignore[return-value]


@pytest.fixture
def diabetes() -> tuple[Any, Any, Any, Any]:
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    return tuple(train_test_split(X, y, random_state=0))  # type: ignore[return-value]


def all_runs() -> list[Any]:
    """Every run of the test's store (all experiments), oldest first."""
    runs = mlt.search_runs(search_all_experiments=True, output_format="list", order_by=["attributes.start_time ASC"])
    return [mlt.get_run(r.info.run_id) for r in runs]


def only_run() -> Any:
    runs = all_runs()
    assert len(runs) == 1, [r.info.run_name for r in runs]
    return runs[0]


def artifact_paths(run_id: str, path: str | None = None) -> list[str]:
    return sorted(f.path for f in mlt.Client().list_artifacts(run_id, path))


def read_artifact(run_id: str, path: str, tmp: Any) -> str:
    from pathlib import Path

    return Path(mlt.Client().download_artifacts(run_id, path, tmp)).read_text()


class Recorded:
    def __init__(self, caught: list[warnings.WarningMessage]) -> None:
        self.caught = caught

    @property
    def autolog(self) -> list[warnings.WarningMessage]:
        return [w for w in self.caught if issubclass(w.category, AutologWarning)]


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    """Every warning raised during the test (autolog's ones: ``recorded.autolog``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield Recorded(caught)
