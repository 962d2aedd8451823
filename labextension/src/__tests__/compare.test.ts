import { describe, expect, it } from 'vitest';

import { CompareModel, maxPointsFor } from '../state/compare';
import { fakeServer, makeRun } from './fakes';

/** Histories: each run's `loss` goes 3, 1, 2 (min 1, max 3, last 2). */
function historiesServer() {
  return fakeServer(call => {
    if (call.path !== 'metrics/histories') {
      throw new Error(call.path);
    }
    return {
      histories: call.body.run_ids.flatMap((run_id: string) =>
        call.body.keys.map((key: string) => ({
          run_id,
          key,
          total_points: key === 'acc' ? 1 : 3,
          downsampled: false,
          steps: [0, 1, 2],
          values: key === 'loss' ? [3, 1, 2] : [0.5, 'NaN', 0.7],
          timestamps: [1, 2, 3]
        }))
      )
    };
  });
}

describe('CompareModel', () => {
  it('refuses fewer than two runs', async () => {
    const { request, calls } = historiesServer();
    const model = new CompareModel(request);
    await model.setRuns([makeRun({})]);
    expect(model.error).toMatch(/between 2 and 1000/);
    expect(calls).toHaveLength(0);
  });

  it('draws the first own metric and summarizes every metric with max_points 4', async () => {
    const { request, calls } = historiesServer();
    const model = new CompareModel(request);
    const runs = [
      makeRun({ metrics: { loss: 2, acc: 0.7, 'cell.wall_time_s': 1 }, params: { depth: '3', seed: '1' } }),
      makeRun({ metrics: { loss: 2, acc: 0.7 }, params: { depth: '5', seed: '1' } })
    ];
    await model.setRuns(runs);
    await model.summariesLoaded;
    expect(model.metricKeys).toEqual(['acc', 'loss', 'cell.wall_time_s']);
    // acc has a single value: the first metric with a history is drawn
    expect(model.curveKeys).toEqual(['loss']);
    expect(model.scatterParam).toBe('depth');
    const curves = calls.filter(c => c.body.max_points === 1000);
    expect(curves.map(c => c.body.keys)).toEqual([['acc'], ['loss']]);
    expect(curves[1].body.run_ids).toEqual(runs.map(r => r.info.run_id));
    // drawn metrics are summarized from their histories: only the rest is asked for
    const summary = calls.find(c => c.body.max_points === 4)!;
    expect(summary.body.keys).toEqual(['cell.wall_time_s']);
    expect(model.summary(runs[0].info.run_id, 'loss')).toEqual({ min: 1, max: 3, last: 2 });
    expect(model.summary(runs[1].info.run_id, 'acc')).toEqual({ min: 0.5, max: 0.7, last: 0.7 });
    expect(model.histories.filter(h => h.key === 'loss')).toHaveLength(2);
    const before = calls.length;
    await model.toggleCurve('acc');
    expect(model.histories.filter(h => h.key === 'acc')).toHaveLength(2);
    expect(calls.length).toBe(before); // loaded already
    await model.toggleCurve('loss');
    expect(model.curveKeys).toEqual(['acc']);
  });

  it('splits history requests at 10,000 run-key pairs and thins the curves of many runs', async () => {
    const { request, calls } = historiesServer();
    const model = new CompareModel(request);
    const metrics = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`m${String(i).padStart(2, '0')}`, 1]));
    const runs = Array.from({ length: 1000 }, () => makeRun({ metrics }));
    await model.setRuns(runs);
    await model.summariesLoaded;
    const summaries = calls.filter(c => c.body.max_points === 4);
    expect(summaries.map(c => c.body.keys.length)).toEqual([10, 10, 4]);
    for (const c of calls) {
      expect(c.body.run_ids.length * c.body.keys.length).toBeLessThanOrEqual(10000);
    }
    expect(calls.find(c => c.body.max_points !== 4)!.body.max_points).toBe(50);
    expect(maxPointsFor(2)).toBe(1000);
    expect(maxPointsFor(50)).toBe(1000);
    expect(maxPointsFor(100)).toBe(500);
    expect(maxPointsFor(1000)).toBe(50);
    expect(maxPointsFor(100000)).toBe(4);
  });
});
