// `fetch-model`: downloads a model file for an init container. The download is bounded in time and
// size, hashed while it streams into a temporary file beside the target, and renamed onto the
// target only when the sha256 matches, so the target is either the verified file or absent.
//
// Only https is accepted, except plain http to a loopback address (local tests and development).
// Redirects are followed by hand (at most 5) so every hop obeys the same rule.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { Logger } from './logger';

export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export interface FetchOptions {
  uri: string;
  sha256: string;
  out: string;
  timeoutMs: number;
  maxBytes: number;
}

export const FETCH_DEFAULTS = { timeoutMs: 300_000, maxBytes: 1024 * 1024 * 1024 };
const MAX_REDIRECTS = 5;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The URL if it may be fetched: https anywhere, http only to loopback. */
export function checkUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new FetchError(`--uri "${uri}" is not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new FetchError(
    `--uri must be https:// (plain http:// is accepted only for loopback addresses), got ${url.protocol}//${url.host}`,
  );
}

/** Scheme, host and path: query strings of signed URLs carry credentials and are not logged. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function get(start: URL, signal: AbortSignal): Promise<Response> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await fetch(url, { redirect: 'manual', signal });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || location === null) return res;
    await res.body?.cancel();
    if (hop === MAX_REDIRECTS)
      throw new FetchError(`more than ${MAX_REDIRECTS} redirects from ${redact(start)}`);
    url = checkUri(new URL(location, url).toString());
  }
}

/** Streams `res` into `tmp`; returns the byte count and sha256. */
async function download(
  res: Response,
  tmp: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes)
    throw new FetchError(`the model is ${declared} bytes; the limit is ${maxBytes} bytes`);
  const file = await open(tmp, 'wx', 0o644);
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new FetchError(`the download exceeds the limit of ${maxBytes} bytes`);
        hash.update(chunk);
        await file.write(chunk);
      }
    }
    await file.sync();
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await file.close();
  }
}

export async function fetchModel(
  opts: FetchOptions,
  logger: Logger,
): Promise<{ skipped: boolean; bytes: number }> {
  const url = checkUri(opts.uri);
  const expected = opts.sha256.toLowerCase();
  try {
    if ((await sha256File(opts.out)) === expected) {
      logger.info('model already present with the expected sha256; nothing to fetch', { out: opts.out });
      return { skipped: true, bytes: 0 };
    }
  } catch {
    // absent or unreadable: download it
  }
  await mkdir(dirname(opts.out), { recursive: true });
  const tmp = join(
    dirname(opts.out),
    `.${basename(opts.out)}.${process.pid}.${randomBytes(4).toString('hex')}.part`,
  );
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const started = Date.now();
  logger.info('fetching model', {
    uri: redact(url),
    out: opts.out,
    timeout_ms: opts.timeoutMs,
    max_bytes: opts.maxBytes,
  });
  try {
    const res = await get(url, signal);
    if (!res.ok) {
      await res.body?.cancel();
      throw new FetchError(`GET ${redact(url)} answered HTTP ${res.status}`);
    }
    const got = await download(res, tmp, opts.maxBytes);
    if (got.sha256 !== expected) {
      throw new FetchError(
        `sha256 mismatch: expected ${expected}, the download (${got.bytes} bytes) has ${got.sha256}`,
      );
    }
    await rename(tmp, opts.out);
    logger.info('model fetched and verified', {
      out: opts.out,
      bytes: got.bytes,
      sha256: got.sha256,
      seconds: (Date.now() - started) / 1000,
    });
    return { skipped: false, bytes: got.bytes };
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (err instanceof FetchError) throw err;
    if (signal.aborted) throw new FetchError(`the download timed out after ${opts.timeoutMs} ms`);
    const cause = (err as Error & { cause?: Error }).cause;
    throw new FetchError(
      `GET ${redact(url)} failed: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`,
    );
  }
}
