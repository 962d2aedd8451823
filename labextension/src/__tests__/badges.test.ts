import { describe, expect, it } from 'vitest';

import { NotebookRunsIndex, badgeText, keyMetric, notebookFilter } from '../state/badges';
import { absolutePath, recordedPathCandidates, serverPathOf } from '../state/paths';
import { ApiError } from '../errors';
import { fakeServer, makeRun } from './fakes';

describe('notebook badges', () => {
  it("finds a notebook's runs by either path, quotes doubled", () => {
    expect(notebookFilter(["it's.ipynb"])).toBe("attributes.notebook_path = 'it''s.ipynb'");
    expect(notebookFilter(['a.ipynb', '/srv/a.ipynb'])).toBe("attributes.notebook_path IN ('a.ipynb', '/srv/a.ipynb')");
  });

  it('keeps the latest run of each cell, over every experiment', async () => {
    const older = makeRun({ cell: 'c1', start: 10, name: 'old' });
    const newer = makeRun({ cell: 'c1', start: 20, name: 'new', metrics: { acc: 0.93456 } });
    const other = makeRun({ cell: 'c2', start: 15 });
    const loose = makeRun({ cell: null });
    const { request, calls } = fakeServer(call => {
      if (call.path.startsWith('experiments')) {
        return { experiments: Array.from({ length: 1500 }, (_, i) => ({ experiment_id: String(i) })) };
      }
      return call.body.experiment_ids[0] === '0' ? { runs: [older, loose], next_page_token: null } : { runs: [newer, other], next_page_token: null };
    });
    const index = new NotebookRunsIndex(request, ['nb.ipynb', '/srv/nb.ipynb']);
    let changed = 0;
    index.changed.connect(() => changed++);
    await index.refresh();
    const searches = calls.filter(c => c.path === 'runs/search');
    expect(searches.map(c => c.body.experiment_ids.length)).toEqual([1000, 500]);
    expect(searches[0].body.filter).toBe("attributes.notebook_path IN ('nb.ipynb', '/srv/nb.ipynb')");
    expect(index.byCell.get('c1')).toEqual({ latest: newer, count: 2 });
    expect(index.byCell.get('c2')?.count).toBe(1);
    expect(index.byCell.size).toBe(2);
    expect(changed).toBe(1);
    expect(badgeText(newer)).toBe('new · acc 0.9346');
  });

  it('the key metric: the tagged one, else the first own metric (not cell.*)', () => {
    expect(keyMetric(makeRun({ metrics: { 'cell.wall_time_s': 1, zeta: 2, beta: 3 } }))).toEqual({ key: 'beta', value: 3 });
    expect(keyMetric(makeRun({ metrics: { a: 1, f1: 0.5 }, tags: { 'mltrack.key_metric': 'f1' } }))).toEqual({ key: 'f1', value: 0.5 });
    expect(keyMetric(makeRun({ metrics: {} }))).toBeNull();
    expect(badgeText(makeRun({ name: 'plain' }))).toBe('plain');
  });
});

describe('paths', () => {
  it('maps recorded (absolute) notebook paths to server paths and back', () => {
    expect(absolutePath('work/a.ipynb', '/home/ada/')).toBe('/home/ada/work/a.ipynb');
    expect(absolutePath('a.ipynb', '~/lab')).toBeNull();
    expect(recordedPathCandidates('work/a.ipynb', '/home/ada')).toEqual(['work/a.ipynb', '/home/ada/work/a.ipynb']);
    expect(serverPathOf('/home/ada/work/a.ipynb', '/home/ada')).toBe('work/a.ipynb');
    expect(serverPathOf('/elsewhere/a.ipynb', '/home/ada')).toBeNull();
    expect(serverPathOf('/home/adam/a.ipynb', '/home/ada')).toBeNull();
    expect(serverPathOf('./work/a.ipynb', '/home/ada')).toBe('work/a.ipynb');
  });
});

describe('ApiError', () => {
  it("carries the server's error_code and message", () => {
    const error = ApiError.fromBody(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad token at 3' });
    expect([error.status, error.errorCode, error.message]).toEqual([400, 'INVALID_PARAMETER_VALUE', 'bad token at 3']);
    expect(ApiError.fromBody(502, '<html>proxy</html>').message).toBe('<html>proxy</html>');
    expect(ApiError.fromBody(500, null).message).toBe('The server answered HTTP 500.');
  });
});
