// The one function that talks to the server: every call of the panel goes through requestAPI.
import { ServerConnection } from '@jupyterlab/services';

import { ApiError } from './errors';

/** The shape of requestAPI, so the model layer can be given another transport in tests. */
export type Requester = <T>(path: string, init?: RequestInit) => Promise<T>;

/** Where the REST API lives, under the server's base_url (JupyterHub: /user/<name>/). */
export function apiUrl(path: string, settings = ServerConnection.makeSettings()): string {
  const base = settings.baseUrl.endsWith('/') ? settings.baseUrl : settings.baseUrl + '/';
  return base + 'mltrack/api/' + path.replace(/^\/+/, '');
}

/**
 * Calls `{base_url}mltrack/api/{path}` with JupyterLab's server settings (token, XSRF cookie)
 * and answers the parsed JSON body. A non-2xx answer throws an ApiError holding the server's
 * error_code and message (e.g. a 400 for a bad filter, a 403 for a refused promotion).
 */
export async function requestAPI<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const headers = new Headers(init.headers);
  if (typeof init.body === 'string' && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(apiUrl(path, settings), { ...init, headers }, settings);
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the Jupyter server: ${String(error)}`);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!response.ok) {
    throw ApiError.fromBody(response.status, body);
  }
  return body as T;
}

/** The address of an artifact's download (a link the browser follows with the login cookie). */
export function artifactDownloadUrl(runId: string, path: string): string {
  return apiUrl(`runs/${encodeURIComponent(runId)}/artifacts/download?path=${encodeURIComponent(path)}`);
}
