// The Lumino widget in the left area: renders the React panel and runs the live refresh only
// while it is visible (and the browser tab too).
import { ReactWidget } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import React from 'react';

import { mltrackIcon } from '../icon';
import { MltrackModel } from '../model';
import { PANEL_ID } from '../tokens';
import { Panel, PanelActions } from './Panel';

export class MltrackPanel extends ReactWidget {
  readonly model: MltrackModel;
  private readonly actions: PanelActions;
  private loaded = false;

  constructor(model: MltrackModel, actions: PanelActions) {
    super();
    this.model = model;
    this.actions = actions;
    this.id = PANEL_ID;
    this.addClass('jp-mltrack-panel-widget');
    this.title.icon = mltrackIcon;
    this.title.caption = 'ML tracking: runs, comparisons and models';
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  render(): JSX.Element {
    return <Panel model={this.model} actions={this.actions} />;
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.model.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this.loaded) {
      this.loaded = true;
      void this.model.runs.loadExperiments();
    } else {
      void this.model.runs.poll();
    }
    this.model.runs.startPolling();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.runs.stopPolling();
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'hidden') {
      this.model.runs.stopPolling();
    } else if (this.isVisible) {
      this.model.runs.startPolling();
      void this.model.runs.poll();
    }
  };
}
