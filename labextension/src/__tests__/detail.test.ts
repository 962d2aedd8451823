import { describe, expect, it } from 'vitest';

import { RunDetailModel, defaultExportDir, modelPathsFromTags } from '../state/detail';
import { summarizeMLmodel } from '../state/mlmodel';
import { fakeServer, makeRun, refuse } from './fakes';

export const MLMODEL = `artifact_path: model
flavors:
  python_function:
    code: null
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: jupyter_mltrack.models.flavors.sklearn
    model_path: model.pkl
  sklearn:
    pickled_model: model.pkl
    sklearn_version: 1.9.1
mltrack_version: 0.1.0
model_size_bytes: 1934
run_id: e7506bf92e984fee95aa31c06efc855d
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "sepal width (cm)", "required": true}, {"type": "string", "name":
    "it''s"}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2026-11-27 00:14:54.367297'
`;

describe('MLmodel', () => {
  it('reads flavors and the signature, folded quoted lines included', () => {
    const summary = summarizeMLmodel(MLMODEL);
    expect(summary.flavors).toEqual(['python_function', 'sklearn']);
    expect(summary.inputs).toEqual([
      { name: 'sepal length (cm)', type: 'double' },
      { name: 'sepal width (cm)', type: 'double' },
      { name: "it's", type: 'string' }
    ]);
    expect(summary.outputs).toEqual([{ name: '#0', type: 'tensor int64 [-1]' }]);
    expect(summary.facts.model_size_bytes).toBe('1934');
    expect(summary.facts.utc_time_created).toBe('2026-11-27 00:14:54.367297');
  });

  it('a model without a signature', () => {
    expect(summarizeMLmodel('flavors:\n  sklearn:\n    x: 1\n').inputs).toBeNull();
  });

  it("reads MLflow's model history tag", () => {
    expect(modelPathsFromTags({ 'mlflow.log-model.history': '[{"artifact_path": "clf"}, {"x": 1}]' })).toEqual(['clf']);
    expect(modelPathsFromTags({ 'mlflow.log-model.history': 'not json' })).toEqual([]);
  });
});

describe('RunDetailModel', () => {
  it('loads the run, the artifact root, and finds the model folder by its MLmodel file', async () => {
    const run = makeRun({ id: 'abc' });
    const { request, calls } = fakeServer(call => {
      switch (call.path) {
        case 'runs/abc':
          return { run };
        case 'runs/abc/artifacts':
          return { files: [{ path: 'model', is_dir: true, file_size: null }, { path: 'plots', is_dir: true, file_size: null }, { path: 'notes & more.txt', is_dir: false, file_size: 5 }] };
        case 'runs/abc/artifacts?path=model':
          return { files: [{ path: 'model/MLmodel', is_dir: false, file_size: 900 }] };
        case 'runs/abc/artifacts?path=plots':
          return { files: [{ path: 'plots/a.png', is_dir: false, file_size: 9 }] };
        case 'runs/abc/artifacts/preview?path=model%2FMLmodel':
          return { path: 'model/MLmodel', kind: 'text', content: MLMODEL };
        case 'runs/abc/artifacts/preview?path=notes%20%26%20more.txt':
          return { path: 'notes & more.txt', kind: 'text', content: 'hello' };
      }
      throw new Error(call.path);
    });
    const model = new RunDetailModel(request);
    await model.open('abc');
    expect(model.run?.info.run_id).toBe('abc');
    expect(model.models.map(m => m.path)).toEqual(['model']);
    expect(model.models[0].summary?.flavors).toEqual(['python_function', 'sklearn']);
    await model.showPreview('notes & more.txt');
    expect(model.preview?.content).toBe('hello');
    await model.toggleFolder('plots');
    expect(model.expanded.has('plots')).toBe(true);
    expect(calls.filter(c => c.path === 'runs/abc/artifacts?path=plots')).toHaveLength(1); // listed once
  });
});

describe('Export as project', () => {
  it('defaults the folder to <notebook stem>-project next to the notebook', () => {
    expect(defaultExportDir('work/train.ipynb')).toBe('work/train-project');
    expect(defaultExportDir('Train Me.ipynb')).toBe('Train Me-project');
  });

  it("posts the run's notebook, the folder and the run id, and keeps the result or the server's message", async () => {
    const run = makeRun({ id: 'abc', notebook: '/home/ada/work/train.ipynb' });
    let refuseNext = false;
    const { request, calls } = fakeServer(call => {
      switch (call.path) {
        case 'runs/abc':
          return { run };
        case 'runs/abc/artifacts':
          return { files: [] };
        case 'export':
          if (refuseNext) {
            refuse(400, 'INVALID_PARAMETER_VALUE', "Field 'out_dir' ('../x') leaves the Jupyter server's root folder.");
          }
          return { project_dir: 'work/train-project', name: 'train', parameters: [{ name: 'lr', type: 'float', default: 0.1 }], files: ['MLproject', 'main.py'] };
      }
      throw new Error(call.path);
    });
    const model = new RunDetailModel(request);
    model.serverRoot = '/home/ada';
    await model.open('abc');
    expect(model.notebookServerPath()).toBe('work/train.ipynb');
    const result = await model.exportProject(' work/train-project ');
    expect(result?.project_dir).toBe('work/train-project');
    expect(model.exported?.project_dir).toBe('work/train-project');
    expect(model.exporting).toBe(false);
    const posted = calls.find(c => c.path === 'export');
    expect(posted?.method).toBe('POST');
    expect(posted?.body).toEqual({ notebook_path: 'work/train.ipynb', out_dir: 'work/train-project', run_id: 'abc' });

    refuseNext = true;
    expect(await model.exportProject('../x', true)).toBeNull();
    expect(calls.filter(c => c.path === 'export').pop()?.body.force).toBe(true);
    expect(model.exported).toBeNull();
    expect(model.exportError).toContain('leaves the Jupyter server');
  });

  it('a notebook outside the server root is not sent', async () => {
    const run = makeRun({ id: 'o', notebook: '/elsewhere/t.ipynb' });
    const { request, calls } = fakeServer(call => (call.path === 'runs/o' ? { run } : { files: [] }));
    const model = new RunDetailModel(request);
    model.serverRoot = '/home/ada';
    await model.open('o');
    expect(await model.exportProject('p')).toBeNull();
    expect(model.exportError).toContain('outside');
    expect(calls.some(c => c.path === 'export')).toBe(false);
  });

  it('a run without a notebook is not sent', async () => {
    const { request, calls } = fakeServer(call => (call.path === 'runs/r' ? { run: makeRun({ id: 'r' }) } : { files: [] }));
    const model = new RunDetailModel(request);
    await model.open('r');
    expect(await model.exportProject('p')).toBeNull();
    expect(model.exportError).toContain('no notebook');
    expect(calls.some(c => c.path === 'export')).toBe(false);
  });
});
