// View 3, Run: params, metrics, tags, the cell that made it (and a button to open it), its
// artifacts with previews, and the models it logged (flavors, signature, register).
import React, { useState } from 'react';

import { artifactDownloadUrl } from '../api';
import { MltrackModel } from '../model';
import { formatNumber, formatTime } from '../state/columns';
import { LoggedModel, defaultExportDir } from '../state/detail';
import { FileInfo, Run, metricNumber } from '../types';
import { ArtifactPreview } from './ArtifactPreview';
import { useSignal } from './hooks';
import { PanelActions } from './Panel';

export function RunDetailView(props: { model: MltrackModel; actions: PanelActions }): JSX.Element {
  const { model, actions } = props;
  const detail = model.detail;
  useSignal(detail.changed);
  const run = detail.run;
  if (!run) {
    return (
      <div className="jp-mltrack-detail">
        {detail.error && <div className="jp-mltrack-message jp-mod-error">{detail.error}</div>}
        <p className="jp-mltrack-muted">{detail.loading ? 'Loading…' : 'Click a run in the Runs tab to see it here.'}</p>
      </div>
    );
  }
  const info = run.info;
  return (
    <div className="jp-mltrack-detail" data-run-id={info.run_id}>
      <div className="jp-mltrack-toolbar">
        <span className="jp-mltrack-title">{info.run_name}</span>
        <span className={`jp-mltrack-status jp-mltrack-status-${info.status.toLowerCase()}`}>{info.status.toLowerCase()}</span>
        <span className="jp-mltrack-spacer" />
        <button className="jp-mltrack-button" onClick={() => model.setView('runs')}>
          Back to runs
        </button>
      </div>
      <div className="jp-mltrack-muted jp-mltrack-facts">
        <code>{info.run_id}</code> · started {formatTime(info.start_time)}
        {info.end_time ? ` · ${((info.end_time - info.start_time) / 1000).toFixed(1)} s` : ''} · {info.user_id}
      </div>
      {detail.error && <div className="jp-mltrack-message jp-mod-error">{detail.error}</div>}
      <SourceSection run={run} actions={actions} />
      {info.notebook_path && (
        <ExportSection key={info.run_id} model={model} notebookPath={detail.notebookServerPath() ?? info.notebook_path} />
      )}
      <KeyValues title="Params" values={run.data.params} />
      <KeyValues
        title="Metrics"
        values={Object.fromEntries(Object.entries(run.data.metrics).map(([k, v]) => [k, formatNumber(metricNumber(v))]))}
      />
      <KeyValues title="Tags" values={run.data.tags} collapsed />
      {detail.models.map(m => (
        <ModelSection key={m.path} model={model} run={run} logged={m} />
      ))}
      <Artifacts model={model} />
    </div>
  );
}

function SourceSection(props: { run: Run; actions: PanelActions }): JSX.Element | null {
  const { run, actions } = props;
  const [error, setError] = useState<string | null>(null);
  const { notebook_path: path, cell_id: cellId, source } = run.info;
  if (!path && !source) {
    return null;
  }
  return (
    <details open className="jp-mltrack-section">
      <summary>Cell</summary>
      {path && (
        <div className="jp-mltrack-toolbar">
          <span className="jp-mltrack-muted jp-mltrack-ellipsis" title={path}>
            {path}
            {cellId ? ` · cell ${cellId}` : ''}
          </span>
          <span className="jp-mltrack-spacer" />
          <button
            className="jp-mltrack-button jp-mltrack-open-cell"
            onClick={() => {
              setError(null);
              actions.openCell(path, cellId).catch(e => setError(e instanceof Error ? e.message : String(e)));
            }}
          >
            Open in notebook
          </button>
        </div>
      )}
      {error && <div className="jp-mltrack-message jp-mod-error">{error}</div>}
      {source && <pre className="jp-mltrack-code">{source}</pre>}
    </details>
  );
}

function ExportSection(props: { model: MltrackModel; notebookPath: string }): JSX.Element {
  const detail = props.model.detail;
  const [outDir, setOutDir] = useState(() => defaultExportDir(props.notebookPath));
  const [force, setForce] = useState(false);
  return (
    <details className="jp-mltrack-section jp-mltrack-export">
      <summary>Export as project</summary>
      <form
        className="jp-mltrack-inline-form"
        onSubmit={event => {
          event.preventDefault();
          if (outDir.trim()) {
            void detail.exportProject(outDir, force);
          }
        }}
      >
        <input
          className="jp-mltrack-input"
          placeholder="Output folder"
          aria-label="Output folder"
          title="A folder relative to the Jupyter root; the run's parameter values become the defaults"
          value={outDir}
          onChange={event => setOutDir(event.target.value)}
        />
        <label className="jp-mltrack-muted">
          <input type="checkbox" checked={force} onChange={event => setForce(event.target.checked)} /> overwrite
        </label>
        <button className="jp-mltrack-button jp-mod-accept" type="submit" disabled={!outDir.trim() || detail.exporting}>
          {detail.exporting ? 'Exporting…' : 'Export as project'}
        </button>
      </form>
      {detail.exported && (
        <div className="jp-mltrack-message jp-mod-success">
          Project written to <code>{detail.exported.project_dir}</code> ({detail.exported.files.length} files
          {detail.exported.parameters.length
            ? `; parameters: ${detail.exported.parameters.map(p => p.name).join(', ')}`
            : ''}
          ).
        </div>
      )}
      {detail.exportError && <div className="jp-mltrack-message jp-mod-error">{detail.exportError}</div>}
    </details>
  );
}

function KeyValues(props: { title: string; values: Record<string, string>; collapsed?: boolean }): JSX.Element {
  const entries = Object.entries(props.values).sort(([a], [b]) => a.localeCompare(b));
  return (
    <details open={!props.collapsed} className="jp-mltrack-section">
      <summary>
        {props.title} ({entries.length})
      </summary>
      {entries.length === 0 ? (
        <p className="jp-mltrack-muted">None.</p>
      ) : (
        <table className="jp-mltrack-kv">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th>{key}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

function ModelSection(props: { model: MltrackModel; run: Run; logged: LoggedModel }): JSX.Element {
  const { model, run, logged } = props;
  const [name, setName] = useState('');
  const registry = model.registry;
  useSignal(registry.changed);
  const summary = logged.summary;
  return (
    <details open className="jp-mltrack-section jp-mltrack-logged-model">
      <summary>Model: {logged.path}</summary>
      {logged.error && <div className="jp-mltrack-message jp-mod-error">{logged.error}</div>}
      {summary && (
        <>
          <div>
            flavors:{' '}
            {summary.flavors.map(f => (
              <span key={f} className="jp-mltrack-chip jp-mod-static">
                {f}
              </span>
            ))}
          </div>
          <Signature title="inputs" fields={summary.inputs} />
          <Signature title="outputs" fields={summary.outputs} />
        </>
      )}
      <form
        className="jp-mltrack-inline-form"
        onSubmit={event => {
          event.preventDefault();
          if (name.trim()) {
            void registry.register(run.info.run_id, logged.path, name.trim()).then(version => {
              if (version) {
                model.setView('models');
              }
            });
          }
        }}
      >
        <input
          className="jp-mltrack-input"
          placeholder="Registered model name"
          aria-label="Registered model name"
          value={name}
          onChange={event => setName(event.target.value)}
        />
        <button className="jp-mltrack-button jp-mod-accept" type="submit" disabled={!name.trim() || registry.busy}>
          Register
        </button>
      </form>
      {registry.message && registry.message.kind !== 'success' && (
        <div className="jp-mltrack-message jp-mod-error">{registry.message.text}</div>
      )}
    </details>
  );
}

function Signature(props: { title: string; fields: Array<{ name: string; type: string }> | null }): JSX.Element {
  if (!props.fields) {
    return <div className="jp-mltrack-muted">{props.title}: no signature</div>;
  }
  return (
    <div className="jp-mltrack-signature">
      {props.title}:{' '}
      {props.fields.map(f => (
        <code key={f.name}>
          {f.name}: {f.type}
        </code>
      ))}
    </div>
  );
}

function Artifacts(props: { model: MltrackModel }): JSX.Element {
  const detail = props.model.detail;
  const root = detail.folders.get('') ?? [];
  return (
    <details open className="jp-mltrack-section">
      <summary>Artifacts</summary>
      {root.length === 0 ? (
        <p className="jp-mltrack-muted">{detail.loading ? 'Loading…' : 'None.'}</p>
      ) : (
        <ul className="jp-mltrack-tree">
          <Files model={props.model} files={root} />
        </ul>
      )}
      {detail.previewPath && (
        <div className="jp-mltrack-preview-box">
          <div className="jp-mltrack-muted">{detail.previewPath}</div>
          {detail.previewError && <div className="jp-mltrack-message jp-mod-error">{detail.previewError}</div>}
          {detail.preview && (
            <ArtifactPreview
              preview={detail.preview}
              downloadUrl={artifactDownloadUrl(detail.runId ?? '', detail.preview.path)}
            />
          )}
        </div>
      )}
    </details>
  );
}

function Files(props: { model: MltrackModel; files: FileInfo[] }): JSX.Element {
  const detail = props.model.detail;
  return (
    <>
      {props.files.map(file => {
        const name = file.path.split('/').pop();
        if (file.is_dir) {
          const open = detail.expanded.has(file.path);
          const children = detail.folders.get(file.path);
          return (
            <li key={file.path}>
              <button className="jp-mltrack-tree-item" onClick={() => void detail.toggleFolder(file.path)}>
                {open ? '▾' : '▸'} {name}/
              </button>
              {open && children && (
                <ul className="jp-mltrack-tree">
                  <Files model={props.model} files={children} />
                </ul>
              )}
            </li>
          );
        }
        return (
          <li key={file.path}>
            <button
              className={'jp-mltrack-tree-item' + (detail.previewPath === file.path ? ' jp-mod-active' : '')}
              onClick={() => void detail.showPreview(file.path)}
            >
              {name}
              {file.file_size !== null && <span className="jp-mltrack-muted"> {formatSize(file.file_size)}</span>}
            </button>
          </li>
        );
      })}
    </>
  );
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}
