// The JupyterLab plugins: the side panel with its commands, and the notebook cell badges.
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { requestAPI } from './api';
import { PanelActions } from './components/Panel';
import { MltrackPanel } from './components/widget';
import { mltrackIcon } from './icon';
import { MltrackModel } from './model';
import { NotebookBadges } from './notebookBadges';
import { serverPathOf } from './state/paths';
import { BADGES_PLUGIN_ID, CommandIDs, IMltrack, PLUGIN_ID, RUN_ID_ATTRIBUTE } from './tokens';

/** Opens a run's notebook and makes the cell that produced the run active, scrolled into view. */
async function openCell(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  recordedPath: string,
  cellId: string | null
): Promise<void> {
  const serverRoot = PageConfig.getOption('serverRoot');
  const path = serverPathOf(recordedPath, serverRoot);
  if (path === null) {
    throw new Error(`${recordedPath} is outside this server's folder (${serverRoot}), so it cannot be opened here.`);
  }
  const widget = docManager.openOrReveal(path);
  if (!(widget instanceof NotebookPanel)) {
    throw new Error(`${path} did not open as a notebook.`);
  }
  await widget.context.ready;
  await widget.revealed;
  app.shell.activateById(widget.id);
  if (!cellId) {
    return;
  }
  const notebook = widget.content;
  const cells = notebook.model?.cells;
  let index = -1;
  for (let i = 0; cells && i < cells.length; i++) {
    if (cells.get(i).id === cellId) {
      index = i;
      break;
    }
  }
  if (index < 0) {
    throw new Error(`The cell that made this run (id ${cellId}) is no longer in ${path}.`);
  }
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  await notebook.scrollToItem(index, 'center');
  notebook.activeCell?.node.focus();
}

/** The browser keeps the chosen experiments and columns across page loads. */
function keepRunsView(model: MltrackModel): void {
  const key = `${PLUGIN_ID}:runs-view:${PageConfig.getBaseUrl()}`;
  try {
    model.runs.restore(JSON.parse(window.localStorage.getItem(key) ?? 'null'));
  } catch {
    // nothing saved, or storage unavailable: start from the defaults
  }
  let saved = '';
  model.runs.changed.connect(() => {
    const state = JSON.stringify(model.runs.snapshot());
    if (state !== saved) {
      saved = state;
      try {
        window.localStorage.setItem(key, state);
      } catch {
        // storage full or disabled: not worth an error
      }
    }
  });
}

const panelPlugin: JupyterFrontEndPlugin<IMltrack> = {
  id: PLUGIN_ID,
  description: 'The jupyter_mltrack side panel: runs, comparisons, run details and the model registry.',
  autoStart: true,
  provides: IMltrack,
  requires: [IDocumentManager],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): IMltrack => {
    const model = new MltrackModel(requestAPI);
    model.detail.serverRoot = PageConfig.getOption('serverRoot');
    keepRunsView(model);
    const actions: PanelActions = {
      openCell: (path, cellId) => openCell(app, docManager, path, cellId)
    };
    const panel = new MltrackPanel(model, actions);
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, panel.id);

    const openRun = async (runId: string): Promise<void> => {
      app.shell.activateById(panel.id);
      await model.openRun(runId);
    };

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'ML Tracking: Show Panel',
      icon: mltrackIcon,
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.openRun, {
      label: 'ML Tracking: Open Run',
      describedBy: {
        args: { type: 'object', properties: { run_id: { type: 'string' } }, required: ['run_id'] }
      },
      execute: args => openRun(String(args.run_id))
    });
    app.commands.addCommand(CommandIDs.openCell, {
      label: 'ML Tracking: Open the Cell of a Run',
      execute: args => openCell(app, docManager, String(args.notebook_path), args.cell_id ? String(args.cell_id) : null)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'ML Tracking: Refresh Runs',
      execute: () => model.runs.reload()
    });
    palette?.addItem({ command: CommandIDs.openPanel, category: 'ML Tracking' });
    palette?.addItem({ command: CommandIDs.refresh, category: 'ML Tracking' });

    // Run cards rendered by the magics carry data-mltrack-run-id: a click on one inside a
    // notebook output opens the run.
    document.addEventListener('click', event => {
      const target = event.target instanceof Element ? event.target : null;
      const card = target?.closest(`[${RUN_ID_ATTRIBUTE}]`);
      if (card && card.closest('.jp-OutputArea-output') && !target?.closest('a[href]')) {
        const runId = card.getAttribute(RUN_ID_ATTRIBUTE);
        if (runId) {
          event.preventDefault();
          void app.commands.execute(CommandIDs.openRun, { run_id: runId });
        }
      }
    });

    return { model, openRun };
  }
};

const badgesPlugin: JupyterFrontEndPlugin<void> = {
  id: BADGES_PLUGIN_ID,
  description: 'A badge beside each notebook cell that produced runs; a click opens the run.',
  autoStart: true,
  requires: [INotebookTracker, IMltrack],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, mltrack: IMltrack): void => {
    tracker.widgetAdded.connect((_, panel) => {
      new NotebookBadges(panel, app.commands, mltrack.model);
    });
  }
};

export default [panelPlugin, badgesPlugin];
