import { describe, expect, it } from 'vitest';

import { RunsModel } from '../state/runs';
import { Call, fakeServer, flush, makeRun, refuse } from './fakes';
import { Run } from '../types';

const EXPERIMENTS = {
  experiments: [
    { experiment_id: '0', name: 'Default', last_update_time: 10 },
    { experiment_id: '7', name: 'iris', last_update_time: 99 }
  ]
};

/** A server holding `runs` (newest first), paging by offset tokens like the real one. */
function runsServer(runs: Run[], extra?: (call: Call) => unknown) {
  return fakeServer(call => {
    const answer = extra?.(call);
    if (answer !== undefined) {
      return answer;
    }
    if (call.path.startsWith('experiments')) {
      return EXPERIMENTS;
    }
    if (call.path === 'runs/search') {
      const offset = call.body.page_token ? Number(call.body.page_token) : 0;
      const page = runs.slice(offset, offset + call.body.max_results);
      const next = offset + call.body.max_results < runs.length ? String(offset + call.body.max_results) : null;
      return { runs: page, next_page_token: next };
    }
    throw new Error(`unexpected ${call.path}`);
  });
}

const pages = (calls: Call[]) => calls.filter(c => c.path === 'runs/search' && c.body.max_results !== 1);

describe('RunsModel', () => {
  it('selects the most recently updated experiment and loads a small first page', async () => {
    const runs = Array.from({ length: 250 }, () => makeRun({ metrics: { acc: 0.5 } }));
    const { request, calls } = runsServer(runs);
    const model = new RunsModel(request, { firstPageSize: 100, pageSize: 500 });
    await model.loadExperiments();
    expect(model.selectedExperimentIds).toEqual(['7']);
    expect(model.runs).toHaveLength(100);
    expect(model.hasMore).toBe(true);
    expect(pages(calls)[0].body).toEqual({ experiment_ids: ['7'], max_results: 100 });
  });

  it('loads the next page only when the table nears the end, one request at a time', async () => {
    const runs = Array.from({ length: 700 }, () => makeRun({}));
    const { request, calls } = runsServer(runs);
    const model = new RunsModel(request, { firstPageSize: 100, pageSize: 500 });
    await model.setExperiments(['7']);
    model.ensureLoaded(10);
    expect(pages(calls)).toHaveLength(1);
    model.ensureLoaded(60);
    model.ensureLoaded(70);
    await flush();
    expect(pages(calls)).toHaveLength(2);
    expect(pages(calls)[1].body.page_token).toBe('100');
    expect(pages(calls)[1].body.max_results).toBe(500);
    await flush();
    expect(model.runs).toHaveLength(600);
    model.ensureLoaded(599);
    await flush();
    await flush();
    expect(model.runs.map(r => r.info.run_id)).toEqual(runs.map(r => r.info.run_id));
    expect(model.hasMore).toBe(false);
  });

  it('shows a refused filter as filterError and keeps the table as it was', async () => {
    const runs = [makeRun({}), makeRun({})];
    const message = "Invalid filter at position 8: expected a value, got 'and'\n  metrics.acc > and\n               ^";
    const { request } = runsServer(runs, call =>
      call.path === 'runs/search' && call.body.filter === 'metrics.acc > and'
        ? refuse(400, 'INVALID_PARAMETER_VALUE', message)
        : undefined
    );
    const model = new RunsModel(request);
    await model.setExperiments(['7']);
    await model.applyFilter('metrics.acc > and');
    expect(model.filterError).toBe(message);
    expect(model.runs).toHaveLength(2);
    expect(model.filter).toBe('');
    await model.applyFilter("params.model = 'rf'");
    expect(model.filterError).toBeNull();
    expect(model.filter).toBe("params.model = 'rf'");
  });

  it('sorts by clicked columns: metrics descending first, a second click flips', async () => {
    const { request, calls } = runsServer([makeRun({})]);
    const model = new RunsModel(request);
    await model.setExperiments(['7']);
    await model.sortBy({ kind: 'metrics', key: 'val loss' });
    expect(pages(calls).at(-1)!.body.order_by).toEqual(['metrics.`val loss` DESC']);
    await model.sortBy({ kind: 'metrics', key: 'val loss' });
    expect(pages(calls).at(-1)!.body.order_by).toEqual(['metrics.`val loss` ASC']);
    await model.sortBy({ kind: 'attributes', key: 'run_name' });
    expect(pages(calls).at(-1)!.body.order_by).toEqual(['attributes.run_name ASC']);
  });

  it('live refresh: an unchanged newest run costs one tiny request; a new run reloads', async () => {
    const runs = [makeRun({ start: 100 }), makeRun({ start: 50 })];
    const { request, calls } = runsServer(runs);
    const model = new RunsModel(request);
    await model.setExperiments(['7']);
    let logged = 0;
    model.runsLogged.connect(() => logged++);
    const before = calls.length;
    expect(await model.poll()).toBe(false);
    expect(calls.slice(before)).toHaveLength(1);
    expect(calls.at(-1)!.body).toEqual({
      experiment_ids: ['7'],
      max_results: 1,
      order_by: ['attributes.start_time DESC']
    });
    runs.unshift(makeRun({ start: 200, name: 'fresh' }));
    expect(await model.poll()).toBe(true);
    expect(model.runs[0].info.run_name).toBe('fresh');
    expect(logged).toBe(1);
  });

  it('live refresh re-reads RUNNING runs so their metrics move', async () => {
    const running = makeRun({ status: 'RUNNING', metrics: { loss: 1 } });
    const { request } = runsServer([running], call =>
      call.path === `runs/${running.info.run_id}`
        ? { run: { ...running, data: { ...running.data, metrics: { loss: 0.5 } } } }
        : undefined
    );
    const model = new RunsModel(request);
    await model.setExperiments(['7']);
    expect(await model.poll()).toBe(true);
    expect(model.runs[0].data.metrics.loss).toBe(0.5);
  });

  it('discards a page that arrives after a newer reload', async () => {
    const runs = Array.from({ length: 300 }, () => makeRun({}));
    let release: () => void = () => undefined;
    const { request } = runsServer(runs, call =>
      call.body?.page_token ? new Promise(resolve => (release = () => resolve(undefined))).then(() => ({ runs: [makeRun({ name: 'stale' })], next_page_token: null })) : undefined
    );
    const model = new RunsModel(request, { firstPageSize: 100 });
    await model.setExperiments(['7']);
    const pending = model.loadMore();
    await model.applyFilter("params.x = '1'");
    release();
    await pending;
    expect(model.runs.some(r => r.info.run_name === 'stale')).toBe(false);
    expect(model.runs).toHaveLength(100);
  });

  it('keeps the selection across reloads; shift-ranges select and unselect', async () => {
    const runs = Array.from({ length: 10 }, () => makeRun({}));
    const { request } = runsServer(runs);
    const model = new RunsModel(request);
    await model.setExperiments(['7']);
    model.toggleSelected(model.runs[0]);
    model.selectRange(2, 4);
    expect(model.selected.size).toBe(4);
    await model.reload();
    expect(model.selectedRuns().map(r => r.info.run_id)).toEqual([0, 2, 3, 4].map(i => runs[i].info.run_id));
    model.selectRange(4, 3, false);
    expect(model.selected.size).toBe(2);
  });

  it('offers the keys of loaded runs as columns and shows a few metrics and params at first', async () => {
    const runs = [
      makeRun({ metrics: { acc: 1, 'cell.wall_time_s': 2, f1: 3 }, params: { depth: '3' }, tags: { team: 'a', 'mlflow.user': 'x' } })
    ];
    const { request } = runsServer(runs);
    const model = new RunsModel(request);
    await model.setExperiments(['7']);
    expect(model.keys).toEqual({ metrics: ['acc', 'cell.wall_time_s', 'f1'], params: ['depth'], tags: ['team'] });
    expect(model.columns.map(c => `${c.kind}.${c.key}`)).toEqual(['metrics.acc', 'metrics.f1', 'params.depth']);
    model.toggleColumn({ kind: 'tags', key: 'team' });
    model.toggleColumn({ kind: 'metrics', key: 'acc' });
    expect(model.columns.map(c => `${c.kind}.${c.key}`)).toEqual(['metrics.f1', 'params.depth', 'tags.team']);
  });

  it('polls on a timer only between startPolling and stopPolling', async () => {
    const { request, calls } = runsServer([makeRun({})]);
    const model = new RunsModel(request, { pollIntervalMs: 5 });
    await model.setExperiments(['7']);
    const before = calls.length;
    model.startPolling();
    await new Promise(resolve => setTimeout(resolve, 40));
    model.stopPolling();
    const during = calls.length - before;
    expect(during).toBeGreaterThan(1);
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(calls.length - before).toBe(during);
  });
});

describe('RunsModel experiments', () => {
  it('a poll notices a first experiment created after the panel opened', async () => {
    const experiments: unknown[] = [];
    const { request } = fakeServer(call => {
      if (call.path.startsWith('experiments')) {
        return { experiments };
      }
      return { runs: [makeRun({ name: 'first' })], next_page_token: null };
    });
    const model = new RunsModel(request);
    await model.loadExperiments();
    expect(model.selectedExperimentIds).toEqual([]);
    expect(await model.poll()).toBe(false);
    experiments.push({ experiment_id: '3', name: 'new', last_update_time: 5 });
    expect(await model.poll()).toBe(true);
    expect(model.selectedExperimentIds).toEqual(['3']);
    expect(model.runs[0].info.run_name).toBe('first');
  });
});

describe('RunsModel snapshot', () => {
  it('restores chosen experiments and columns; drops experiments that are gone', async () => {
    const { request, calls } = runsServer([makeRun({ metrics: { acc: 1 } })]);
    const model = new RunsModel(request);
    model.restore({ experimentIds: ['0', 'gone'], columns: [{ kind: 'params', key: 'depth' }] });
    await model.loadExperiments();
    expect(model.selectedExperimentIds).toEqual(['0']);
    expect(pages(calls)[0].body.experiment_ids).toEqual(['0']);
    expect(model.columns).toEqual([{ kind: 'params', key: 'depth' }]); // not replaced by defaults
    expect(model.snapshot()).toEqual({ experimentIds: ['0'], columns: [{ kind: 'params', key: 'depth' }] });
    expect(new RunsModel(request).snapshot().columns).toBeNull();
  });
});
