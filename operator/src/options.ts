// The operator's command line and environment. Every setting has a flag and an environment
// variable; the flag wins, and an empty variable counts as unset (manifests often template one to
// ""). Every value is checked here, so a typo stops the process with both names and the allowed
// range instead of surfacing later as odd behaviour. Parsing is pure: argv, env, and the one file
// read and random suffix of the defaults come in as arguments.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, OperatorConfig, operatorConfig } from './config';
import { timingViolations } from './controller/lease';
import { canonicalQuantity } from './resources/quantity';

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** Where a pod finds its own namespace when the downward API does not pass POD_NAMESPACE. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface LeaderElectionOptions {
  enabled: boolean;
  namespace: string;
  /** name of the Lease object */
  id: string;
  /** holderIdentity written into the Lease; unique per process */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface OperatorOptions {
  /** --help was given: print usage() and exit */
  help: boolean;
  /** /metrics, /healthz and /readyz share this address */
  metricsPort: number;
  metricsBindAddress: string;
  leaderElection: LeaderElectionOptions;
  /** "" watches every namespace */
  watchNamespace: string;
  concurrency: number;
  resyncPeriodMs: number;
  shutdownTimeoutMs: number;
  /** the drift evaluator runs at all (operator-wide switch) */
  driftEvaluation: boolean;
  logLevel: LogLevel;
  config: OperatorConfig;
}

/** The few impure inputs of the defaults, replaceable in tests. */
export interface OptionsIo {
  /** the file's content, or undefined when it cannot be read */
  readFile(path: string): string | undefined;
  hostname(): string;
  randomHex(bytes: number): string;
}

export const processIo: OptionsIo = {
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  hostname,
  randomHex: (bytes) => randomBytes(bytes).toString('hex'),
};

interface Setting {
  flag: string;
  env: string;
  /** placeholder of the value in usage(); absent for booleans, which need no value */
  arg?: string;
  /** the raw value used when neither flag nor env var is set */
  def?: string;
  /** how usage() describes a default that is not a literal */
  defNote?: string;
  help: string;
}

const SETTINGS = {
  metricsPort: {
    flag: '--metrics-port',
    env: 'METRICS_PORT',
    arg: 'PORT',
    def: '8081',
    help: 'port of /metrics, /healthz and /readyz; 0 picks a free port',
  },
  metricsBindAddress: {
    flag: '--metrics-bind-address',
    env: 'METRICS_BIND_ADDRESS',
    arg: 'ADDR',
    def: '0.0.0.0',
    help: 'address the metrics and health server listens on',
  },
  leaderElect: {
    flag: '--leader-elect',
    env: 'LEADER_ELECT',
    def: 'true',
    help: 'reconcile only while holding the Lease, so replicas can run side by side',
  },
  leaderElectionNamespace: {
    flag: '--leader-election-namespace',
    env: 'LEADER_ELECTION_NAMESPACE',
    arg: 'NS',
    defNote: "POD_NAMESPACE, else the service account's namespace, else default",
    help: 'namespace of the Lease',
  },
  leaderElectionId: {
    flag: '--leader-election-id',
    env: 'LEADER_ELECTION_ID',
    arg: 'NAME',
    def: 'sentiment-operator-leader',
    help: 'name of the Lease',
  },
  leaderElectionIdentity: {
    flag: '--leader-election-identity',
    env: 'LEADER_ELECTION_IDENTITY',
    arg: 'ID',
    defNote: 'POD_NAME, else HOSTNAME_RANDOMHEX',
    help: 'holder identity this process writes into the Lease',
  },
  leaseDuration: {
    flag: '--lease-duration',
    env: 'LEASE_DURATION',
    arg: 'DURATION',
    def: '15s',
    help: 'how long followers wait before taking over an unrenewed Lease',
  },
  renewDeadline: {
    flag: '--renew-deadline',
    env: 'RENEW_DEADLINE',
    arg: 'DURATION',
    def: '10s',
    help: 'how long the leader keeps trying to renew before it gives up leading; < lease duration',
  },
  retryPeriod: {
    flag: '--retry-period',
    env: 'RETRY_PERIOD',
    arg: 'DURATION',
    def: '2s',
    help: 'time between attempts to acquire or renew the Lease; < renew deadline',
  },
  watchNamespace: {
    flag: '--watch-namespace',
    env: 'WATCH_NAMESPACE',
    arg: 'NS',
    def: '',
    defNote: 'all namespaces',
    help: 'watch SentimentModels in this namespace only',
  },
  concurrency: {
    flag: '--concurrency',
    env: 'CONCURRENCY',
    arg: 'N',
    def: '4',
    help: 'SentimentModels reconciled at the same time',
  },
  resyncPeriod: {
    flag: '--resync-period',
    env: 'RESYNC_PERIOD',
    arg: 'DURATION',
    def: '10m',
    help: 'reconcile every SentimentModel at least this often, even without changes',
  },
  shutdownTimeout: {
    flag: '--shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    arg: 'DURATION',
    def: '20s',
    help: 'time to finish running reconciles after SIGTERM',
  },
  defaultImage: {
    flag: '--default-image',
    env: 'DEFAULT_IMAGE',
    arg: 'IMAGE',
    def: DEFAULT_CONFIG.defaultImage,
    help: 'model-server image for SentimentModels without spec.image',
  },
  imagePullPolicy: {
    flag: '--image-pull-policy',
    env: 'IMAGE_PULL_POLICY',
    arg: 'POLICY',
    def: DEFAULT_CONFIG.imagePullPolicy,
    help: `pull policy of the model-server containers: ${PULL_POLICIES.join('|')}`,
  },
  prometheusUrl: {
    flag: '--prometheus-url',
    env: 'PROMETHEUS_URL',
    arg: 'URL',
    def: DEFAULT_CONFIG.prometheusUrl,
    help: 'Prometheus for drift evaluation when spec.drift.prometheusUrl is empty',
  },
  defaultRequests: {
    flag: '--default-requests',
    env: 'DEFAULT_REQUESTS',
    arg: 'LIST',
    def: resourceListText(DEFAULT_CONFIG.defaultResources.requests),
    help: 'requests of the model-server container of SentimentModels without spec.resources, as NAME=QUANTITY,...',
  },
  defaultLimits: {
    flag: '--default-limits',
    env: 'DEFAULT_LIMITS',
    arg: 'LIST',
    def: resourceListText(DEFAULT_CONFIG.defaultResources.limits),
    help: 'limits of the model-server container of SentimentModels without spec.resources, as NAME=QUANTITY,...',
  },
  fetchAllowedCidrs: {
    flag: '--fetch-allowed-cidrs',
    env: 'FETCH_ALLOWED_CIDRS',
    arg: 'CIDRS',
    def: '',
    defNote: 'none',
    help: 'comma-separated CIDRs model downloads may reach although loopback, private, link-local or cluster-internal',
  },
  allowModelPrometheusUrl: {
    flag: '--allow-model-prometheus-url',
    env: 'ALLOW_MODEL_PROMETHEUS_URL',
    def: 'true',
    help: 'let a SentimentModel name its own Prometheus in spec.drift.prometheusUrl',
  },
  prometheusMaxResponseBytes: {
    flag: '--prometheus-max-response-bytes',
    env: 'PROMETHEUS_MAX_RESPONSE_BYTES',
    arg: 'BYTES',
    def: String(DEFAULT_CONFIG.prometheusMaxResponseBytes),
    help: 'largest Prometheus reply the drift evaluator reads; a longer one fails the evaluation',
  },
  drift: {
    flag: '--drift',
    env: 'DRIFT_EVALUATION',
    def: 'true',
    help: 'evaluate drift at all (operator-wide switch)',
  },
  logLevel: {
    flag: '--log-level',
    env: 'LOG_LEVEL',
    arg: 'LEVEL',
    def: 'info',
    help: `one of ${LOG_LEVELS.join('|')}`,
  },
} satisfies Record<string, Setting>;

function resourceListText(list: Record<string, string>): string {
  return Object.entries(list)
    .map(([name, quantity]) => `${name}=${quantity}`)
    .join(',');
}

type Key = keyof typeof SETTINGS;
const setting = (key: Key): Setting => SETTINGS[key];
const names = (key: Key): string => `${setting(key).flag} (${setting(key).env})`;

const MS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
// `ms` before `m`, so "5ms" is not read as five minutes followed by garbage.
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;

/** Milliseconds of a Go-style duration ("500ms", "15s", "1m30s", "0"), or undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) ms += Number(amount) * MS_PER_UNIT[unit];
  return Math.round(ms);
}

/** The shortest Go-style spelling of whole milliseconds: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['h', 'm', 's', 'ms']) {
    const n = Math.floor(rest / MS_PER_UNIT[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * MS_PER_UNIT[unit];
  }
  return out;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOST_NAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

/**
 * Flag values by setting, read with node:util parseArgs (strict). A flag given twice keeps its last
 * value, as Go's flag package does; a boolean flag given bare means true and also takes =false.
 */
function readArgv(argv: string[]): { flags: Partial<Record<Key, string>>; help: boolean } {
  const keyOf = new Map(Object.entries(SETTINGS).map(([key, s]) => [s.flag.slice(2), key as Key]));
  const isBoolean = (flag: string): boolean => {
    const key = keyOf.get(flag.slice(2));
    return key !== undefined && setting(key).arg === undefined;
  };
  // Every setting is a string option, so that booleans accept =false; a bare boolean flag means true.
  const args = argv.map((arg) =>
    arg.startsWith('--') && !arg.includes('=') && isBoolean(arg) ? `${arg}=true` : arg,
  );
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of keyOf.keys()) options[name] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw argvError(error, keyOf);
  }
  const flags: Partial<Record<Key, string>> = {};
  for (const [name, key] of keyOf) {
    const value = values[name];
    if (typeof value === 'string') flags[key] = value;
  }
  return { flags, help: values.help === true };
}

/** parseArgs' error, in this file's words and with the setting's env var. */
function argvError(error: unknown, keyOf: ReadonlyMap<string, Key>): OptionsError {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(message ?? '')?.[1] ?? '';
  const key = keyOf.get(flag.replace(/^--/, ''));
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && key)
    return new OptionsError(`${names(key)} needs a value`);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message ?? '')?.[1] ?? '';
    return new OptionsError(`unexpected argument "${arg}"; see --help`);
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new OptionsError(`unknown flag "${flag}"; see --help`);
  return new OptionsError(`${message ?? String(error)}; see --help`);
}

/** Typed readers over the raw strings; each error names the flag, the env var and the rule. */
class Values {
  constructor(
    private readonly flags: Partial<Record<Key, string>>,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The flag's value, else the non-empty env var, else undefined. */
  given(key: Key): string | undefined {
    const flag = this.flags[key];
    if (flag !== undefined) return flag.trim();
    return this.env[setting(key).env]?.trim() || undefined;
  }

  private raw(key: Key): string {
    const v = this.given(key) ?? setting(key).def;
    if (v === undefined) throw new Error(`setting ${key} has no default`);
    return v;
  }

  fail(key: Key, rule: string, raw = this.raw(key)): OptionsError {
    return new OptionsError(`${names(key)} must be ${rule}, got "${raw}"`);
  }

  integer(key: Key, min: number, max: number): number {
    const raw = this.raw(key);
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw this.fail(key, `an integer from ${min} to ${max}`);
    }
    return Number(raw);
  }

  boolean(key: Key): boolean {
    const raw = this.raw(key).toLowerCase();
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw this.fail(key, 'true, false, 1 or 0');
  }

  duration(key: Key, minMs: number, maxMs: number): number {
    const ms = parseDuration(this.raw(key));
    if (ms === undefined || ms < minMs || ms > maxMs) {
      throw this.fail(
        key,
        `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} such as 500ms, 15s or 1m`,
      );
    }
    return ms;
  }

  oneOf<T extends string>(key: Key, allowed: readonly T[]): T {
    const raw = this.raw(key);
    if (!(allowed as readonly string[]).includes(raw)) throw this.fail(key, `one of ${allowed.join(', ')}`);
    return raw as T;
  }

  matching(key: Key, pattern: RegExp, maxLength: number, rule: string, raw = this.raw(key)): string {
    if (!pattern.test(raw) || raw.length > maxLength) throw this.fail(key, rule, raw);
    return raw;
  }

  host(key: Key): string {
    const raw = this.raw(key);
    if (isIP(raw) === 0 && !(HOST_NAME.test(raw) && raw.length <= 253)) {
      throw this.fail(key, 'an IP address or host name');
    }
    return raw;
  }

  httpUrl(key: Key): string {
    const raw = this.raw(key);
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      throw this.fail(key, 'an http or https URL');
    }
    return raw;
  }

  /** NAME=QUANTITY,... as a resource list of canonical quantities; "" is an empty list. */
  resourceList(key: Key): Record<string, string> {
    const raw = this.given(key) ?? setting(key).def ?? '';
    const list: Record<string, string> = {};
    for (const item of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([a-z0-9]([-a-z0-9./]*[a-z0-9])?)=(\d+(\.\d+)?(Ki|Mi|Gi|Ti|m|k|M|G|T)?)$/.exec(item);
      if (!m) throw this.fail(key, 'a list of NAME=QUANTITY such as cpu=500m,memory=384Mi', raw);
      list[m[1]] = canonicalQuantity(m[3]);
    }
    return list;
  }

  /** Comma-separated CIDRs (a bare address is one host); "" is none. */
  cidrs(key: Key): string[] {
    const raw = this.given(key) ?? '';
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      const [address, prefix, extra] = item.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      const ok =
        family !== 0 &&
        extra === undefined &&
        (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max));
      if (!ok) throw this.fail(key, 'comma-separated CIDRs such as 10.0.0.0/8,fd00::/8', raw);
    }
    return items;
  }

  nonEmpty(key: Key, rule: string, pattern = /^\S+$/): string {
    return this.matching(key, pattern, Number.MAX_SAFE_INTEGER, rule);
  }
}

const NAMESPACE_RULE = 'a namespace name (lowercase letters, digits and "-", at most 63 characters)';

function leaderElection(v: Values, env: NodeJS.ProcessEnv, io: OptionsIo): LeaderElectionOptions {
  const ns = v.given('leaderElectionNamespace');
  const identity = v.given('leaderElectionIdentity');
  const le: LeaderElectionOptions = {
    enabled: v.boolean('leaderElect'),
    namespace:
      ns !== undefined
        ? v.matching('leaderElectionNamespace', DNS_LABEL, 63, NAMESPACE_RULE, ns)
        : defaultNamespace(env, io),
    id: v.matching(
      'leaderElectionId',
      DNS_SUBDOMAIN,
      253,
      'a Lease name (lowercase letters, digits, "-" and ".", at most 253 characters)',
    ),
    identity:
      identity !== undefined
        ? v.nonEmpty('leaderElectionIdentity', 'a non-empty string', /./)
        : env.POD_NAME?.trim() || `${io.hostname()}_${io.randomHex(4)}`,
    leaseDurationMs: v.duration('leaseDuration', 1000, 3_600_000),
    renewDeadlineMs: v.duration('renewDeadline', 500, 3_600_000),
    retryPeriodMs: v.duration('retryPeriod', 100, 3_600_000),
  };
  // Checked once, by the rules the elector itself applies (controller/lease.ts).
  const violation = timingViolations(
    {
      leaseDurationSeconds: le.leaseDurationMs / 1000,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
    },
    {
      leaseDuration: names('leaseDuration'),
      renewDeadline: names('renewDeadline'),
      retryPeriod: names('retryPeriod'),
    },
  )[0];
  if (violation) throw v.fail(violation.field, violation.rule);
  return le;
}

function defaultNamespace(env: NodeJS.ProcessEnv, io: OptionsIo): string {
  return env.POD_NAMESPACE?.trim() || io.readFile(SERVICE_ACCOUNT_NAMESPACE_FILE)?.trim() || 'default';
}

export function parseOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: OptionsIo = processIo,
): OperatorOptions {
  const { flags, help } = readArgv(argv);
  const v = new Values(flags, env);
  const watchNamespace = v.given('watchNamespace') ?? '';
  return {
    help,
    metricsPort: v.integer('metricsPort', 0, 65535),
    metricsBindAddress: v.host('metricsBindAddress'),
    leaderElection: leaderElection(v, env, io),
    watchNamespace:
      watchNamespace === ''
        ? ''
        : v.matching('watchNamespace', DNS_LABEL, 63, NAMESPACE_RULE, watchNamespace),
    concurrency: v.integer('concurrency', 1, 64),
    resyncPeriodMs: v.duration('resyncPeriod', 10_000, 24 * 3_600_000),
    shutdownTimeoutMs: v.duration('shutdownTimeout', 0, 3_600_000),
    driftEvaluation: v.boolean('drift'),
    logLevel: v.oneOf('logLevel', LOG_LEVELS),
    config: operatorConfig({
      defaultImage: v.nonEmpty('defaultImage', 'an image reference without spaces'),
      imagePullPolicy: v.oneOf('imagePullPolicy', PULL_POLICIES),
      prometheusUrl: v.httpUrl('prometheusUrl'),
      defaultResources: {
        requests: v.resourceList('defaultRequests'),
        limits: v.resourceList('defaultLimits'),
      },
      fetchAllowedCidrs: v.cidrs('fetchAllowedCidrs'),
      allowModelPrometheusUrl: v.boolean('allowModelPrometheusUrl'),
      prometheusMaxResponseBytes: v.integer('prometheusMaxResponseBytes', 4096, 1024 * 1024 * 1024),
    }),
  };
}

/** Help text: every flag with its env var, its default and what it does. */
export function usage(): string {
  const entries = Object.values(SETTINGS).map((s: Setting) => {
    const value = s.arg ? ` ${s.arg}` : '[=BOOL]';
    return `  ${s.flag}${value}  (${s.env}; default: ${s.defNote ?? s.def})\n      ${s.help}`;
  });
  return [
    'usage: sentiment-operator [flags]',
    '',
    'Each flag can also be set by the environment variable in parentheses; the flag wins. Durations',
    'are written like 500ms, 15s, 1m or 1m30s; booleans as true, false, 1 or 0.',
    '',
    ...entries,
    '  --help, -h\n      print this text and exit',
  ].join('\n');
}
