// The operator's own figures, read from its /metrics: requests and writes by verb and resource,
// reconciles by result, CPU, memory and the work queue. Sampled every second so the peak RSS is not missed.
import type { OperatorProcess } from './operator-process';
import { byLabels, sumOf, type Sample } from '@sentiment-operator/contract';

/** The operator's counters at one moment. */
export interface Reading {
  /** "verb resource" → writes so far */
  writes: Map<string, number>;
  /** "verb resource" → requests (reads, lists, watches and writes) so far */
  requests: Map<string, number>;
  /** result → reconciles so far */
  reconciles: Map<string, number>;
  cpuSeconds: number;
  rssMb: number;
  heapUsedMb: number;
  queueDepth: number;
}

function byVerbAndResource(samples: Sample[], metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of byLabels(samples, metric, ['verb', 'resource'])) out.set(key.replace('/', ' '), n);
  return out;
}

export function reading(samples: Sample[]): Reading {
  return {
    writes: byVerbAndResource(samples, 'sentimentops_api_writes_total'),
    requests: byVerbAndResource(samples, 'sentimentops_api_requests_total'),
    reconciles: byLabels(samples, 'sentimentops_reconcile_total', ['result']),
    cpuSeconds: sumOf(samples, 'process_cpu_seconds_total'),
    rssMb: sumOf(samples, 'process_resident_memory_bytes') / 2 ** 20,
    heapUsedMb: sumOf(samples, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    queueDepth: sumOf(samples, 'sentimentops_workqueue_depth'),
  };
}

export const total = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** Per-key differences of two counter readings. */
export function minus(
  after: ReadonlyMap<string, number>,
  before: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

export class Sampler {
  latest: Reading | undefined;
  peakRssMb = 0;
  peakHeapUsedMb = 0;
  /** samples that failed (the operator busy or restarting); reported, not fatal */
  errors = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly op: OperatorProcess) {}

  async sample(): Promise<Reading> {
    const r = reading(await this.op.metrics());
    this.latest = r;
    this.peakRssMb = Math.max(this.peakRssMb, r.rssMb);
    this.peakHeapUsedMb = Math.max(this.peakHeapUsedMb, r.heapUsedMb);
    return r;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sample().catch(() => (this.errors += 1));
    }, 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
