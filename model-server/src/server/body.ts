// Reading a JSON request body under the size limit, with an error for every way it can be wrong:
// not JSON (415), too large (413), not UTF-8 or not parseable (400).
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { HttpError, badRequest } from './http-error';

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
    throw badRequest(`malformed JSON: ${(err as Error).message}`);
  }
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  checkJsonContentType(req.headers['content-type']);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HttpError(415, `Content-Encoding "${encoding.slice(0, 50)}" is not supported; send plain JSON`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  return parseJson(await collect(req, maxBytes));
}

function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onClose = (): void =>
      finish(badRequest('the client closed the connection before the body was complete'));
    req.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
  });
}
