// Errors from the REST API: every error body is {"error_code", "message"} (docs/rest.md).

export class ApiError extends Error {
  /** HTTP status (0 when the server could not be reached). */
  readonly status: number;
  /** The server's error_code, e.g. INVALID_PARAMETER_VALUE or PERMISSION_DENIED. */
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errorCode = errorCode;
  }

  /** Builds the error from a response body, JSON or not. */
  static fromBody(status: number, body: unknown): ApiError {
    if (body && typeof body === 'object') {
      const { error_code, message } = body as { error_code?: unknown; message?: unknown };
      if (typeof message === 'string') {
        return new ApiError(status, typeof error_code === 'string' ? error_code : 'ERROR', message);
      }
    }
    const text = typeof body === 'string' && body ? body.slice(0, 500) : `The server answered HTTP ${status}.`;
    return new ApiError(status, 'ERROR', text);
  }
}

/** A message fit to show a person, from anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** True when the server refused (HTTP 403): a promotion policy, or no permission. */
export function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}
