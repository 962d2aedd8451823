// The Run detail view's state: the run, its artifact tree (folders load when opened), the
// preview of one artifact, and the models the run logged (folders holding an MLmodel file).
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../errors';
import { ArtifactListing, ArtifactPreview, FileInfo, Run } from '../types';
import { Requester, query } from './http';
import { ModelSummary, summarizeMLmodel } from './mlmodel';
import { serverPathOf } from './paths';

export interface LoggedModel {
  /** The model's folder under the run's artifacts, e.g. `model`. */
  path: string;
  summary: ModelSummary | null;
  error: string | null;
}

/** MLflow's tag listing the models a run logged (a JSON list of {artifact_path}). */
const MODEL_HISTORY_TAG = 'mlflow.log-model.history';
/** Top-level artifact folders looked into for an MLmodel file when the tag is absent. */
const MAX_MODEL_FOLDERS = 10;

export function modelPathsFromTags(tags: Record<string, string>): string[] {
  try {
    const history = JSON.parse(tags[MODEL_HISTORY_TAG] ?? '[]') as Array<{ artifact_path?: unknown }>;
    return history.map(m => m.artifact_path).filter((p): p is string => typeof p === 'string' && p !== '');
  } catch {
    return [];
  }
}

/** What `POST /export` answers: the project folder (relative to the server's root), its parameters and files. */
export interface ExportedProject {
  project_dir: string;
  name: string;
  parameters: Array<{ name: string; type: string; default?: unknown }>;
  files: string[];
  source_run_id?: string | null;
  missing_modules?: string[];
}

/** The default project folder: `<notebook stem>-project` next to the notebook. */
export function defaultExportDir(notebookPath: string): string {
  const slash = notebookPath.lastIndexOf('/');
  const folder = slash >= 0 ? notebookPath.slice(0, slash + 1) : '';
  const file = notebookPath.slice(slash + 1);
  const stem = file.toLowerCase().endsWith('.ipynb') ? file.slice(0, -'.ipynb'.length) : file;
  return `${folder}${stem || 'notebook'}-project`;
}

export class RunDetailModel {
  runId: string | null = null;
  run: Run | null = null;
  loading = false;
  error: string | null = null;
  /** Folder path ('' for the root) → its children, once listed. */
  readonly folders = new Map<string, FileInfo[]>();
  readonly expanded = new Set<string>();
  previewPath: string | null = null;
  preview: ArtifactPreview | null = null;
  previewError: string | null = null;
  models: LoggedModel[] = [];
  /** The last "Export as project" of this run: busy, the project written, or the server's message. */
  exporting = false;
  exported: ExportedProject | null = null;
  exportError: string | null = null;
  /** The Jupyter server's root folder (PageConfig's serverRoot), to make recorded notebook paths relative. */
  serverRoot = '';

  private readonly request: Requester;
  private readonly _changed = new Signal<this, void>(this);
  private generation = 0;

  constructor(request: Requester) {
    this.request = request;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  async open(runId: string): Promise<void> {
    const generation = ++this.generation;
    this.runId = runId;
    this.run = null;
    this.error = null;
    this.loading = true;
    this.folders.clear();
    this.expanded.clear();
    this.previewPath = null;
    this.preview = null;
    this.previewError = null;
    this.models = [];
    this.exporting = false;
    this.exported = null;
    this.exportError = null;
    this.emit();
    try {
      const { run } = await this.request<{ run: Run }>(`runs/${encodeURIComponent(runId)}`);
      if (generation !== this.generation) {
        return;
      }
      this.run = run;
      this.emit();
      const root = await this.list('');
      if (generation !== this.generation) {
        return;
      }
      this.folders.set('', root);
      this.emit();
      await this.findModels(run, root, generation);
    } catch (error) {
      if (generation === this.generation) {
        this.error = errorMessage(error);
      }
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.emit();
      }
    }
  }

  /** Opens or closes a folder of the artifact tree, listing it the first time. */
  async toggleFolder(path: string): Promise<void> {
    if (this.expanded.has(path)) {
      this.expanded.delete(path);
      this.emit();
      return;
    }
    this.expanded.add(path);
    this.emit();
    if (!this.folders.has(path) && this.runId) {
      const runId = this.runId;
      try {
        const files = await this.list(path);
        if (runId === this.runId) {
          this.folders.set(path, files);
        }
      } catch (error) {
        this.previewError = errorMessage(error);
      }
      this.emit();
    }
  }

  /** Loads the preview of one file (image, text, HTML, plotly JSON, or "binary"). */
  async showPreview(path: string): Promise<void> {
    if (!this.runId) {
      return;
    }
    const runId = this.runId;
    this.previewPath = path;
    this.preview = null;
    this.previewError = null;
    this.emit();
    try {
      const preview = await this.request<ArtifactPreview>(
        `runs/${encodeURIComponent(runId)}/artifacts/preview${query({ path })}`
      );
      if (runId === this.runId && path === this.previewPath) {
        this.preview = preview;
      }
    } catch (error) {
      if (runId === this.runId && path === this.previewPath) {
        this.previewError = errorMessage(error);
      }
    }
    this.emit();
  }

  /** The run's notebook relative to the server's root, or null (no notebook, or outside the root). */
  notebookServerPath(): string | null {
    const recorded = this.run?.info.notebook_path;
    return recorded ? serverPathOf(recorded, this.serverRoot) : null;
  }

  /**
   * Exports the run's notebook as a reproducible project into `outDir` (relative to the server's
   * root folder), pinning this run's parameter values; `force` overwrites a non-empty folder.
   */
  async exportProject(outDir: string, force = false): Promise<ExportedProject | null> {
    const run = this.run;
    const recorded = run?.info.notebook_path;
    const notebookPath = this.notebookServerPath();
    if (!run || !recorded || notebookPath === null) {
      this.exportError = recorded
        ? `${recorded} is outside this server's folder (${this.serverRoot}), so it cannot be exported from here.`
        : 'This run has no notebook to export.';
      this.emit();
      return null;
    }
    const runId = run.info.run_id;
    this.exporting = true;
    this.exported = null;
    this.exportError = null;
    this.emit();
    try {
      const body: Record<string, unknown> = { notebook_path: notebookPath, out_dir: outDir.trim(), run_id: runId };
      if (force) {
        body.force = true;
      }
      const result = await this.request<ExportedProject>('export', { method: 'POST', body: JSON.stringify(body) });
      if (runId === this.runId) {
        this.exported = result;
      }
      return result;
    } catch (error) {
      if (runId === this.runId) {
        this.exportError = errorMessage(error);
      }
      return null;
    } finally {
      if (runId === this.runId) {
        this.exporting = false;
        this.emit();
      }
    }
  }

  private async list(path: string): Promise<FileInfo[]> {
    const listing = await this.request<ArtifactListing>(
      `runs/${encodeURIComponent(this.runId ?? '')}/artifacts${query({ path })}`
    );
    return listing.files;
  }

  private async findModels(run: Run, root: FileInfo[], generation: number): Promise<void> {
    let paths = modelPathsFromTags(run.data.tags);
    if (paths.length === 0) {
      const folders = root.filter(f => f.is_dir).slice(0, MAX_MODEL_FOLDERS);
      const listed = await Promise.all(
        folders.map(f => this.list(f.path).then(files => ({ folder: f.path, files }), () => ({ folder: f.path, files: [] })))
      );
      if (generation !== this.generation) {
        return;
      }
      for (const { folder, files } of listed) {
        this.folders.set(folder, files);
      }
      paths = listed.filter(l => l.files.some(f => f.path === `${l.folder}/MLmodel`)).map(l => l.folder);
    }
    const models = await Promise.all(paths.map(path => this.readModel(path)));
    if (generation === this.generation) {
      this.models = models;
    }
  }

  private async readModel(path: string): Promise<LoggedModel> {
    try {
      const preview = await this.request<ArtifactPreview>(
        `runs/${encodeURIComponent(this.runId ?? '')}/artifacts/preview${query({ path: `${path}/MLmodel` })}`
      );
      if (typeof preview.content !== 'string') {
        return { path, summary: null, error: 'The MLmodel file could not be read as text.' };
      }
      return { path, summary: summarizeMLmodel(preview.content), error: null };
    } catch (error) {
      return { path, summary: null, error: errorMessage(error) };
    }
  }

  private emit(): void {
    this._changed.emit();
  }
}
