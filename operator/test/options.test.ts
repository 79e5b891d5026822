import { strict as assert } from 'node:assert';
import { DEFAULT_CONFIG } from '../src/config';
import { timingProblems } from '../src/controller/lease';
import {
  OptionsError,
  OptionsIo,
  SERVICE_ACCOUNT_NAMESPACE_FILE,
  formatDuration,
  parseDuration,
  parseOptions,
  processIo,
  usage,
} from '../src/options';

/** Deterministic stand-ins for the file read, host name and random suffix; records the reads. */
function fakeIo(files: Record<string, string> = {}): OptionsIo & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path) => {
      reads.push(path);
      return files[path];
    },
    hostname: () => 'node-1',
    randomHex: (bytes) => 'ab'.repeat(bytes),
  };
}

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, io: OptionsIo = fakeIo()) =>
  parseOptions(argv, env, io);

/** The OptionsError message `fn` throws; fails when it throws nothing or something else. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof OptionsError, `expected an OptionsError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected an OptionsError, nothing was thrown');
}

type Options = ReturnType<typeof parseOptions>;

// The brief's settings: flag, env var, a value either accepts, and what that value becomes.
const SETTINGS: Array<[string, string, string, (o: Options) => unknown, unknown]> = [
  ['--metrics-port', 'METRICS_PORT', '9090', (o) => o.metricsPort, 9090],
  ['--metrics-bind-address', 'METRICS_BIND_ADDRESS', '127.0.0.1', (o) => o.metricsBindAddress, '127.0.0.1'],
  ['--leader-elect', 'LEADER_ELECT', 'false', (o) => o.leaderElection.enabled, false],
  [
    '--leader-election-namespace',
    'LEADER_ELECTION_NAMESPACE',
    'ops',
    (o) => o.leaderElection.namespace,
    'ops',
  ],
  ['--leader-election-id', 'LEADER_ELECTION_ID', 'my.lease', (o) => o.leaderElection.id, 'my.lease'],
  ['--leader-election-identity', 'LEADER_ELECTION_IDENTITY', 'me', (o) => o.leaderElection.identity, 'me'],
  ['--lease-duration', 'LEASE_DURATION', '20s', (o) => o.leaderElection.leaseDurationMs, 20_000],
  ['--renew-deadline', 'RENEW_DEADLINE', '12s', (o) => o.leaderElection.renewDeadlineMs, 12_000],
  ['--retry-period', 'RETRY_PERIOD', '3s', (o) => o.leaderElection.retryPeriodMs, 3_000],
  ['--watch-namespace', 'WATCH_NAMESPACE', 'team-a', (o) => o.watchNamespace, 'team-a'],
  ['--concurrency', 'CONCURRENCY', '16', (o) => o.concurrency, 16],
  ['--resync-period', 'RESYNC_PERIOD', '30m', (o) => o.resyncPeriodMs, 1_800_000],
  ['--shutdown-timeout', 'SHUTDOWN_TIMEOUT', '0', (o) => o.shutdownTimeoutMs, 0],
  ['--default-image', 'DEFAULT_IMAGE', 'example.com/s:1', (o) => o.config.defaultImage, 'example.com/s:1'],
  ['--image-pull-policy', 'IMAGE_PULL_POLICY', 'Always', (o) => o.config.imagePullPolicy, 'Always'],
  [
    '--prometheus-url',
    'PROMETHEUS_URL',
    'http://[::1]:9090',
    (o) => o.config.prometheusUrl,
    'http://[::1]:9090',
  ],
  [
    '--default-requests',
    'DEFAULT_REQUESTS',
    'cpu=0.25,memory=1024Mi',
    (o) => o.config.defaultResources.requests,
    { cpu: '250m', memory: '1Gi' },
  ],
  ['--default-limits', 'DEFAULT_LIMITS', 'cpu=2', (o) => o.config.defaultResources.limits, { cpu: '2' }],
  [
    '--fetch-allowed-cidrs',
    'FETCH_ALLOWED_CIDRS',
    '10.0.0.0/8, fd00::/8,192.168.1.7',
    (o) => o.config.fetchAllowedCidrs,
    ['10.0.0.0/8', 'fd00::/8', '192.168.1.7'],
  ],
  [
    '--allow-model-prometheus-url',
    'ALLOW_MODEL_PROMETHEUS_URL',
    'false',
    (o) => o.config.allowModelPrometheusUrl,
    false,
  ],
  [
    '--prometheus-max-response-bytes',
    'PROMETHEUS_MAX_RESPONSE_BYTES',
    '65536',
    (o) => o.config.prometheusMaxResponseBytes,
    65536,
  ],
  ['--drift', 'DRIFT_EVALUATION', '0', (o) => o.driftEvaluation, false],
  ['--log-level', 'LOG_LEVEL', 'error', (o) => o.logLevel, 'error'],
];

describe('operator options', () => {
  describe('with no flags and no environment', () => {
    it('uses the documented defaults', () => {
      const o = parse([]);
      assert.deepEqual(o, {
        help: false,
        metricsPort: 8081,
        metricsBindAddress: '0.0.0.0',
        leaderElection: {
          enabled: true,
          namespace: 'default',
          id: 'sentiment-operator-leader',
          identity: 'node-1_abababab',
          leaseDurationMs: 15_000,
          renewDeadlineMs: 10_000,
          retryPeriodMs: 2_000,
        },
        watchNamespace: '',
        concurrency: 4,
        resyncPeriodMs: 600_000,
        shutdownTimeoutMs: 20_000,
        driftEvaluation: true,
        logLevel: 'info',
        config: DEFAULT_CONFIG,
      });
    });

    it('returns a config that is a copy, not the frozen DEFAULT_CONFIG', () => {
      const { config } = parse([]);
      config.serverCommand.push('x');
      assert.deepEqual(DEFAULT_CONFIG.serverCommand, ['node', 'dist/src/main.js']);
    });
  });

  describe('flags and environment', () => {
    it('takes a value from the environment when no flag gives one', () => {
      const o = parse([], { CONCURRENCY: '8', WATCH_NAMESPACE: 'team-a', LOG_LEVEL: 'debug' });
      assert.equal(o.concurrency, 8);
      assert.equal(o.watchNamespace, 'team-a');
      assert.equal(o.logLevel, 'debug');
    });

    it('lets the flag win over the environment variable', () => {
      const o = parse(['--concurrency', '2', '--log-level=warn'], { CONCURRENCY: '8', LOG_LEVEL: 'debug' });
      assert.equal(o.concurrency, 2);
      assert.equal(o.logLevel, 'warn');
    });

    it('accepts both --flag value and --flag=value, and keeps the last of a repeated flag', () => {
      assert.equal(parse(['--metrics-port', '9000']).metricsPort, 9000);
      assert.equal(parse(['--metrics-port=9001']).metricsPort, 9001);
      assert.equal(parse(['--metrics-port=1', '--metrics-port=2']).metricsPort, 2);
    });

    it('treats an empty environment variable as unset', () => {
      assert.equal(parse([], { CONCURRENCY: '', METRICS_PORT: '  ' }).concurrency, 4);
      assert.equal(parse([], { METRICS_PORT: '  ' }).metricsPort, 8081);
    });

    it('allows port 0, so tests can ask for a free port', () => {
      assert.equal(parse(['--metrics-port=0']).metricsPort, 0);
    });

    it('reads booleans as true/false/1/0, and a bare boolean flag as true', () => {
      assert.equal(parse(['--leader-elect=false']).leaderElection.enabled, false);
      assert.equal(parse(['--leader-elect=0']).leaderElection.enabled, false);
      assert.equal(parse(['--leader-elect'], { LEADER_ELECT: 'false' }).leaderElection.enabled, true);
      assert.equal(parse([], { LEADER_ELECT: '0' }).leaderElection.enabled, false);
      assert.equal(parse([], { DRIFT_EVALUATION: 'FALSE' }).driftEvaluation, false);
      assert.equal(parse(['--drift=1'], { DRIFT_EVALUATION: 'false' }).driftEvaluation, true);
    });

    it('does not let a boolean flag swallow the next argument', () => {
      const o = parse(['--drift', '--concurrency', '3']);
      assert.equal(o.driftEvaluation, true);
      assert.equal(o.concurrency, 3);
    });

    it('overrides only the config fields it has flags for', () => {
      const o = parse(
        ['--default-image=registry.local/server:dev', '--prometheus-url', 'https://prom:9090'],
        {
          IMAGE_PULL_POLICY: 'Never',
        },
      );
      assert.equal(o.config.defaultImage, 'registry.local/server:dev');
      assert.equal(o.config.imagePullPolicy, 'Never');
      assert.equal(o.config.prometheusUrl, 'https://prom:9090');
      assert.equal(o.config.maxModelBytes, DEFAULT_CONFIG.maxModelBytes);
      assert.deepEqual(o.config.serverCommand, DEFAULT_CONFIG.serverCommand);
    });

    it('sets help for --help and -h', () => {
      assert.equal(parse(['--help']).help, true);
      assert.equal(parse(['-h']).help, true);
      assert.equal(parse([]).help, false);
    });

    for (const [flag, env, value, read, expected] of SETTINGS) {
      it(`reads ${flag} and ${env}, and usage() documents both`, () => {
        assert.deepEqual(read(parse([`${flag}=${value}`])), expected);
        assert.deepEqual(read(parse([], { [env]: value })), expected);
        assert.notDeepEqual(read(parse([])), expected, 'the test value must differ from the default');
        assert.match(usage(), new RegExp(`${flag}\\b`));
        assert.match(usage(), new RegExp(`\\b${env}\\b`));
      });
    }
  });

  describe('bad input', () => {
    // [flag, env, bad value, a piece of the expected rule]
    const BAD: Array<[string, string, string, string]> = [
      ['--metrics-port', 'METRICS_PORT', '65536', 'an integer from 0 to 65535'],
      ['--metrics-port', 'METRICS_PORT', 'http', 'an integer from 0 to 65535'],
      ['--metrics-bind-address', 'METRICS_BIND_ADDRESS', 'not an address', 'an IP address or host name'],
      ['--leader-elect', 'LEADER_ELECT', 'yes', 'true, false, 1 or 0'],
      ['--leader-election-namespace', 'LEADER_ELECTION_NAMESPACE', 'Kube_System', 'a namespace name'],
      ['--leader-election-id', 'LEADER_ELECTION_ID', 'Leader!', 'a Lease name'],
      ['--lease-duration', 'LEASE_DURATION', '15', 'a duration from 1s to 1h'],
      ['--lease-duration', 'LEASE_DURATION', '2h', 'a duration from 1s to 1h'],
      ['--renew-deadline', 'RENEW_DEADLINE', '10 s', 'a duration from 500ms to 1h'],
      ['--retry-period', 'RETRY_PERIOD', '50ms', 'a duration from 100ms to 1h'],
      ['--watch-namespace', 'WATCH_NAMESPACE', 'a'.repeat(64), 'a namespace name'],
      ['--concurrency', 'CONCURRENCY', '0', 'an integer from 1 to 64'],
      ['--concurrency', 'CONCURRENCY', '65', 'an integer from 1 to 64'],
      ['--concurrency', 'CONCURRENCY', '2.5', 'an integer from 1 to 64'],
      ['--resync-period', 'RESYNC_PERIOD', '5s', 'a duration from 10s to 24h'],
      ['--shutdown-timeout', 'SHUTDOWN_TIMEOUT', '-1s', 'a duration from 0s to 1h'],
      ['--default-image', 'DEFAULT_IMAGE', 'my image', 'an image reference without spaces'],
      ['--image-pull-policy', 'IMAGE_PULL_POLICY', 'always', 'one of Always, IfNotPresent, Never'],
      ['--prometheus-url', 'PROMETHEUS_URL', 'ftp://prom:9090', 'an http or https URL'],
      ['--prometheus-url', 'PROMETHEUS_URL', 'prometheus:9090', 'an http or https URL'],
      ['--default-requests', 'DEFAULT_REQUESTS', 'cpu:1', 'a list of NAME=QUANTITY'],
      ['--default-limits', 'DEFAULT_LIMITS', 'memory=lots', 'a list of NAME=QUANTITY'],
      ['--fetch-allowed-cidrs', 'FETCH_ALLOWED_CIDRS', '10.0.0.0/33', 'comma-separated CIDRs'],
      ['--fetch-allowed-cidrs', 'FETCH_ALLOWED_CIDRS', 'minio.svc', 'comma-separated CIDRs'],
      ['--allow-model-prometheus-url', 'ALLOW_MODEL_PROMETHEUS_URL', 'no', 'true, false, 1 or 0'],
      ['--prometheus-max-response-bytes', 'PROMETHEUS_MAX_RESPONSE_BYTES', '10', 'an integer from 4096'],
      ['--drift', 'DRIFT_EVALUATION', 'off', 'true, false, 1 or 0'],
      ['--log-level', 'LOG_LEVEL', 'verbose', 'one of error, warn, info, debug'],
    ];

    for (const [flag, env, value, rule] of BAD) {
      it(`rejects ${flag}=${value.slice(0, 20)} naming ${flag}, ${env} and the rule`, () => {
        const expected = `${flag} (${env}) must be ${rule}`;
        const viaFlag = errorOf(() => parse([`${flag}=${value}`]));
        assert.ok(viaFlag.startsWith(expected), viaFlag);
        assert.ok(viaFlag.endsWith(`got "${value}"`), viaFlag);
        assert.ok(errorOf(() => parse([], { [env]: value })).startsWith(expected));
      });
    }

    it('gives the exact message the brief shows for a bad concurrency', () => {
      assert.equal(
        errorOf(() => parse(['--concurrency=0'])),
        '--concurrency (CONCURRENCY) must be an integer from 1 to 64, got "0"',
      );
    });

    it('rejects an empty flag value where a value is required', () => {
      assert.match(
        errorOf(() => parse(['--leader-election-identity='])),
        /LEADER_ELECTION_IDENTITY/,
      );
      assert.match(
        errorOf(() => parse(['--default-image='])),
        /DEFAULT_IMAGE/,
      );
    });

    it('rejects unknown flags and stray arguments', () => {
      assert.match(
        errorOf(() => parse(['--leader-elect-namespace=x'])),
        /unknown flag "--leader-elect-namespace"/,
      );
      assert.match(
        errorOf(() => parse(['serve'])),
        /unexpected argument "serve"/,
      );
    });

    it('rejects a value flag without its value', () => {
      assert.equal(
        errorOf(() => parse(['--concurrency'])),
        '--concurrency (CONCURRENCY) needs a value',
      );
      assert.match(
        errorOf(() => parse(['--concurrency', '--drift'])),
        /needs a value/,
      );
    });

    it('needs renew-deadline shorter than lease-duration', () => {
      const msg = errorOf(() => parse(['--lease-duration=10s', '--renew-deadline=10s']));
      assert.match(
        msg,
        /^--renew-deadline \(RENEW_DEADLINE\) must be shorter than --lease-duration \(LEASE_DURATION\)/,
      );
    });

    it('needs retry-period shorter than renew-deadline', () => {
      const msg = errorOf(() => parse([], { RENEW_DEADLINE: '2s', RETRY_PERIOD: '2s' }));
      assert.match(
        msg,
        /^--retry-period \(RETRY_PERIOD\) must be shorter than --renew-deadline \(RENEW_DEADLINE\)/,
      );
    });
  });

  describe('lease timings, checked by the rules the elector applies (controller/lease.ts)', () => {
    it('rejects a retry period the jitter would stretch past the renew deadline', () => {
      const msg = errorOf(() => parse(['--retry-period', '9s', '--renew-deadline', '10s']));
      assert.match(
        msg,
        /^--retry-period \(RETRY_PERIOD\) must be shorter than --renew-deadline \(RENEW_DEADLINE\) \/ 1\.25/,
      );
      assert.match(msg, /got "9s"/);
    });

    it('rejects a lease duration the Lease cannot store (whole seconds)', () => {
      assert.match(
        errorOf(() => parse(['--lease-duration=1500ms', '--renew-deadline=1s', '--retry-period=100ms'])),
        /^--lease-duration \(LEASE_DURATION\) must be a whole number of seconds/,
      );
    });

    it('accepts every timing the elector accepts', () => {
      const o = parse(['--lease-duration=8s', '--renew-deadline=6s', '--retry-period=1s']);
      assert.deepEqual(
        timingProblems({ leaseDurationSeconds: 8, renewDeadlineMs: 6_000, retryPeriodMs: 1_000 }),
        [],
      );
      assert.equal(o.leaderElection.retryPeriodMs, 1_000);
    });
  });

  describe('durations', () => {
    it('parses Go-style durations into milliseconds', () => {
      const cases: Array<[string, number]> = [
        ['500ms', 500],
        ['15s', 15_000],
        ['1m', 60_000],
        ['1m30s', 90_000],
        ['1.5s', 1_500],
        ['2h', 7_200_000],
        ['0', 0],
      ];
      for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
    });

    it('rejects numbers without a unit, negative values and unknown units', () => {
      for (const text of ['15', '-1s', '1d', 's', '', '1 m', '1m30'])
        assert.equal(parseDuration(text), undefined, text);
    });

    it('returns durations in milliseconds from the options', () => {
      const o = parse([
        '--lease-duration=1m',
        '--renew-deadline=30s',
        '--retry-period=500ms',
        '--resync-period=1h',
      ]);
      assert.equal(o.leaderElection.leaseDurationMs, 60_000);
      assert.equal(o.leaderElection.renewDeadlineMs, 30_000);
      assert.equal(o.leaderElection.retryPeriodMs, 500);
      assert.equal(o.resyncPeriodMs, 3_600_000);
    });

    it('formats milliseconds back the short way', () => {
      assert.equal(formatDuration(90_500), '1m30s500ms');
      assert.equal(formatDuration(3_600_000), '1h');
      assert.equal(formatDuration(0), '0s');
    });
  });

  describe('leader election namespace', () => {
    const file = { [SERVICE_ACCOUNT_NAMESPACE_FILE]: 'from-file\n' };

    it('prefers the flag, then LEADER_ELECTION_NAMESPACE, then POD_NAMESPACE', () => {
      const env = { LEADER_ELECTION_NAMESPACE: 'from-env', POD_NAMESPACE: 'from-pod' };
      assert.equal(
        parse(['--leader-election-namespace=from-flag'], env, fakeIo(file)).leaderElection.namespace,
        'from-flag',
      );
      assert.equal(parse([], env, fakeIo(file)).leaderElection.namespace, 'from-env');
      assert.equal(
        parse([], { POD_NAMESPACE: 'from-pod' }, fakeIo(file)).leaderElection.namespace,
        'from-pod',
      );
    });

    it('reads the service account file only when no setting names the namespace', () => {
      const io = fakeIo(file);
      parse([], { POD_NAMESPACE: 'from-pod' }, io);
      assert.deepEqual(io.reads, []);
      assert.equal(parse([], {}, io).leaderElection.namespace, 'from-file');
      assert.deepEqual(io.reads, [SERVICE_ACCOUNT_NAMESPACE_FILE]);
    });

    it('falls back to "default" when the file cannot be read or is empty', () => {
      assert.equal(parse([], {}, fakeIo()).leaderElection.namespace, 'default');
      assert.equal(
        parse([], {}, fakeIo({ [SERVICE_ACCOUNT_NAMESPACE_FILE]: ' \n' })).leaderElection.namespace,
        'default',
      );
    });
  });

  describe('leader election identity', () => {
    it('prefers the setting, then POD_NAME, then host name and a random suffix', () => {
      assert.equal(
        parse(['--leader-election-identity=me'], { POD_NAME: 'pod-1' }).leaderElection.identity,
        'me',
      );
      assert.equal(parse([], { POD_NAME: 'pod-1' }).leaderElection.identity, 'pod-1');
      assert.equal(parse([]).leaderElection.identity, 'node-1_abababab');
    });

    it('differs between two processes on the same host', () => {
      const a = parseOptions([], {}, processIo).leaderElection.identity;
      const b = parseOptions([], {}, processIo).leaderElection.identity;
      assert.match(a, /^.+_[0-9a-f]{8}$/);
      assert.notEqual(a, b);
    });
  });
});
