// A client-visible failure: its status code and a message that names the field or limit at fault.
// The server answers it as {"error": message}.
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);

/** The limits that refuse work when the server is full; the `limit` label of the rejections metric. */
export type OverloadLimit = 'queued_texts' | 'body_bytes';

/** 503 for work beyond an admission limit: the client should come back shortly, or elsewhere. */
export class Overloaded extends HttpError {
  constructor(
    readonly limit: OverloadLimit,
    message: string,
  ) {
    super(503, `${message}; retry later`, { 'retry-after': '1' });
  }
}

const PREVIEW_CHARS = 40;

/**
 * A short, safe rendering of a client's value for an error message: a string's first characters,
 * a number or literal, or just the kind of a structure. Never serialises a whole structure, which
 * for deeply nested input would exhaust the stack and for large input would echo it back.
 */
export function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const head = JSON.stringify(value.slice(0, PREVIEW_CHARS));
    return value.length > PREVIEW_CHARS ? `${head.slice(0, -1)}…" (${value.length} characters)` : head;
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value === null || typeof value !== 'object') return String(value).slice(0, PREVIEW_CHARS);
  return 'an object';
}
