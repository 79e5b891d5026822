// The HTTP layer: routes a request to its protocol handler, turns every failure into a JSON
// error, and records the request metrics. It knows nothing about onnxruntime: predictions come
// from `predict` (the batcher).
import { IncomingMessage, STATUS_CODES, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Gone } from './batcher';
import { BodyBudget, readJsonBody } from './body';
import { HttpError, Overloaded } from './http-error';
import type { Logger } from './logger';
import type { ServerMetrics } from './metrics';
import { playgroundRoutes } from './playground/routes';
import { InputLimits } from './protocol/limits';
import { parsePredictRequest, predictResponse } from './protocol/predict';
import { checkModel, inferResponse, modelMetadata, parseInferRequest, serverMetadata } from './protocol/v2';
import type { RecentTraffic } from './recent-traffic';
import type { ServedModel } from './served-model';

export interface AppState {
  /** model loaded and warmed up: predictions can be answered */
  loaded: boolean;
  /** what the readiness endpoints say: loaded and not shutting down */
  ready: boolean;
  /** SIGTERM received: responses close their connection */
  draining: boolean;
}

export interface AppDeps {
  model: ServedModel;
  limits: InputLimits & { maxBodyBytes: number; maxQueuedTexts: number; maxInflightBodyBytes: number };
  metrics: ServerMetrics;
  /** texts waiting for inference */
  queued(): number;
  /** `gone` aborts when the client has left: its texts are dropped unless already computed */
  predict(texts: string[], gone: Gone): Promise<Float32Array>;
  state: AppState;
  logger: Logger;
  serverVersion: string;
  /** the page at GET / and its drift view (PLAYGROUND); off, those routes are 404s */
  playground: boolean;
  /** recent observations of the drift signals, which the playground's drift view shows */
  recent: RecentTraffic;
}

interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** What a handler gets besides the request: the client leaving, and its share of the body budget. */
interface Exchange {
  gone: Gone & { aborted: boolean };
  hold: { bytes: number };
}

type Handler = (req: IncomingMessage, ex: Exchange) => Promise<Reply> | Reply;

interface Match {
  /** route template, the `route` label of the request metrics */
  route: string;
  method: string;
  handler: Handler;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The client has gone: the response closed before it was written, or the connection is gone. */
function clientLeft(req: IncomingMessage, ex: Exchange): boolean {
  return ex.gone.aborted || req.socket.destroyed;
}
/**
 * A refused request's unread body up to this size is read and dropped, so the keep-alive connection
 * stays usable; a larger (or chunked) one would cost more to read than a new connection, so its
 * connection is closed instead. Under a flood of large bodies this is most of the shedding.
 */
const DRAIN_UNREAD_BYTES = 256 * 1024;
/** nginx's code for a request whose client closed the connection first: counted, never sent. */
const CLIENT_GONE: Reply = { status: 499, body: '' };
const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) });

export function createApp(deps: AppDeps): {
  handle(req: IncomingMessage, res: ServerResponse): void;
  clientError(err: NodeJS.ErrnoException, socket: Duplex): void;
  inFlight(): number;
} {
  const { model, limits, metrics, state, logger } = deps;
  const budget = new BodyBudget(limits.maxInflightBodyBytes);
  let inFlight = 0;

  // Readiness stays true under overload (docs/model-server.md, "Overload"): the 503s below tell
  // each client to retry, while an unready pod would move all its load onto the others at once.
  const queueFull = (adding: number): Overloaded =>
    new Overloaded(
      'queued_texts',
      `${deps.queued()} texts are waiting for inference${adding > 0 ? ` and this request adds ${adding}` : ''}; the limit is MAX_QUEUED_TEXTS=${limits.maxQueuedTexts}`,
    );

  /** Refuses work the server cannot take, before its body is read. */
  const admit = (): void => {
    if (!state.loaded)
      throw new HttpError(503, state.draining ? 'the server is shutting down' : 'the model is not ready yet');
    if (deps.queued() >= limits.maxQueuedTexts) throw queueFull(0);
  };

  const run = (texts: string[], ex: Exchange): Promise<Float32Array> => {
    if (deps.queued() + texts.length > limits.maxQueuedTexts) throw queueFull(texts.length);
    return deps.predict(texts, ex.gone);
  };

  const body = (req: IncomingMessage, ex: Exchange): Promise<unknown> =>
    readJsonBody(req, {
      maxBytes: limits.maxBodyBytes,
      budget,
      hold: ex.hold,
      clientLeft: () => clientLeft(req, ex),
    });

  const predict: Handler = async (req, ex) => {
    admit();
    const parsed = parsePredictRequest(await body(req, ex), limits);
    return json(200, predictResponse(parsed, await run(parsed.texts, ex), model));
  };

  const infer =
    (name: string, version?: string): Handler =>
    async (req, ex) => {
      checkModel(model, name, version);
      admit();
      const parsed = parseInferRequest(await body(req, ex), limits);
      return json(200, inferResponse(parsed, await run(parsed.texts, ex), model));
    };

  const modelReady =
    (name: string, version?: string): Handler =>
    () => {
      checkModel(model, name, version);
      return json(state.ready ? 200 : 503, { name: model.name, ready: state.ready });
    };

  const modelMeta =
    (name: string, version?: string): Handler =>
    () => {
      checkModel(model, name, version);
      return json(200, modelMetadata(model));
    };

  const serverMeta = json(200, serverMetadata(deps.serverVersion));
  const fixed: Match[] = [
    { route: '/predict', method: 'POST', handler: predict },
    {
      route: '/metrics',
      method: 'GET',
      handler: async () => ({ status: 200, body: await metrics.render(), contentType: metrics.contentType }),
    },
    { route: '/v2', method: 'GET', handler: () => serverMeta },
    { route: '/v2/health/live', method: 'GET', handler: () => json(200, { live: true }) },
    {
      route: '/v2/health/ready',
      method: 'GET',
      handler: () => json(state.ready ? 200 : 503, { ready: state.ready }),
    },
    ...(deps.playground ? playgroundRoutes({ model, limits, recent: deps.recent }) : []),
  ];
  const routes = new Map(fixed.map((m) => [m.route, m]));

  /** /v2/models/{name}[/versions/{version}][/ready|/infer] */
  const modelRoute = (path: string): Match | undefined => {
    let segs: string[];
    try {
      segs = path.slice('/v2/models/'.length).split('/').map(decodeURIComponent);
    } catch {
      return undefined;
    }
    const [name] = segs;
    let version: string | undefined;
    let rest = segs.slice(1);
    if (rest[0] === 'versions' && rest.length >= 2) {
      version = rest[1];
      rest = rest.slice(2);
    }
    if (!name) return undefined;
    const tail = rest.join('/');
    if (tail === '') return { route: '/v2/models/{name}', method: 'GET', handler: modelMeta(name, version) };
    if (tail === 'ready')
      return { route: '/v2/models/{name}/ready', method: 'GET', handler: modelReady(name, version) };
    if (tail === 'infer')
      return { route: '/v2/models/{name}/infer', method: 'POST', handler: infer(name, version) };
    return undefined;
  };

  const resolve = (url: string): Match | undefined => {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    return routes.get(path) ?? (path.startsWith('/v2/models/') ? modelRoute(path) : undefined);
  };

  const send = (res: ServerResponse, reply: Reply): void => {
    const headers: Record<string, string | number> = {
      'content-type': reply.contentType ?? JSON_TYPE,
      'content-length': Buffer.byteLength(reply.body),
      ...reply.headers,
    };
    if (state.draining) headers.connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  const fail = (err: unknown, route: string): Reply => {
    if (err instanceof Overloaded) metrics.observeRejection(err.limit);
    if (err instanceof HttpError) {
      if (logger.isDebugEnabled())
        logger.debug('request refused', { route, status: err.status, error: err.message });
      return { ...json(err.status, { error: err.message }), headers: err.headers };
    }
    logger.error('request failed', { route, error: (err as Error).message, stack: (err as Error).stack });
    return json(500, { error: 'internal error; see the server log' });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = process.hrtime.bigint();
    inFlight++;
    const match = resolve(req.url ?? '/');
    const route = match?.route ?? 'unmatched';
    const ex: Exchange = { gone: { aborted: false, onabort: null }, hold: { bytes: 0 } };
    // 'close' before the response is written: the client left, and nobody will read the answer
    res.once('close', () => {
      if (res.writableFinished) return;
      ex.gone.aborted = true;
      ex.gone.onabort?.();
    });
    let reply: Reply;
    try {
      if (!match) throw new HttpError(404, `no route ${req.method} ${(req.url ?? '').slice(0, 200)}`);
      if (req.method !== match.method) {
        throw new HttpError(405, `${match.route} accepts ${match.method} only`, { allow: match.method });
      }
      reply = await match.handler(req, ex);
    } catch (err) {
      reply = clientLeft(req, ex) ? CLIENT_GONE : fail(err, route);
    }
    budget.release(ex.hold);
    if (!req.complete && !(Number(req.headers['content-length']) <= DRAIN_UNREAD_BYTES)) {
      reply = { ...reply, headers: { ...reply.headers, connection: 'close' } };
    }
    try {
      if (!ex.gone.aborted) send(res, reply);
    } catch (err) {
      logger.warn('could not send the response', { route, error: (err as Error).message });
    }
    inFlight--;
    metrics.observeRequest(route, reply.status, Number(process.hrtime.bigint() - start) / 1e9);
  };

  /** Requests Node's parser rejects (not HTTP, headers too large) get a JSON error too. */
  const clientError = (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({
      error: `${STATUS_CODES[status]}: the request is not valid HTTP/1.1 (${err.code})`,
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    metrics.observeRequest('unmatched', status, 0);
  };

  return {
    handle: (req, res) => void handle(req, res),
    clientError,
    inFlight: () => inFlight,
  };
}
