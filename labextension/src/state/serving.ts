// The Serving view's state: the serving kernels the server knows (GET /serving), starting one
// (POST /serving answers once the model is warm) and stopping one. While the view is shown it
// refreshes on a timer, so health, request counts, restarts and deaths appear without a click.
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../errors';
import { Requester, segment, send } from './http';
import { ActionMessage } from './registry';

export interface ServingKernel {
  id: string;
  model_uri: string;
  served_uri: string;
  model: string;
  version: string;
  host: string;
  port: number;
  url: string;
  launcher: string;
  started_at: number;
  state: 'starting' | 'loading' | 'serving' | 'failed' | 'dead';
  pid: number | null;
  boots: number;
  error: string | null;
  died_at: number | null;
  exit_code: number | null;
  health: string;
  requests: number | null;
}

export class ServingModel {
  kernels: ServingKernel[] = [];
  loading = false;
  starting: string | null = null;
  stopping = new Set<string>();
  error: string | null = null;
  message: ActionMessage | null = null;

  private readonly request: Requester;
  private readonly pollIntervalMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly _changed = new Signal<this, void>(this);

  constructor(request: Requester, pollIntervalMs = 5000) {
    this.request = request;
    this.pollIntervalMs = pollIntervalMs;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.emit();
    try {
      const answer = await this.request<{ kernels: ServingKernel[] }>('serving');
      this.kernels = answer.kernels;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
      this.emit();
    }
  }

  /** Starts a serving kernel; true when it serves. A bad URI or port is a message, not a throw. */
  async start(modelUri: string, port?: number | null): Promise<boolean> {
    const uri = modelUri.trim();
    if (!uri) {
      this.message = { kind: 'error', text: 'Give a model URI: models:/name@alias, models:/name/1, runs:/… or a folder.' };
      this.emit();
      return false;
    }
    this.starting = uri;
    this.message = null;
    this.emit();
    try {
      const body: Record<string, unknown> = { model_uri: uri };
      if (port) {
        body.port = port;
      }
      const kernel = await this.request<ServingKernel>('serving', send('POST', body));
      this.message = {
        kind: 'success',
        text: `Serving ${kernel.model} version ${kernel.version} at ${kernel.url} (kernel ${kernel.id.slice(0, 8)}).`
      };
      return true;
    } catch (error) {
      this.message = { kind: 'error', text: errorMessage(error) };
      return false;
    } finally {
      this.starting = null;
      await this.load();
    }
  }

  async stop(id: string): Promise<void> {
    this.stopping.add(id);
    this.emit();
    try {
      await this.request<unknown>(`serving/${segment(id)}`, send('DELETE'));
      this.message = { kind: 'success', text: `Stopped serving kernel ${id.slice(0, 8)}.` };
    } catch (error) {
      this.message = { kind: 'error', text: errorMessage(error) };
    } finally {
      this.stopping.delete(id);
      await this.load();
    }
  }

  dismissMessage(): void {
    this.message = null;
    this.emit();
  }

  /** Refresh on a timer while the view is visible. */
  startPolling(): void {
    if (this.timer === null) {
      this.timer = setInterval(() => {
        if (!this.loading && this.starting === null) {
          void this.load();
        }
      }, this.pollIntervalMs);
    }
  }

  stopPolling(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  dispose(): void {
    this.stopPolling();
    Signal.clearData(this);
  }

  private emit(): void {
    this._changed.emit();
  }
}
