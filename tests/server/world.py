"""A small store for the handler tests: an experiment, a finished run with metrics, params, tags,
artifacts and a logged model, a registered model with versions, an alias, a policy and requests;
and one valid request per route and method, in an order that keeps every one of them valid."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_mltrack import Client, Metric, Param, RunTag

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
NOTEBOOK = "work/train.ipynb"  # the run's notebook_path, relative to the server's root folder
PLOTLY_FIGURE = {"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}], "layout": {"title": {"text": "loss"}}}


@dataclass(frozen=True)
class World:
    experiment_id: str
    run_id: str
    model: str
    pending_request: str
    other_request: str
    served_model: str
    dead_kernel: str


def build_world() -> World:
    client = Client()
    experiment_id = client.create_experiment("world")
    run = client.create_run(
        experiment_id, run_name="first", notebook_path="work/train.ipynb", cell_id="cell-7", source="fit(model)"
    )
    run_id = run.info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric("loss", 1.0 / (s + 1), 1000 + s, s) for s in range(50)] + [Metric("accuracy", 0.95, 0, 0)],
        params=[Param("lr", "0.1")],
        tags=[RunTag("team", "growth")],
    )
    client.log_text(run_id, "hello\n", "notes/readme.txt")
    client.log_text(run_id, "<html><body><script>alert(1)</script>hi</body></html>", "report.html")
    client.log_text(run_id, json.dumps(PLOTLY_FIGURE), "plots/loss.json")
    with tempfile.TemporaryDirectory() as scratch:
        image = Path(scratch, "dot.png")
        image.write_bytes(PNG_1X1)
        client.log_artifact(run_id, image, "plots")
    client.log_text(run_id, "artifact_path: model\nflavors: {}\n", "model/MLmodel")
    client.set_terminated(run_id)
    model_uri = f"runs:/{run_id}/model"
    client.register_model(model_uri, "churn")
    client.register_model(model_uri, "churn")
    client.set_registered_model_alias("churn", "champion", "1")
    client.set_promotion_policy("churn", "Production", require_approval=True)
    pending = client.request_transition("churn", "1", "Production", comment="ready").request_id
    other = client.request_transition("churn", "2", "Production").request_id
    return World(experiment_id, run_id, "churn", pending, other, save_doubler(), record_dead_kernel())


def save_doubler() -> str:
    """A real (tiny) pyfunc model folder to serve: it doubles its input."""
    from jupyter_mltrack import pyfunc

    def double(model_input: Any) -> Any:
        return model_input * 2

    folder = Path(tempfile.mkdtemp(prefix="mltrack-doubler-")) / "doubler"
    pyfunc.save_model(folder, python_model=double)
    return str(folder)


def record_dead_kernel() -> str:
    """A serving kernel that died earlier: listed until someone deletes it."""
    from jupyter_mltrack.serving import kernels

    record = kernels.ServingKernel(
        id="0badc0de-0000-4000-8000-000000000000",
        model_uri="models:/churn@champion",
        served_uri="models:/churn/1",
        model="churn",
        version="1",
        host="127.0.0.1",
        port=1,
        launcher="jupyter-server",
        started_at=time.time() - 60,
        state="dead",
        pid=None,
        died_at=time.time(),
    )
    kernels.save(record)
    return record.id


def walk(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, route path, request) for every route and method: ``path`` values fill the template,
    ``params`` is the query, ``body`` the JSON body, ``json`` False for non-JSON answers."""
    run, exp, model = world.run_id, world.experiment_id, world.model
    ids = {"run_id": run, "experiment_id": exp, "name": model}
    now = int(time.time() * 1000)
    return [
        ("GET", "/status", {}),
        ("GET", "/experiments", {}),
        ("POST", "/experiments", {"body": {"name": "walked"}}),
        ("GET", "/experiments/{experiment_id}", {"path": ids}),
        ("PATCH", "/experiments/{experiment_id}", {"path": ids, "body": {"tags": {"k": "v"}}}),
        ("POST", "/runs/search", {"body": {"experiment_ids": [exp]}}),
        ("GET", "/runs/{run_id}", {"path": ids}),
        ("PATCH", "/runs/{run_id}", {"path": ids, "body": {"tags": {"k": "v"}}}),
        ("GET", "/runs/{run_id}/artifacts", {"path": ids}),
        (
            "GET",
            "/runs/{run_id}/artifacts/download",
            {"path": ids, "params": {"path": "notes/readme.txt"}, "json": False},
        ),
        ("GET", "/runs/{run_id}/artifacts/preview", {"path": ids, "params": {"path": "notes/readme.txt"}}),
        ("GET", "/runs/{run_id}/artifacts/html", {"path": ids, "params": {"path": "report.html"}, "json": False}),
        ("POST", "/metrics/histories", {"body": {"run_ids": [run], "keys": ["loss"]}}),
        ("POST", "/export", {"body": {"notebook_path": NOTEBOOK, "out_dir": "work/train-project"}}),
        ("GET", "/models", {}),
        ("POST", "/models", {"body": {"name": "walked-model"}}),
        ("GET", "/models/{name}", {"path": ids}),
        ("PATCH", "/models/{name}", {"path": ids, "body": {"description": "churn model"}}),
        ("GET", "/models/{name}/versions", {"path": ids}),
        ("POST", "/models/{name}/versions", {"path": ids, "body": {"model_uri": f"runs:/{run}/model"}}),
        ("GET", "/models/{name}/versions/{version}", {"path": {**ids, "version": "1"}}),
        (
            "PATCH",
            "/models/{name}/versions/{version}",
            {"path": {**ids, "version": "1"}, "body": {"description": "v1"}},
        ),
        (
            "POST",
            "/models/{name}/versions/{version}/stage",
            {"path": {**ids, "version": "2"}, "body": {"stage": "Staging"}},
        ),
        ("GET", "/models/{name}/latest-versions", {"path": ids}),
        ("GET", "/models/{name}/aliases/{alias}", {"path": {**ids, "alias": "champion"}}),
        ("PUT", "/models/{name}/aliases/{alias}", {"path": {**ids, "alias": "champion"}, "body": {"version": "2"}}),
        ("GET", "/models/{name}/policies", {"path": ids}),
        ("GET", "/models/{name}/policies/{target}", {"path": {**ids, "target": "Production"}}),
        (
            "PUT",
            "/models/{name}/policies/{target}",
            {"path": {**ids, "target": "@challenger"}, "body": {"require_approval": False}},
        ),
        ("GET", "/models/{name}/history", {"path": ids}),
        ("GET", "/models/{name}/version-at", {"path": ids, "params": {"target": "@champion", "time": str(now)}}),
        ("GET", "/model-versions", {}),
        ("GET", "/transition-requests", {}),
        ("POST", "/transition-requests", {"body": {"name": model, "version": 2, "target": "Archived"}}),
        ("POST", "/transition-requests/{request_id}/approve", {"path": {"request_id": world.pending_request}}),
        ("POST", "/transition-requests/{request_id}/reject", {"path": {"request_id": world.other_request}}),
        ("GET", "/serving", {}),
        ("POST", "/serving", {"body": {"model_uri": world.served_model}}),
        ("GET", "/serving/{kernel_id}", {"path": {"kernel_id": world.dead_kernel}}),
        ("DELETE", "/serving/{kernel_id}", {"path": {"kernel_id": world.dead_kernel}}),
        ("DELETE", "/models/{name}/aliases/{alias}", {"path": {**ids, "alias": "champion"}}),
        ("DELETE", "/models/{name}/versions/{version}", {"path": {**ids, "version": "3"}}),
        ("DELETE", "/models/{name}", {"path": {"name": "walked-model"}}),
    ]


def write_notebook(root: Path, relative: str = "work/train.ipynb", source: str = "lr = 0.1\nprint(lr)") -> Path:
    """A small notebook under the Jupyter server's root folder (what ``POST /export`` reads)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]} if "lr =" in source else {})]
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def fill(template: str, values: dict[str, str]) -> list[str]:
    """The URL parts of a route path with its parameters filled in (jp_fetch escapes them)."""
    return [values[part[1:-1]] if part.startswith("{") else part for part in template.strip("/").split("/")]
