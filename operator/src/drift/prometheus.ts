// The Prometheus HTTP API, instant queries only. Node's fetch, a timeout per query, and errors that
// say which Prometheus failed and how, without credentials that a URL may carry.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
}

/** `url` without user:password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
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

/** Runs an instant query and returns its vector; throws PrometheusError on any failure. */
export async function instantQuery(baseUrl: string, query: string, timeoutMs: number): Promise<Sample[]> {
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
  let body: QueryResponse | undefined;
  try {
    body = (await response.json()) as QueryResponse;
  } catch {
    body = undefined;
  }
  if (!response.ok || body?.status !== 'success') {
    const detail = body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : `HTTP ${response.status}`;
    throw new PrometheusError(`Prometheus at ${where} answered ${detail}`);
  }
  if (body.data?.resultType !== 'vector') {
    throw new PrometheusError(
      `Prometheus at ${where} answered a ${body.data?.resultType ?? 'missing'} result`,
    );
  }
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}
