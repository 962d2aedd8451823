// The badge beside each notebook cell that produced runs: the latest run's name and key metric.
// A click opens that run in the panel.
import { CommandRegistry } from '@lumino/commands';
import { PageConfig } from '@jupyterlab/coreutils';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { requestAPI } from './api';
import { MltrackModel } from './model';
import { NotebookRunsIndex } from './state/badges';
import { badgeText } from './state/badges';
import { recordedPathCandidates } from './state/paths';
import { formatTime } from './state/columns';
import { CommandIDs } from './tokens';

const BADGE_CLASS = 'jp-mltrack-badge';
/** After a cell runs, look again this much later (and once more: a run may end late). */
const REFRESH_DELAYS_MS = [1000, 4000];

function candidates(path: string): string[] {
  return recordedPathCandidates(path, PageConfig.getOption('serverRoot'));
}

export class NotebookBadges {
  private readonly index: NotebookRunsIndex;
  private timers: Array<ReturnType<typeof setTimeout>> = [];
  private frame = 0;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly commands: CommandRegistry,
    private readonly model: MltrackModel
  ) {
    this.index = new NotebookRunsIndex(requestAPI, candidates(panel.context.path));
    this.index.changed.connect(this.scheduleRender, this);
    panel.context.pathChanged.connect(this.onPathChanged, this);
    NotebookActions.executed.connect(this.onExecuted, this);
    model.runs.runsLogged.connect(this.onRunsLogged, this);
    panel.disposed.connect(this.dispose, this);
    void panel.context.ready.then(() => {
      panel.content.model?.cells.changed.connect(this.scheduleRender, this);
      void this.refresh();
    });
  }

  refresh(): Promise<void> {
    return this.index.refresh().catch(() => undefined); // no badges beats an error in a notebook
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    cancelAnimationFrame(this.frame);
    NotebookActions.executed.disconnect(this.onExecuted, this);
    this.model.runs.runsLogged.disconnect(this.onRunsLogged, this);
    this.index.dispose();
  }

  private onPathChanged(): void {
    this.index.setPaths(candidates(this.panel.context.path));
    void this.refresh();
  }

  private onExecuted(_: unknown, args: { notebook: unknown }): void {
    if (args.notebook !== this.panel.content) {
      return;
    }
    this.timers.forEach(clearTimeout);
    this.timers = REFRESH_DELAYS_MS.map(delay => setTimeout(() => void this.refresh(), delay));
  }

  private onRunsLogged(): void {
    if (this.panel.isVisible) {
      void this.refresh();
    }
  }

  private scheduleRender(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    if (this.panel.isDisposed) {
      return;
    }
    for (const cell of this.panel.content.widgets) {
      const entry = this.index.byCell.get(cell.model.id);
      // inside the input's wrapper, at its bottom right: the cell toolbar owns the top right
      const host = cell.node.querySelector<HTMLElement>(':scope > .jp-Cell-inputWrapper') ?? cell.node;
      let badge = host.querySelector<HTMLButtonElement>(`:scope > .${BADGE_CLASS}`);
      if (!entry) {
        badge?.remove();
        host.classList.remove('jp-mltrack-has-badge');
        continue;
      }
      if (!badge) {
        badge = document.createElement('button');
        badge.className = BADGE_CLASS;
        badge.addEventListener('click', event => {
          event.stopPropagation();
          const runId = badge?.dataset.runId;
          if (runId) {
            void this.commands.execute(CommandIDs.openRun, { run_id: runId });
          }
        });
        host.appendChild(badge);
        host.classList.add('jp-mltrack-has-badge');
      }
      const run = entry.latest;
      badge.dataset.runId = run.info.run_id;
      badge.textContent = badgeText(run);
      badge.title =
        `Latest run of this cell (${entry.count} in all), ${formatTime(run.info.start_time)}, ${run.info.status.toLowerCase()}.` +
        ' Click to open it in the ML tracking panel.';
    }
  }
}
