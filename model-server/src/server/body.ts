// Reading a JSON request body under the size limit, with an error for every way it can be wrong:
// not JSON (415), too large (413), not UTF-8 or not parseable (400).
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { HttpError, Overloaded, badRequest } from './http-error';

/** Media type check; a missing Content-Type is read as JSON, anything else must say JSON. */
export function checkJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const media = contentType.split(';', 1)[0].trim().toLowerCase();
  if (media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))) return;
  throw new HttpError(415, `Content-Type must be application/json, got "${contentType.slice(0, 100)}"`);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `request body exceeds MAX_BODY_BYTES=${limit} bytes`, { connection: 'close' });
}

/** Parses bytes already read; split out so it can be tested without a socket. */
export function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw badRequest('request body is empty; expected a JSON object');
  if (!isUtf8(buf)) throw badRequest('request body is not valid UTF-8');
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    // V8's message may quote the body: keep its start only
    throw badRequest(`malformed JSON: ${(err as Error).message.slice(0, 120)}`);
  }
}

/**
 * Request body bytes held in memory at once, over every request (MAX_INFLIGHT_BODY_BYTES). A request
 * holds its bytes from the first read until its response is sent (its parsed texts take about as
 * much), so hundreds of concurrent large bodies meet a 503 instead of the node's memory limit.
 */
export class BodyBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  /** Adds `bytes` to what `hold` holds, or throws 503 when the budget has no room for them. */
  take(hold: { bytes: number }, bytes: number): void {
    if (this.used + bytes > this.limit) {
      throw new Overloaded(
        'body_bytes',
        `the server holds ${this.used} bytes of request bodies; the limit is MAX_INFLIGHT_BODY_BYTES=${this.limit}`,
      );
    }
    this.used += bytes;
    hold.bytes += bytes;
  }

  release(hold: { bytes: number }): void {
    this.used -= hold.bytes;
    hold.bytes = 0;
  }
}

export interface BodyLimits {
  maxBytes: number;
  budget: BodyBudget;
  /** the request's share of the budget; the caller releases it once the response is sent */
  hold: { bytes: number };
  /** whether the client has closed the connection */
  clientLeft?: () => boolean;
}

/** Bodies above this size are parsed one event-loop turn after they are complete (see below). */
const YIELD_BEFORE_PARSE_BYTES = 64 * 1024;

export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  checkJsonContentType(req.headers['content-type']);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HttpError(415, `Content-Encoding "${encoding.slice(0, 50)}" is not supported; send plain JSON`);
  }
  const raw = req.headers['content-length'];
  // Node's parser has already refused a Content-Length that is not a number
  const declared = raw === undefined ? undefined : Number(raw);
  if (declared !== undefined && declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const buf = await collect(req, limits, declared);
  // A client that sends a large body and leaves (a flood of abandoned batches) has its close read
  // only after the body. Waiting one turn lets that close be seen, and the parse, the costliest
  // step, skipped; a turn is little beside parsing the body.
  if (buf.length > YIELD_BEFORE_PARSE_BYTES && limits.clientLeft) {
    await new Promise((resolve) => setImmediate(resolve));
    if (limits.clientLeft()) throw badRequest('the client closed the connection');
  }
  return parseJson(buf);
}

const FIRST_CHUNKED_BYTES = 16 * 1024;

/**
 * Copies the body into one buffer, sized from Content-Length or grown by doubling up to the limit
 * for a chunked body. Every chunk is copied and dropped at once: a body of a million one-byte chunks
 * costs its own size, not a million Buffer objects each keeping a socket read buffer alive.
 */
function collect(req: IncomingMessage, limits: BodyLimits, declared: number | undefined): Promise<Buffer> {
  const { maxBytes, budget, hold } = limits;
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let size = 0;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (err) {
        // the rest of the body is read and dropped, so a keep-alive client still gets the answer
        req.resume();
        reject(err);
      } else resolve(buf.subarray(0, size));
    };
    const grow = (needed: number): void => {
      const capacity = Math.min(
        maxBytes,
        declared !== undefined ? declared : Math.max(FIRST_CHUNKED_BYTES, buf.length * 2, needed),
      );
      budget.take(hold, capacity - buf.length);
      const next = Buffer.allocUnsafe(capacity);
      buf.copy(next, 0, 0, size);
      buf = next;
    };
    const onData = (chunk: Buffer): void => {
      const needed = size + chunk.length;
      if (needed > maxBytes) return finish(tooLarge(maxBytes));
      try {
        if (needed > buf.length) grow(needed);
      } catch (err) {
        return finish(err as Error);
      }
      chunk.copy(buf, size);
      size = needed;
    };
    const onEnd = (): void => finish();
    const onClose = (): void =>
      finish(badRequest('the client closed the connection before the body was complete'));
    req.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
    if (declared !== undefined && declared > 0) {
      try {
        grow(declared);
      } catch (err) {
        finish(err as Error);
      }
    }
  });
}
