import { strict as assert } from 'node:assert';
import { ConfigError, serveConfig } from '../src/server/config';

describe('server configuration', () => {
  it('uses the documented defaults and names the model after the file', () => {
    const c = serveConfig({}, { model: '/models/imdb.onnx' });
    assert.deepEqual(c, {
      modelPath: '/models/imdb.onnx',
      modelName: 'imdb',
      modelSha256: undefined,
      host: undefined,
      port: 8080,
      maxBatchSize: 64,
      batchWindowMs: 2,
      maxBodyBytes: 1024 * 1024,
      maxTextChars: 20_000,
      maxBatchItems: 256,
      maxQueuedTexts: 64 * 64,
      maxInflightBodyBytes: 16 * 1024 * 1024,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      drainMs: 5_000,
      shutdownTimeoutMs: 20_000,
      inferenceThreads: 1,
      logLevel: 'info',
      playground: true,
    });
  });

  it('turns the playground off with PLAYGROUND=false or --playground false, the flag winning', () => {
    const m = { model: 'm.onnx' };
    assert.equal(serveConfig({ PLAYGROUND: 'false' }, m).playground, false);
    assert.equal(serveConfig({ PLAYGROUND: ' TRUE ' }, m).playground, true);
    assert.equal(serveConfig({ PLAYGROUND: 'true' }, { ...m, playground: 'false' }).playground, false);
    assert.equal(serveConfig({ PLAYGROUND: 'false' }, { ...m, playground: 'true' }).playground, true);
  });

  it('derives the queue bound from batch size and threads, never below one maximal request', () => {
    assert.equal(
      serveConfig({ MAX_BATCH_SIZE: '32', INFERENCE_THREADS: '2' }, { model: 'm.onnx' }).maxQueuedTexts,
      4096,
    );
    assert.equal(
      serveConfig({ MAX_BATCH_SIZE: '1', MAX_BATCH_ITEMS: '500' }, { model: 'm.onnx' }).maxQueuedTexts,
      500,
    );
    assert.equal(serveConfig({ MAX_BODY_BYTES: '1000' }, { model: 'm.onnx' }).maxInflightBodyBytes, 16_000);
    const huge = serveConfig({ MAX_BODY_BYTES: String(32 * 1024 * 1024) }, { model: 'm.onnx' });
    assert.equal(huge.maxInflightBodyBytes, 64 * 1024 * 1024);
    const larger = serveConfig({ MAX_BODY_BYTES: String(100 * 1024 * 1024) }, { model: 'm.onnx' });
    assert.equal(larger.maxInflightBodyBytes, 100 * 1024 * 1024);
  });

  it('reads the admission limits, timeouts and drain period, --drain-seconds winning', () => {
    const c = serveConfig(
      {
        MAX_QUEUED_TEXTS: '300',
        MAX_INFLIGHT_BODY_BYTES: '5000000',
        HEADERS_TIMEOUT_MS: '2000',
        REQUEST_TIMEOUT_MS: '4000',
        KEEP_ALIVE_TIMEOUT_MS: '1000',
        DRAIN_SECONDS: '7',
      },
      { model: 'm.onnx' },
    );
    assert.deepEqual(
      [
        c.maxQueuedTexts,
        c.maxInflightBodyBytes,
        c.headersTimeoutMs,
        c.requestTimeoutMs,
        c.keepAliveTimeoutMs,
        c.drainMs,
      ],
      [300, 5_000_000, 2000, 4000, 1000, 7000],
    );
    assert.equal(
      serveConfig({ DRAIN_SECONDS: '7' }, { model: 'm.onnx', 'drain-seconds': '0.25' }).drainMs,
      250,
    );
  });

  it('reads every setting from the environment, flags winning over MODEL_PATH and PORT', () => {
    const sha = 'AB'.repeat(32);
    const c = serveConfig(
      {
        MODEL_PATH: '/env.onnx',
        MODEL_NAME: 'reviews-v2',
        MODEL_SHA256: sha,
        PORT: '9000',
        MAX_BATCH_SIZE: '8',
        BATCH_WINDOW_MS: '0',
        MAX_BODY_BYTES: '100',
        MAX_TEXT_CHARS: '10',
        MAX_BATCH_ITEMS: '3',
        SHUTDOWN_TIMEOUT_MS: '500',
        INFERENCE_THREADS: '2',
        LOG_LEVEL: 'debug',
        HOST: '127.0.0.1',
      },
      { model: '/flag.onnx', port: '0' },
    );
    assert.equal(c.modelPath, '/flag.onnx');
    assert.equal(c.modelName, 'reviews-v2');
    assert.equal(c.modelSha256, sha.toLowerCase());
    assert.equal(c.port, 0);
    assert.deepEqual(
      [c.maxBatchSize, c.batchWindowMs, c.maxBodyBytes, c.maxTextChars, c.maxBatchItems, c.shutdownTimeoutMs],
      [8, 0, 100, 10, 3, 500],
    );
    assert.equal(c.inferenceThreads, 2);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.host, '127.0.0.1');
  });

  const refusals: [string, NodeJS.ProcessEnv, RegExp][] = [
    [
      'a queue bound below one maximal request',
      { MAX_QUEUED_TEXTS: '10' },
      /MAX_QUEUED_TEXTS must be an integer from 256/,
    ],
    [
      'a body budget below one body',
      { MAX_INFLIGHT_BODY_BYTES: '10' },
      /MAX_INFLIGHT_BODY_BYTES must be an integer from 1048576/,
    ],
    [
      'headers allowed longer than the request',
      { HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4000' },
      /HEADERS_TIMEOUT_MS \(5000\) must not exceed REQUEST_TIMEOUT_MS \(4000\)/,
    ],
    [
      'a drain period that is not a number of seconds',
      { DRAIN_SECONDS: '5s' },
      /DRAIN_SECONDS must be a number of seconds from 0 to 3600/,
    ],
    ['no model at all', {}, /--model PATH or set MODEL_PATH/],
    [
      'a batch size that is not a number',
      { MAX_BATCH_SIZE: 'lots' },
      /MAX_BATCH_SIZE must be an integer from 1 to 4096, got "lots"/,
    ],
    ['a zero batch size', { MAX_BATCH_SIZE: '0' }, /MAX_BATCH_SIZE/],
    ['a negative window', { BATCH_WINDOW_MS: '-1' }, /BATCH_WINDOW_MS/],
    ['a fractional body limit', { MAX_BODY_BYTES: '1.5' }, /MAX_BODY_BYTES/],
    ['a port out of range', { PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    ['a short checksum', { MODEL_SHA256: 'abc' }, /MODEL_SHA256 must be 64 hexadecimal characters/],
    ['a model name unfit for a URL', { MODEL_NAME: 'my model' }, /model name "my model"/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [
      'a playground setting that is not true or false',
      { PLAYGROUND: 'off' },
      /PLAYGROUND must be true or false, got "off"/,
    ],
  ];
  for (const [what, env, message] of refusals) {
    it(`refuses ${what}, naming the setting`, () => {
      const flags = what === 'no model at all' ? {} : { model: 'm.onnx' };
      assert.throws(
        () => serveConfig(env, flags),
        (err: Error) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }
});
