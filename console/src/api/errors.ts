/**
 * One error type for everything the API refuses: its code, its words and the request id the
 * server logged it under (the body's `requestId`, else the `X-Request-Id` header), so an
 * operator can quote it.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The API's `{error, message, requestId}` body and its headers, read into an ApiFailure. */
export function apiFailure(response: Response, body: unknown): ApiFailure {
  const retryAfter = Number(response.headers.get('Retry-After'));
  return new ApiFailure(
    response.status,
    stringField(body, 'error') ?? `http_${response.status}`,
    stringField(body, 'message') ?? (response.statusText || 'The server refused the request'),
    stringField(body, 'requestId') ?? response.headers.get('X-Request-Id'),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/** Plain words for any error, for the global handler and inline messages. */
export function describeError(error: unknown): { title: string; detail: string; requestId: string | null } {
  if (error instanceof ApiFailure) {
    const title =
      error.status === 401 ? 'You are signed out or your session expired'
      : error.status === 403 ? 'Your role does not allow this'
      : error.status === 404 ? 'Not found'
      : error.status === 402 ? 'Out of credits'
      : error.status === 409 ? 'Conflict'
      : error.status === 429 ? `Too many requests${error.retryAfterSeconds ? `: retry in ${error.retryAfterSeconds} s` : ''}`
      : error.status >= 500 ? 'The server could not finish this request'
      : 'The request was refused';
    return { title, detail: `${error.message} (${error.code})`, requestId: error.requestId };
  }
  if (error instanceof TypeError) return { title: 'The network request failed', detail: error.message, requestId: null };
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error), requestId: null };
}
