// Columns of the runs table and how they map to the search grammar's identifiers.
import { grammarKey } from './http';
import { Run } from '../types';

export type ColumnKind = 'attributes' | 'metrics' | 'params' | 'tags';

export interface Column {
  kind: ColumnKind;
  key: string;
}

/** The columns every table shows, before the chosen params, metrics and tags. */
export const ATTRIBUTE_COLUMNS: readonly Column[] = [
  { kind: 'attributes', key: 'run_name' },
  { kind: 'attributes', key: 'status' },
  { kind: 'attributes', key: 'start_time' }
];

export const ATTRIBUTE_TITLES: Record<string, string> = {
  run_name: 'Run',
  status: 'Status',
  start_time: 'Started'
};

/** A metric the magics record about the cell itself (wall time, memory), not the user's own. */
export function isSystemMetric(key: string): boolean {
  return key.startsWith('cell.');
}

export function sameColumn(a: Column, b: Column): boolean {
  return a.kind === b.kind && a.key === b.key;
}

export function columnId(column: Column): string {
  return `${column.kind}.${column.key}`;
}

/** The identifier for order_by, e.g. `metrics.acc` or ``params.`learning rate` ``. */
export function orderIdentifier(column: Column): string {
  return `${column.kind}.${grammarKey(column.key)}`;
}

/** A column's title in the header. */
export function columnTitle(column: Column): string {
  return column.kind === 'attributes' ? ATTRIBUTE_TITLES[column.key] ?? column.key : column.key;
}

/** The raw value a run has in a column (undefined when it has none). */
export function cellValue(run: Run, column: Column): string | number | undefined {
  switch (column.kind) {
    case 'attributes':
      return (run.info as unknown as Record<string, string | number | undefined>)[column.key];
    case 'metrics': {
      const value = run.data.metrics[column.key];
      return value === undefined ? undefined : value;
    }
    case 'params':
      return run.data.params[column.key];
    case 'tags':
      return run.data.tags[column.key];
  }
}

/** A number shown in a cell: at most 4 significant digits after the point. */
export function formatNumber(value: number): string {
  if (!isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(3);
  }
  return String(Number(value.toPrecision(4)));
}

/** The text of a cell. */
export function formatCell(run: Run, column: Column): string {
  const value = cellValue(run, column);
  if (value === undefined || value === null) {
    return '';
  }
  if (column.kind === 'attributes' && column.key === 'start_time') {
    return formatTime(Number(value));
  }
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** `2026-11-26 23:02` in the viewer's time zone. */
export function formatTime(ms: number | null | undefined): string {
  if (!ms) {
    return '';
  }
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
