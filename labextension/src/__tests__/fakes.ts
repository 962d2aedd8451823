// A fake server for the model layer: answers requests from a handler and records them.
import { ApiError } from '../errors';
import { Requester } from '../state/http';
import { Run } from '../types';

export interface Call {
  path: string;
  method: string;
  body: any;
}

export type Handler = (call: Call) => unknown | Promise<unknown>;

export function fakeServer(handler: Handler): { request: Requester; calls: Call[] } {
  const calls: Call[] = [];
  const request = (async (path: string, init: RequestInit = {}) => {
    const call = {
      path,
      method: init.method ?? 'GET',
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    };
    calls.push(call);
    return await handler(call);
  }) as Requester;
  return { request, calls };
}

export function refuse(status: number, errorCode: string, message: string): never {
  throw new ApiError(status, errorCode, message);
}

let counter = 0;

export function makeRun(overrides: {
  id?: string;
  name?: string;
  start?: number;
  status?: Run['info']['status'];
  metrics?: Record<string, number | 'NaN'>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  cell?: string | null;
  notebook?: string | null;
}): Run {
  counter++;
  const id = overrides.id ?? `run${String(counter).padStart(4, '0')}`;
  return {
    info: {
      run_id: id,
      experiment_id: '1',
      run_name: overrides.name ?? id,
      user_id: 'ada',
      status: overrides.status ?? 'FINISHED',
      start_time: overrides.start ?? 1_700_000_000_000 + counter,
      end_time: null,
      artifact_uri: `/tmp/artifacts/${id}`,
      lifecycle_stage: 'active',
      parent_run_id: null,
      notebook_path: overrides.notebook ?? null,
      cell_id: overrides.cell ?? null,
      source: null
    },
    data: { metrics: overrides.metrics ?? {}, params: overrides.params ?? {}, tags: overrides.tags ?? {} },
    inputs: { dataset_inputs: [] }
  };
}

/** Waits until pending promise callbacks have run. */
export function flush(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}
