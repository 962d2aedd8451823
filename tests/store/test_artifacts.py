"""Artifact repositories: path validation, the shared behaviour contract, and the local backend.

``ArtifactRepositoryContract`` holds the behaviour every backend must show; each backend's test
class inherits it and provides the fixtures (see test_artifacts_s3.py and test_artifacts_fsspec.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_mltrack.entities import FileInfo
from jupyter_mltrack.errors import (
    ArtifactPathError,
    InvalidParameterError,
    ResourceNotFoundError,
)
from jupyter_mltrack.store.artifacts import (
    ArtifactRepository,
    LocalArtifactRepository,
    get_repository,
    join_uri,
    validate_artifact_path,
)
from jupyter_mltrack.store.artifacts.localfs import atomic_write, walk_tree

REPO_ROOT = Path(__file__).resolve().parents[2]

# "{outside}" is replaced, at test time, by an absolute folder next to the artifact root.
TRAVERSAL_CORPUS = [
    # parent components, anywhere
    "..",
    "../victim.txt",
    "../outside/victim.txt",
    "a/../../victim.txt",
    "a/..",
    "a/../b.txt",
    "./../victim.txt",
    "..//victim.txt",
    "a/b/../../../victim.txt",
    "...",
    ".. /victim.txt",
    # absolute paths
    "/",
    "/etc/passwd",
    "{outside}/pwned.txt",
    "//server/share/pwned.txt",
    "C:\\Windows\\pwned.txt",
    "C:/Windows/pwned.txt",
    "c:pwned.txt",
    "\\\\server\\share\\pwned.txt",
    # backslashes
    "..\\victim.txt",
    "a\\..\\..\\victim.txt",
    "a\\b.txt",
    # NUL and control characters
    "a\x00b.txt",
    "victim.txt\x00.png",
    "a/b\n.txt",
    "tab\there.txt",
    "esc\x1b[31m.txt",
    "del\x7f.txt",
    "nel\x85.txt",
    # URL-encoded traversal, once and several times
    "%2e%2e%2fvictim.txt",
    "%2E%2E/victim.txt",
    "..%2fvictim.txt",
    "..%2Fvictim.txt",
    "a%2Fb.txt",
    "%2fetc%2fpasswd",
    "%5c..%5cvictim.txt",
    "%2e%2e",
    "%252e%252e%252fvictim.txt",
    "..%252fvictim.txt",
    "%25252e%25252e%25252fvictim.txt",
    "%2525252525252e%2525252525252e/victim.txt",
    "%00",
    "a%0a.txt",
    # unicode that normalizes (NFKC) to '../'
    "\uff0e\uff0e/victim.txt",
    "\uff0e\uff0e\uff0fvictim.txt",
    # home expansion
    "~",
    "~/pwned.txt",
    "~root/.ssh/authorized_keys",
    # URL schemes
    "file:///etc/passwd",
    "file:victim.txt",
    "s3://other-bucket/pwned.txt",
    "memory://pwned.txt",
    "http://evil.example/pwned.txt",
]

GOOD_PATHS = [
    (None, ""),
    ("", ""),
    (".", ""),
    ("./", ""),
    ("model.v1/weights.pkl", "model.v1/weights.pkl"),
    ("a..b.txt", "a..b.txt"),
    ("..a/b..", "..a/b.."),
    ("a/./b", "a/b"),
    ("a//b/", "a/b"),
    ("./plots/loss.png", "plots/loss.png"),
    (".hidden/.config", ".hidden/.config"),
    ("100%.txt", "100%.txt"),
    ("a%20b.txt", "a%20b.txt"),
    ("a~b/c~", "a~b/c~"),
    ("data/2024-01-01T00:00:00.csv", "data/2024-01-01T00:00:00.csv"),
    ("ünïcödé/名前.txt", "ünïcödé/名前.txt"),
]


def corpus_path(bad: str, outside: Path) -> str:
    return bad.replace("{outside}", outside.as_posix())


# -- validate_artifact_path and join_uri -------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), GOOD_PATHS)
def test_normal_paths_are_normalized(path: str | None, expected: str) -> None:
    assert validate_artifact_path(path) == expected


@pytest.mark.parametrize("bad", TRAVERSAL_CORPUS)
def test_traversal_corpus_is_refused_with_a_reason(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ArtifactPathError) as caught:
        validate_artifact_path(corpus_path(bad, tmp_path))
    assert caught.value.reason
    assert "is not allowed" in str(caught.value)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_non_string_path_is_refused() -> None:
    with pytest.raises(ArtifactPathError, match="must be a string"):
        validate_artifact_path(Path("a/b"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("../x", "parent directory"),
        ("/x", "absolute"),
        ("C:/x", "drive"),
        ("a\\b", "backslash"),
        ("a\x00", "control characters"),
        ("a%2Fb", "URL-encoded path separator"),
        ("%252e%252e/x", "parent directory"),
        ("~/x", "home"),
        ("s3://b/x", "URL"),
    ],
)
def test_refusal_names_the_reason(bad: str, reason: str) -> None:
    with pytest.raises(ArtifactPathError, match=reason):
        validate_artifact_path(bad)


@pytest.mark.parametrize(
    ("root", "parts", "expected"),
    [
        ("s3://bucket", ("1", "abc/artifacts"), "s3://bucket/1/abc/artifacts"),
        ("s3://bucket/", ("1",), "s3://bucket/1"),
        ("s3://bucket/prefix", ("1", "", "x"), "s3://bucket/prefix/1/x"),
        ("memory://", ("exp",), "memory://exp"),
        ("file:///data/mlruns", ("1", "run"), "file:///data/mlruns/1/run"),
        ("/data/mlruns", ("1", "run/artifacts"), os.path.join("/data/mlruns", "1", "run", "artifacts")),
        ("mlruns", (), "mlruns"),
        ("mlruns", ("./a//b/",), os.path.join("mlruns", "a", "b")),
    ],
)
def test_join_uri(root: str, parts: tuple[str, ...], expected: str) -> None:
    assert join_uri(root, *parts) == expected


@pytest.mark.parametrize("bad", TRAVERSAL_CORPUS)
def test_join_uri_refuses_every_traversal(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ArtifactPathError):
        join_uri("s3://bucket/experiments", "1", corpus_path(bad, tmp_path))


# -- the behaviour every backend shares ----------------------------------------------------------


def make_tree(top: Path, files: dict[str, bytes]) -> Path:
    for relative, data in files.items():
        path = top.joinpath(*relative.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return top


def local_tree(top: Path) -> dict[str, bytes]:
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in top.rglob("*") if p.is_file()}


TREE = {
    "top.txt": b"top",
    "a/one.bin": bytes(range(256)),
    "a/b/c/deep.txt": b"deep",
    "a/b/two.txt": b"two",
    "empty.txt": b"",
}

PATH_TAKING_CALLS: dict[str, Callable[[ArtifactRepository, str, Path], Any]] = {
    "log_artifact": lambda repo, path, src: repo.log_artifact(src / "tree" / "top.txt", path),
    "log_artifacts": lambda repo, path, src: repo.log_artifacts(src / "tree", path),
    "write_bytes": lambda repo, path, src: repo.write_bytes(path, b"pwned"),
    "read_bytes": lambda repo, path, src: repo.read_bytes(path),
    "list_artifacts": lambda repo, path, src: repo.list_artifacts(path),
    "download_artifacts": lambda repo, path, src: repo.download_artifacts(path, src / "dst"),
    "delete_artifacts": lambda repo, path, src: repo.delete_artifacts(path),
    "exists": lambda repo, path, src: repo.exists(path),
}


class ArtifactRepositoryContract:
    """Behaviour every backend shows. Subclasses provide the fixtures below.

    - ``repo``: an empty repository whose root has a parent (a folder, a bucket prefix);
    - ``plant_outside(name, data)``: put a file next to the root, in its parent;
    - ``snapshot()``: every file in the root's surroundings (root, parent, local scratch).
    """

    @pytest.fixture
    def repo(self) -> ArtifactRepository:
        raise NotImplementedError

    @pytest.fixture
    def plant_outside(self) -> Callable[[str, bytes], None]:
        raise NotImplementedError

    @pytest.fixture
    def snapshot(self) -> Callable[[], dict[str, bytes]]:
        raise NotImplementedError

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        """A local scratch folder with a tree to upload and an empty download folder."""
        scratch = tmp_path / "scratch"
        make_tree(scratch / "tree", TREE)
        (scratch / "dst").mkdir()
        return scratch

    # traversal: every path-taking method, the whole corpus

    @pytest.mark.parametrize("method", sorted(PATH_TAKING_CALLS))
    @pytest.mark.parametrize("bad", TRAVERSAL_CORPUS)
    def test_traversal_is_refused_and_nothing_changes(
        self,
        repo: ArtifactRepository,
        plant_outside: Callable[[str, bytes], None],
        snapshot: Callable[[], dict[str, bytes]],
        source: Path,
        tmp_path: Path,
        method: str,
        bad: str,
    ) -> None:
        plant_outside("victim.txt", b"victim")
        plant_outside("outside/victim.txt", b"victim")
        repo.write_bytes("inside.txt", b"inside")
        before = snapshot()
        with pytest.raises(ArtifactPathError):
            PATH_TAKING_CALLS[method](repo, corpus_path(bad, tmp_path / "outside"), source)
        assert snapshot() == before
        assert local_tree(source / "dst") == {}

    # writing and reading

    def test_write_then_read_round_trips(self, repo: ArtifactRepository) -> None:
        repo.write_bytes("plots/deep/loss.bin", bytes(range(256)) * 4)
        assert repo.read_bytes("plots/deep/loss.bin") == bytes(range(256)) * 4
        assert repo.read_bytes("./plots//deep/loss.bin") == bytes(range(256)) * 4

    def test_empty_file_round_trips(self, repo: ArtifactRepository) -> None:
        repo.write_bytes("empty.txt", b"")
        assert repo.read_bytes("empty.txt") == b""
        assert repo.list_artifacts() == [FileInfo("empty.txt", False, 0)]

    def test_overwrite_replaces_content(self, repo: ArtifactRepository, tmp_path: Path) -> None:
        repo.write_bytes("model.v1/weights.pkl", b"old content, longer")
        repo.write_bytes("model.v1/weights.pkl", b"new")
        assert repo.read_bytes("model.v1/weights.pkl") == b"new"
        replacement = tmp_path / "weights.pkl"
        replacement.write_bytes(b"from log_artifact")
        repo.log_artifact(replacement, "model.v1")
        assert repo.read_bytes("model.v1/weights.pkl") == b"from log_artifact"
        assert repo.list_artifacts("model.v1") == [FileInfo("model.v1/weights.pkl", False, 17)]

    def test_write_bytes_to_the_root_itself_is_refused(self, repo: ArtifactRepository) -> None:
        for root in ("", ".", "./"):
            with pytest.raises(ArtifactPathError, match="root"):
                repo.write_bytes(root, b"x")

    def test_log_artifact_keeps_the_file_name(self, repo: ArtifactRepository, source: Path) -> None:
        repo.log_artifact(source / "tree" / "top.txt")
        repo.log_artifact(str(source / "tree" / "a" / "one.bin"), "nested/dir")
        assert repo.read_bytes("top.txt") == b"top"
        assert repo.read_bytes("nested/dir/one.bin") == bytes(range(256))

    def test_log_artifacts_round_trips_a_nested_tree(self, repo: ArtifactRepository, source: Path) -> None:
        repo.log_artifacts(source / "tree", "run_files")
        downloaded = repo.download_artifacts("run_files", source / "dst")
        assert downloaded == str(source / "dst" / "run_files")
        assert local_tree(Path(downloaded)) == TREE

    def test_log_artifacts_without_path_fills_the_root(self, repo: ArtifactRepository, source: Path) -> None:
        repo.log_artifacts(str(source / "tree"))
        assert [f.path for f in repo.list_artifacts()] == ["a", "empty.txt", "top.txt"]
        assert repo.read_bytes("a/b/c/deep.txt") == b"deep"

    # listing

    def test_list_gives_direct_children_sorted_relative_to_root(self, repo: ArtifactRepository, source: Path) -> None:
        repo.log_artifacts(source / "tree", "x")
        assert repo.list_artifacts() == [FileInfo("x", True, None)]
        assert repo.list_artifacts("x") == [
            FileInfo("x/a", True, None),
            FileInfo("x/empty.txt", False, 0),
            FileInfo("x/top.txt", False, 3),
        ]
        assert repo.list_artifacts("x/a/") == [
            FileInfo("x/a/b", True, None),
            FileInfo("x/a/one.bin", False, 256),
        ]
        assert repo.list_artifacts("./x/a/b") == [
            FileInfo("x/a/b/c", True, None),
            FileInfo("x/a/b/two.txt", False, 3),
        ]

    def test_list_of_a_missing_folder_or_a_file_is_empty(self, repo: ArtifactRepository) -> None:
        assert repo.list_artifacts() == []
        assert repo.list_artifacts("nope") == []
        repo.write_bytes("d/file.txt", b"x")
        assert repo.list_artifacts("d/file.txt") == []
        assert repo.list_artifacts("d/nope") == []

    def test_list_does_not_confuse_shared_name_prefixes(self, repo: ArtifactRepository) -> None:
        repo.write_bytes("a/1.txt", b"1")
        repo.write_bytes("ab/2.txt", b"2")
        repo.write_bytes("a.txt", b"3")
        assert repo.list_artifacts("a") == [FileInfo("a/1.txt", False, 1)]
        assert [f.path for f in repo.list_artifacts()] == ["a", "a.txt", "ab"]

    # errors for missing things

    def test_reading_a_missing_artifact_says_so(self, repo: ArtifactRepository) -> None:
        with pytest.raises(ResourceNotFoundError, match=r"'plots/nope\.png' does not exist"):
            repo.read_bytes("plots/nope.png")
        with pytest.raises(ResourceNotFoundError, match="list_artifacts"):
            repo.read_bytes("nope")

    def test_reading_a_folder_says_it_is_a_folder(self, repo: ArtifactRepository) -> None:
        repo.write_bytes("d/file.txt", b"x")
        with pytest.raises(InvalidParameterError, match="is a folder"):
            repo.read_bytes("d")

    def test_missing_local_sources_are_clear_errors(self, repo: ArtifactRepository, source: Path) -> None:
        with pytest.raises(ResourceNotFoundError, match=r"Local file .* does not exist"):
            repo.log_artifact(source / "nope.txt")
        with pytest.raises(ResourceNotFoundError, match=r"Local folder .* does not exist"):
            repo.log_artifacts(source / "nope")
        with pytest.raises(InvalidParameterError, match="log_artifacts"):
            repo.log_artifact(source / "tree")
        with pytest.raises(InvalidParameterError, match="log_artifact"):
            repo.log_artifacts(source / "tree" / "top.txt")
        assert repo.list_artifacts() == []

    def test_a_bad_local_file_name_is_refused_before_anything_is_written(
        self, repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        tree = make_tree(tmp_path / "bad", {"good.txt": b"ok", "sub/bad\\name.txt": b"x"})
        with pytest.raises(ArtifactPathError, match="backslash"):
            repo.log_artifacts(tree)
        with pytest.raises(ArtifactPathError, match="backslash"):
            repo.log_artifact(tree / "sub" / "bad\\name.txt")
        assert repo.list_artifacts() == []

    # exists

    def test_exists(self, repo: ArtifactRepository) -> None:
        assert not repo.exists("a")
        repo.write_bytes("a/b/c.txt", b"x")
        assert repo.exists("a")
        assert repo.exists("a/b/")
        assert repo.exists("a/b/c.txt")
        assert repo.exists("")
        assert repo.exists(None)
        assert not repo.exists("a/b/c")
        assert not repo.exists("a/nope.txt")

    # downloading

    def test_download_a_file_keeps_its_relative_path(self, repo: ArtifactRepository, source: Path) -> None:
        repo.write_bytes("a/b.txt", b"hello")
        local = repo.download_artifacts("a/b.txt", source / "dst")
        assert local == str(source / "dst" / "a" / "b.txt")
        assert Path(local).read_bytes() == b"hello"
        assert sorted(os.listdir(source / "dst" / "a")) == ["b.txt"]  # no temp files left

    def test_download_the_whole_root(self, repo: ArtifactRepository, source: Path) -> None:
        repo.log_artifacts(source / "tree")
        local = repo.download_artifacts("", source / "dst")
        assert local == str(source / "dst")
        assert local_tree(Path(local)) == TREE

    def test_download_into_a_new_folder_or_a_temp_folder(self, repo: ArtifactRepository, source: Path) -> None:
        repo.write_bytes("m/x.txt", b"x")
        created = repo.download_artifacts("m", source / "new" / "folder")
        assert Path(created, "x.txt").read_bytes() == b"x"
        temp = Path(repo.download_artifacts("m/x.txt"))
        try:
            assert temp.read_bytes() == b"x"
            assert temp.parts[-2:] == ("m", "x.txt")
        finally:
            shutil.rmtree(temp.parents[1])

    def test_download_overwrites_an_older_local_copy(self, repo: ArtifactRepository, source: Path) -> None:
        repo.write_bytes("x.txt", b"v1")
        repo.download_artifacts("x.txt", source / "dst")
        repo.write_bytes("x.txt", b"v2")
        assert Path(repo.download_artifacts("x.txt", source / "dst")).read_bytes() == b"v2"

    def test_download_missing_or_onto_a_file_is_an_error(self, repo: ArtifactRepository, source: Path) -> None:
        with pytest.raises(ResourceNotFoundError, match="'nope' does not exist"):
            repo.download_artifacts("nope", source / "dst")
        repo.write_bytes("x.txt", b"x")
        with pytest.raises(InvalidParameterError, match="is a file"):
            repo.download_artifacts("x.txt", source / "tree" / "top.txt")

    # deleting

    def test_delete_a_file_and_a_folder(self, repo: ArtifactRepository) -> None:
        for name in ("a/1.txt", "a/b/2.txt", "ab.txt", "ab/3.txt", "keep.txt"):
            repo.write_bytes(name, b"x")
        repo.delete_artifacts("keep.txt")
        assert not repo.exists("keep.txt")
        repo.delete_artifacts("a")
        assert not repo.exists("a")
        assert [f.path for f in repo.list_artifacts()] == ["ab", "ab.txt"]
        assert repo.read_bytes("ab/3.txt") == b"x"

    def test_delete_missing_is_a_no_op(self, repo: ArtifactRepository) -> None:
        repo.delete_artifacts("nope")
        repo.delete_artifacts("nope/deeper")
        repo.delete_artifacts()
        repo.write_bytes("x", b"x")
        repo.delete_artifacts("x/y")
        assert repo.read_bytes("x") == b"x"

    def test_delete_everything_empties_the_root_only(
        self,
        repo: ArtifactRepository,
        plant_outside: Callable[[str, bytes], None],
        snapshot: Callable[[], dict[str, bytes]],
        source: Path,
    ) -> None:
        plant_outside("sibling/keep.txt", b"keep")
        before = snapshot()
        repo.log_artifacts(source / "tree", "t")
        repo.delete_artifacts()
        assert repo.list_artifacts() == []
        assert not repo.exists("t")
        assert snapshot() == before
        repo.write_bytes("again.txt", b"usable after delete")
        assert repo.read_bytes("again.txt") == b"usable after delete"

    def test_root_uri_and_repr(self, repo: ArtifactRepository) -> None:
        assert repo.root_uri in repr(repo)


# -- the local backend -----------------------------------------------------------------------


def local_snapshot(top: Path) -> dict[str, bytes]:
    """Files (content) and folders (b'<dir>') under ``top``, symlinks not followed."""
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            key = path.relative_to(top).as_posix()
            if path.is_symlink():
                found[key] = b"<link>" + os.readlink(path).encode()
            elif path.is_dir():
                found[key] = b"<dir>"
            else:
                found[key] = path.read_bytes()
    return found


class TestLocalArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, tmp_path: Path) -> ArtifactRepository:
        return get_repository(str(tmp_path / "root"))

    @pytest.fixture
    def plant_outside(self, tmp_path: Path) -> Callable[[str, bytes], None]:
        def plant(name: str, data: bytes) -> None:
            make_tree(tmp_path, {name: data})

        return plant

    @pytest.fixture
    def snapshot(self, tmp_path: Path) -> Callable[[], dict[str, bytes]]:
        return lambda: local_snapshot(tmp_path)


class TestLocalSpecifics:
    def test_get_repository_picks_the_backend(self, tmp_path: Path) -> None:
        assert isinstance(get_repository(str(tmp_path)), LocalArtifactRepository)
        assert isinstance(get_repository("relative/mlruns"), LocalArtifactRepository)
        assert isinstance(get_repository(tmp_path.as_uri()), LocalArtifactRepository)
        assert not isinstance(get_repository("memory://x"), LocalArtifactRepository)

    def test_file_uri_root_is_decoded(self, tmp_path: Path) -> None:
        root = tmp_path / "my root"
        repo = get_repository(root.as_uri())
        assert "%20" in repo.root_uri
        repo.write_bytes("a.txt", b"x")
        assert (root / "a.txt").read_bytes() == b"x"

    def test_file_uri_with_a_remote_host_is_refused(self) -> None:
        with pytest.raises(InvalidParameterError, match="remote host"):
            get_repository("file://fileserver/share/mlruns")

    def test_root_is_created_on_first_write(self, tmp_path: Path) -> None:
        repo = get_repository(str(tmp_path / "a" / "b"))
        assert not repo.exists()
        assert repo.list_artifacts() == []
        repo.write_bytes("x.txt", b"x")
        assert (tmp_path / "a" / "b" / "x.txt").read_bytes() == b"x"

    @pytest.mark.slow
    def test_importing_and_using_local_storage_does_not_load_fsspec(self, tmp_path: Path) -> None:
        code = (
            "import sys\n"
            "from jupyter_mltrack.store.artifacts import get_repository\n"
            f"repo = get_repository({str(tmp_path)!r})\n"
            "repo.write_bytes('a/b.txt', b'x'); repo.list_artifacts('a'); repo.read_bytes('a/b.txt')\n"
            "assert 'fsspec' not in sys.modules, 'fsspec was imported'\n"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def test_log_artifacts_keeps_empty_folders_locally(self, tmp_path: Path) -> None:
        (tmp_path / "src" / "empty" / "deeper").mkdir(parents=True)
        repo = get_repository(str(tmp_path / "root"))
        repo.log_artifacts(tmp_path / "src", "out")
        assert repo.list_artifacts("out") == [FileInfo("out/empty", True, None)]
        assert repo.list_artifacts("out/empty") == [FileInfo("out/empty/deeper", True, None)]

    def test_log_artifacts_survives_a_symlink_loop_in_the_source(self, tmp_path: Path) -> None:
        make_tree(tmp_path / "src", {"sub/f.txt": b"f"})
        (tmp_path / "src" / "sub" / "loop").symlink_to(tmp_path / "src")
        repo = get_repository(str(tmp_path / "root"))
        repo.log_artifacts(tmp_path / "src")
        assert repo.read_bytes("sub/f.txt") == b"f"
        assert not repo.exists("sub/loop")  # a link back to an ancestor is skipped

    def test_a_file_cannot_replace_a_folder_or_hold_one(self, tmp_path: Path) -> None:
        repo = get_repository(str(tmp_path / "root"))
        repo.write_bytes("d/x.txt", b"x")
        with pytest.raises(InvalidParameterError, match="a folder of that name exists"):
            repo.write_bytes("d", b"y")
        with pytest.raises(InvalidParameterError, match="existing file"):
            repo.write_bytes("d/x.txt/y.txt", b"y")
        assert repo.read_bytes("d/x.txt") == b"x"

    def test_written_files_get_normal_permissions(self, tmp_path: Path) -> None:
        reference = tmp_path / "reference"
        reference.write_bytes(b"")
        repo = get_repository(str(tmp_path / "root"))
        repo.write_bytes("x.txt", b"x")
        assert (tmp_path / "root" / "x.txt").stat().st_mode == reference.stat().st_mode

    def test_a_failed_write_keeps_the_old_content_and_leaves_no_temp_file(self, tmp_path: Path) -> None:
        target = tmp_path / "model.pkl"
        target.write_bytes(b"old")

        def half_write(temp: str) -> None:
            Path(temp).write_bytes(b"partial")
            raise OSError("disk full")

        with pytest.raises(OSError, match="disk full"):
            atomic_write(str(target), half_write)
        assert target.read_bytes() == b"old"
        assert os.listdir(tmp_path) == ["model.pkl"]

    def test_in_flight_temp_files_are_not_listed(self, tmp_path: Path) -> None:
        repo = get_repository(str(tmp_path / "root"))
        repo.write_bytes("x.txt", b"x")
        (tmp_path / "root" / ".mltrack-0123456789abcdef.tmp").write_bytes(b"half")
        assert repo.list_artifacts() == [FileInfo("x.txt", False, 1)]
        assert local_tree(Path(repo.download_artifacts("", tmp_path / "dst"))) == {"x.txt": b"x"}

    def test_walk_tree_is_sorted_and_relative(self, tmp_path: Path) -> None:
        make_tree(tmp_path, {"b/2.txt": b"", "a/1.txt": b"", "c.txt": b""})
        assert walk_tree(str(tmp_path)) == (["a", "b"], ["a/1.txt", "b/2.txt", "c.txt"])


class TestLocalSymlinks:
    """A symlink planted in the root must not let any method reach outside it."""

    @pytest.fixture
    def layout(self, tmp_path: Path) -> tuple[ArtifactRepository, Path]:
        outside = make_tree(tmp_path / "outside", {"secret.txt": b"secret", "sub/s.txt": b"s"})
        root = tmp_path / "root"
        make_tree(root, {"data/real.txt": b"real"})
        (root / "link").symlink_to(outside, target_is_directory=True)
        (root / "filelink.txt").symlink_to(outside / "secret.txt")
        (root / "alias").symlink_to(root / "data", target_is_directory=True)
        return get_repository(str(root)), outside

    CALLS: dict[str, Callable[[ArtifactRepository, Path], Any]] = {
        "write_bytes into linked dir": lambda r, t: r.write_bytes("link/pwned.txt", b"x"),
        "write_bytes new subdir": lambda r, t: r.write_bytes("link/new/pwned.txt", b"x"),
        "write_bytes over file link": lambda r, t: r.write_bytes("filelink.txt", b"x"),
        "log_artifact": lambda r, t: r.log_artifact(make_tree(t / "src", {"f.txt": b"x"}) / "f.txt", "link"),
        "log_artifacts": lambda r, t: r.log_artifacts(make_tree(t / "src", {"f.txt": b"x"}), "link/sub"),
        "read_bytes via dir": lambda r, t: r.read_bytes("link/secret.txt"),
        "read_bytes via file link": lambda r, t: r.read_bytes("filelink.txt"),
        "list_artifacts": lambda r, t: r.list_artifacts("link"),
        "list_artifacts below": lambda r, t: r.list_artifacts("link/sub"),
        "download dir": lambda r, t: r.download_artifacts("link", t / "dst"),
        "download file": lambda r, t: r.download_artifacts("link/secret.txt", t / "dst"),
        "download file link": lambda r, t: r.download_artifacts("filelink.txt", t / "dst"),
        "download root containing links": lambda r, t: r.download_artifacts("", t / "dst"),
        "exists": lambda r, t: r.exists("link/secret.txt"),
        "delete below link": lambda r, t: r.delete_artifacts("link/secret.txt"),
    }

    @pytest.mark.parametrize("call", sorted(CALLS))
    def test_symlink_leaving_the_root_is_refused(
        self, layout: tuple[ArtifactRepository, Path], tmp_path: Path, call: str
    ) -> None:
        repo, outside = layout
        (tmp_path / "dst").mkdir()
        before = local_snapshot(outside)
        with pytest.raises(ArtifactPathError, match="symlink leaves the artifact root"):
            self.CALLS[call](repo, tmp_path)
        assert local_snapshot(outside) == before
        assert local_tree(tmp_path / "dst") == {}

    def test_listing_the_root_hides_links_that_leave_it(self, layout: tuple[ArtifactRepository, Path]) -> None:
        repo, _ = layout
        assert repo.list_artifacts() == [FileInfo("alias", True, None), FileInfo("data", True, None)]

    def test_links_that_stay_inside_work(self, layout: tuple[ArtifactRepository, Path]) -> None:
        repo, _ = layout
        assert repo.read_bytes("alias/real.txt") == b"real"
        repo.write_bytes("alias/new.txt", b"new")
        assert repo.read_bytes("data/new.txt") == b"new"
        assert repo.list_artifacts("alias") == [
            FileInfo("alias/new.txt", False, 3),
            FileInfo("alias/real.txt", False, 4),
        ]

    def test_deleting_a_link_removes_the_link_not_its_target(
        self, layout: tuple[ArtifactRepository, Path], tmp_path: Path
    ) -> None:
        repo, outside = layout
        repo.delete_artifacts("link")
        repo.delete_artifacts("filelink.txt")
        repo.delete_artifacts("alias")
        assert (outside / "secret.txt").read_bytes() == b"secret"
        assert repo.read_bytes("data/real.txt") == b"real"
        assert [f.path for f in repo.list_artifacts()] == ["data"]

    def test_delete_everything_does_not_follow_links(
        self, layout: tuple[ArtifactRepository, Path], tmp_path: Path
    ) -> None:
        repo, outside = layout
        repo.delete_artifacts()
        assert not (tmp_path / "root").exists()
        assert local_tree(outside) == {"secret.txt": b"secret", "sub/s.txt": b"s"}

    def test_a_symlinked_root_works_and_is_unlinked_not_followed(self, tmp_path: Path) -> None:
        real = make_tree(tmp_path / "real", {"kept.txt": b"k"})
        (tmp_path / "rootlink").symlink_to(real, target_is_directory=True)
        repo = get_repository(str(tmp_path / "rootlink"))
        repo.write_bytes("a/b.txt", b"b")
        assert repo.read_bytes("a/b.txt") == b"b"
        assert (real / "a" / "b.txt").read_bytes() == b"b"
        repo.delete_artifacts()
        assert not (tmp_path / "rootlink").exists()
        assert (real / "kept.txt").read_bytes() == b"k"
