// The side panel: a row of tabs and the view they choose.
import React from 'react';

import { MltrackModel, View } from '../model';
import { CompareView } from './CompareView';
import { useSignal } from './hooks';
import { ModelsView } from './ModelsView';
import { RunDetailView } from './RunDetailView';
import { RunsView } from './RunsView';
import { ServingView } from './ServingView';

/** What the views may ask of JupyterLab itself (not of the server). */
export interface PanelActions {
  /** Opens a notebook (a recorded path) and makes the cell with this id active. */
  openCell(notebookPath: string, cellId: string | null): Promise<void>;
}

const TABS: Array<{ view: View; label: string }> = [
  { view: 'runs', label: 'Runs' },
  { view: 'compare', label: 'Compare' },
  { view: 'detail', label: 'Run' },
  { view: 'models', label: 'Models' },
  { view: 'serving', label: 'Serving' }
];

export function Panel(props: { model: MltrackModel; actions: PanelActions }): JSX.Element {
  const { model, actions } = props;
  useSignal(model.viewChanged);
  return (
    <div className="jp-mltrack-panel">
      <div className="jp-mltrack-tabs" role="tablist">
        {TABS.map(tab => (
          <button
            key={tab.view}
            role="tab"
            aria-selected={model.view === tab.view}
            className={'jp-mltrack-tab' + (model.view === tab.view ? ' jp-mod-active' : '')}
            data-view={tab.view}
            onClick={() => model.setView(tab.view)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div className="jp-mltrack-view" data-view={model.view}>
        {model.view === 'runs' && <RunsView model={model} />}
        {model.view === 'compare' && <CompareView model={model} />}
        {model.view === 'detail' && <RunDetailView model={model} actions={actions} />}
        {model.view === 'models' && <ModelsView model={model} />}
        {model.view === 'serving' && <ServingView model={model} />}
      </div>
    </div>
  );
}
