"""The traversal corpus against every public API that takes an artifact path.

Each call must raise ArtifactPathError and leave every file outside the run's artifact root as it
was (nothing written, nothing deleted), whichever front function the path came through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.errors import ArtifactPathError
from tests.store.test_artifacts import TRAVERSAL_CORPUS, corpus_path


def _snapshot(top: Path, skip: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and skip not in p.parents and "mltrack.db" not in p.name
    }


CALLS: dict[str, Callable[[mlt.Client, str, str, Path], Any]] = {
    "log_artifact": lambda c, r, p, src: c.log_artifact(r, src / "file.txt", p),
    "log_artifacts": lambda c, r, p, src: c.log_artifacts(r, src, p),
    "log_text": lambda c, r, p, src: c.log_text(r, "pwned", p),
    "log_dict": lambda c, r, p, src: c.log_dict(r, {"a": 1}, p),
    "log_image": lambda c, r, p, src: c.log_image(r, [[0, 255]], p),
    "log_table": lambda c, r, p, src: c.log_table(r, {"a": [1]}, p),
    "log_figure": lambda c, r, p, src: c.log_figure(r, object(), p),
    "list_artifacts": lambda c, r, p, src: c.list_artifacts(r, p),
    "download_artifacts": lambda c, r, p, src: c.download_artifacts(r, p, src / "dl"),
    "get_artifact_uri": lambda c, r, p, src: c.get_artifact_uri(r, p),
}


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [bad for bad in TRAVERSAL_CORPUS if isinstance(bad, str)]


@pytest.mark.parametrize("api", sorted(CALLS))
def test_every_path_api_refuses_the_corpus(api: str, corpus: list[str], tmp_path: Path, isolated_home: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "file.txt").write_text("data")
    (tmp_path / "victim.txt").write_text("keep me")
    with mlt.start_run() as run:
        mlt.log_text("inside", "ok/inside.txt")
    client = mlt.Client()
    root = Path(run.info.artifact_uri)
    before = _snapshot(tmp_path, root)
    refused = 0
    for bad in corpus:
        path = corpus_path(bad, tmp_path / "outside")
        with pytest.raises(ArtifactPathError):
            CALLS[api](client, run.info.run_id, path, src)
        refused += 1
    assert refused == len(corpus) > 40
    assert _snapshot(tmp_path, root) == before
    assert not (tmp_path / "outside").exists()
    assert (root / "ok" / "inside.txt").read_text() == "inside"
