// Small helpers the state classes use to build requests (no transport here: see api.ts).
export type { Requester } from '../api';

/** A JSON POST/PUT/PATCH body. */
export function send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', body?: unknown): RequestInit {
  return body === undefined ? { method } : { method, body: JSON.stringify(body) };
}

/** A query string from the defined entries (`?a=1&b=x`), or '' when there are none. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length ? '?' + parts.join('&') : '';
}

/** One path segment, percent-encoded (a model named `team/churn` is `team%2Fchurn`). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** A string literal of the search grammar: single quotes, a quote doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A key of the search grammar: plain when it can be, else in backticks (or double quotes). */
export function grammarKey(key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) {
    return key;
  }
  return key.includes('`') ? `"${key.replace(/"/g, '""')}"` : '`' + key + '`';
}
