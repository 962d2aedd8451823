// The Compare view's state: the runs being compared, which metrics to draw, their histories
// (downsampled by the server) and the min/max/last of every metric.
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../errors';
import { MetricHistory, Run } from '../types';
import { isSystemMetric } from './columns';
import { MetricSummary, differingParams, summarize } from './figures';
import { Requester, send } from './http';

export const MIN_RUNS = 2;
export const MAX_RUNS = 1000;
/** The server's limit on run-key pairs in one POST /metrics/histories. */
const MAX_PAIRS = 10000;
/**
 * About this many points in all the curves of one chart. The server's downsampling keeps each
 * bucket's first, min, max and last point, so 500 points per line (100 runs) still look the same
 * as 1,000 at a side panel's width, at half the transfer and drawing time.
 */
const POINT_BUDGET = 50000;
/** Metrics tried, in order, for the first chart (one with a history, not a single value). */
const MAX_CURVE_TRIES = 5;

/** max_points for a chart of `series` lines: 1000 each, less when there are many (4 at least). */
export function maxPointsFor(series: number): number {
  return Math.max(4, Math.min(1000, Math.floor(POINT_BUDGET / Math.max(1, series))));
}

export class CompareModel {
  runs: Run[] = [];
  metricKeys: string[] = [];
  /** Metrics drawn as curves over steps. */
  curveKeys: string[] = [];
  histories: MetricHistory[] = [];
  /** min/max/last by run id, then metric key. */
  summaries = new Map<string, Map<string, MetricSummary>>();
  parallelMetric = '';
  scatterParam = '';
  scatterMetric = '';
  onlyDifferences = true;
  loadingCurves = false;
  loadingSummaries = false;
  /** Settles when the summaries that setRuns started are in. */
  summariesLoaded: Promise<void> = Promise.resolve();
  error: string | null = null;

  private readonly request: Requester;
  private readonly _changed = new Signal<this, void>(this);
  private generation = 0;

  constructor(request: Requester) {
    this.request = request;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Compares these runs (2 to 1000): draws the first metric with a history, then summarizes every metric. */
  async setRuns(runs: Run[]): Promise<void> {
    if (runs.length < MIN_RUNS || runs.length > MAX_RUNS) {
      this.error = `Select between ${MIN_RUNS} and ${MAX_RUNS} runs to compare (${runs.length} selected).`;
      this.emit();
      return;
    }
    this.generation++;
    this.runs = runs;
    this.error = null;
    const keys = new Set<string>();
    runs.forEach(r => Object.keys(r.data.metrics).forEach(k => keys.add(k)));
    const user = [...keys].filter(k => !isSystemMetric(k)).sort();
    const system = [...keys].filter(isSystemMetric).sort();
    this.metricKeys = [...user, ...system];
    const first = this.metricKeys[0] ?? '';
    this.curveKeys = first ? [first] : [];
    this.parallelMetric = first;
    this.scatterMetric = first;
    this.scatterParam = differingParams(runs)[0] ?? Object.keys(runs[0].data.params).sort()[0] ?? '';
    this.histories = [];
    this.summaries = new Map();
    this.emit();
    await this.drawFirstCurve(first);
    // min/max/last of every metric: after the chart, so it never waits for them
    this.summariesLoaded = this.loadSummaries();
  }

  /**
   * Draws the first metric that has a history (several steps). A metric logged once per run
   * (accuracy at the end) is a single point: the next one is tried, up to a few.
   */
  private async drawFirstCurve(first: string): Promise<void> {
    const generation = this.generation;
    for (const key of this.metricKeys.slice(0, MAX_CURVE_TRIES)) {
      this.curveKeys = [key];
      await this.loadCurves();
      if (generation !== this.generation || this.error) {
        return;
      }
      if (this.histories.some(h => h.key === key && h.total_points > 1)) {
        return;
      }
    }
    this.curveKeys = first ? [first] : [];
    this.emit();
  }

  /** Shows or hides the curves of one metric. */
  async toggleCurve(key: string): Promise<void> {
    this.curveKeys = this.curveKeys.includes(key) ? this.curveKeys.filter(k => k !== key) : [...this.curveKeys, key];
    this.emit();
    await this.loadCurves();
  }

  setParallelMetric(key: string): void {
    this.parallelMetric = key;
    this.emit();
  }

  setScatter(paramKey: string, metricKey: string): void {
    this.scatterParam = paramKey;
    this.scatterMetric = metricKey;
    this.emit();
  }

  setOnlyDifferences(on: boolean): void {
    this.onlyDifferences = on;
    this.emit();
  }

  summary(runId: string, key: string): MetricSummary | undefined {
    return this.summaries.get(runId)?.get(key);
  }

  /** Histories of the drawn metrics, max_points chosen so all the lines stay light. */
  async loadCurves(): Promise<void> {
    const generation = this.generation;
    const keys = this.curveKeys.filter(k => !this.histories.some(h => h.key === k));
    if (keys.length === 0 || this.runs.length === 0) {
      return;
    }
    this.loadingCurves = true;
    this.emit();
    try {
      const loaded = await this.fetchHistories(keys, maxPointsFor(this.runs.length));
      if (generation === this.generation) {
        this.histories = this.histories.concat(loaded);
      }
    } catch (error) {
      if (generation === this.generation) {
        this.error = errorMessage(error);
      }
    } finally {
      if (generation === this.generation) {
        this.loadingCurves = false;
        this.emit();
      }
    }
  }

  /**
   * min/max/last of every metric of every run. Asks for max_points 4: the server's downsampling
   * then keeps exactly each series' first, minimum, maximum and last points.
   */
  async loadSummaries(): Promise<void> {
    const generation = this.generation;
    if (this.metricKeys.length === 0) {
      return;
    }
    this.loadingSummaries = true;
    this.emit();
    try {
      // a drawn metric's history already holds its exact min, max and last (the downsampling
      // keeps them): only the other metrics are asked for
      const drawn = new Set(this.histories.map(h => h.key));
      const missing = this.metricKeys.filter(k => !drawn.has(k));
      const fetched = missing.length ? await this.fetchHistories(missing, 4) : [];
      if (generation !== this.generation) {
        return;
      }
      const summaries = new Map<string, Map<string, MetricSummary>>();
      for (const history of [...this.histories, ...fetched]) {
        const summary = summarize(history);
        if (summary) {
          if (!summaries.has(history.run_id)) {
            summaries.set(history.run_id, new Map());
          }
          summaries.get(history.run_id)!.set(history.key, summary);
        }
      }
      this.summaries = summaries;
    } catch (error) {
      if (generation === this.generation) {
        this.error = errorMessage(error);
      }
    } finally {
      if (generation === this.generation) {
        this.loadingSummaries = false;
        this.emit();
      }
    }
  }

  /** POST /metrics/histories, split so each request holds at most 10,000 run-key pairs. */
  private async fetchHistories(keys: string[], maxPoints: number): Promise<MetricHistory[]> {
    const runIds = this.runs.map(r => r.info.run_id);
    const keysPerRequest = Math.max(1, Math.min(100, Math.floor(MAX_PAIRS / runIds.length)));
    const requests: Array<Promise<{ histories: MetricHistory[] }>> = [];
    for (let i = 0; i < keys.length; i += keysPerRequest) {
      requests.push(
        this.request('metrics/histories', send('POST', {
          run_ids: runIds,
          keys: keys.slice(i, i + keysPerRequest),
          max_points: maxPoints
        }))
      );
    }
    return (await Promise.all(requests)).flatMap(answer => answer.histories);
  }

  private emit(): void {
    this._changed.emit();
  }
}
