"""The artifact contract on fsspec's in-memory file system: the generic (non-S3) fsspec path."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import fsspec
import pytest

from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.store.artifacts import ArtifactRepository, get_repository
from tests.store.test_artifacts import ArtifactRepositoryContract


@pytest.fixture
def space() -> Iterator[str]:
    """A private top folder in the process-wide memory file system, removed afterwards."""
    top = f"/mltrack-test-{uuid.uuid4().hex}"
    yield top
    memory = fsspec.filesystem("memory")
    if memory.exists(top):
        memory.rm(top, recursive=True)


class TestMemoryArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, space: str) -> ArtifactRepository:
        return get_repository(f"memory://{space}/experiments/root")

    @pytest.fixture
    def plant_outside(self, space: str) -> Callable[[str, bytes], None]:
        def plant(name: str, data: bytes) -> None:
            fsspec.filesystem("memory").pipe_file(f"{space}/experiments/{name}", data)

        return plant

    @pytest.fixture
    def snapshot(self, space: str, tmp_path: Path) -> Callable[[], dict[str, bytes]]:
        def everything() -> dict[str, bytes]:
            memory = fsspec.filesystem("memory")
            # The whole memory file system, not just our space: an escape could land anywhere.
            stored = {name: memory.cat_file(name) for name in memory.find("/")}
            local = {
                f"local:{p.relative_to(tmp_path).as_posix()}": p.read_bytes()
                for p in tmp_path.rglob("*")
                if p.is_file()
            }
            return {**stored, **local}

        return everything


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(InvalidParameterError, match="not usable: Protocol not known"):
        get_repository("nosuchscheme://bucket/x")
