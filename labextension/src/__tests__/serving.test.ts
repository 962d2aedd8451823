import { describe, expect, it } from 'vitest';

import { MltrackModel } from '../model';
import { ServingKernel, ServingModel } from '../state/serving';
import { fakeServer, refuse } from './fakes';

function kernel(overrides: Partial<ServingKernel>): ServingKernel {
  return {
    id: '6f1c2a9e-0d4b-4c8e-9a51-2b7d3c1e8f00',
    model_uri: 'models:/iris@champion',
    served_uri: 'models:/iris/3',
    model: 'iris',
    version: '3',
    host: '127.0.0.1',
    port: 5001,
    url: 'http://127.0.0.1:5001',
    launcher: 'jupyter-server',
    started_at: 1795745000,
    state: 'serving',
    pid: 42,
    boots: 1,
    error: null,
    died_at: null,
    exit_code: null,
    health: 'ok',
    requests: 0,
    ...overrides
  };
}

function servingServer(kernels: ServingKernel[]) {
  return fakeServer(call => {
    if (call.path === 'serving' && call.method === 'GET') {
      return { kernels };
    }
    if (call.path === 'serving' && call.method === 'POST') {
      if (call.body.model_uri === 'models:/nobody@x') {
        refuse(404, 'RESOURCE_DOES_NOT_EXIST', "Registered model 'nobody' not found.");
      }
      const started = kernel({ model_uri: call.body.model_uri, port: call.body.port ?? 5001 });
      kernels.push(started);
      return started;
    }
    if (call.path.startsWith('serving/') && call.method === 'DELETE') {
      const id = decodeURIComponent(call.path.slice('serving/'.length));
      kernels.splice(kernels.findIndex(k => k.id === id), 1);
      return {};
    }
    throw new Error(`unexpected ${call.method} ${call.path}`);
  });
}

describe('ServingModel', () => {
  it('starts a kernel with the URI and port, says where it serves, and lists it', async () => {
    const kernels: ServingKernel[] = [];
    const { request, calls } = servingServer(kernels);
    const serving = new ServingModel(request);
    expect(await serving.start('  models:/iris@champion ', 5001)).toBe(true);
    expect(calls[0]).toEqual({ path: 'serving', method: 'POST', body: { model_uri: 'models:/iris@champion', port: 5001 } });
    expect(serving.message).toEqual({ kind: 'success', text: 'Serving iris version 3 at http://127.0.0.1:5001 (kernel 6f1c2a9e).' });
    expect(serving.kernels.map(k => k.url)).toEqual(['http://127.0.0.1:5001']);
    expect(serving.starting).toBeNull();
  });

  it('shows the server refusal as a message and sends nothing for an empty URI', async () => {
    const { request, calls } = servingServer([]);
    const serving = new ServingModel(request);
    expect(await serving.start('   ')).toBe(false);
    expect(calls).toEqual([]);
    expect(serving.message?.kind).toBe('error');
    expect(await serving.start('models:/nobody@x')).toBe(false);
    expect(serving.message).toEqual({ kind: 'error', text: "Registered model 'nobody' not found." });
  });

  it('stops a kernel by its id and reloads the list', async () => {
    const kernels = [kernel({}), kernel({ id: 'dead0000-1', state: 'dead', died_at: 1795745100 })];
    const { request, calls } = servingServer(kernels);
    const serving = new ServingModel(request);
    await serving.stop('dead0000-1');
    expect(calls.map(c => `${c.method} ${c.path}`)).toEqual(['DELETE serving/dead0000-1', 'GET serving']);
    expect(serving.kernels.map(k => k.id)).toEqual(['6f1c2a9e-0d4b-4c8e-9a51-2b7d3c1e8f00']);
  });

  it('refreshes only while the Serving view is shown', async () => {
    const { request, calls } = servingServer([kernel({})]);
    const model = new MltrackModel(request, { pollIntervalMs: 10 });
    model.setView('serving');
    await new Promise(resolve => setTimeout(resolve, 60));
    const whileShown = calls.filter(c => c.path === 'serving').length;
    expect(whileShown).toBeGreaterThan(1);
    model.setView('runs');
    const after = calls.filter(c => c.path === 'serving').length;
    await new Promise(resolve => setTimeout(resolve, 60));
    expect(calls.filter(c => c.path === 'serving').length).toBe(after);
    model.dispose();
  });

  it('serves a registry version from the Models view through the Serving view', async () => {
    const kernels: ServingKernel[] = [];
    const { request, calls } = servingServer(kernels);
    const model = new MltrackModel(request, { pollIntervalMs: 100000 });
    expect(await model.serveVersion('iris', '3')).toBe(true);
    expect(model.view).toBe('serving');
    expect(calls.find(c => c.method === 'POST')?.body).toEqual({ model_uri: 'models:/iris/3' });
    model.dispose();
  });
});
