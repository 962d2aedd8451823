import { describe, expect, it } from 'vitest';

import { RegistryModel } from '../state/registry';
import { fakeServer, refuse } from './fakes';

const VERSION = { name: 'iris/clf', version: '1', current_stage: 'Staging', aliases: [], run_id: 'r1' };

function registryServer(state: { pending: boolean }) {
  return fakeServer(call => {
    const { path, method } = call;
    if (path.startsWith('models?')) {
      return { registered_models: [{ name: 'iris/clf', aliases: {}, latest_versions: [] }], next_page_token: null };
    }
    if (path === 'models/iris%2Fclf/versions' && method === 'GET') {
      return { model_versions: [VERSION] };
    }
    if (path === 'models/iris%2Fclf/versions' && method === 'POST') {
      return { model_version: { ...VERSION, version: '2' } };
    }
    if (path.startsWith('transition-requests?')) {
      return { requests: state.pending ? [{ request_id: '4', status: 'PENDING', version: '1', target: 'Production' }] : [] };
    }
    if (path === 'models/iris%2Fclf/policies') {
      return { policies: [{ name: 'iris/clf', target: 'Production', require_approval: true, gates: [] }] };
    }
    if (path === 'models/iris%2Fclf/history') {
      return { entries: [] };
    }
    if (path === 'models/iris%2Fclf/versions/1/stage') {
      return call.body.stage === 'Production'
        ? refuse(403, 'PERMISSION_DENIED', "Promotion of 'iris/clf' version 1 to Production was refused: the policy for Production requires approval.")
        : { model_version: { ...VERSION, current_stage: call.body.stage } };
    }
    if (path === 'transition-requests' && method === 'POST') {
      state.pending = true;
      return { request: { request_id: '4', name: 'iris/clf', version: '1', target: 'Production', status: 'PENDING' } };
    }
    if (path === 'transition-requests/4/approve') {
      state.pending = false;
      return { request: { request_id: '4', name: 'iris/clf', version: '1', target: 'Production', status: 'APPROVED' } };
    }
    throw new Error(`unexpected ${method} ${path}`);
  });
}

describe('RegistryModel', () => {
  it('shows a refused promotion as the server says it, then request and approve', async () => {
    const state = { pending: false };
    const { request, calls } = registryServer(state);
    const model = new RegistryModel(request);
    await model.loadModels();
    await model.select('iris/clf');
    expect(model.versions).toHaveLength(1);
    expect(model.policies[0].require_approval).toBe(true);

    expect(await model.promote('1', 'Production', 'ship it')).toBe(false);
    expect(model.message).toEqual({
      kind: 'refused',
      text: "Promotion of 'iris/clf' version 1 to Production was refused: the policy for Production requires approval."
    });
    expect(calls.find(c => c.path.endsWith('/stage'))!.body).toEqual({
      stage: 'Production',
      archive_existing_versions: false,
      comment: 'ship it'
    });

    expect(await model.requestTransition('1', 'Production', 'please')).toBe(true);
    expect(model.pendingRequests().map(r => r.request_id)).toEqual(['4']);
    expect(await model.approve('4', 'ok')).toBe(true);
    expect(model.message?.kind).toBe('success');
    expect(model.pendingRequests()).toHaveLength(0);
    expect(calls.find(c => c.path === 'transition-requests/4/approve')!.body).toEqual({ comment: 'ok' });
  });

  it("registers a run's model by its runs:/ URI", async () => {
    const { request, calls } = registryServer({ pending: false });
    const model = new RegistryModel(request);
    const version = await model.register('r1', 'model', 'iris/clf');
    expect(version?.version).toBe('2');
    expect(calls.find(c => c.method === 'POST')!.body).toEqual({ model_uri: 'runs:/r1/model' });
    expect(model.selectedName).toBe('iris/clf');
    expect(model.message).toEqual({ kind: 'success', text: 'Registered iris/clf version 2.' });
  });
});
