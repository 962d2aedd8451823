"""The side panel in headless Chromium (issue 6's targets; printed, never asserted).

    python benchmarks/panel.py [--store DIR] [--repeats N] [--runs N] [--headed]

1. Opening the panel on a 10,000-run experiment: from ``shell.activateById`` (the click on the
   icon) until the table shows its first page (target 1.5 s). Each repeat reloads JupyterLab, so
   every opening is a cold one (experiments, first page and the live-refresh probe fetched).
2. Scrolling the virtualized table through all 10,000 runs: the time to reach the last row
   (pages of 500 fetched as the end nears) and how many rows the DOM ever holds.
3. Comparing 100 runs with 1,000-step curves: from the click on Compare until plotly has drawn the
   100 lines (target 2 s); the first comparison of a page load also loads plotly.js itself (cold),
   the next ones do not (warm).

The 10,000-run store is benchmarks/server.py's (experiment ``bench``: 10 params and 10 metrics per
run); ``--store`` (default /tmp/benchstore) is reused when it holds one, else filled there first.
It is copied to a temporary folder, where an experiment ``curves`` (100 runs x 1,000 steps of
``loss`` and ``acc``) is added, so the kept store is never changed. MLflow's UI cannot run inside
JupyterLab, so there is no side-by-side number here: the targets are the reference.
``MLTRACK_BENCH_DEBUG=1`` also prints, per comparison, its REST requests (start, duration, size)
and plotly's load and draw times (the ``mltrack:plotly-*`` performance measures of the panel).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ui.lab import LabServer, launch_chromium, run_python, wait_for_lab  # noqa: E402

OPEN_TARGET_S = 1.5
COMPARE_TARGET_S = 2.0
PANEL = "jupyter-mltrack-panel"

ADD_CURVES = """
import math, random
from jupyter_mltrack import Client, Metric, Param
client = Client()
if client.get_experiment_by_name("curves") is None:
    experiment_id = client.create_experiment("curves")
    rng = random.Random(3)
    t0 = 1_700_000_000_000
    for i in range(100):
        run = client.create_run(experiment_id, start_time=t0 + i, run_name=f"curve-{i:03d}")
        rate = 20 + rng.random() * 200
        metrics = []
        for step in range(1000):
            metrics.append(Metric("loss", math.exp(-step / rate) + 0.05 * rng.random(), t0 + step, step))
            metrics.append(Metric("acc", 1 - math.exp(-step / rate) * 0.6 + 0.02 * rng.random(), t0 + step, step))
        client.log_batch(run.info.run_id, metrics=metrics,
                         params=[Param("rate", f"{rate:.1f}"), Param("seed", str(i % 7))])
        client.set_terminated(run.info.run_id)
    client.flush()
"""

FILL_BENCH = """
import sys
sys.path.insert(0, {benchmarks!r})
from pathlib import Path
from server import populate
populate(Path({home!r}), {runs})
"""

OPEN_PANEL_JS = """
async (panelId) => {
  const app = window.jupyterapp;
  const t0 = performance.now();
  app.shell.activateById(panelId);
  while (document.querySelectorAll('.jp-mltrack-row[data-run-id]').length < 20) {
    await new Promise(requestAnimationFrame);
    if (performance.now() - t0 > 60000) { throw new Error('no rows after 60 s'); }
  }
  return (performance.now() - t0) / 1000;
}
"""

SCROLL_JS = """
async () => {
  const table = document.querySelector('.jp-mltrack-table');
  const t0 = performance.now();
  let most = 0, frames = 0, worst = 0, last = performance.now();
  for (;;) {
    table.scrollTop = table.scrollHeight;
    await new Promise(requestAnimationFrame);
    const now = performance.now();
    worst = Math.max(worst, now - last); last = now; frames++;
    most = Math.max(most, document.querySelectorAll('.jp-mltrack-row').length);
    const count = document.querySelector('.jp-mltrack-count').textContent;
    if (!count.includes('+') && !count.includes('loading')) { break; }
    if (now - t0 > 120000) { throw new Error('did not reach the end in 120 s'); }
  }
  return {seconds: (performance.now() - t0) / 1000, domRows: most, frames, worstFrameMs: worst,
          count: document.querySelector('.jp-mltrack-count').textContent};
}
"""

COMPARE_JS = """
async (lines) => {
  performance.clearResourceTimings();
  performance.clearMeasures();
  const button = [...document.querySelectorAll('.jp-mltrack-statusbar button')].find(b => b.textContent === 'Compare');
  const t0 = performance.now();
  button.click();
  const selector = '.jp-mltrack-plot[aria-label$=" over steps"][data-drawn="true"] .scatterlayer path.js-line';
  while (document.querySelectorAll(selector).length < lines) {
    await new Promise(requestAnimationFrame);
    if (performance.now() - t0 > 60000) { throw new Error('no chart after 60 s'); }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (window.MLTRACK_BENCH_DEBUG) {
    const requests = performance.getEntriesByType('resource').filter(e => e.name.includes('mltrack/api'))
      .map(e => `${e.name.split('mltrack/api/')[1]} start ${(e.startTime - t0).toFixed(0)} ms, `
                + `${e.duration.toFixed(0)} ms, ${e.transferSize} B`);
    const measures = performance.getEntriesByType('measure').filter(m => m.name.startsWith('mltrack:'))
      .map(m => `${m.name} ${m.duration.toFixed(0)} ms`);
    console.log(`compare ${seconds.toFixed(2)} s: ` + requests.join(' | ') + ' || ' + measures.join(' | '));
  }
  return seconds;
}
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_store(kept: Path, work: Path, runs: int) -> Path:
    if not (kept / "mltrack.db").exists():
        log(f"filling {kept} with {runs} runs (benchmarks/server.py's workload; a few minutes, once)")
        run_python(
            FILL_BENCH.format(benchmarks=str(REPO / "benchmarks"), home=str(kept), runs=runs), kept, timeout=3600
        )
    home = work / "store"
    home.mkdir(parents=True)
    shutil.copyfile(kept / "mltrack.db", home / "mltrack.db")
    log("adding 100 runs x 1,000 steps (experiment 'curves')")
    run_python(ADD_CURVES, home)
    return home


def settle(page: Any) -> None:
    """Waits until the comparison has finished its background work (the metric summaries)."""
    page.wait_for_function("() => !document.querySelector('.jp-mltrack-compare')?.textContent.includes('loading')")
    page.wait_for_timeout(300)


def choose_experiment(page: Any, name: str) -> None:
    """Picks exactly one experiment in the panel's picker."""
    page.locator(".jp-mltrack-row").first.wait_for()  # the experiments are loaded
    page.locator(".jp-mltrack-experiments > button").click()
    page.locator(".jp-mltrack-experiments li label").first.wait_for()
    for box in page.locator(".jp-mltrack-experiments li label").all():
        want = box.inner_text().strip() == name
        checkbox = box.locator("input")
        if checkbox.is_checked() != want:
            checkbox.click()
            page.wait_for_timeout(300)
    page.locator(".jp-mltrack-experiments > button").click()
    page.locator(".jp-mltrack-row", has_text="curve-" if name == "curves" else "run-0").first.wait_for()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=Path("/tmp/benchstore"))
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--headed", action="store_true")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mltrack-panel-bench-") as tmp:
        work = Path(tmp)
        home = prepare_store(args.store, work, args.runs)
        lab = LabServer(work, home).start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright, headless=not args.headed)
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                if os.environ.get("MLTRACK_BENCH_DEBUG"):
                    page.add_init_script("window.MLTRACK_BENCH_DEBUG = true")
                    page.on(
                        "console",
                        lambda message: log(f"browser: {message.text}") if "compare" in message.text else None,
                    )
                opens, colds, warms = [], [], []
                scroll: dict[str, Any] = {}
                # once: choose the 10,000-run experiment (the panel remembers it in the browser)
                page.goto(lab.lab_url)
                wait_for_lab(page)
                page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", PANEL)
                choose_experiment(page, "bench")
                for repeat in range(args.repeats):
                    # ?reset: a fresh layout, the panel closed, so each opening is a cold one
                    page.goto(f"{lab.url}lab?reset&token={lab.token}")
                    wait_for_lab(page)
                    opens.append(page.evaluate(OPEN_PANEL_JS, PANEL))
                    if repeat == 0:
                        scroll = page.evaluate(SCROLL_JS)
                    choose_experiment(page, "curves")
                    page.get_by_label("Select all loaded runs").check()
                    colds.append(page.evaluate(COMPARE_JS, 100))
                    for _ in range(2):
                        settle(page)
                        page.locator(".jp-mltrack-tab[data-view='runs']").click()
                        warms.append(page.evaluate(COMPARE_JS, 100))
                    settle(page)
                    page.locator(".jp-mltrack-tab[data-view='runs']").click()
                    page.locator(".jp-mltrack-statusbar button", has_text="Clear").click()
                    choose_experiment(page, "bench")
                browser.close()
        finally:
            lab.stop()

    def row(label: str, values: list[float], target: float | None) -> None:
        median = statistics.median(values)
        verdict = "" if target is None else ("  (meets)" if median <= target else "  (MISSES)")
        goal = "" if target is None else f"  target {target:.1f} s"
        print(f"{label:<52} median {median:6.2f} s  [{', '.join(f'{v:.2f}' for v in values)}]{goal}{verdict}")

    print(f"side panel, headless Chromium, {args.runs:,}-run experiment, {args.repeats} page loads")
    row("open panel -> first page of the 10,000-run table", opens, OPEN_TARGET_S)
    print(
        f"{'scroll to the last of 10,000 rows':<52} {scroll['seconds']:6.2f} s  (pages of 500; at most "
        f"{scroll['domRows']} rows in the DOM; worst frame {scroll['worstFrameMs']:.0f} ms; {scroll['count'].strip()})"
    )
    row("compare 100 runs x 1,000 steps, cold (loads plotly)", colds, COMPARE_TARGET_S)
    row("compare 100 runs x 1,000 steps, warm", warms, COMPARE_TARGET_S)


if __name__ == "__main__":
    main()
