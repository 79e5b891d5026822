// Prediction traffic for the demo and the drift tests: batches of texts sent round-robin to model
// servers (ports on loopback, or base URLs such as a Service's ClusterIP), at a steady pace, until stopped.

export interface TrafficLoop {
  /** Stops sending and resolves with the number of texts the servers answered. */
  stop(): Promise<number>;
  sent(): number;
}

/**
 * Sends `texts()` to the servers in batches, round-robin, until stop(). Returns the count sent.
 * `texts` is read on every batch, so the traffic can be switched while it runs.
 */
export function sendTraffic(
  servers: readonly (number | string)[],
  texts: () => string[],
  options: { batch?: number; everyMs?: number } = {},
): TrafficLoop {
  const batch = options.batch ?? 25;
  const everyMs = options.everyMs ?? 100;
  let sent = 0;
  let offset = 0;
  let stopped = false;
  const loop = async (server: number | string): Promise<void> => {
    const url = typeof server === 'number' ? `http://127.0.0.1:${server}/predict` : `${server}/predict`;
    while (!stopped) {
      const pool = texts();
      const items = Array.from({ length: batch }, (_, i) => pool[(offset + i) % pool.length]);
      offset = (offset + batch) % pool.length;
      const started = Date.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ texts: items }),
        });
        if (res.ok) sent += batch;
        await res.arrayBuffer();
      } catch {
        // a server restarting; the test's assertions notice if traffic stops
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))));
    }
  };
  const loops = servers.map((s) => loop(s));
  return {
    sent: () => sent,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return sent;
    },
  };
}
