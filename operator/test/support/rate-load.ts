// A steady request rate against one URL (a Service's ClusterIP, from the host), counting every
// answer and every failure, for the real-node suite: rolling updates must lose no request, and the
// HPA must see the load.
import http from 'node:http';

export interface RateLoadResult {
  sent: number;
  ok: number;
  /** Non-2xx answers and connection errors, with what happened, in order. */
  failures: { at: number; what: string }[];
}

export interface RateLoad {
  stop(): Promise<RateLoadResult>;
  /** Requests answered so far. */
  ok(): number;
}

/**
 * POSTs `body()` to `url` at `ratePerSecond`, on keep-alive connections (as a client library would),
 * until stop(). A request that fails is not retried: the count is what a client without retries sees.
 */
export function startRateLoad(
  url: string,
  body: () => string,
  ratePerSecond: number,
  options: { timeoutMs?: number; maxInFlight?: number } = {},
): RateLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight ?? 64 });
  const started = Date.now();
  const result: RateLoadResult = { sent: 0, ok: 0, failures: [] };
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      result.sent++;
      const payload = body();
      const fail = (what: string) => {
        result.failures.push({ at: Date.now() - started, what });
        resolve();
      };
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          timeout: options.timeoutMs ?? 10_000,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
              result.ok++;
              resolve();
            } else {
              fail(`HTTP ${res.statusCode}`);
            }
          });
          res.on('error', (err) => fail(err.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => fail(err.message));
      req.end(payload);
    });

  const interval = 1000 / ratePerSecond;
  let next = Date.now();
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    // Catch up after a late timer, so the rate holds on a busy machine.
    while (next <= now) {
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
      next += interval;
    }
    timer = setTimeout(tick, Math.max(0, next - Date.now()));
  };
  let timer = setTimeout(tick, 0);

  return {
    ok: () => result.ok,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      agent.destroy();
      return result;
    },
  };
}
