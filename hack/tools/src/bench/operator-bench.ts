// `make bench-operator`: the operator against the local control plane with many SentimentModels. It
// creates N models (default 500) in a fresh namespace, measures the time until all have their
// children and are Ready, the operator's API writes per model, its memory and CPU, then leaves it idle
// and counts the writes it makes with nothing changing. A benchmark, not a test: it prints figures and
// whether each meets the target, and exits non-zero only when something fails.
//
// The run is isolated from other users of the shared cluster: the operator watches only the run's
// namespace and holds its own Lease there, the run's pods go to a kwok node of its own (the shared
// nodes take 220 pods in all), and it refuses to start while an operator watching every namespace
// runs on this machine, since that one would reconcile these models as well.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { kubeconfigPath, repoRoot, testenvDir } from '@sentiment-operator/operator/dist/test/support/cluster';
import type { ApiClient } from './api-client';
import {
  addKwokNode,
  benchModel,
  connect,
  createNamespace,
  deleteNamespace,
  forEachLimited,
  installCrds,
  modelsPath,
  operatorsWatchingAll,
  removeKwokNode,
  removeStaleKwokNodes,
  sleep,
} from './bench-cluster';
import { Cleanup } from './cleanup';
import {
  THROTTLED_COMPONENTS,
  apiserverCounters,
  apiserverView,
  census,
  clientThrottling,
  componentPorts,
  controlPlanePids,
} from './observations';
import {
  apiserverTable,
  coresTable,
  markdownTable,
  milestonesTable,
  processTable,
  reconcilesLine,
  targetsTable,
  throttlingTable,
  timelineLine,
  timelineTable,
  writesTable,
  requestsTable,
  type BenchFigures,
  type Milestones,
  type Throttling,
  type TimelineRow,
} from './operator-bench-report';
import { OPERATOR_MAIN, startOperator, type OperatorProcess } from './operator-process';
import { Sampler, minus, total, type Reading } from './operator-sampler';
import { coresBetween, memoryMb, readCpu, type CpuReading } from './proc-stats';

const USAGE = `usage: node hack/tools/dist/src/bench/operator-bench.js [flags]
  --models N               SentimentModels to create (default 500)
  --concurrency N          the operator's --concurrency (default 4)
  --idle-seconds S         idle window after settling, writes and reconciles counted (default 60)
  --create-concurrency N   create calls in flight (default 16)
  --timeout-seconds S      give up when not all are Ready after this long (default 600)
  --keep                   leave the namespace and the kwok node for inspection
  --ignore-other-operators run even when another operator watches every namespace
  --drift-disabled         create the models with spec.drift.enabled false
  --operator PATH          the operator's main.js to run, e.g. a copy of another build to compare
                           (default: operator/dist/src/main.js of this build)
Needs the local cluster: run \`make cluster-up\` first.`;

interface Options {
  models: number;
  concurrency: number;
  idleSeconds: number;
  createConcurrency: number;
  timeoutSeconds: number;
  keep: boolean;
  ignoreOtherOperators: boolean;
  driftDisabled: boolean;
  operatorMain: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '4' },
      'idle-seconds': { type: 'string', default: '60' },
      'create-concurrency': { type: 'string', default: '16' },
      'timeout-seconds': { type: 'string', default: '600' },
      keep: { type: 'boolean', default: false },
      'ignore-other-operators': { type: 'boolean', default: false },
      'drift-disabled': { type: 'boolean', default: false },
      operator: { type: 'string', default: OPERATOR_MAIN },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const int = (flag: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max)
      throw new Error(`--${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  return {
    models: int('models', values.models!, 1, 10_000),
    concurrency: int('concurrency', values.concurrency!, 1, 64),
    idleSeconds: int('idle-seconds', values['idle-seconds']!, 0, 3600),
    createConcurrency: int('create-concurrency', values['create-concurrency']!, 1, 256),
    timeoutSeconds: int('timeout-seconds', values['timeout-seconds']!, 10, 24 * 3600),
    keep: values.keep!,
    ignoreOtherOperators: values['ignore-other-operators']!,
    driftDisabled: values['drift-disabled']!,
    operatorMain: path.resolve(values.operator!),
  };
}

/** Everything a phase of the run needs. */
interface Run {
  opts: Options;
  api: ApiClient;
  ns: string;
  node: string;
  op: OperatorProcess;
  sampler: Sampler;
  /** CPU seconds of the operator, the control plane, this process and the machine */
  cpu(): CpuReading;
  /** operators watching every namespace seen so far; any one spoils the figures */
  intruders: Set<string>;
  lookForIntruders(): void;
}

/** Creates the models from `t0` on and polls once a second until all are Ready; fills in `milestones`. */
async function converge(
  run: Run,
  t0: number,
  start: Reading,
  milestones: Milestones,
): Promise<TimelineRow[]> {
  const { opts, api, ns } = run;
  const names = Array.from({ length: opts.models }, (_, i) => `sm-${String(i).padStart(4, '0')}`);
  const since = (): number => (Date.now() - t0) / 1000;
  let created = 0;
  let createError: unknown;
  const creating = forEachLimited(names, opts.createConcurrency, async (name) => {
    await api.post(modelsPath(ns), benchModel(name, { drift: !opts.driftDisabled }));
    created += 1;
  }).then(
    () => (milestones.created = since()),
    (error: unknown) => (createError = error),
  );

  const timeline: TimelineRow[] = [];
  let last = { at: t0, cpu: run.cpu() };
  for (;;) {
    const tick = Date.now();
    if (createError) throw createError;
    const c = await census(api, ns, milestones.children === undefined);
    const t = since();
    if (milestones.children === undefined && c.children === opts.models) milestones.children = t;
    if (milestones.deploymentsReady === undefined && c.deploymentsReady === opts.models) {
      milestones.deploymentsReady = t;
      // Every pod of the run is placed: from now on the node takes no one else's pods either.
      await api.patch(`/api/v1/nodes/${run.node}`, { spec: { unschedulable: true } });
    }
    const done = c.ready === opts.models;
    if (done) milestones.ready = t;
    if (done || tick - last.at >= 5_000) {
      const cpu = run.cpu();
      const r = run.sampler.latest;
      const row: TimelineRow = {
        seconds: t,
        created,
        ...c,
        queue: r?.queueDepth,
        reconciles: r && total(minus(r.reconciles, start.reconciles)),
        failedReconciles: r && (r.reconciles.get('error') ?? 0) - (start.reconciles.get('error') ?? 0),
        writes: r && total(minus(r.writes, start.writes)),
        rssMb: r?.rssMb,
        cores: coresBetween(last.cpu, cpu, (Date.now() - last.at) / 1000),
      };
      last = { at: Date.now(), cpu };
      timeline.push(row);
      console.log(timelineLine(row, opts.models));
      run.lookForIntruders();
    }
    if (done) break;
    if (t > opts.timeoutSeconds) {
      throw new Error(
        `only ${c.ready} of ${opts.models} SentimentModels were Ready after ${opts.timeoutSeconds} s`,
      );
    }
    await sleep(Math.max(0, 1000 - (Date.now() - tick)));
  }
  await creating;
  return timeline;
}

/**
 * Waits until the operator has made no write and no reconcile for 5 s with an empty queue. Deployment
 * status updates still arrive after the last Ready; the creation figures include the work they cause,
 * and the idle window starts only after it. Returns the last reading and when the quiet began.
 */
async function settle(run: Run, deadline: number): Promise<{ reading: Reading; quietSince?: number }> {
  const QUIET_MS = 5_000;
  let last = await run.sampler.sample();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(1000);
    const r = await run.sampler.sample();
    const moved = total(r.writes) !== total(last.writes) || total(r.reconciles) !== total(last.reconciles);
    if (moved || r.queueDepth > 0) quietSince = Date.now();
    last = r;
    if (Date.now() - quietSince >= QUIET_MS) return { reading: r, quietSince };
  }
  return { reading: last };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(opts.operatorMain)) throw new Error(`--operator: no file ${opts.operatorMain}`);
  const kubeconfig = kubeconfigPath;
  const api = await connect(kubeconfig);
  const ns = `bench-op-${randomBytes(3).toString('hex')}`;
  const node = `${ns}-node`;
  const identity = `${ns}-operator`;
  mkdirSync(path.join(repoRoot, '.bench'), { recursive: true });
  const logFile = path.join(repoRoot, '.bench', `${ns}-operator.log`);

  const cleanup = new Cleanup();
  cleanup.push('closing the API client', async () => api.close());
  process.once('SIGINT', () => {
    console.error('\ninterrupted; cleaning up');
    void cleanup.run().then(() => process.exit(130));
  });

  try {
    // ------------------------------------------------------------------ set up
    await installCrds(kubeconfig);
    const others = operatorsWatchingAll([process.pid], kubeconfig);
    if (others.length > 0 && !opts.ignoreOtherOperators) {
      throw new Error(
        `an operator watching every namespace runs on this machine (${others.join('; ')}). It would ` +
          'reconcile the benchmark models too; wait until it stops, or pass --ignore-other-operators.',
      );
    }
    const stale = await removeStaleKwokNodes(api);
    if (stale.length > 0) console.log(`removed kwok nodes of interrupted runs: ${stale.join(', ')}`);

    await createNamespace(api, ns);
    if (opts.keep) {
      cleanup.push('keeping the namespace', async () =>
        console.log(
          `kept namespace ${ns} and node ${node}; delete them with: kubectl delete ns ${ns}; kubectl delete node ${node}`,
        ),
      );
    } else {
      cleanup.push(`removing node ${node}`, async () => {
        const warning = await removeKwokNode(api, node, ns, 180_000);
        if (warning) console.warn(`warning: ${warning}`);
      });
      cleanup.push(`deleting namespace ${ns}`, () => deleteNamespace(api, ns));
    }
    await addKwokNode(api, node, ns, opts.models + 20);

    const args = [
      '--metrics-port=0',
      '--metrics-bind-address=127.0.0.1',
      `--watch-namespace=${ns}`,
      `--leader-election-namespace=${ns}`,
      `--leader-election-id=${ns}`,
      `--leader-election-identity=${identity}`,
      `--concurrency=${opts.concurrency}`,
    ];
    const op = startOperator(opts.operatorMain, args, { KUBECONFIG: kubeconfig, LOG_LEVEL: 'info' }, logFile);
    cleanup.push('stopping the operator', async () => {
      await op.stop(30_000);
    });
    await op.waitForLog('controller started', 60_000);
    const operatorPid = op.pid;

    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${load}`);
    console.log(
      `namespace ${ns}; operator: node ${path.relative(repoRoot, opts.operatorMain)} ${args.join(' ')}`,
    );
    console.log(`operator log: ${path.relative(repoRoot, logFile)}\n`);

    const pids = controlPlanePids(testenvDir);
    pids.set('operator', operatorPid);
    const ownPids = [process.pid, operatorPid];
    const sampler = new Sampler(op);
    cleanup.push('stopping the sampler', async () => sampler.stop());
    const run: Run = {
      opts,
      api,
      ns,
      node,
      op,
      sampler,
      cpu: () => {
        const reading = readCpu(pids);
        const self = process.cpuUsage();
        reading.set('bench', (self.user + self.system) / 1e6);
        return reading;
      },
      intruders: new Set(others),
      lookForIntruders: () => operatorsWatchingAll(ownPids, kubeconfig).forEach((o) => run.intruders.add(o)),
    };

    // ------------------------------------------------------------------ create, converge, settle
    const ports = componentPorts(testenvDir);
    const throttling = (): Promise<(Throttling | undefined)[]> =>
      Promise.all(THROTTLED_COMPONENTS.map(([, port]) => clientThrottling(api, ports.get(port))));
    const throttleStart = await throttling();
    const apiserverStart = await apiserverCounters(api);
    const start = await sampler.sample();
    sampler.start();
    const cpuStart = run.cpu();
    const t0 = Date.now();
    const milestones: Milestones = {};
    const timeline = await converge(run, t0, start, milestones);
    const settleBy = t0 + Math.max(opts.timeoutSeconds, milestones.ready! + 120) * 1000;
    const { reading: settled, quietSince } = await settle(run, settleBy);
    if (quietSince !== undefined) milestones.settled = (quietSince - t0) / 1000;
    const convergeSeconds = (Date.now() - t0) / 1000;
    const convergeCores = coresBetween(cpuStart, run.cpu(), convergeSeconds);
    const apiserverSettled = await apiserverCounters(api);
    const throttleSettled = await throttling();
    run.lookForIntruders();

    // ------------------------------------------------------------------ idle
    console.log(`\nidle for ${opts.idleSeconds} s`);
    const idleStart = await sampler.sample();
    const cpuIdle = run.cpu();
    const idleT0 = Date.now();
    await sleep(opts.idleSeconds * 1000);
    const idleEnd = await sampler.sample();
    const idleCores = coresBetween(cpuIdle, run.cpu(), (Date.now() - idleT0) / 1000);
    sampler.stop();

    const view = await apiserverView(api, ns, node, identity);
    run.lookForIntruders();
    const operatorMem = memoryMb(operatorPid);
    const servingPids = op.servingPids();
    const exitCode = await op.stop(30_000);

    // ------------------------------------------------------------------ report
    const figures: BenchFigures = {
      models: opts.models,
      idleSeconds: opts.idleSeconds,
      milestones,
      writes: minus(settled.writes, start.writes),
      idleWrites: minus(idleEnd.writes, idleStart.writes),
      reconciles: minus(settled.reconciles, start.reconciles),
      idleReconciles: total(minus(idleEnd.reconciles, idleStart.reconciles)),
      requests: minus(settled.requests, start.requests),
      processes: servingPids.length,
      operatorRssMb: { sampled: sampler.peakRssMb, highWater: operatorMem?.peak },
      operatorCpuSeconds: {
        converge: settled.cpuSeconds - start.cpuSeconds,
        idle: idleEnd.cpuSeconds - idleStart.cpuSeconds,
      },
    };
    const sections = [
      `## ${opts.models} SentimentModels, operator --concurrency=${opts.concurrency}`,
      targetsTable(figures),
      milestonesTable(figures),
      writesTable(figures),
      requestsTable(figures),
      reconcilesLine(figures),
      processTable(figures, {
        peakHeapUsedMb: sampler.peakHeapUsedMb,
        convergeSeconds: milestones.settled ?? convergeSeconds,
        servingPids,
        failedSamples: sampler.errors,
      }),
      coresTable([
        ['first create → idle start', convergeCores],
        [`idle ${opts.idleSeconds} s`, idleCores],
      ]),
      timelineTable(timeline),
      apiserverTable(apiserverStart, apiserverSettled, convergeSeconds),
      throttlingTable(
        THROTTLED_COMPONENTS.map(([name]) => name),
        throttleStart,
        throttleSettled,
      ),
      markdownTable(['API server view after the idle window', 'count'], view.rows, [false, true]),
      `operator exit code after SIGTERM: ${String(exitCode)}`,
    ];
    console.log(`\n${sections.join('\n\n')}`);

    if (run.intruders.size > 0 || view.foreignEvents > 0) {
      const who = [...run.intruders].join(', ') || `${view.foreignEvents} Events from another instance`;
      throw new Error(
        `another operator ran against the cluster during the benchmark (${who}); its reconciles of these models make the figures above unreliable`,
      );
    }
    if (servingPids.length !== 1 || servingPids[0] !== operatorPid)
      throw new Error(
        `the operator ran as pids ${servingPids.join(', ')}, not as ${operatorPid} alone; see ${logFile}`,
      );
    if (exitCode !== 0)
      throw new Error(`the operator exited with ${String(exitCode)} after SIGTERM; see ${logFile}`);
    return 0;
  } finally {
    await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Plain Errors are the benchmark's own messages; anything else (a TypeError, say) is a bug: its stack helps.
    const plain = error instanceof Error && error.constructor === Error;
    console.error(
      `operator-bench: ${plain ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
