"""The artifact contract against a real S3 API (moto's server on loopback), plus S3 specifics."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jupyter_mltrack.entities import FileInfo
from jupyter_mltrack.errors import ArtifactPathError, ResourceNotFoundError
from jupyter_mltrack.store.artifacts import ArtifactRepository, get_repository
from jupyter_mltrack.store.artifacts.fsspec_repo import FsspecArtifactRepository
from tests.store.s3_server import (
    bucket_objects,
    create_bucket,
    moto_s3_server,
    put_object,
    s3_client,
)
from tests.store.test_artifacts import REPO_ROOT, ArtifactRepositoryContract

pytestmark = pytest.mark.slow  # a real S3 server (and subprocesses)

CLOSED_PORT_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing answers S3 there


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, and nothing from the machine's own AWS setup."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MLTRACK_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bucket(s3_endpoint: str, aws_env: None) -> str:
    return create_bucket(s3_endpoint)


class TestS3ArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, s3_endpoint: str, bucket: str) -> ArtifactRepository:
        return get_repository(f"s3://{bucket}/experiments/1/root", s3_endpoint_url=s3_endpoint)

    @pytest.fixture
    def plant_outside(self, s3_endpoint: str, bucket: str) -> Callable[[str, bytes], None]:
        def plant(name: str, data: bytes) -> None:
            put_object(s3_endpoint, bucket, f"experiments/1/{name}", data)

        return plant

    @pytest.fixture
    def snapshot(self, s3_endpoint: str, bucket: str, tmp_path: Path) -> Callable[[], dict[str, bytes]]:
        def everything() -> dict[str, bytes]:
            local = {
                f"local:{p.relative_to(tmp_path).as_posix()}": p.read_bytes()
                for p in tmp_path.rglob("*")
                if p.is_file()
            }
            return {**bucket_objects(s3_endpoint, bucket), **local}

        return everything


class TestS3Specifics:
    def test_get_repository_uses_fsspec_for_s3(self, s3_endpoint: str, bucket: str) -> None:
        repo = get_repository(f"s3://{bucket}/x", s3_endpoint_url=s3_endpoint)
        assert isinstance(repo, FsspecArtifactRepository)
        assert repo.root_uri == f"s3://{bucket}/x"

    def test_objects_land_under_the_prefix(self, s3_endpoint: str, bucket: str) -> None:
        repo = get_repository(f"s3://{bucket}/exp/run/artifacts/", s3_endpoint_url=s3_endpoint)
        repo.write_bytes("model/MLmodel", b"flavors: {}")
        assert bucket_objects(s3_endpoint, bucket) == {"exp/run/artifacts/model/MLmodel": b"flavors: {}"}

    @pytest.mark.parametrize("variable", ["MLTRACK_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL"])
    def test_endpoint_from_the_environment(
        self, s3_endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch, variable: str
    ) -> None:
        monkeypatch.setenv(variable, s3_endpoint)
        repo = get_repository(f"s3://{bucket}/env")
        repo.write_bytes("a.txt", b"via env")
        assert bucket_objects(s3_endpoint, bucket) == {"env/a.txt": b"via env"}

    def test_endpoint_precedence(self, s3_endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", CLOSED_PORT_ENDPOINT)
        monkeypatch.setenv("MLTRACK_S3_ENDPOINT_URL", s3_endpoint)
        get_repository(f"s3://{bucket}/p").write_bytes("mltrack-env.txt", b"1")
        monkeypatch.setenv("MLTRACK_S3_ENDPOINT_URL", CLOSED_PORT_ENDPOINT)
        get_repository(f"s3://{bucket}/p", s3_endpoint_url=s3_endpoint).write_bytes("arg.txt", b"2")
        assert set(bucket_objects(s3_endpoint, bucket)) == {"p/mltrack-env.txt", "p/arg.txt"}

    def test_writes_by_other_clients_are_seen(self, s3_endpoint: str, bucket: str) -> None:
        repo = get_repository(f"s3://{bucket}/shared", s3_endpoint_url=s3_endpoint)
        repo.write_bytes("d/mine.txt", b"1")
        assert [f.path for f in repo.list_artifacts("d")] == ["d/mine.txt"]
        put_object(s3_endpoint, bucket, "shared/d/theirs.txt", b"22")  # another kernel/machine
        assert repo.list_artifacts("d") == [
            FileInfo("d/mine.txt", False, 1),
            FileInfo("d/theirs.txt", False, 2),
        ]
        assert repo.exists("d/theirs.txt")
        s3_client(s3_endpoint).delete_object(Bucket=bucket, Key="shared/d/mine.txt")
        assert not repo.exists("d/mine.txt")

    def test_download_refuses_traversal_in_keys_stored_by_others(
        self, s3_endpoint: str, bucket: str, tmp_path: Path
    ) -> None:
        repo = get_repository(f"s3://{bucket}/root", s3_endpoint_url=s3_endpoint)
        repo.write_bytes("d/ok.txt", b"ok")
        put_object(s3_endpoint, bucket, "root/d/../../../../escaped.txt", b"evil")
        assert "root/d/../../../../escaped.txt" in bucket_objects(s3_endpoint, bucket)
        with pytest.raises(ArtifactPathError, match="parent directory"):
            repo.download_artifacts("d", tmp_path / "dst")
        assert not list(tmp_path.rglob("escaped.txt"))
        assert not (tmp_path / "dst" / "d" / "ok.txt").exists()  # checked before any download

    def test_a_folder_marker_object_does_not_list_itself(self, s3_endpoint: str, bucket: str) -> None:
        put_object(s3_endpoint, bucket, "root/folder/", b"")  # what the AWS console creates
        put_object(s3_endpoint, bucket, "root/folder/x.txt", b"x")
        repo = get_repository(f"s3://{bucket}/root", s3_endpoint_url=s3_endpoint)
        assert repo.list_artifacts() == [FileInfo("folder", True, None)]
        assert repo.list_artifacts("folder") == [FileInfo("folder/x.txt", False, 1)]

    def test_delete_everything_at_a_bucket_root_keeps_the_bucket(self, s3_endpoint: str, bucket: str) -> None:
        repo = get_repository(f"s3://{bucket}", s3_endpoint_url=s3_endpoint)
        repo.write_bytes("a/b.txt", b"b")
        repo.write_bytes("c.txt", b"c")
        repo.delete_artifacts()
        assert bucket_objects(s3_endpoint, bucket) == {}
        s3_client(s3_endpoint).head_bucket(Bucket=bucket)  # raises if the bucket was removed
        repo.write_bytes("again.txt", b"ok")
        assert repo.read_bytes("again.txt") == b"ok"

    def test_writing_to_a_missing_bucket_does_not_create_it(self, s3_endpoint: str, aws_env: None) -> None:
        repo = get_repository("s3://mltrack-no-such-bucket/x", s3_endpoint_url=s3_endpoint)
        with pytest.raises(ResourceNotFoundError, match="bucket does not exist"):
            repo.write_bytes("a.txt", b"x")
        buckets = s3_client(s3_endpoint).list_buckets()["Buckets"]
        assert "mltrack-no-such-bucket" not in {b["Name"] for b in buckets}
        assert repo.list_artifacts() == []
        assert not repo.exists("a.txt")


@pytest.mark.parametrize(
    ("blocked", "package"),
    [("s3fs", "s3fs"), ("fsspec", "fsspec")],
)
def test_missing_packages_name_the_extra(blocked: str, package: str) -> None:
    """With the package unimportable (as when not installed), the error says what to install."""
    code = (
        "import sys\n"
        f"sys.modules[{blocked!r}] = None\n"
        "from jupyter_mltrack.errors import MissingDependencyError\n"
        "from jupyter_mltrack.store.artifacts import get_repository\n"
        "try:\n"
        "    get_repository('s3://bucket/prefix')\n"
        "except MissingDependencyError as error:\n"
        "    print(error.package, '|', error.message)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    name, message = done.stdout.strip().split(" | ", 1)
    assert name == package
    assert "pip install 'jupyter-mltrack[s3]'" in message
    assert "s3://bucket/prefix" in message
