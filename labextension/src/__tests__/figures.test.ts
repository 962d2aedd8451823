import { describe, expect, it } from 'vitest';

import { curvesFigure, differingParams, paramRows, parallelFigure, scatterFigure, summarize } from '../state/figures';
import { makeRun } from './fakes';

describe('figures', () => {
  const a = makeRun({ name: 'a', metrics: { acc: 0.9 }, params: { depth: '3', model: 'rf', seed: '1' } });
  const b = makeRun({ name: 'b', metrics: { acc: 'NaN' }, params: { depth: '10', model: 'gbm', seed: '1' } });
  const c = makeRun({ name: 'c', metrics: { acc: 0.8 }, params: { depth: '5', seed: '1' } });

  it('draws one line per run over steps, NaN as a gap', () => {
    const figure = curvesFigure(
      [a, b, c],
      [
        { run_id: a.info.run_id, key: 'loss', total_points: 3, downsampled: false, steps: [0, 1, 2], values: [1, 'NaN', 0.5], timestamps: [] },
        { run_id: b.info.run_id, key: 'loss', total_points: 0, downsampled: false, steps: [], values: [], timestamps: [] }
      ],
      'loss'
    );
    expect(figure.data).toHaveLength(1);
    expect(figure.data[0]).toMatchObject({ type: 'scatter', mode: 'lines', name: 'a', x: [0, 1, 2], y: [1, null, 0.5] });
  });

  it('a metric logged once per run is a bar per run', () => {
    const one = (run_id: string, value: number) => ({ run_id, key: 'acc', total_points: 1, downsampled: false, steps: [0], values: [value], timestamps: [] });
    const figure = curvesFigure([a, b], [one(a.info.run_id, 0.9), one(b.info.run_id, 0.8)], 'acc');
    expect(figure.data).toEqual([expect.objectContaining({ type: 'bar', x: ['a', 'b'], y: [0.9, 0.8] })]);
  });

  it('parallel coordinates: numeric and categorical axes for differing params, then the metric', () => {
    expect(differingParams([a, b, c])).toEqual(['depth', 'model']);
    const figure = parallelFigure([a, b, c], 'acc');
    const dims = figure.data[0].dimensions as Array<Record<string, unknown>>;
    expect(dims.map(d => d.label)).toEqual(['depth', 'model', 'acc']);
    expect(dims[0].values).toEqual([3, 10, 5]);
    expect(dims[1]).toMatchObject({ ticktext: ['gbm', 'rf', '∅'], values: [1, 0, 2] });
    expect(dims[2].values).toEqual([0.9, NaN, 0.8]);
  });

  it('scatter: a categorical param stays categorical', () => {
    const figure = scatterFigure([a, b], 'model', 'acc');
    expect(figure.data[0]).toMatchObject({ x: ['rf', 'gbm'], y: [0.9, null], text: ['a', 'b'] });
    expect((figure.layout.xaxis as Record<string, unknown>).type).toBe('category');
  });

  it('params table: only differences hides equal rows', () => {
    expect(paramRows([a, c], false).map(r => r.key)).toEqual(['depth', 'model', 'seed']);
    const rows = paramRows([a, c], true);
    expect(rows).toEqual([
      { key: 'depth', values: ['3', '5'], differs: true },
      { key: 'model', values: ['rf', ''], differs: true }
    ]);
  });

  it('summarize: NaN is never a min or max, but can be last', () => {
    expect(summarize({ run_id: 'x', key: 'k', total_points: 3, downsampled: false, steps: [0, 1, 2], values: [2, -1, 'NaN'], timestamps: [] })).toEqual({
      min: -1,
      max: 2,
      last: NaN
    });
    expect(summarize({ run_id: 'x', key: 'k', total_points: 0, downsampled: false, steps: [], values: [], timestamps: [] })).toBeNull();
  });
});
