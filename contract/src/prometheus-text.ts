// Reads the Prometheus text exposition format (what /metrics serves) into samples: the one parser of
// the repository, for the model server's tests, the operator's tests, the demo and the benchmark.
// Pure, so the benchmark's arithmetic does not depend on a running process.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of `text`; `strict` throws on a line that is neither a comment nor a sample. */
export function parseMetrics(text: string, options: { strict?: boolean } = {}): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) {
      if (options.strict) throw new Error(`unparseable exposition line: ${line}`);
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Each metric's type, from its `# TYPE name type` line. */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) types.set(m[1], m[2]);
  }
  return types;
}

/** The sum of `name` over the samples whose labels include every pair of `match`. */
export function sumOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** `name`'s samples keyed by the values of `labelNames` joined with "/". */
export function byLabels(
  samples: readonly Sample[],
  name: string,
  labelNames: readonly string[],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = labelNames.map((l) => s.labels[l] ?? '').join('/');
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}
