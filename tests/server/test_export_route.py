"""``POST /export``: a notebook under the server's root folder becomes a project folder beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.server.spec import check_response
from tests.server.world import write_notebook

REQUEST = {"notebook_path": "work/train.ipynb", "out_dir": "work/train-project"}


async def test_export_writes_the_project_under_the_root_folder(api: Any, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir)
    status, body = await api("POST", "export", body=REQUEST)
    assert status == 200, body
    check_response("POST", "/export", status, body)
    assert body["project_dir"] == "work/train-project"
    assert body["parameters"] == [{"name": "lr", "type": "float", "default": 0.1}]
    project = jp_root_dir / "work" / "train-project"
    for name in ("MLproject", "main.py", "requirements.txt", "README.md"):
        assert name in body["files"] and (project / name).is_file(), name
    assert str(jp_root_dir) not in body["project_dir"]

    status, error = await api("POST", "export", body=REQUEST)
    assert status == 400 and "not empty" in error["message"]
    status, again = await api("POST", "export", body={**REQUEST, "force": True})
    assert status == 200 and again["project_dir"] == "work/train-project"


async def test_paths_leaving_the_root_folder_are_refused(api: Any, jp_root_dir: Path, tmp_path: Path) -> None:
    write_notebook(jp_root_dir)
    outside = tmp_path / "elsewhere"
    for body in (
        {"notebook_path": "work/train.ipynb", "out_dir": "../escaped-project"},
        {"notebook_path": "work/train.ipynb", "out_dir": str(outside)},
        {"notebook_path": "../../etc/passwd.ipynb", "out_dir": "work/p"},
        {"notebook_path": "work/train.ipynb", "out_dir": "work/../.."},
    ):
        status, error = await api("POST", "export", body=body)
        assert status == 400 and error["error_code"] == "INVALID_PARAMETER_VALUE", (body, error)
        assert "root folder" in error["message"], error
    assert not (jp_root_dir.parent / "escaped-project").exists() and not outside.exists()


async def test_an_unknown_notebook_or_a_bad_body_is_explained(api: Any, jp_root_dir: Path) -> None:
    status, error = await api("POST", "export", body={"notebook_path": "nope.ipynb", "out_dir": "nope-project"})
    assert status == 404 and "'nope.ipynb' does not exist" in error["message"]
    assert str(jp_root_dir) not in error["message"]
    assert not (jp_root_dir / "nope-project").exists()
    status, error = await api("POST", "export", body={"notebook_path": "nope.ipynb"})
    assert status == 400 and "'out_dir' is required" in error["message"]
    status, error = await api("POST", "export", body={"notebook_path": "a.ipynb", "out_dir": "p", "force": "yes"})
    assert status == 400 and "'force'" in error["message"]


async def test_export_without_a_token_is_refused(api: Any) -> None:
    status, error = await api("POST", "export", body={"notebook_path": "a.ipynb", "out_dir": "p"},
                              headers={"Authorization": ""})
    assert status == 403 and error["error_code"] == "PERMISSION_DENIED"


async def test_export_pins_a_runs_parameter_values(api: Any, jp_root_dir: Path) -> None:
    from jupyter_mltrack import Client

    write_notebook(jp_root_dir, source="%%track tuned\nlr = 0.1\nprint(lr)")
    client = Client()
    run_id = client.create_run(client.create_experiment("tuned"), run_name="tuned").info.run_id
    client.log_param(run_id, "lr", "0.5")
    status, body = await api("POST", "export", body={**REQUEST, "run_id": run_id})
    assert status == 200, body
    check_response("POST", "/export", status, body)
    assert body["source_run_id"] == run_id
    assert body["parameters"] == [{"name": "lr", "type": "float", "default": 0.5}]
    assert "0.5" in (jp_root_dir / "work" / "train-project" / "MLproject").read_text()
    status, error = await api("POST", "export", body={**REQUEST, "out_dir": "work/other", "run_id": "f" * 32})
    assert status == 404 and "f" * 32 in error["message"], error
