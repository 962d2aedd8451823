// Which cells of one notebook produced runs: the latest run of each cell, found with the runs
// search filter `attributes.notebook_path IN (...)` over every experiment.
import { ISignal, Signal } from '@lumino/signaling';

import { Experiment, Run, RunPage, metricNumber } from '../types';
import { formatNumber, isSystemMetric } from './columns';
import { Requester, send, sqlString } from './http';

/** A tag naming the metric a badge shows (else the run's first metric). */
export const KEY_METRIC_TAG = 'mltrack.key_metric';
/** Runs looked at per notebook: the newest first, so each cell gets its latest. */
const MAX_RUNS = 2000;

export interface CellRuns {
  latest: Run;
  count: number;
}

/** The metric a badge shows: the run's `mltrack.key_metric` tag, else its first own metric. */
export function keyMetric(run: Run): { key: string; value: number } | null {
  const tagged = run.data.tags[KEY_METRIC_TAG];
  const keys = Object.keys(run.data.metrics);
  const key = tagged && keys.includes(tagged) ? tagged : keys.filter(k => !isSystemMetric(k)).sort()[0];
  return key === undefined ? null : { key, value: metricNumber(run.data.metrics[key]) };
}

/** The badge's text, e.g. `rf-200 · accuracy 0.96`. */
export function badgeText(run: Run): string {
  const metric = keyMetric(run);
  const name = run.info.run_name || run.info.run_id.slice(0, 8);
  return metric ? `${name} · ${metric.key} ${formatNumber(metric.value)}` : name;
}

/** The filter that finds a notebook's runs, whichever form of its path they recorded. */
export function notebookFilter(paths: string[]): string {
  return paths.length === 1
    ? `attributes.notebook_path = ${sqlString(paths[0])}`
    : `attributes.notebook_path IN (${paths.map(sqlString).join(', ')})`;
}

export class NotebookRunsIndex {
  /** Cell id → its latest run and how many runs it made. */
  byCell = new Map<string, CellRuns>();
  private paths: string[];
  private readonly request: Requester;
  private readonly _changed = new Signal<this, void>(this);
  private generation = 0;

  constructor(request: Requester, paths: string[]) {
    this.request = request;
    this.paths = paths;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** After a rename: the notebook's paths changed. */
  setPaths(paths: string[]): void {
    this.paths = paths;
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const experiments = await this.request<{ experiments: Experiment[] }>('experiments?max_results=50000');
    const ids = experiments.experiments.map(e => e.experiment_id);
    const byCell = new Map<string, CellRuns>();
    for (let i = 0; i < ids.length; i += 1000) {
      const page = await this.request<RunPage>(
        'runs/search',
        send('POST', {
          experiment_ids: ids.slice(i, i + 1000),
          filter: notebookFilter(this.paths),
          order_by: ['attributes.start_time DESC'],
          max_results: MAX_RUNS
        })
      );
      for (const run of page.runs) {
        const cell = run.info.cell_id;
        if (!cell) {
          continue;
        }
        const known = byCell.get(cell);
        if (!known) {
          byCell.set(cell, { latest: run, count: 1 });
        } else {
          known.count++;
          if (run.info.start_time > known.latest.info.start_time) {
            known.latest = run;
          }
        }
      }
    }
    if (generation === this.generation) {
      this.byCell = byCell;
      this._changed.emit();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }
}
