// `main.js fetch-model` against a local HTTP server that serves the sample model: the verified
// file appears atomically, and every failure exits non-zero and leaves no file behind. Then the
// address policy against a local TLS server with a CA made for the test: metadata, private and
// loopback addresses refused unless allow-listed, no https->http redirect, no credentials in logs.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Server, createServer } from 'node:http';
import { Server as TlsServer, createServer as createHttpsServer } from 'node:https';
import { BlockList, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_JS } from '../src/bench/spawn-server';
import { describeModel } from '../src/model/metadata';
import { parseAllowedCidrs, refusal, specialAddress } from '../src/server/fetch-model';
import { sampleModel } from './support/server';

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** The local servers below are on loopback, which fetch-model refuses unless allow-listed. */
const LOOPBACK_ALLOWED = { FETCH_ALLOWED_CIDRS: '127.0.0.0/8' };

function fetchModel(args: string[], env: Record<string, string> = LOOPBACK_ALLOWED): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN_JS, 'fetch-model', ...args], {
      env: { ...process.env, FETCH_ALLOWED_CIDRS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    proc.on('close', (code) => resolve({ code, output, ms: Date.now() - started }));
  });
}

describe('fetch-model (real process, local HTTP server serving the sample model)', function () {
  this.timeout(60_000);
  let bytes: Buffer;
  let sha: string;
  let http: Server;
  let base: string;
  let dir: string;
  const hits: string[] = [];

  before(async () => {
    bytes = readFileSync(sampleModel());
    sha = describeModel(bytes).sha256;
    http = createServer((req, res) => {
      hits.push(req.url!);
      switch (req.url) {
        case '/models/imdb.onnx':
          res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
          res.end(bytes);
          return;
        case '/chunked/imdb.onnx': // no Content-Length: only the streamed count can enforce the limit
          res.writeHead(200);
          for (let i = 0; i < bytes.length; i += 65536) res.write(bytes.subarray(i, i + 65536));
          res.end();
          return;
        case '/redirect':
          res.writeHead(302, { location: '/models/imdb.onnx' });
          res.end();
          return;
        case '/stall': // headers and the first bytes, then nothing
          res.writeHead(200, { 'content-length': bytes.length });
          res.write(bytes.subarray(0, 1000));
          return;
        case '/truncated': // promises the whole file and hangs up half-way
          res.writeHead(200, { 'content-length': bytes.length });
          res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
          return;
        default:
          res.writeHead(404);
          res.end('not found');
      }
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(() => {
    http?.closeAllConnections();
    http?.close();
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'fetch-model-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const out = () => join(dir, 'models', 'imdb.onnx');
  const failsCleanly = (run: Run, message: RegExp): void => {
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, message);
    assert.deepEqual(
      readdirSync(dir, { recursive: true }).filter((f) => String(f) !== 'models'),
      [],
      'something was left behind',
    );
  };

  it('downloads, verifies and writes the model, leaving nothing else', async () => {
    const run = await fetchModel(['--uri', `${base}/models/imdb.onnx`, '--sha256', sha, '--out', out()]);
    assert.equal(run.code, 0, run.output);
    assert.ok(readFileSync(out()).equals(bytes));
    assert.deepEqual(readdirSync(join(dir, 'models')), ['imdb.onnx']);
    const log = run.output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      log.some(
        (l) => l.message === 'model fetched and verified' && l.sha256 === sha && l.bytes === bytes.length,
      ),
    );
  });

  it('follows a redirect and streams a body without Content-Length', async () => {
    assert.equal((await fetchModel(['--uri', `${base}/redirect`, '--sha256', sha, '--out', out()])).code, 0);
    rmSync(out());
    assert.equal(
      (await fetchModel(['--uri', `${base}/chunked/imdb.onnx`, '--sha256', sha, '--out', out()])).code,
      0,
    );
    assert.ok(readFileSync(out()).equals(bytes));
  });

  it('does not download again when the file is already there with the right checksum', async () => {
    assert.equal(
      (await fetchModel(['--uri', `${base}/models/imdb.onnx`, '--sha256', sha, '--out', out()])).code,
      0,
    );
    const before = hits.length;
    const again = await fetchModel(['--uri', `${base}/models/imdb.onnx`, '--sha256', sha, '--out', out()]);
    assert.equal(again.code, 0);
    assert.match(again.output, /already present/);
    assert.equal(hits.length, before);
  });

  it('exits 1 and leaves no file on a wrong checksum', async () => {
    const run = await fetchModel([
      '--uri',
      `${base}/models/imdb.onnx`,
      '--sha256',
      'a'.repeat(64),
      '--out',
      out(),
    ]);
    failsCleanly(
      run,
      new RegExp(`sha256 mismatch: expected a{64}, the download \\(${bytes.length} bytes\\) has ${sha}`),
    );
  });

  it('keeps an existing file with another checksum only if the new download verifies', async () => {
    writeFileSync(join(dir, 'old.onnx'), 'old model');
    const run = await fetchModel([
      '--uri',
      `${base}/models/imdb.onnx`,
      '--sha256',
      'b'.repeat(64),
      '--out',
      join(dir, 'old.onnx'),
    ]);
    assert.equal(run.code, 1);
    assert.equal(readFileSync(join(dir, 'old.onnx'), 'utf8'), 'old model');
    assert.deepEqual(readdirSync(dir), ['old.onnx']);
  });

  it('exits 1 and leaves no file when the server answers 404, hangs up or is not there', async () => {
    failsCleanly(
      await fetchModel(['--uri', `${base}/missing.onnx`, '--sha256', sha, '--out', out()]),
      /answered HTTP 404/,
    );
    failsCleanly(
      await fetchModel(['--uri', `${base}/truncated`, '--sha256', sha, '--out', out()]),
      /failed|terminated|closed/,
    );
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    failsCleanly(
      await fetchModel(['--uri', `http://127.0.0.1:${port}/m.onnx`, '--sha256', sha, '--out', out()]),
      /ECONNREFUSED/,
    );
  });

  it('gives up after --timeout-ms on a stalled download and leaves no file', async () => {
    const run = await fetchModel([
      '--uri',
      `${base}/stall`,
      '--sha256',
      sha,
      '--out',
      out(),
      '--timeout-ms',
      '500',
    ]);
    failsCleanly(run, /timed out after 500 ms/);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
  });

  it('enforces --max-bytes on the declared length and on the streamed bytes', async () => {
    failsCleanly(
      await fetchModel([
        '--uri',
        `${base}/models/imdb.onnx`,
        '--sha256',
        sha,
        '--out',
        out(),
        '--max-bytes',
        '100000',
      ]),
      new RegExp(`the model is ${bytes.length} bytes; the limit is 100000 bytes`),
    );
    failsCleanly(
      await fetchModel([
        '--uri',
        `${base}/chunked/imdb.onnx`,
        '--sha256',
        sha,
        '--out',
        out(),
        '--max-bytes',
        '100000',
      ]),
      /exceeds the limit of 100000 bytes/,
    );
  });

  it('accepts plain http only for loopback addresses', async () => {
    const run = await fetchModel([
      '--uri',
      'http://models.example.com/imdb.onnx',
      '--sha256',
      sha,
      '--out',
      out(),
    ]);
    failsCleanly(run, /--uri must be https:\/\/ \(plain http:\/\/ is accepted only for loopback addresses\)/);
    failsCleanly(
      await fetchModel(['--uri', 'ftp://127.0.0.1/x', '--sha256', sha, '--out', out()]),
      /must be https/,
    );
  });

  it('exits 2 with usage for missing or malformed arguments', async () => {
    for (const args of [
      ['--uri', `${base}/models/imdb.onnx`, '--sha256', sha],
      ['--uri', `${base}/models/imdb.onnx`, '--sha256', 'xyz', '--out', out()],
      ['--uri', `${base}/models/imdb.onnx`, '--sha256', sha, '--out', out(), '--timeout-ms', 'soon'],
      ['--url', `${base}/models/imdb.onnx`],
    ]) {
      const run = await fetchModel(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.output}`);
      assert.match(run.output, /usage:/);
    }
  });
});

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl in `dir`. */
function makeCa(dir: string): { ca: string; key: string; cert: string } {
  const f = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('server.crt'),
  );
  return {
    ca: f('ca.crt'),
    key: readFileSync(f('server.key'), 'utf8'),
    cert: readFileSync(f('server.crt'), 'utf8'),
  };
}

describe('fetch-model address policy (real process, local TLS server with a test CA)', function () {
  this.timeout(60_000);
  let bytes: Buffer;
  let sha: string;
  let tls: TlsServer;
  let plain: Server;
  let dir: string;
  let ca: string;
  let port: number;
  let plainPort: number;
  const seen: string[] = [];

  before(async () => {
    bytes = readFileSync(sampleModel());
    sha = describeModel(bytes).sha256;
    dir = mkdtempSync(join(tmpdir(), 'fetch-tls-'));
    const made = makeCa(dir);
    ca = made.ca;
    plain = createServer((_req, res) => res.end(bytes));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainPort = (plain.address() as AddressInfo).port;
    tls = createHttpsServer({ key: made.key, cert: made.cert }, (req, res) => {
      seen.push(req.url!);
      if (req.url!.startsWith('/models/imdb.onnx')) {
        res.writeHead(200, { 'content-length': bytes.length });
        res.end(bytes);
      } else if (req.url === '/to-http') {
        res.writeHead(302, { location: `http://127.0.0.1:${plainPort}/models/imdb.onnx` });
        res.end();
      } else if (req.url === '/to-metadata') {
        res.writeHead(302, { location: 'https://169.254.169.254/latest/meta-data/' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    port = (tls.address() as AddressInfo).port;
  });
  after(() => {
    tls?.closeAllConnections();
    tls?.close();
    plain?.closeAllConnections();
    plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const out = () => join(dir, 'out', 'imdb.onnx');
  afterEach(() => rmSync(join(dir, 'out'), { recursive: true, force: true }));
  const allowLoopback = { FETCH_ALLOWED_CIDRS: '127.0.0.1/32' };
  /** fetch-model of `uri` into out(); `ca` adds --ca-file with the test CA. */
  const fetchUri = (uri: string, env: Record<string, string>, opts: { ca?: boolean } = {}) =>
    fetchModel(['--uri', uri, '--sha256', sha, '--out', out(), ...(opts.ca ? ['--ca-file', ca] : [])], env);
  /** the local TLS server, trusted, with loopback allow-listed */
  const fetchLocal = (path: string) =>
    fetchUri(`https://127.0.0.1:${port}${path}`, allowLoopback, { ca: true });

  it('downloads over TLS from an allow-listed loopback address, trusting the CA given by --ca-file', async () => {
    const run = await fetchLocal('/models/imdb.onnx');
    assert.equal(run.code, 0, run.output);
    assert.ok(readFileSync(out()).equals(bytes));
    // without the CA the certificate is not trusted
    rmSync(out());
    const untrusted = await fetchUri(`https://127.0.0.1:${port}/models/imdb.onnx`, allowLoopback);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.output, /certificate/);
  });

  it('refuses the cloud metadata address without connecting, even written as IPv4-mapped IPv6', async () => {
    for (const host of ['169.254.169.254', '[::ffff:169.254.169.254]']) {
      const run = await fetchUri(`https://${host}/latest/meta-data/model.onnx`, {});
      assert.equal(run.code, 1, run.output);
      assert.match(
        run.output,
        /a link-local address \(cloud metadata lives there\); add it to FETCH_ALLOWED_CIDRS/,
      );
      // a connection attempt to that unrouted address would have taken until the timeout
      assert.ok(run.ms < 5_000, `took ${run.ms} ms`);
    }
    const redirected = await fetchLocal('/to-metadata');
    assert.equal(redirected.code, 1);
    assert.match(redirected.output, /169\.254\.169\.254, a link-local address/);
  });

  it('refuses private and loopback addresses, literal or after DNS, unless allow-listed', async () => {
    const literal = await fetchUri('https://10.1.2.3/m.onnx', {});
    assert.equal(literal.code, 1);
    assert.match(literal.output, /10\.1\.2\.3 is 10\.1\.2\.3, a private address \(RFC 1918\)/);
    // localhost goes through DNS: the check runs on what it resolves to
    const before = seen.length;
    const named = await fetchUri(`https://localhost:${port}/models/imdb.onnx`, {}, { ca: true });
    assert.equal(named.code, 1, named.output);
    assert.match(named.output, /localhost is (127\.0\.0\.1|::1), a loopback address/);
    assert.equal(seen.length, before, 'the server was reached');
  });

  it('refuses a redirect from https to plain http', async () => {
    const run = await fetchLocal('/to-http');
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /redirects from https to http:\/\/127\.0\.0\.1:\d+; refusing to leave TLS/);
    assert.equal(existsSync(out()), false);
  });

  it('never logs the credentials or the query string of the URL', async () => {
    for (const path of ['models/imdb.onnx', 'missing.onnx']) {
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      const run = await fetchUri(
        `https://model-reader:s3cr3t-pass@127.0.0.1:${port}/${path}?X-Amz-Signature=s1gn4ture&token=t0ken`,
        allowLoopback,
        { ca: true },
      );
      assert.equal(run.code, path === 'missing.onnx' ? 1 : 0, run.output);
      assert.doesNotMatch(run.output, /s3cr3t|model-reader|s1gn4ture|t0ken|X-Amz/);
      assert.match(run.output, new RegExp(`https://127\\.0\\.0\\.1:${port}/${path.replace('.', '\\.')}`));
    }
    const notUrl = await fetchUri('https://user:s3cr3t@[broken/x', {});
    assert.equal(notUrl.code, 1);
    assert.doesNotMatch(notUrl.output, /s3cr3t/);
  });

  it('removes partial downloads an earlier, killed run left behind', async () => {
    mkdirSync(join(dir, 'out'), { recursive: true });
    const stale = join(dir, 'out', '.imdb.onnx.4242.deadbeef.part');
    writeFileSync(stale, 'half a model');
    writeFileSync(join(dir, 'out', 'other.part'), 'not ours');
    const run = await fetchLocal('/models/imdb.onnx');
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['imdb.onnx', 'other.part']);
    assert.match(run.output, /removed a partial download left by an earlier run/);
  });

  it('classifies addresses and names: special ranges, cluster-internal names, the allow-list', () => {
    const none = new BlockList();
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
    ]) {
      assert.ok(specialAddress(a), a);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1'])
      assert.equal(specialAddress(a), undefined, a);
    assert.match(refusal('kubernetes.default.svc', ['93.184.216.34'], none)!, /cluster-internal name/);
    assert.match(refusal('models.team.svc.cluster.local', ['93.184.216.34'], none)!, /cluster-internal name/);
    assert.match(refusal('minio', ['93.184.216.34'], none)!, /cluster-internal name/);
    assert.equal(refusal('models.example.com', ['93.184.216.34'], none), undefined);
    const allowed = parseAllowedCidrs('10.0.0.0/8, fd00::/8,192.168.1.7');
    assert.equal(refusal('minio.storage.svc', ['10.96.4.2'], allowed), undefined);
    assert.equal(refusal('h', ['192.168.1.7', 'fd00::5'], allowed), undefined);
    assert.match(refusal('h', ['192.168.1.8'], allowed)!, /private address/);
    assert.throws(
      () => parseAllowedCidrs('10.0.0.0/33'),
      /FETCH_ALLOWED_CIDRS must be comma-separated CIDRs/,
    );
    assert.throws(() => parseAllowedCidrs('example.com/8'), /FETCH_ALLOWED_CIDRS/);
  });
});
