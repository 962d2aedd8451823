"""Fixtures of the browser tests: one real JupyterLab per module, seeded, and one Chromium page.

The tests need the labextension built and installed (``pip install -e .`` does both) and Debian's
Chromium at /usr/bin/chromium (``.ci/run`` installs it). Outside CI a missing Chromium or
Playwright skips them; in CI (CI=true) it fails them, so CI can never pass without them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.lab import CHROMIUM, REPO, LabServer, labextension_installed, launch_chromium, open_panel, wait_for_lab

ARTIFACTS = REPO / "test-artifacts" / "ui"
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_api() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "the playwright Python package is not installed (pip install playwright)")
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_api: Any) -> Iterator[Any]:
    browser = launch_chromium(playwright_api)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def lab_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    workdir = tmp_path_factory.mktemp("lab")
    return workdir, workdir / "mltrack-home"


@pytest.fixture(scope="module")
def lab(lab_dirs: tuple[Path, Path]) -> Iterator[LabServer]:
    _require(labextension_installed(), "the jupyter-mltrack labextension is not installed (pip install -e .)")
    workdir, home = lab_dirs
    server = LabServer(workdir, home)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(browser: Any, lab: LabServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30000)
    yield page
    context.close()


def screenshot(page: Any, name: str, doc: bool = False, **kwargs: Any) -> Path:
    """Saves test-artifacts/ui/<name>.png; with doc=True and MLTRACK_DOC_SCREENSHOTS=1, also docs/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    if doc and os.environ.get("MLTRACK_DOC_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        small_png(path, DOC_SCREENSHOTS / f"{name}.png")
    return path


def small_png(source: Path, target: Path) -> None:
    """A copy with a 256-colour palette (a third of the size; screenshots have few colours)."""
    try:
        from PIL import Image
    except ImportError:
        shutil.copyfile(source, target)
        return
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(target, optimize=True)


__all__ = ["open_panel", "screenshot", "wait_for_lab"]
