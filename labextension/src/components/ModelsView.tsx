// View 4, Models: registered models, versions with stages and aliases, promotions (a refused one
// shows the server's message), requests to approve or reject, policies and the history.
import React, { useEffect, useState } from 'react';

import { MltrackModel } from '../model';
import { formatTime } from '../state/columns';
import { RegistryModel, STAGES } from '../state/registry';
import { AuditEntry, ModelVersion, Stage } from '../types';
import { useSignal } from './hooks';

export function ModelsView(props: { model: MltrackModel }): JSX.Element {
  const { model } = props;
  const registry = model.registry;
  useSignal(registry.changed);
  return (
    <div className="jp-mltrack-models">
      <div className="jp-mltrack-toolbar">
        <select
          className="jp-mltrack-select"
          aria-label="Registered model"
          value={registry.selectedName ?? ''}
          onChange={event => void registry.select(event.target.value || null)}
        >
          <option value="">{registry.models.length ? 'Choose a model…' : 'No registered models'}</option>
          {registry.models.map(m => (
            <option key={m.name} value={m.name}>
              {m.name}
            </option>
          ))}
        </select>
        <span className="jp-mltrack-spacer" />
        <button className="jp-mltrack-button" onClick={() => void registry.loadModels()}>
          Refresh
        </button>
      </div>
      {registry.error && <div className="jp-mltrack-message jp-mod-error">{registry.error}</div>}
      <Message registry={registry} />
      {!registry.selectedName && <ModelList model={model} />}
      {registry.selectedName && <ModelDetail model={model} />}
    </div>
  );
}

function Message(props: { registry: RegistryModel }): JSX.Element | null {
  const message = props.registry.message;
  if (!message) {
    return null;
  }
  const kind = message.kind === 'success' ? 'jp-mod-success' : message.kind === 'refused' ? 'jp-mod-warn' : 'jp-mod-error';
  return (
    <div className={`jp-mltrack-message ${kind}`} role={message.kind === 'success' ? 'status' : 'alert'}>
      {message.kind === 'refused' && <b>Refused: </b>}
      {message.text}
      <button className="jp-mltrack-dismiss" aria-label="Dismiss" onClick={() => props.registry.dismissMessage()}>
        ×
      </button>
    </div>
  );
}

function ModelList(props: { model: MltrackModel }): JSX.Element {
  const registry = props.model.registry;
  if (registry.models.length === 0) {
    return (
      <p className="jp-mltrack-muted">
        {registry.loading ? 'Loading…' : 'No registered models yet. Open a run that logged a model and register it.'}
      </p>
    );
  }
  return (
    <table className="jp-mltrack-kv jp-mltrack-model-list">
      <thead>
        <tr>
          <th>model</th>
          <th>latest versions</th>
          <th>aliases</th>
        </tr>
      </thead>
      <tbody>
        {registry.models.map(m => (
          <tr key={m.name} className="jp-mltrack-clickable" onClick={() => void registry.select(m.name)}>
            <th>{m.name}</th>
            <td>{m.latest_versions.map(v => `v${v.version} ${v.current_stage}`).join(', ')}</td>
            <td>{Object.entries(m.aliases).map(([a, v]) => `@${a}→v${v}`).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ModelDetail(props: { model: MltrackModel }): JSX.Element {
  const { model } = props;
  const registry = model.registry;
  const [chosen, setChosen] = useState<string | null>(null);
  const version = registry.versions.find(v => v.version === chosen) ?? registry.versions[0];
  useEffect(() => setChosen(null), [registry.selectedName]);
  return (
    <>
      <details open className="jp-mltrack-section">
        <summary>Versions ({registry.versions.length})</summary>
        <table className="jp-mltrack-kv jp-mltrack-versions">
          <thead>
            <tr>
              <th>version</th>
              <th>stage</th>
              <th>aliases</th>
              <th>run</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {registry.versions.map(v => (
              <tr
                key={v.version}
                data-version={v.version}
                className={'jp-mltrack-clickable' + (v === version ? ' jp-mod-selected' : '')}
                onClick={() => setChosen(v.version)}
              >
                <th>v{v.version}</th>
                <td>
                  <span className={`jp-mltrack-stage jp-mltrack-stage-${v.current_stage.toLowerCase()}`}>{v.current_stage}</span>
                </td>
                <td>{v.aliases.map(a => `@${a}`).join(' ')}</td>
                <td>
                  {v.run_id && (
                    <a
                      className="jp-mltrack-link"
                      onClick={event => {
                        event.stopPropagation();
                        void model.openRun(v.run_id!);
                      }}
                    >
                      {v.run_id.slice(0, 8)}
                    </a>
                  )}
                </td>
                <td>{formatTime(v.creation_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {version && (
        <VersionActions
          registry={registry}
          version={version}
          onServe={() => void model.serveVersion(version.name, version.version)}
        />
      )}
      <Requests registry={registry} />
      {registry.policies.length > 0 && (
        <details className="jp-mltrack-section">
          <summary>Policies ({registry.policies.length})</summary>
          <ul className="jp-mltrack-plain-list">
            {registry.policies.map(p => (
              <li key={p.target}>
                <b>{p.target}</b>: {p.require_approval ? 'requires approval' : 'no approval needed'}
                {p.gates.length > 0 && <> · gates: {p.gates.map(g => <code key={g}>{g}</code>)}</>}
              </li>
            ))}
          </ul>
        </details>
      )}
      <History entries={registry.history} />
    </>
  );
}

function VersionActions(props: { registry: RegistryModel; version: ModelVersion; onServe: () => void }): JSX.Element {
  const { registry, version } = props;
  const [stage, setStage] = useState<Stage>('Production');
  const [comment, setComment] = useState('');
  const [alias, setAlias] = useState('');
  const after = (ok: boolean): void => {
    if (ok) {
      setComment('');
    }
  };
  return (
    <details open className="jp-mltrack-section jp-mltrack-version-actions">
      <summary>
        Promote {version.name} v{version.version} (now {version.current_stage})
      </summary>
      <div className="jp-mltrack-inline-form">
        <select
          className="jp-mltrack-select"
          aria-label="Target stage"
          value={stage}
          onChange={event => setStage(event.target.value as Stage)}
        >
          {STAGES.map(s => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input
          className="jp-mltrack-input"
          placeholder="Comment"
          aria-label="Comment"
          value={comment}
          onChange={event => setComment(event.target.value)}
        />
      </div>
      <div className="jp-mltrack-inline-form">
        <button
          className="jp-mltrack-button jp-mod-accept"
          disabled={registry.busy}
          onClick={() => void registry.promote(version.version, stage, comment).then(after)}
        >
          Promote
        </button>
        <button
          className="jp-mltrack-button"
          disabled={registry.busy}
          title="Ask for this promotion; someone approves it in the requests below"
          onClick={() => void registry.requestTransition(version.version, stage, comment).then(after)}
        >
          Request approval
        </button>
      </div>
      <div className="jp-mltrack-inline-form">
        <input
          className="jp-mltrack-input"
          placeholder="alias, e.g. champion"
          aria-label="Alias"
          value={alias}
          onChange={event => setAlias(event.target.value)}
        />
        <button
          className="jp-mltrack-button"
          disabled={registry.busy || !alias.trim()}
          onClick={() => void registry.setAlias(version.version, alias.trim(), comment).then(after)}
        >
          Set alias
        </button>
      </div>
      <div className="jp-mltrack-inline-form">
        <button
          className="jp-mltrack-button jp-mltrack-serve-version"
          title="Start a serving kernel for this version (MLflow's scoring protocol); see the Serving tab"
          onClick={props.onServe}
        >
          Serve v{version.version}
        </button>
      </div>
    </details>
  );
}

function Requests(props: { registry: RegistryModel }): JSX.Element | null {
  const { registry } = props;
  const [comments, setComments] = useState<Record<string, string>>({});
  const pending = registry.pendingRequests();
  if (pending.length === 0) {
    return null;
  }
  return (
    <details open className="jp-mltrack-section jp-mltrack-requests">
      <summary>Waiting for approval ({pending.length})</summary>
      {pending.map(r => (
        <div key={r.request_id} className="jp-mltrack-request" data-request-id={r.request_id}>
          <div>
            <b>v{r.version} → {r.target}</b> asked by {r.requested_by} {formatTime(r.requested_at)}
            {r.comment && <span className="jp-mltrack-muted"> · “{r.comment}”</span>}
          </div>
          <div className="jp-mltrack-inline-form">
            <input
              className="jp-mltrack-input"
              placeholder="Decision comment"
              aria-label="Decision comment"
              value={comments[r.request_id] ?? ''}
              onChange={event => setComments({ ...comments, [r.request_id]: event.target.value })}
            />
            <button
              className="jp-mltrack-button jp-mod-accept"
              disabled={registry.busy}
              onClick={() => void registry.approve(r.request_id, comments[r.request_id] ?? '')}
            >
              Approve
            </button>
            <button
              className="jp-mltrack-button jp-mod-warn"
              disabled={registry.busy}
              onClick={() => void registry.reject(r.request_id, comments[r.request_id] ?? '')}
            >
              Reject
            </button>
          </div>
        </div>
      ))}
    </details>
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) {
    return '∅';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function History(props: { entries: AuditEntry[] }): JSX.Element {
  const entries = [...props.entries].reverse();
  return (
    <details open className="jp-mltrack-section">
      <summary>History ({entries.length})</summary>
      <ol className="jp-mltrack-timeline">
        {entries.map(e => (
          <li key={e.entry_id}>
            <span className="jp-mltrack-muted">{formatTime(e.timestamp)}</span> <b>{e.actor}</b> {e.action.replace(/_/g, ' ')}
            {e.version && ` v${e.version}`}
            {e.target && ` → ${e.target}`}
            {(e.before !== null || e.after !== null) && e.action !== 'create_registered_model' && (
              <span className="jp-mltrack-muted">
                {' '}
                ({describe(e.before)} → {describe(e.after)})
              </span>
            )}
            {e.comment && <div className="jp-mltrack-comment">“{e.comment}”</div>}
          </li>
        ))}
      </ol>
    </details>
  );
}
