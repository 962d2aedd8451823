// View 5, Serving: serving kernels (one Jupyter kernel per served model) with their address,
// health, request count and restarts; start one from a model URI, stop one, forget a dead one.
import React, { useState } from 'react';

import { MltrackModel } from '../model';
import { formatTime } from '../state/columns';
import { ServingKernel, ServingModel } from '../state/serving';
import { useSignal } from './hooks';

export function ServingView(props: { model: MltrackModel }): JSX.Element {
  const serving = props.model.serving;
  useSignal(serving.changed);
  const [uri, setUri] = useState('');
  const [port, setPort] = useState('');
  const portNumber = port.trim() ? Number(port) : null;
  const badPort = portNumber !== null && !(Number.isInteger(portNumber) && portNumber > 0 && portNumber < 65536);
  const start = (): void => {
    void serving.start(uri, portNumber).then(ok => {
      if (ok) {
        setUri('');
        setPort('');
      }
    });
  };
  return (
    <div className="jp-mltrack-serving">
      <form
        className="jp-mltrack-toolbar"
        onSubmit={event => {
          event.preventDefault();
          start();
        }}
      >
        <input
          className="jp-mltrack-input jp-mltrack-grow"
          placeholder="models:/name@alias, models:/name/1, runs:/… or a folder"
          aria-label="Model URI"
          value={uri}
          onChange={event => setUri(event.target.value)}
        />
        <input
          className="jp-mltrack-input jp-mltrack-port"
          placeholder="port"
          aria-label="Port"
          value={port}
          onChange={event => setPort(event.target.value)}
        />
        <button type="submit" className="jp-mltrack-button jp-mod-accept" disabled={serving.starting !== null || badPort || !uri.trim()}>
          {serving.starting !== null ? 'Starting…' : 'Serve'}
        </button>
        <button type="button" className="jp-mltrack-button" onClick={() => void serving.load()}>
          Refresh
        </button>
      </form>
      {badPort && <div className="jp-mltrack-message jp-mod-error">The port must be a whole number from 1 to 65535.</div>}
      {serving.error && <div className="jp-mltrack-message jp-mod-error">{serving.error}</div>}
      <Message serving={serving} />
      {serving.kernels.length === 0 ? (
        <div className="jp-mltrack-empty">
          No serving kernels. Serve a model above, from a version in the Models view, or with{' '}
          <code>%mltrack serve NAME@ALIAS</code> in a notebook.
        </div>
      ) : (
        <table className="jp-mltrack-kv jp-mltrack-serving-table">
          <thead>
            <tr>
              <th>kernel</th>
              <th>model</th>
              <th>address</th>
              <th>state</th>
              <th>requests</th>
              <th>restarts</th>
              <th>started</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {serving.kernels.map(kernel => (
              <KernelRow key={kernel.id} kernel={kernel} serving={serving} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function KernelRow(props: { kernel: ServingKernel; serving: ServingModel }): JSX.Element {
  const { kernel, serving } = props;
  const dead = kernel.state === 'dead' || kernel.state === 'failed';
  const detail = kernel.error ?? (kernel.died_at ? `last died ${formatTime(kernel.died_at * 1000)}` : '');
  return (
    <tr data-kernel-id={kernel.id} data-state={kernel.state} className={dead ? 'jp-mod-dead' : ''}>
      <td title={kernel.id}>
        <code>{kernel.id.slice(0, 8)}</code>
      </td>
      <td title={kernel.served_uri}>
        {kernel.model} <span className="jp-mltrack-muted">v{kernel.version}</span>
        {kernel.model_uri !== kernel.served_uri && <div className="jp-mltrack-muted">{kernel.model_uri}</div>}
      </td>
      <td>
        {dead ? (
          kernel.url
        ) : (
          <a className="jp-mltrack-link" href={`${kernel.url}/health`} target="_blank" rel="noreferrer">
            {kernel.url}
          </a>
        )}
      </td>
      <td title={detail}>
        <span className={`jp-mltrack-serving-state jp-mltrack-serving-${kernel.state}`}>{kernel.state}</span>
        {!dead && kernel.health !== 'ok' && <span className="jp-mltrack-muted"> ({kernel.health})</span>}
        {detail && <div className="jp-mltrack-muted">{detail}</div>}
      </td>
      <td className="jp-mltrack-number">{kernel.requests ?? ''}</td>
      <td className="jp-mltrack-number">{Math.max(0, kernel.boots - 1)}</td>
      <td>{formatTime(kernel.started_at * 1000)}</td>
      <td>
        <button
          className="jp-mltrack-button"
          disabled={serving.stopping.has(kernel.id)}
          title={dead ? 'Remove this dead kernel from the list' : 'Shut the serving kernel down'}
          onClick={() => void serving.stop(kernel.id)}
        >
          {dead ? 'Forget' : 'Stop'}
        </button>
      </td>
    </tr>
  );
}

function Message(props: { serving: ServingModel }): JSX.Element | null {
  const message = props.serving.message;
  if (!message) {
    return null;
  }
  const kind = message.kind === 'success' ? 'jp-mod-success' : 'jp-mod-error';
  return (
    <div className={`jp-mltrack-message ${kind}`} role={message.kind === 'success' ? 'status' : 'alert'}>
      {message.text}
      <button className="jp-mltrack-dismiss" aria-label="Dismiss" onClick={() => props.serving.dismissMessage()}>
        ×
      </button>
    </div>
  );
}
