// `main.js fetch-model` against a local HTTP server that serves the sample model: the verified
// file appears atomically, and every failure exits non-zero and leaves no file behind.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_JS } from '../src/bench/spawn-server';
import { describeModel } from '../src/model/metadata';
import { sampleModel } from './support/server';

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

function fetchModel(args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN_JS, 'fetch-model', ...args], {
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
