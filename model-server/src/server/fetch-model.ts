// `fetch-model`: downloads a model file for an init container. The download is bounded in time and
// size, hashed while it streams into a temporary file beside the target, and renamed onto the
// target only when the sha256 matches, so the target is either the verified file or absent.
// Temporary files a killed run left behind are removed first.
//
// Where it may connect: https anywhere public; plain http only to a loopback address (local tests
// and development). Loopback, link-local (cloud metadata), private (RFC 1918, unique local, CGNAT)
// and other special addresses, and cluster-internal names, are refused unless they fall in the
// allow-list (FETCH_ALLOWED_CIDRS, passed by the operator's --fetch-allowed-cidrs). The check runs
// on the addresses DNS gives, inside the connection's own lookup, so the address checked is the
// address connected to; redirects are followed by hand (at most 5), each hop checked again, and
// never from https down to http. URLs are logged and reported without credentials or query.
import { createHash, randomBytes } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, type LookupFunction, isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
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
  /** addresses reachable although special (loopback, private, link-local, cluster-internal) */
  allowed?: BlockList;
  /** PEM file of CA certificates trusted besides the system's, for a model server with a private CA */
  caFile?: string;
}

export const FETCH_DEFAULTS = { timeoutMs: 300_000, maxBytes: 1024 * 1024 * 1024 };
const MAX_REDIRECTS = 5;

/** Address ranges a download must not reach unless allow-listed, with what each one is. */
const SPECIAL_RANGES: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address (RFC 1918)'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT address (RFC 6598)'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (cloud metadata lives there)'],
  ['172.16.0.0', 12, 'ipv4', 'a private address (RFC 1918)'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address (RFC 1918)'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fc00::', 7, 'ipv6', 'a unique local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
  // NAT64 and 6to4 embed an IPv4 address the gateway would reach for us
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['2002::', 16, 'ipv6', 'a 6to4 address'],
];
const SPECIAL = SPECIAL_RANGES.map(([net, prefix, type, what]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, what };
});

/** What makes `address` special (BlockList also matches IPv4-mapped IPv6), or undefined. */
export function specialAddress(address: string): string | undefined {
  const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return SPECIAL.find((s) => s.list.check(address, type))?.what;
}

/** Names that resolve inside the cluster (Services, search domains) rather than on the internet. */
function clusterInternal(host: string): boolean {
  if (isIP(host) !== 0) return false;
  const name = host.toLowerCase().replace(/\.$/, '');
  return !name.includes('.') || /\.(svc|local|internal)$|\.svc\.|\.cluster\.local$/.test(name);
}

/** Comma-separated CIDRs (FETCH_ALLOWED_CIDRS); a bare address counts as a single host. */
export function parseAllowedCidrs(text: string | undefined): BlockList {
  const list = new BlockList();
  for (const item of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [net, prefix, extra] = item.split('/');
    const family = isIP(net);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (
      family === 0 ||
      extra !== undefined ||
      (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) ||
      bits > (family === 6 ? 128 : 32)
    ) {
      throw new FetchError(
        `FETCH_ALLOWED_CIDRS must be comma-separated CIDRs such as 10.0.0.0/8 or fd00::/8, got "${item.slice(0, 60)}"`,
      );
    }
    list.addSubnet(net, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** Why `host` at `addresses` may not be fetched from, or undefined when it may. */
export function refusal(host: string, addresses: string[], allowed: BlockList): string | undefined {
  for (const address of addresses) {
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (allowed.check(address, type)) continue;
    const what = specialAddress(address);
    if (what) return `${host} is ${address}, ${what}; add it to FETCH_ALLOWED_CIDRS to allow it`;
    if (clusterInternal(host)) {
      return `${host} is a cluster-internal name (at ${address}); add its addresses to FETCH_ALLOWED_CIDRS to allow it`;
    }
  }
  return undefined;
}

/** A lookup for http(s).request that refuses a host whose addresses are not all allowed. */
function guardedLookup(allowed: BlockList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const why = refusal(
        hostname,
        addresses.map((a) => a.address),
        allowed,
      );
      if (why) return callback(Object.assign(new FetchError(why), { code: 'EADDRREFUSED' }), '', 0);
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The URL if its scheme may be fetched: https anywhere, http only to loopback. */
export function checkUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new FetchError(`--uri is not a URL (${uri.length} characters, not shown: it may hold credentials)`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new FetchError(
    `--uri must be https:// (plain http:// is accepted only for loopback addresses), got ${url.protocol}//${url.host}`,
  );
}

/** Scheme, host and path: user:password and the query string (signed URLs) are never shown. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Client {
  allowed: BlockList;
  ca?: string[];
  signal: AbortSignal;
}

/** One GET, its address checked first (literal) or while connecting (name). */
function getOnce(url: URL, client: Client): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const why = refusal(host, [host], client.allowed);
    if (why) return Promise.reject(new FetchError(why));
  }
  return new Promise((resolve, reject) => {
    const options = {
      method: 'GET',
      signal: client.signal,
      lookup: guardedLookup(client.allowed),
      headers: { accept: 'application/octet-stream, */*' },
      ...(client.ca ? { ca: client.ca } : {}),
    };
    const req =
      url.protocol === 'https:' ? httpsRequest(url, options, resolve) : httpRequest(url, options, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function get(start: URL, client: Client): Promise<IncomingMessage> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(url, client);
    const location = res.headers.location;
    const status = res.statusCode ?? 0;
    if (status < 300 || status > 399 || location === undefined) return res;
    res.resume();
    if (hop === MAX_REDIRECTS)
      throw new FetchError(`more than ${MAX_REDIRECTS} redirects from ${redact(start)}`);
    const next = new URL(location, url);
    if (url.protocol === 'https:' && next.protocol !== 'https:') {
      throw new FetchError(
        `${redact(url)} redirects from https to ${next.protocol}//${next.host}; refusing to leave TLS`,
      );
    }
    url = checkUri(next.toString());
  }
}

/** Streams `res` into `tmp`; returns the byte count and sha256. */
async function download(
  res: IncomingMessage,
  tmp: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > maxBytes)
    throw new FetchError(`the model is ${declared} bytes; the limit is ${maxBytes} bytes`);
  const file = await open(tmp, 'wx', 0o644);
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new FetchError(`the download exceeds the limit of ${maxBytes} bytes`);
      hash.update(chunk);
      await file.write(chunk);
    }
    // a server that hangs up early ends the stream without an error; the declared length tells
    if (Number.isFinite(declared) && bytes !== declared) {
      throw new FetchError(`the connection closed after ${bytes} of ${declared} bytes`);
    }
    await file.sync();
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await file.close();
  }
}

const partPrefix = (out: string): string => `.${basename(out)}.`;

/** A run killed mid-download (SIGKILL, OOM) leaves its temporary file: remove every one. */
async function removeStaleParts(out: string, logger: Logger): Promise<void> {
  const dir = dirname(out);
  const prefix = partPrefix(out);
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    logger.info('removed a partial download left by an earlier run', { file: join(dir, name) });
  }
}

/** The system's CAs plus those of `path`: `ca` replaces the default list rather than adding to it. */
async function readCa(path: string): Promise<string[]> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new FetchError(
      `cannot read the CA bundle ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new FetchError(`the CA bundle ${path} holds no PEM certificate`);
  }
  return [...rootCertificates, pem];
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
  await removeStaleParts(opts.out, logger);
  const tmp = join(
    dirname(opts.out),
    `${partPrefix(opts.out)}${process.pid}.${randomBytes(4).toString('hex')}.part`,
  );
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const client: Client = {
    allowed: opts.allowed ?? new BlockList(),
    signal,
    ca: opts.caFile ? await readCa(opts.caFile) : undefined,
  };
  const started = Date.now();
  logger.info('fetching model', {
    uri: redact(url),
    out: opts.out,
    timeout_ms: opts.timeoutMs,
    max_bytes: opts.maxBytes,
    ca_file: opts.caFile,
  });
  try {
    const res = await get(url, client);
    if (res.statusCode !== 200) {
      res.resume();
      throw new FetchError(`GET ${redact(url)} answered HTTP ${res.statusCode}`);
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
    // Node's messages name hosts and addresses, never the path or query; bounded all the same
    throw new FetchError(`GET ${redact(url)} failed: ${(err as Error).message.slice(0, 300)}`);
  }
}
