import { strict as assert } from 'node:assert';
import { createLogger } from '../../src/observability/logger';

/** What `fn` writes to stdout while it runs, line by line. */
async function stdoutOf(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

describe('operator logger', () => {
  it('writes one JSON object per event to stdout with timestamp, level, message, component and fields', async () => {
    const lines = await stdoutOf(async () => {
      const logger = createLogger('info');
      logger.info('reconciled', { namespace: 'team-a', name: 'imdb', durationMs: 12 });
      await new Promise((resolve) => setImmediate(resolve));
    });
    assert.equal(lines.length, 1);
    const event = JSON.parse(lines[0]);
    assert.equal(event.level, 'info');
    assert.equal(event.message, 'reconciled');
    assert.equal(event.component, 'operator');
    assert.equal(event.namespace, 'team-a');
    assert.equal(event.durationMs, 12);
    assert.ok(!Number.isNaN(Date.parse(event.timestamp)), event.timestamp);
  });

  it('drops events below its level and names the component it is given', async () => {
    const lines = await stdoutOf(async () => {
      const logger = createLogger('warn', 'drift');
      logger.info('hidden');
      logger.warn('shown');
      await new Promise((resolve) => setImmediate(resolve));
    });
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)).map((e) => [e.message, e.component]),
      [['shown', 'drift']],
    );
  });
});
