// The panel's model layer: one root object holding the state of every view. Components render
// it and call its methods; only these classes call the server (through the Requester they are
// given, requestAPI in the running panel).
import { ISignal, Signal } from '@lumino/signaling';

import { Requester } from './state/http';
import { CompareModel } from './state/compare';
import { RunDetailModel } from './state/detail';
import { RegistryModel } from './state/registry';
import { RunsModel, RunsOptions } from './state/runs';
import { ServingModel } from './state/serving';

export { CompareModel } from './state/compare';
export { RunDetailModel } from './state/detail';
export { RegistryModel } from './state/registry';
export { RunsModel } from './state/runs';
export { ServingModel } from './state/serving';
export { NotebookRunsIndex } from './state/badges';

export type View = 'runs' | 'compare' | 'detail' | 'models' | 'serving';

export class MltrackModel {
  readonly runs: RunsModel;
  readonly compare: CompareModel;
  readonly detail: RunDetailModel;
  readonly registry: RegistryModel;
  readonly serving: ServingModel;
  view: View = 'runs';

  private readonly _viewChanged = new Signal<this, View>(this);

  constructor(request: Requester, options: RunsOptions = {}) {
    this.runs = new RunsModel(request, options);
    this.compare = new CompareModel(request);
    this.detail = new RunDetailModel(request);
    this.registry = new RegistryModel(request);
    this.serving = new ServingModel(request, options.pollIntervalMs ?? 5000);
  }

  get viewChanged(): ISignal<this, View> {
    return this._viewChanged;
  }

  setView(view: View): void {
    if (view !== this.view) {
      this.view = view;
      this._viewChanged.emit(view);
    }
    if (view === 'models' && this.registry.models.length === 0 && !this.registry.loading) {
      void this.registry.loadModels();
    }
    if (view === 'serving') {
      void this.serving.load();
      this.serving.startPolling();
    } else {
      this.serving.stopPolling();
    }
  }

  /** Serves a registered model's version from a new serving kernel, in the Serving view. */
  async serveVersion(name: string, version: string): Promise<boolean> {
    this.setView('serving');
    return await this.serving.start(`models:/${name}/${version}`);
  }

  /** Shows one run in the Run view. */
  async openRun(runId: string): Promise<void> {
    this.setView('detail');
    await this.detail.open(runId);
  }

  /** Compares the runs selected in the Runs view. */
  async compareSelected(): Promise<void> {
    this.setView('compare');
    await this.compare.setRuns(this.runs.selectedRuns());
  }

  /** Shows a registered model in the Models view. */
  async openModel(name: string): Promise<void> {
    this.setView('models');
    await this.registry.loadModels();
    await this.registry.select(name);
  }

  dispose(): void {
    this.runs.dispose();
    this.serving.dispose();
    Signal.clearData(this);
  }
}
