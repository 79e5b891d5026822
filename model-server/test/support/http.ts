// A small HTTP client for the server tests: any method, headers and raw body, over a keep-alive
// agent, returning status, headers and the parsed JSON (when the answer is JSON).
import { Agent, IncomingHttpHeaders, request } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface Ask {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
  agent?: Agent;
}

export const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

export function ask(port: number, req: Ask): Promise<Answer> {
  const isRaw = typeof req.body === 'string' || Buffer.isBuffer(req.body);
  const body =
    req.body === undefined ? undefined : isRaw ? (req.body as string | Buffer) : JSON.stringify(req.body);
  const headers: Record<string, string> = {
    ...(body !== undefined && !isRaw ? { 'content-type': 'application/json' } : {}),
    // framed for every method: Node's client sends a GET body unframed otherwise
    ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...req.headers,
  };
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? (body === undefined ? 'GET' : 'POST'),
        path: req.path,
        headers,
        agent: req.agent ?? keepAlive,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            if (/json/.test(res.headers['content-type'] ?? '')) json = JSON.parse(text);
          } catch (err) {
            reject(new Error(`HTTP ${res.statusCode} said JSON but sent ${text.slice(0, 200)}: ${err}`));
            return;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

export const predict = (port: number, body: unknown): Promise<Answer> =>
  ask(port, { path: '/predict', body: body as object });
