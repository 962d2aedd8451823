// Identifiers other plugins (and the magics' HTML cards) use to reach the panel.
import { Token } from '@lumino/coreutils';

import { MltrackModel } from './model';

export const PLUGIN_ID = 'jupyter-mltrack:plugin';
export const BADGES_PLUGIN_ID = 'jupyter-mltrack:badges';
export const PANEL_ID = 'jupyter-mltrack-panel';

export namespace CommandIDs {
  /** Shows the side panel. */
  export const openPanel = 'mltrack:open-panel';
  /** Shows one run in the panel: args {run_id}. */
  export const openRun = 'mltrack:open-run';
  /** Opens a run's notebook at the cell that produced it: args {notebook_path, cell_id}. */
  export const openCell = 'mltrack:open-cell';
  /** Reloads the runs table. */
  export const refresh = 'mltrack:refresh';
}

/** An HTML attribute: a click on an element carrying it inside a notebook output opens the run. */
export const RUN_ID_ATTRIBUTE = 'data-mltrack-run-id';

export interface IMltrack {
  readonly model: MltrackModel;
  /** Shows the panel on a run. */
  openRun(runId: string): Promise<void>;
}

export const IMltrack = new Token<IMltrack>('jupyter-mltrack:IMltrack', 'The jupyter_mltrack side panel.');
