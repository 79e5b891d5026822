// A minimal JSON client for the benchmark's own calls to the API server. It reads raw JSON over one
// keep-alive HTTPS agent instead of going through client-node's typed models: the benchmark lists
// hundreds of objects every second, and its own CPU should stay small next to the operator's on a
// two-core machine.
import { Agent, request, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    serverMessage: string,
  ) {
    super(`${method} ${path}: HTTP ${statusCode}${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

export interface ListOf<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** Accept header that makes the server send only metadata: a count costs little to transfer and parse. */
export const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

export const MERGE_PATCH = 'application/merge-patch+json';

interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

export class ApiClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  private constructor(
    private readonly server: URL,
    private readonly tls: RequestOptions,
  ) {}

  static async fromKubeconfig(path: string): Promise<ApiClient> {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`${path} has no current cluster`);
    const tls: RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    return new ApiClient(new URL(cluster.server), tls);
  }

  get<T>(path: string, accept?: string): Promise<T> {
    return this.send<T>({ method: 'GET', path, accept });
  }

  /** The items of a list (an empty list may come back as `items: null`). */
  async list<T>(path: string, accept?: string): Promise<T[]> {
    return (await this.get<ListOf<T>>(path, accept)).items ?? [];
  }

  /** A non-JSON answer, such as /readyz's "ok". */
  getText(path: string): Promise<string> {
    return this.sendRaw({ method: 'GET', path, accept: 'text/plain' });
  }

  /** The object, or undefined on 404. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>({ method: 'POST', path, body });
  }

  patch<T>(path: string, body: unknown, contentType = MERGE_PATCH): Promise<T> {
    return this.send<T>({ method: 'PATCH', path, body, contentType });
  }

  /**
   * /metrics of a control-plane component on this machine (kube-controller-manager, kube-scheduler),
   * with the same client certificate. Their serving certificates are self-signed, so the server is not
   * verified; the connection never leaves the loopback interface.
   */
  componentMetrics(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...this.tls,
          host: '127.0.0.1',
          port,
          path: '/metrics',
          rejectUnauthorized: false,
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Buffer.concat(chunks).toString('utf8'))
              : reject(new Error(`GET https://127.0.0.1:${port}/metrics: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET https://127.0.0.1:${port}/metrics: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Deletes; a 404 counts as done. */
  async delete(path: string): Promise<void> {
    try {
      await this.send({ method: 'DELETE', path });
    } catch (error) {
      if (!(error instanceof ApiError && error.statusCode === 404)) throw error;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async send<T>(spec: RequestSpec): Promise<T> {
    const text = await this.sendRaw(spec);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private sendRaw(spec: RequestSpec): Promise<string> {
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string | number> = { Accept: spec.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const url = new URL(spec.path, this.server);
    return new Promise<string>((resolve, reject) => {
      const req = request(
        url,
        { ...this.tls, method: spec.method, headers, agent: this.agent, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new ApiError(spec.method, spec.path, status, serverMessage(text)));
              return;
            }
            resolve(text);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${spec.method} ${spec.path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not a Status object
  }
  return text.slice(0, 200);
}
