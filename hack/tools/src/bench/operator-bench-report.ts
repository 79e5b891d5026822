// The operator benchmark's figures, the issue's targets, and the Markdown tables printed for
// docs/benchmarks.md. Pure: the run collects the numbers, this file only judges and formats them.

/** Seconds from the first create to each point; undefined when the run never got there. */
export interface Milestones {
  /** every create call answered */
  created?: number;
  /** every model has all its children */
  children?: number;
  /** every Deployment has its replica ready (kube-controller-manager, scheduler and kwok done) */
  deploymentsReady?: number;
  /** every SentimentModel has Ready=True */
  ready?: number;
  /** no write and no reconcile for the settle quiet time */
  settled?: number;
}

export interface BenchFigures {
  models: number;
  idleSeconds: number;
  milestones: Milestones;
  /** operator writes from before the first create until settled, by "verb resource" */
  writes: Map<string, number>;
  /** operator writes during the idle window, by "verb resource" */
  idleWrites: Map<string, number>;
  /** reconciles until settled, by result */
  reconciles: Map<string, number>;
  /** reconciles during the idle window */
  idleReconciles: number;
  /** operator requests (reads, lists, watches, writes) from before the first create until settled */
  requests: Map<string, number>;
  /** operator processes that served /metrics during the run */
  processes: number;
  /** the operator's peak RSS: the highest /metrics sample, and the kernel's high-water mark */
  operatorRssMb: { sampled: number; highWater?: number };
  /** operator CPU seconds from the first create until settled, and during the idle window */
  operatorCpuSeconds: { converge: number; idle: number };
}

/** The targets of issue 13 (docs/benchmarks.md). */
export const TARGETS = {
  childrenSeconds: 20,
  convergeSeconds: 60,
  requestsPerModel: 10,
  writesPerModel: 8,
  idleWrites: 0,
  idleReconciles: 0,
  rssMb: 200,
  processes: 1,
} as const;

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

export const fmt = (n: number | undefined, digits = 1): string =>
  n === undefined || Number.isNaN(n)
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const met = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**');

export interface TargetRow {
  figure: string;
  measured: string;
  target: string;
  met: boolean | undefined;
}

export function targetRows(f: BenchFigures): TargetRow[] {
  const { ready, children } = f.milestones;
  const perModel = sum(f.writes) / f.models;
  const requestsPerModel = sum(f.requests) / f.models;
  const idle = sum(f.idleWrites);
  const rss = Math.max(f.operatorRssMb.sampled, f.operatorRssMb.highWater ?? 0);
  return [
    {
      figure: `first create → all ${f.models} have their children`,
      measured: children === undefined ? 'never' : `${fmt(children)} s`,
      target: `≤ ${TARGETS.childrenSeconds} s`,
      met: children !== undefined && children <= TARGETS.childrenSeconds,
    },
    {
      figure: `first create → all ${f.models} Ready`,
      measured: ready === undefined ? 'did not converge' : `${fmt(ready)} s`,
      target: `≤ ${TARGETS.convergeSeconds} s`,
      met: ready !== undefined && ready <= TARGETS.convergeSeconds,
    },
    {
      figure: 'API requests per SentimentModel, creation (operator counters)',
      measured: fmt(requestsPerModel, 2),
      target: `≤ ${TARGETS.requestsPerModel}`,
      met: requestsPerModel <= TARGETS.requestsPerModel,
    },
    {
      figure: 'API writes per SentimentModel, creation',
      measured: fmt(perModel, 2),
      target: `≤ ${TARGETS.writesPerModel}`,
      met: perModel <= TARGETS.writesPerModel,
    },
    {
      figure: `API writes while idle (${f.idleSeconds} s)`,
      measured: String(idle),
      target: String(TARGETS.idleWrites),
      met: idle === TARGETS.idleWrites,
    },
    {
      figure: `reconciles while idle (${f.idleSeconds} s)`,
      measured: String(f.idleReconciles),
      target: String(TARGETS.idleReconciles),
      met: f.idleReconciles === TARGETS.idleReconciles,
    },
    {
      figure: 'operator processes',
      measured: String(f.processes),
      target: String(TARGETS.processes),
      met: f.processes === TARGETS.processes,
    },
    {
      figure: 'operator peak RSS',
      measured: `${fmt(rss, 0)} MB`,
      target: `≤ ${TARGETS.rssMb} MB`,
      met: rss <= TARGETS.rssMb,
    },
  ];
}

/** A Markdown table padded as Prettier pads it, so it can be pasted into the docs unchanged. */
export function markdownTable(header: string[], rows: string[][], rightAligned: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function targetsTable(f: BenchFigures): string {
  return markdownTable(
    ['figure', 'measured', 'target', 'met'],
    targetRows(f).map((r) => [r.figure, r.measured, r.target, met(r.met)]),
    [false, true, true, false],
  );
}

export function milestonesTable(f: BenchFigures): string {
  const m = f.milestones;
  const rows: [string, number | undefined][] = [
    [`all ${f.models} SentimentModels created (create calls answered)`, m.created],
    ['all have their children (Deployment, Service, ServiceMonitor, PrometheusRule)', m.children],
    ['all Deployments have their replica ready (controller-manager, scheduler, kwok)', m.deploymentsReady],
    ['all SentimentModels Ready=True', m.ready],
    ['settled: no operator write or reconcile for 5 s', m.settled],
  ];
  return markdownTable(
    ['point', 's after first create'],
    rows.map(([label, t]) => [label, fmt(t)]),
    [false, true],
  );
}

/** Writes by verb and resource, total and per model, the creation and idle phases side by side. */
export function writesTable(f: BenchFigures): string {
  const keys = [...new Set([...f.writes.keys(), ...f.idleWrites.keys()])].sort();
  const rows = keys
    .filter((k) => (f.writes.get(k) ?? 0) + (f.idleWrites.get(k) ?? 0) > 0)
    .map((k) => [
      k,
      String(f.writes.get(k) ?? 0),
      fmt((f.writes.get(k) ?? 0) / f.models, 2),
      String(f.idleWrites.get(k) ?? 0),
    ]);
  rows.push([
    '**total**',
    String(sum(f.writes)),
    fmt(sum(f.writes) / f.models, 2),
    String(sum(f.idleWrites)),
  ]);
  return markdownTable(['write (verb resource)', 'creation', 'per model', `idle ${f.idleSeconds} s`], rows, [
    false,
    true,
    true,
    true,
  ]);
}

/** Every request the operator counted until settled (reads, lists, watches and writes), per model. */
export function requestsTable(f: BenchFigures): string {
  const rows = [...f.requests.entries()]
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => [k, String(n), fmt(n / f.models, 2)]);
  rows.push(['**total**', String(sum(f.requests)), fmt(sum(f.requests) / f.models, 2)]);
  return markdownTable(['request (verb resource)', 'creation', 'per model'], rows, [false, true, true]);
}

export function reconcilesLine(f: BenchFigures): string {
  const parts = [...f.reconciles.entries()].filter(([, n]) => n > 0).map(([r, n]) => `${n} ${r}`);
  const total = sum(f.reconciles);
  return `reconciles until settled: ${total} (${parts.join(', ') || 'none'}; ${fmt(total / f.models, 2)} per model); during the idle window: ${f.idleReconciles}`;
}

/** Counter values of the API server's own /metrics that say who sent how many requests. */
export interface ApiserverCounters {
  /** requests dispatched by API Priority and Fairness, by flow schema (which client class sent them) */
  byFlowSchema: Map<string, number>;
  /** seconds requests waited in APF queues, by flow schema (server-side throttling) */
  waitByFlowSchema: Map<string, number>;
  /** writes by "VERB resource[/subresource]" */
  writes: Map<string, number>;
}

const FLOW_SCHEMA_CLIENTS: Record<string, string> = {
  exempt: 'exempt: system:masters (the operator, kwok, this benchmark, tests)',
  'kube-system-service-accounts': 'kube-controller-manager controllers (service accounts)',
  'kube-controller-manager': 'kube-controller-manager (own identity)',
  'kube-scheduler': 'kube-scheduler',
};

/** Requests the API server handled between two readings, by client class, and its busiest writes. */
export function apiserverTable(before: ApiserverCounters, after: ApiserverCounters, seconds: number): string {
  const delta = (a: Map<string, number>, b: Map<string, number>): [string, number][] =>
    [...a].map(([k, v]): [string, number] => [k, v - (b.get(k) ?? 0)]).filter(([, v]) => v > 0);
  const flows = delta(after.byFlowSchema, before.byFlowSchema).sort((x, y) => y[1] - x[1]);
  const waits = new Map(delta(after.waitByFlowSchema, before.waitByFlowSchema));
  const rows = flows.map(([schema, n]) => [
    FLOW_SCHEMA_CLIENTS[schema] ?? schema,
    String(n),
    fmt(n / seconds, 1),
    fmt(waits.get(schema) ?? 0, 1),
  ]);
  const writes = delta(after.writes, before.writes)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 12)
    .map(([k, n]) => [`write: ${k}`, String(n), fmt(n / seconds, 1), '']);
  return markdownTable(
    ['API server requests (all clients)', 'requests', 'per s', 'APF queue wait s'],
    [...rows, ...writes],
    [false, true, true, true],
  );
}

/** A component's client-side rate limiter: requests that passed it and the seconds they waited in it. */
export interface Throttling {
  requests: number;
  waitSeconds: number;
}

export function throttlingTable(
  components: readonly string[],
  before: readonly (Throttling | undefined)[],
  after: readonly (Throttling | undefined)[],
): string {
  const rows = components.map((name, i) => {
    const [a, b] = [before[i], after[i]];
    if (!a || !b) return [name, 'not measured', '', ''];
    const n = b.requests - a.requests;
    const wait = b.waitSeconds - a.waitSeconds;
    return [name, String(n), fmt(wait, 1), fmt(n > 0 ? (1000 * wait) / n : 0, 1)];
  });
  return markdownTable(
    ['client-side rate limiter, first create → settled', 'requests', 'waited s', 'mean wait ms'],
    rows,
    [false, true, true, true],
  );
}

export interface ProcessFigures {
  peakHeapUsedMb: number;
  /** seconds from the first create to settled (or to the end of convergence) */
  convergeSeconds: number;
  servingPids: number[];
  failedSamples: number;
}

export function processTable(f: BenchFigures, p: ProcessFigures): string {
  const cores = f.operatorCpuSeconds.converge / (p.convergeSeconds || 1);
  return markdownTable(
    ['operator process', 'value'],
    [
      ['peak RSS, /metrics sampled every second', `${fmt(f.operatorRssMb.sampled, 0)} MB`],
      ['peak RSS, kernel high-water mark (VmHWM)', `${fmt(f.operatorRssMb.highWater, 0)} MB`],
      ['peak V8 heap used, /metrics sampled', `${fmt(p.peakHeapUsedMb, 0)} MB`],
      ['CPU, first create → settled', `${fmt(f.operatorCpuSeconds.converge, 1)} s (${fmt(cores, 2)} cores)`],
      [`CPU, idle ${f.idleSeconds} s`, `${fmt(f.operatorCpuSeconds.idle, 2)} s`],
      ['pids that served /metrics (one process: one pid)', p.servingPids.join(', ')],
      ['metrics samples that failed', String(p.failedSamples)],
    ],
    [false, true],
  );
}

/** Columns of the CPU table: label and the key of the process in the CPU readings. */
export const CPU_COLUMNS: readonly [string, string][] = [
  ['operator', 'operator'],
  ['kube-apiserver', 'kube-apiserver'],
  ['etcd', 'etcd'],
  ['kube-controller-manager', 'kube-controller-manager'],
  ['kube-scheduler', 'kube-scheduler'],
  ['kwok', 'kwok'],
  ['this benchmark', 'bench'],
  ['whole machine (busy)', 'machine'],
];

export function coresTable(phases: readonly [string, ReadonlyMap<string, number>][]): string {
  return markdownTable(
    ['CPU (cores)', ...CPU_COLUMNS.map(([label]) => label)],
    phases.map(([phase, cores]) => [phase, ...CPU_COLUMNS.map(([, key]) => fmt(cores.get(key) ?? 0, 2))]),
    [false, ...CPU_COLUMNS.map(() => true)],
  );
}

/** One line of the convergence timeline, printed every 5 s. */
export interface TimelineRow {
  seconds: number;
  created: number;
  deployments: number;
  deploymentsReady: number;
  ready: number;
  queue?: number;
  reconciles?: number;
  failedReconciles?: number;
  writes?: number;
  rssMb?: number;
  /** cores since the previous row, by the keys of CPU_COLUMNS */
  cores: ReadonlyMap<string, number>;
}

const TIMELINE_HEADER = [
  't s',
  'created',
  'Deployments',
  'Deployments ready',
  'Ready',
  'queue',
  'reconciles',
  'writes',
  'operator RSS MB',
  'operator cores',
  'apiserver cores',
  'etcd cores',
  'kcm+scheduler+kwok cores',
  'machine cores',
];

function timelineCells(r: TimelineRow): string[] {
  const c = (key: string): number => r.cores.get(key) ?? 0;
  const opt = (n: number | undefined): string => (n === undefined ? '—' : String(n));
  return [
    fmt(r.seconds, 0),
    String(r.created),
    String(r.deployments),
    String(r.deploymentsReady),
    String(r.ready),
    opt(r.queue),
    opt(r.reconciles),
    opt(r.writes),
    fmt(r.rssMb, 0),
    fmt(c('operator'), 2),
    fmt(c('kube-apiserver'), 2),
    fmt(c('etcd'), 2),
    fmt(c('kube-controller-manager') + c('kube-scheduler') + c('kwok'), 2),
    fmt(c('machine'), 2),
  ];
}

/** The live progress line. */
export function timelineLine(r: TimelineRow, models: number): string {
  const [t, created, deps, depsReady, ready, queue, reconciles, writes, rss, ...cores] = timelineCells(r);
  return (
    `t=${t}s created ${created} deployments ${deps} (ready ${depsReady}) Ready ${ready}/${models} ` +
    `queue ${queue} reconciles ${reconciles} (failed ${r.failedReconciles ?? 0}) writes ${writes} rss ${rss} MB ` +
    `cores: operator ${cores[0]} apiserver ${cores[1]} etcd ${cores[2]} kcm+sched+kwok ${cores[3]} machine ${cores[4]}`
  );
}

export function timelineTable(rows: readonly TimelineRow[]): string {
  return markdownTable(
    TIMELINE_HEADER,
    rows.map(timelineCells),
    TIMELINE_HEADER.map(() => true),
  );
}
