"""The side panel in a real JupyterLab, driven in headless Chromium: runs that a notebook just
logged in that server's kernel show up by themselves, a filter (and a bad one's inline error),
comparing two runs draws curves, a run opens its notebook at its cell, a run's model is
registered and promoted (a policy refuses Production until a request is approved) and served
from a serving kernel, and the dark theme. Screenshots go to test-artifacts/ui/ (and docs/screenshots/ with
MLTRACK_DOC_SCREENSHOTS=1).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import screenshot
from tests.ui.lab import LabServer, open_panel, run_python, wait_for_lab
from tests.ui.seed import NOTEBOOK_RUNS, SEED_CODE, TRAIN_CELL_ID, write_notebook

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

NOTEBOOK_FILTER = "attributes.run_name LIKE 'notebook-%'"
PANEL_CLIP = {"x": 0, "y": 0, "width": 1100, "height": 900}


@pytest.fixture(scope="module")
def seeded(lab: LabServer) -> LabServer:
    run_python(SEED_CODE, lab.home)
    write_notebook(lab.root)
    lab.start()
    lab.api("POST", "models", {"name": "iris-clf", "description": "Iris classifier"})
    lab.api("PUT", "models/iris-clf/policies/Production", {"require_approval": True, "gates": []})
    return lab


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def run_lab_command(page: Any, command: str, args: dict[str, Any] | None = None) -> Any:
    return page.evaluate(
        "async ([c, a]) => { await window.jupyterapp.commands.execute(c, a); return null; }", [command, args or {}]
    )


def widen_left_panel(page: Any, x: int = 760) -> None:
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(x, box["y"] + 200, steps=5)
    page.mouse.up()


def row(page: Any, name: str) -> Any:
    return page.locator(".jp-mltrack-row", has_text=name)


def apply_filter(page: Any, text: str) -> None:
    box = page.get_by_label("Filter runs")
    box.fill(text)
    box.press("Enter")


def notebook_outputs(page: Any) -> str:
    return "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())


def test_runs_logged_by_a_notebook_in_this_server_appear(page: Any, seeded: LabServer) -> None:
    page.goto(seeded.lab_url)
    wait_for_lab(page)
    open_panel(page)
    widen_left_panel(page)
    expect()(row(page, "sweep-23").first).to_be_visible()
    assert row(page, NOTEBOOK_RUNS[1]).count() == 0
    screenshot(page, "runs-before", clip=PANEL_CLIP)

    run_lab_command(page, "docmanager:open", {"path": "train.ipynb"})
    page.wait_for_function(
        """() => {
          const w = window.jupyterapp.shell.currentWidget;
          const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
          return kernel && kernel.status === 'idle';
        }""",
        timeout=60000,
    )
    run_lab_command(page, "notebook:run-all-cells")
    try:
        # nobody touches the panel: its live refresh finds the runs the kernel logs
        for name in NOTEBOOK_RUNS:
            expect()(row(page, name)).to_be_visible(timeout=120000)
    except AssertionError as error:
        raise AssertionError(f"{error}\nnotebook outputs:\n{notebook_outputs(page)}") from error
    assert "Error" not in notebook_outputs(page)
    badge = page.locator(f".jp-Cell:has-text('cell_id=\"{TRAIN_CELL_ID}\"') .jp-mltrack-badge")
    expect()(badge).to_contain_text(NOTEBOOK_RUNS[1], timeout=30000)
    screenshot(page, "runs", doc=True, clip=PANEL_CLIP)


def test_filter_and_its_inline_error(page: Any, seeded: LabServer) -> None:
    apply_filter(page, NOTEBOOK_FILTER)
    expect()(page.locator(".jp-mltrack-row[data-run-id]")).to_have_count(2)
    apply_filter(page, "metrics.accuracy > and")
    error = page.locator(".jp-mltrack-filter-error")
    expect()(error).to_be_visible()
    message = error.inner_text()
    assert "and" in message, message
    expect()(page.locator(".jp-mltrack-row[data-run-id]")).to_have_count(2)  # the table stays
    screenshot(page, "filter-error", doc=True, clip=PANEL_CLIP)
    apply_filter(page, NOTEBOOK_FILTER)
    expect()(error).to_have_count(0)


def test_compare_two_runs_draws_curves(page: Any, seeded: LabServer) -> None:
    for name in NOTEBOOK_RUNS:
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect()(page.locator(".jp-mltrack-compare")).to_contain_text("Comparing 2 runs")
    # the first metric with a history is drawn: loss over 60 steps, one line per run
    lines = page.locator('.jp-mltrack-plot[data-drawn="true"] .scatterlayer path.js-line')
    expect()(lines).to_have_count(2, timeout=30000)
    assert all(len(path.get_attribute("d") or "") > 20 for path in lines.all())
    page.locator(".jp-mltrack-chip", has_text="accuracy").click()  # a single value per run: a bar each
    bars = page.locator('.jp-mltrack-plot[aria-label="accuracy over steps"][data-drawn="true"] .barlayer path')
    expect()(bars).to_have_count(2)
    expect()(page.locator(".jp-mltrack-params-table")).to_contain_text("C")
    screenshot(page, "compare", doc=True, clip=PANEL_CLIP)


def test_run_detail_opens_its_cell(page: Any, seeded: LabServer) -> None:
    page.locator(".jp-mltrack-tab[data-view='runs']").click()
    row(page, NOTEBOOK_RUNS[1]).click()
    detail = page.locator(".jp-mltrack-detail")
    expect()(detail).to_contain_text("lbfgs")
    expect()(page.locator(".jp-mltrack-logged-model")).to_contain_text("sklearn")
    expect()(page.locator(".jp-mltrack-logged-model")).to_contain_text("petal length (cm): double")
    page.locator(".jp-mltrack-tree-item", has_text="plots/").click()
    page.locator(".jp-mltrack-tree-item", has_text="predictions.png").click()
    expect()(page.locator(".jp-mltrack-preview img")).to_be_visible()
    screenshot(page, "run-detail", doc=True, clip=PANEL_CLIP)
    page.locator(".jp-mltrack-tree-item", has_text="report.html").click()
    frame = page.locator("iframe.jp-mltrack-frame")
    expect()(frame).to_have_attribute("sandbox", "")
    expect()(page.frame_locator("iframe.jp-mltrack-frame").locator("h3")).to_have_text("Report")
    page.locator(".jp-mltrack-tree-item", has_text="classes.json").click()
    expect()(
        page.locator('.jp-mltrack-preview .jp-mltrack-plot[data-drawn="true"] .barlayer path').first
    ).to_be_visible()

    page.locator(".jp-mltrack-open-cell").click()
    active = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell.jp-mod-active")
    expect()(active).to_contain_text(f'cell_id="{TRAIN_CELL_ID}"')
    expect()(page.locator(".lm-DockPanel .lm-TabBar-tab.lm-mod-current", has_text="train.ipynb")).to_be_visible()
    badge = active.locator(".jp-mltrack-badge")
    expect()(badge).to_contain_text(NOTEBOOK_RUNS[1])
    screenshot(page, "notebook-badge", doc=True, clip={"x": 0, "y": 0, "width": 1440, "height": 700})

    # the badge opens its run in the panel
    page.locator(".jp-mltrack-tab[data-view='runs']").click()
    badge.click()
    expect()(page.locator(".jp-mltrack-detail .jp-mltrack-title")).to_have_text(NOTEBOOK_RUNS[1])


def test_register_and_promote_a_model(page: Any, seeded: LabServer) -> None:
    model_section = page.locator(".jp-mltrack-logged-model")
    model_section.get_by_label("Registered model name").fill("iris-clf")
    model_section.get_by_role("button", name="Register").click()
    models = page.locator(".jp-mltrack-models")
    expect()(models.locator(".jp-mltrack-versions tr[data-version='1']")).to_be_visible()
    stage = models.get_by_label("Target stage")
    comment = models.get_by_label("Comment", exact=True)

    stage.select_option("Staging")
    comment.fill("shadow traffic first")
    models.get_by_role("button", name="Promote").click()
    expect()(models.locator(".jp-mltrack-versions tr[data-version='1']")).to_contain_text("Staging")

    stage.select_option("Production")
    models.get_by_role("button", name="Promote").click()
    refusal = models.locator(".jp-mltrack-message.jp-mod-warn")
    expect()(refusal).to_contain_text("requires approval")
    expect()(models.locator(".jp-mltrack-versions tr[data-version='1']")).to_contain_text("Staging")
    screenshot(page, "models-refused", doc=True, clip=PANEL_CLIP)

    comment.fill("beats the sweep on the test set")
    models.get_by_role("button", name="Request approval").click()
    request = models.locator(".jp-mltrack-request")
    expect()(request).to_contain_text("Production")
    request.get_by_label("Decision comment").fill("approved in review")
    request.get_by_role("button", name="Approve").click()
    expect()(models.locator(".jp-mltrack-versions tr[data-version='1']")).to_contain_text("Production")
    expect()(models.locator(".jp-mltrack-message.jp-mod-success")).to_contain_text("Approved")
    expect()(models.locator(".jp-mltrack-timeline")).to_contain_text("approved in review")
    screenshot(page, "models", doc=True, clip=PANEL_CLIP)
    versions = seeded.api("GET", "models/iris-clf/versions")["model_versions"]
    assert [v["current_stage"] for v in versions] == ["Production"]


def test_serve_a_version_from_the_panel(page: Any, seeded: LabServer) -> None:
    """Models view -> "Serve v1" -> a serving kernel JupyterLab lists, answering the scoring protocol."""
    import requests

    models = page.locator(".jp-mltrack-models")
    models.get_by_role("button", name="Serve v1").click()
    serving = page.locator(".jp-mltrack-serving")
    row = serving.locator("tr[data-state='serving']")
    expect()(row).to_be_visible(timeout=120000)
    expect()(row).to_contain_text("iris-clf")
    expect()(serving.locator(".jp-mltrack-message.jp-mod-success")).to_contain_text("Serving iris-clf version 1")
    (kernel,) = seeded.api("GET", "serving")["kernels"]
    running = {k["id"]: k["name"] for k in seeded.request("GET", "api/kernels")}
    assert running[kernel["id"]] == "mltrack-serving"
    health = requests.get(kernel["url"] + "/health", timeout=10).json()
    assert health["status"] == "ok" and health["models"][0]["version"] == "1"
    screenshot(page, "serving", doc=True, clip=PANEL_CLIP)

    serving.get_by_label("Model URI").fill("models:/no-such-model@champion")
    serving.get_by_role("button", name="Serve").click()
    expect()(serving.locator(".jp-mltrack-message.jp-mod-error")).to_contain_text("no-such-model")

    row.get_by_role("button", name="Stop").click()
    expect()(serving.locator("tr[data-kernel-id]")).to_have_count(0)
    assert kernel["id"] not in {k["id"] for k in seeded.request("GET", "api/kernels")}


def test_dark_theme(page: Any, seeded: LabServer) -> None:
    run_lab_command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    page.wait_for_selector("body[data-jp-theme-light='false']", state="attached", timeout=30000)
    page.locator(".jp-mltrack-tab[data-view='compare']").click()
    lines = page.locator('.jp-mltrack-plot[data-drawn="true"] .scatterlayer path.js-line')
    expect()(lines.first).to_be_visible()
    page.wait_for_timeout(500)
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jp-mltrack-panel-widget')).backgroundColor"
    )
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), background
    screenshot(page, "compare-dark", doc=True, clip=PANEL_CLIP)
    run_lab_command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})
    page.wait_for_selector("body[data-jp-theme-light='true']", state="attached", timeout=30000)
