// The Models view's state: registered models, the selected model's versions, pending and past
// transition requests, policies and history, and what happened to the last action (a refused
// promotion is a message, not a failure of the panel).
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage, isRefusal } from '../errors';
import {
  AuditEntry,
  ModelVersion,
  PromotionPolicy,
  RegisteredModel,
  Stage,
  TransitionRequest
} from '../types';
import { Requester, query, segment, send } from './http';

export const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

export interface ActionMessage {
  kind: 'success' | 'refused' | 'error';
  text: string;
}

export class RegistryModel {
  models: RegisteredModel[] = [];
  selectedName: string | null = null;
  versions: ModelVersion[] = [];
  requests: TransitionRequest[] = [];
  policies: PromotionPolicy[] = [];
  history: AuditEntry[] = [];
  loading = false;
  busy = false;
  error: string | null = null;
  message: ActionMessage | null = null;

  private readonly request: Requester;
  private readonly _changed = new Signal<this, void>(this);

  constructor(request: Requester) {
    this.request = request;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  async loadModels(): Promise<void> {
    this.loading = true;
    this.emit();
    try {
      const page = await this.request<{ registered_models: RegisteredModel[] }>(
        `models${query({ max_results: 1000, order_by: 'name ASC' })}`
      );
      this.models = page.registered_models;
      this.error = null;
      if (this.selectedName && !this.models.some(m => m.name === this.selectedName)) {
        this.selectedName = null;
      }
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
      this.emit();
    }
    if (this.selectedName) {
      await this.loadSelected();
    }
  }

  async select(name: string | null): Promise<void> {
    this.selectedName = name;
    this.message = null;
    this.versions = [];
    this.requests = [];
    this.policies = [];
    this.history = [];
    this.emit();
    if (name) {
      await this.loadSelected();
    }
  }

  pendingRequests(): TransitionRequest[] {
    return this.requests.filter(r => r.status === 'PENDING');
  }

  /** Registers the model a run logged under `artifactPath` as a new version of `name`. */
  async register(runId: string, artifactPath: string, name: string): Promise<ModelVersion | null> {
    const created = await this.act<{ model_version: ModelVersion }>(
      () =>
        this.request(`models/${segment(name)}/versions`, send('POST', { model_uri: `runs:/${runId}/${artifactPath}` })),
      answer => `Registered ${answer.model_version.name} version ${answer.model_version.version}.`
    );
    if (created) {
      await this.loadModels();
      await this.select(created.model_version.name);
      this.message = { kind: 'success', text: `Registered ${name} version ${created.model_version.version}.` };
      this.emit();
    }
    return created?.model_version ?? null;
  }

  /** Moves a version to a stage; a policy may refuse (the message says why and what to do). */
  async promote(version: string, stage: Stage, comment: string, archiveExisting = false): Promise<boolean> {
    const name = this.selectedName!;
    const body: Record<string, unknown> = { stage, archive_existing_versions: archiveExisting };
    if (comment) {
      body.comment = comment;
    }
    const done = await this.act(
      () => this.request(`models/${segment(name)}/versions/${segment(version)}/stage`, send('POST', body)),
      () => `${name} version ${version} is now in ${stage}.`
    );
    return done !== null;
  }

  /** Points an alias (without its @) at a version. */
  async setAlias(version: string, alias: string, comment: string): Promise<boolean> {
    const name = this.selectedName!;
    const body: Record<string, unknown> = { version };
    if (comment) {
      body.comment = comment;
    }
    const done = await this.act(
      () => this.request(`models/${segment(name)}/aliases/${segment(alias.replace(/^@/, ''))}`, send('PUT', body)),
      () => `@${alias.replace(/^@/, '')} now points at ${name} version ${version}.`
    );
    return done !== null;
  }

  /** Asks for a promotion that needs approval (target: a stage, or `@alias`). */
  async requestTransition(version: string, target: string, comment: string): Promise<boolean> {
    const name = this.selectedName!;
    const body: Record<string, unknown> = { name, version, target };
    if (comment) {
      body.comment = comment;
    }
    const done = await this.act(
      () => this.request('transition-requests', send('POST', body)),
      () => `Requested ${name} version ${version} → ${target}; it waits for approval.`
    );
    return done !== null;
  }

  async approve(requestId: string, comment: string): Promise<boolean> {
    const done = await this.act<{ request: TransitionRequest }>(
      () => this.request(`transition-requests/${segment(requestId)}/approve`, send('POST', comment ? { comment } : {})),
      answer => `Approved: ${answer.request.name} version ${answer.request.version} → ${answer.request.target}.`
    );
    return done !== null;
  }

  async reject(requestId: string, comment: string): Promise<boolean> {
    const done = await this.act<{ request: TransitionRequest }>(
      () => this.request(`transition-requests/${segment(requestId)}/reject`, send('POST', comment ? { comment } : {})),
      answer => `Rejected the request for ${answer.request.name} version ${answer.request.version}.`
    );
    return done !== null;
  }

  dismissMessage(): void {
    this.message = null;
    this.emit();
  }

  /** Runs one change; sets the message (403 → "refused" with the server's words); reloads. */
  private async act<T>(call: () => Promise<T>, success: (answer: T) => string): Promise<T | null> {
    this.busy = true;
    this.message = null;
    this.emit();
    let answer: T | null = null;
    try {
      answer = await call();
      this.message = { kind: 'success', text: success(answer) };
    } catch (error) {
      this.message = { kind: isRefusal(error) ? 'refused' : 'error', text: errorMessage(error) };
    } finally {
      this.busy = false;
    }
    if (this.selectedName) {
      await this.loadSelected();
    } else {
      this.emit();
    }
    return answer;
  }

  private async loadSelected(): Promise<void> {
    const name = this.selectedName;
    if (!name) {
      return;
    }
    try {
      const [versions, requests, policies, history] = await Promise.all([
        this.request<{ model_versions: ModelVersion[] }>(`models/${segment(name)}/versions`),
        this.request<{ requests: TransitionRequest[] }>(`transition-requests${query({ name })}`),
        this.request<{ policies: PromotionPolicy[] }>(`models/${segment(name)}/policies`),
        this.request<{ entries: AuditEntry[] }>(`models/${segment(name)}/history`)
      ]);
      if (name !== this.selectedName) {
        return;
      }
      this.versions = versions.model_versions;
      this.requests = requests.requests;
      this.policies = policies.policies;
      this.history = history.entries;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
    this.emit();
  }

  private emit(): void {
    this._changed.emit();
  }
}
