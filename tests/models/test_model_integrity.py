"""sha256 of every file, recorded at save and checked at load: a changed byte refuses the load."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

import jupyter_mltrack.pyfunc as mlt_pyfunc
import jupyter_mltrack.sklearn as mlt_sklearn
from jupyter_mltrack.models import load_model
from jupyter_mltrack.models.errors import ModelIntegrityError
from jupyter_mltrack.models.integrity import MANIFEST, read_manifest


@pytest.fixture
def saved(tmp_path, iris, logreg):
    X, _ = iris
    mlt_sklearn.save_model(logreg, tmp_path / "m", input_example=X.head(2))
    return tmp_path / "m"


def flip_a_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_every_file_is_in_the_manifest(saved) -> None:
    listed = set(read_manifest(str(saved)))
    on_disk = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()} - {MANIFEST}
    assert listed == on_disk and "MLmodel" in listed and "model.pkl" in listed


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")
def test_the_manifest_checks_with_sha256sum(saved) -> None:
    subprocess.run(["sha256sum", "--check", "--quiet", MANIFEST], cwd=saved, check=True)


@pytest.mark.parametrize("name", ["model.pkl", "MLmodel", "requirements.txt", "input_example.json"])
def test_a_changed_byte_refuses_the_load(saved, name) -> None:
    flip_a_byte(saved / name)
    for load in (load_model, mlt_pyfunc.load_model, mlt_sklearn.load_model):
        with pytest.raises(ModelIntegrityError) as caught:
            load(saved)
        assert f"{name}: changed" in str(caught.value) and "was not loaded" in str(caught.value)


def test_a_missing_file_refuses_the_load(saved) -> None:
    (saved / "model.pkl").unlink()
    with pytest.raises(ModelIntegrityError, match=r"model\.pkl: missing"):
        mlt_pyfunc.load_model(saved)


def test_a_manifest_pointing_outside_is_refused(saved) -> None:
    (saved / MANIFEST).write_text((saved / MANIFEST).read_text() + f"{'0' * 64}  ../outside.txt\n")
    with pytest.raises(ModelIntegrityError, match="outside the model folder"):
        load_model(saved)


def test_mlflows_loader_entry_point_checks_too(saved) -> None:
    from jupyter_mltrack.models.flavors.sklearn import _load_pyfunc

    flip_a_byte(saved / "model.pkl")
    with pytest.raises(ModelIntegrityError):
        _load_pyfunc(str(saved / "model.pkl"))


def test_without_a_manifest_the_model_loads(saved, iris, logreg) -> None:
    X, _ = iris
    (saved / MANIFEST).unlink()  # as in models saved by MLflow
    (saved / "notes.txt").write_text("an extra file is not read")
    np.testing.assert_array_equal(load_model(saved).predict(X), logreg.predict(X))
