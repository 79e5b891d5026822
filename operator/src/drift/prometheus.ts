// The Prometheus HTTP API, instant queries only. Node's fetch, a timeout per query, a cap on the
// reply's size (any SentimentModel editor may point spec.drift.prometheusUrl at any server, so the
// reply is untrusted), and errors that say which Prometheus failed and how, without credentials
// that a URL may carry, in at most MAX_MESSAGE_CHARS (they end up in status, events and logs).

/** Longest text this module puts into an error message, and so into status, events and logs. */
export const MAX_MESSAGE_CHARS = 1024;
/** Default of --prometheus-max-response-bytes (operator/src/config.ts). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** `text` cut to at most `max` characters, saying how long it was. */
export function truncateText(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const note = `… (${text.length} characters in all)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
  constructor(message: string) {
    super(truncateText(message));
  }
}

/** `url` without user:password or query string (either may carry a token), for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

interface QueryResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * The body of `response`, or undefined when it is longer than `maxBytes`: then the read stops there
 * and the connection is dropped, so memory stays bounded whatever the server sends.
 */
async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Runs an instant query and returns its vector; throws PrometheusError on any failure. */
export async function instantQuery(
  baseUrl: string,
  query: string,
  timeoutMs: number,
  maxBytes = DEFAULT_MAX_RESPONSE_BYTES,
): Promise<Sample[]> {
  const where = redactUrl(baseUrl);
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
    throw new PrometheusError(`Prometheus at ${where} is unreachable: ${reason}`);
  }
  let text: string | undefined;
  try {
    text = await boundedText(response, maxBytes);
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no whole answer within ${timeoutMs} ms`
        : String(error);
    throw new PrometheusError(`Prometheus at ${where} failed while answering: ${reason}`);
  }
  if (text === undefined) {
    throw new PrometheusError(
      `Prometheus at ${where} answered more than ${maxBytes} bytes, the limit (--prometheus-max-response-bytes); the reply was dropped`,
    );
  }
  let body: QueryResponse | undefined;
  try {
    body = JSON.parse(text) as QueryResponse;
  } catch {
    body = undefined;
  }
  if (!response.ok || body?.status !== 'success') {
    const detail = body?.error
      ? `${truncateText(String(body.errorType ?? 'error'), 64)}: ${truncateText(String(body.error), 512)}`
      : `HTTP ${response.status}`;
    throw new PrometheusError(`Prometheus at ${where} answered ${detail}`);
  }
  if (body.data?.resultType !== 'vector') {
    throw new PrometheusError(
      `Prometheus at ${where} answered a ${truncateText(String(body.data?.resultType ?? 'missing'), 64)} result`,
    );
  }
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}
