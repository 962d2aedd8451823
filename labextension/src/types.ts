// The REST API's entities (jupyter_mltrack/server/openapi.yaml), as the panel reads them.

/** A metric value: JSON cannot hold NaN or infinities, so the server sends them as strings. */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  tags: Record<string, string>;
  creation_time: number | null;
  last_update_time: number | null;
}

export interface RunInfo {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
  parent_run_id: string | null;
  notebook_path: string | null;
  cell_id: string | null;
  source: string | null;
}

export interface RunData {
  metrics: Record<string, MetricValue>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface DatasetInput {
  dataset: { name: string; digest: string; source_type: string; source: string };
  context: string | null;
  tags: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: { dataset_inputs: DatasetInput[] };
}

export interface RunPage {
  runs: Run[];
  next_page_token: string | null;
}

export interface MetricHistory {
  run_id: string;
  key: string;
  total_points: number;
  downsampled: boolean;
  steps: number[];
  values: MetricValue[];
  timestamps: number[];
}

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size: number | null;
}

export interface ArtifactListing {
  root_uri: string;
  path: string;
  files: FileInfo[];
}

export interface ArtifactPreview {
  path: string;
  kind: 'image' | 'text' | 'html' | 'plotly' | 'binary';
  content_type: string;
  size: number;
  truncated: boolean;
  encoding: 'base64' | 'utf-8' | 'json' | null;
  content: unknown;
}

export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: Stage;
  source: string;
  run_id: string | null;
  status: string;
  description: string | null;
  user_id: string | null;
  tags: Record<string, string>;
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  latest_versions: ModelVersion[];
}

export interface TransitionRequest {
  request_id: string;
  name: string;
  version: string;
  target: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED';
  requested_by: string;
  requested_at: number;
  comment: string | null;
  decided_by: string | null;
  decided_at: number | null;
  decision_comment: string | null;
}

export interface PromotionPolicy {
  name: string;
  target: string;
  require_approval: boolean;
  gates: string[];
}

export interface AuditEntry {
  entry_id: number;
  timestamp: number;
  actor: string;
  action: string;
  name: string;
  version: string | null;
  target: string | null;
  before: unknown;
  after: unknown;
  comment: string | null;
}

/** Converts a metric value from the wire to a number (NaN for "NaN", +-Infinity). */
export function metricNumber(value: MetricValue | undefined): number {
  if (value === undefined) {
    return NaN;
  }
  if (typeof value === 'number') {
    return value;
  }
  return value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : NaN;
}
