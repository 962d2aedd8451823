// The Runs view's state: experiments, filter, order, columns, the loaded pages, the selection,
// and the live refresh. Components render it and call its methods; only it talks to the server.
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, errorMessage } from '../errors';
import { Experiment, Run, RunPage } from '../types';
import { Column, isSystemMetric, orderIdentifier, sameColumn } from './columns';
import { Requester, send } from './http';

export interface SortOrder {
  column: Column;
  descending: boolean;
}

export interface RunsOptions {
  /** Runs in the first page: small, so the table shows fast. */
  firstPageSize?: number;
  /** Runs in each later page, fetched as the table scrolls near the end of what is loaded. */
  pageSize?: number;
  /** How often the live refresh looks for new runs while the panel is visible. */
  pollIntervalMs?: number;
}

/** The part of the view worth keeping across page loads. */
export interface RunsViewState {
  experimentIds: string[];
  /** The chosen columns, or null while the defaults apply. */
  columns: Column[] | null;
}

/** Keys seen in the loaded runs, for the column chooser. */
export interface AvailableKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** At most this many runs are reloaded by a live refresh (the rest load again on scroll). */
const MAX_REFRESH = 1000;
/** Every this many polls, the experiment list is read again too. */
const EXPERIMENTS_EVERY = 3;
/** The next page is fetched when the table shows a row this close to the end of the loaded ones. */
const PREFETCH_ROWS = 50;
/** At most this many RUNNING runs are re-read one by one on each poll. */
const MAX_RUNNING_REFRESH = 20;

export class RunsModel {
  experiments: Experiment[] = [];
  selectedExperimentIds: string[] = [];
  /** The filter as applied to the loaded runs. */
  filter = '';
  /** The server's message for a filter it refused (400), shown under the filter box. */
  filterError: string | null = null;
  order: SortOrder | null = null;
  /** Chosen params, metrics and tags columns, in order. */
  columns: Column[] = [];
  runs: Run[] = [];
  hasMore = false;
  loading = false;
  error: string | null = null;
  /** Selected runs by id (kept across reloads, so a comparison survives a refresh). */
  readonly selected = new Map<string, Run>();

  private readonly request: Requester;
  private readonly firstPageSize: number;
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _runsLogged = new Signal<this, void>(this);
  private readonly keySets = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
  private nextToken: string | null = null;
  private generation = 0;
  private pendingPage: Promise<void> | null = null;
  private newest: string | null = null;
  private columnsChosen = false;
  private ticks = 0;
  private everLoaded = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(request: Requester, options: RunsOptions = {}) {
    this.request = request;
    this.firstPageSize = options.firstPageSize ?? 100;
    this.pageSize = options.pageSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 4000;
  }

  /** Emitted after any change of state. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the live refresh saw a new or finished run (the notebook badges listen). */
  get runsLogged(): ISignal<this, void> {
    return this._runsLogged;
  }

  get keys(): AvailableKeys {
    const sorted = (s: Set<string>): string[] => [...s].sort();
    return { metrics: sorted(this.keySets.metrics), params: sorted(this.keySets.params), tags: sorted(this.keySets.tags) };
  }

  /** What the view should start from next time (the panel keeps it in the browser's storage). */
  snapshot(): RunsViewState {
    return { experimentIds: this.selectedExperimentIds, columns: this.columnsChosen ? this.columns : null };
  }

  /** Starts from a saved snapshot (before loadExperiments; unknown experiments are dropped then). */
  restore(state: Partial<RunsViewState> | null | undefined): void {
    if (state && Array.isArray(state.experimentIds)) {
      this.selectedExperimentIds = state.experimentIds.filter(id => typeof id === 'string');
    }
    if (state && Array.isArray(state.columns)) {
      this.columns = state.columns.filter(c => c && typeof c.key === 'string' && ['metrics', 'params', 'tags'].includes(c.kind));
      this.columnsChosen = true;
    }
  }

  /** Loads the experiment list; with nothing selected yet, selects the most recently updated. */
  async loadExperiments(): Promise<void> {
    try {
      const page = await this.request<{ experiments: Experiment[] }>('experiments?max_results=1000');
      this.experiments = page.experiments;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
      this.emit();
      return;
    }
    const known = new Set(this.experiments.map(e => e.experiment_id));
    const kept = this.selectedExperimentIds.filter(id => known.has(id));
    if (kept.length === 0 && this.experiments.length > 0) {
      const latest = [...this.experiments].sort((a, b) => (b.last_update_time ?? 0) - (a.last_update_time ?? 0))[0];
      kept.push(latest.experiment_id);
    }
    const changed = kept.join() !== this.selectedExperimentIds.join();
    this.selectedExperimentIds = kept;
    this.emit();
    if (changed || !this.everLoaded) {
      await this.reload();
    }
  }

  async setExperiments(ids: string[]): Promise<void> {
    this.selectedExperimentIds = [...ids].slice(0, 1000);
    for (const keys of Object.values(this.keySets)) {
      keys.clear();
    }
    if (!this.columnsChosen) {
      this.columns = [];
    }
    await this.reload();
  }

  /** Applies a filter; a refused one leaves the table (and `filter`) as it was and sets filterError. */
  async applyFilter(filter: string): Promise<void> {
    await this.reload(this.firstPageSize, filter.trim());
  }

  /** Sorts by a column; clicking the sorted column again flips the direction. */
  async sortBy(column: Column): Promise<void> {
    if (this.order && sameColumn(this.order.column, column)) {
      this.order = { column, descending: !this.order.descending };
    } else {
      const descendingFirst = column.kind === 'metrics' || column.key === 'start_time';
      this.order = { column, descending: descendingFirst };
    }
    await this.reload();
  }

  isShown(column: Column): boolean {
    return this.columns.some(c => sameColumn(c, column));
  }

  toggleColumn(column: Column): void {
    this.columnsChosen = true;
    this.columns = this.isShown(column)
      ? this.columns.filter(c => !sameColumn(c, column))
      : [...this.columns, column];
    this.emit();
  }

  /** The order_by list for the request (empty: the server's default, newest first). */
  orderBy(): string[] {
    if (!this.order) {
      return [];
    }
    return [`${orderIdentifier(this.order.column)} ${this.order.descending ? 'DESC' : 'ASC'}`];
  }

  /**
   * Loads the first page again (`count` runs, default the first page size). Answers false when
   * the server refused the filter (filterError says why), true otherwise.
   */
  async reload(count = this.firstPageSize, filter = this.filter): Promise<boolean> {
    const generation = ++this.generation;
    this.pendingPage = null;
    if (this.selectedExperimentIds.length === 0) {
      this.runs = [];
      this.hasMore = false;
      this.nextToken = null;
      this.emit();
      return true;
    }
    this.loading = true;
    this.emit();
    try {
      const [page, newest] = await Promise.all([this.search(count, null, filter), this.newestSignature()]);
      if (generation !== this.generation) {
        return true;
      }
      this.filter = filter;
      this.everLoaded = true;
      this.runs = page.runs;
      this.nextToken = page.next_page_token;
      this.hasMore = page.next_page_token !== null;
      this.newest = newest;
      this.filterError = null;
      this.error = null;
      this.noteKeys(page.runs);
      return true;
    } catch (error) {
      if (generation !== this.generation) {
        return true;
      }
      if (error instanceof ApiError && error.status === 400) {
        this.filterError = error.message;
        return false;
      }
      this.error = errorMessage(error);
      return true;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.emit();
      }
    }
  }

  /** Fetches the next page (one at a time; a reload in between discards it). */
  loadMore(): Promise<void> {
    if (!this.hasMore || this.nextToken === null) {
      return Promise.resolve();
    }
    if (this.pendingPage) {
      return this.pendingPage;
    }
    const generation = this.generation;
    const token = this.nextToken;
    this.loading = true;
    this.emit();
    const pending = (async () => {
      try {
        const page = await this.search(this.pageSize, token);
        if (generation !== this.generation) {
          return;
        }
        this.runs = this.runs.concat(page.runs);
        this.nextToken = page.next_page_token;
        this.hasMore = page.next_page_token !== null;
        this.noteKeys(page.runs);
      } catch (error) {
        if (generation === this.generation) {
          this.error = errorMessage(error);
          this.hasMore = false;
        }
      } finally {
        if (generation === this.generation) {
          this.pendingPage = null;
          this.loading = false;
          this.emit();
        }
      }
    })();
    this.pendingPage = pending;
    return pending;
  }

  /** Called by the table with the last row it shows: loads the next page when it is near. */
  ensureLoaded(lastVisibleIndex: number): void {
    const prefetch = Math.min(PREFETCH_ROWS, Math.ceil(this.runs.length / 2));
    if (this.hasMore && !this.pendingPage && lastVisibleIndex >= this.runs.length - prefetch) {
      void this.loadMore();
    }
  }

  isSelected(runId: string): boolean {
    return this.selected.has(runId);
  }

  toggleSelected(run: Run): void {
    if (this.selected.has(run.info.run_id)) {
      this.selected.delete(run.info.run_id);
    } else {
      this.selected.set(run.info.run_id, run);
    }
    this.emit();
  }

  /** Selects (or, with `on` false, unselects) the loaded runs from index `from` to `to`. */
  selectRange(from: number, to: number, on = true): void {
    const [a, b] = from <= to ? [from, to] : [to, from];
    for (const run of this.runs.slice(a, b + 1)) {
      if (on) {
        this.selected.set(run.info.run_id, run);
      } else {
        this.selected.delete(run.info.run_id);
      }
    }
    this.emit();
  }

  /** Selects every loaded run (at most 1000, the most a comparison takes). */
  selectAllLoaded(): void {
    for (const run of this.runs.slice(0, 1000)) {
      this.selected.set(run.info.run_id, run);
    }
    this.emit();
  }

  clearSelection(): void {
    this.selected.clear();
    this.emit();
  }

  selectedRuns(): Run[] {
    return [...this.selected.values()];
  }

  /**
   * The live refresh, one tick: asks for the single newest run of the selected experiments
   * (max_results 1, newest first) and compares its id, status and end time with what was seen.
   * A difference (a run was logged, or finished) reloads the loaded runs and emits runsLogged.
   * Runs shown as RUNNING are re-read one by one, so their metrics move while they log.
   * Answers whether anything changed.
   */
  async poll(): Promise<boolean> {
    if (this.loading) {
      return false;
    }
    if (++this.ticks % EXPERIMENTS_EVERY === 0 || this.selectedExperimentIds.length === 0) {
      // new experiments show in the picker; with none chosen yet, the first one is chosen
      const before = this.selectedExperimentIds.join();
      await this.loadExperiments();
      if (this.selectedExperimentIds.join() !== before) {
        this._runsLogged.emit();
        return true;
      }
    }
    if (this.selectedExperimentIds.length === 0) {
      return false;
    }
    const generation = this.generation;
    let newest: string | null;
    try {
      newest = await this.newestSignature();
    } catch {
      return false; // the next tick tries again; the table keeps what it has
    }
    if (generation !== this.generation) {
      return false;
    }
    if (newest !== this.newest) {
      await this.reload(Math.min(Math.max(this.runs.length, this.firstPageSize), MAX_REFRESH));
      this._runsLogged.emit();
      return true;
    }
    return this.refreshRunning(generation);
  }

  /** Starts the live refresh (the panel calls it when it is shown). */
  startPolling(): void {
    if (this.timer === null) {
      this.timer = setInterval(() => void this.poll(), this.pollIntervalMs);
    }
  }

  /** Stops the live refresh (the panel calls it when it is hidden). */
  stopPolling(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get polling(): boolean {
    return this.timer !== null;
  }

  dispose(): void {
    this.stopPolling();
    Signal.clearData(this);
  }

  private async refreshRunning(generation: number): Promise<boolean> {
    const running = this.runs.filter(r => r.info.status === 'RUNNING').slice(0, MAX_RUNNING_REFRESH);
    if (running.length === 0) {
      return false;
    }
    const fresh = await Promise.all(
      running.map(r =>
        this.request<{ run: Run }>(`runs/${encodeURIComponent(r.info.run_id)}`).then(
          a => a.run,
          () => r
        )
      )
    );
    if (generation !== this.generation) {
      return false;
    }
    const byId = new Map(fresh.map(r => [r.info.run_id, r]));
    this.runs = this.runs.map(r => byId.get(r.info.run_id) ?? r);
    this.noteKeys(fresh);
    this.emit();
    return true;
  }

  private search(maxResults: number, pageToken: string | null, filter = this.filter): Promise<RunPage> {
    const body: Record<string, unknown> = {
      experiment_ids: this.selectedExperimentIds,
      max_results: maxResults
    };
    if (filter) {
      body.filter = filter;
    }
    const orderBy = this.orderBy();
    if (orderBy.length) {
      body.order_by = orderBy;
    }
    if (pageToken) {
      body.page_token = pageToken;
    }
    return this.request<RunPage>('runs/search', send('POST', body));
  }

  private async newestSignature(): Promise<string> {
    const page = await this.request<RunPage>(
      'runs/search',
      send('POST', {
        experiment_ids: this.selectedExperimentIds,
        max_results: 1,
        order_by: ['attributes.start_time DESC']
      })
    );
    const run = page.runs[0];
    return run ? `${run.info.run_id}:${run.info.status}:${run.info.end_time ?? ''}` : '';
  }

  private noteKeys(runs: Run[]): void {
    for (const run of runs) {
      for (const key of Object.keys(run.data.metrics)) {
        this.keySets.metrics.add(key);
      }
      for (const key of Object.keys(run.data.params)) {
        this.keySets.params.add(key);
      }
      for (const key of Object.keys(run.data.tags)) {
        if (!key.startsWith('mlflow.')) {
          this.keySets.tags.add(key);
        }
      }
    }
    if (!this.columnsChosen && this.columns.length === 0) {
      const metrics = [...this.keySets.metrics].filter(k => !isSystemMetric(k)).sort().slice(0, 3);
      const params = [...this.keySets.params].sort().slice(0, 2);
      this.columns = [
        ...metrics.map(key => ({ kind: 'metrics' as const, key })),
        ...params.map(key => ({ kind: 'params' as const, key }))
      ];
    }
  }

  private emit(): void {
    this._changed.emit();
  }
}
