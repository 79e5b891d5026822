// An in-memory fake of the reconciler's port (`Kube`, operator/src/controller/kube.ts), not of the API
// server: objects live in a map, an apply merges the applied fields over what is there, and a test can
// make the next call of a verb fail. Every call is recorded, so a scenario can assert what was written.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { SentimentModel } from '../../src/api/types';
import type { ChildKind, KubeObject } from '../../src/controller/children';
import type { Kube } from '../../src/controller/kube';

export type Verb =
  | 'getModel'
  | 'get'
  | 'apply'
  | 'replace'
  | 'delete'
  | 'updateStatus'
  | 'patchAnnotations'
  | 'createEvent'
  | 'pvcExists'
  | 'listPods'
  | 'serves';

export const WRITES: readonly Verb[] = [
  'apply',
  'replace',
  'delete',
  'updateStatus',
  'patchAnnotations',
  'createEvent',
];

export interface Call {
  verb: Verb;
  /** The plural of the kind, or "sentimentmodels", "events", "persistentvolumeclaims". */
  resource: string;
  name?: string;
  body?: unknown;
}

/** An error as client-node's HttpError carries it: statusCode is what the operator looks at. */
export function apiError(statusCode: number, message = `HTTP ${statusCode}`): Error {
  return Object.assign(new Error(message), { statusCode });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** `patch` laid over `base`: objects merged field by field, everything else replaced. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...structuredClone(base) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(base[k], v);
  return out;
}

export class FakeKube implements Kube {
  readonly calls: Call[] = [];
  readonly models = new Map<string, SentimentModel>();
  readonly objects = new Map<string, KubeObject>();
  readonly events: CoreV1Event[] = [];
  readonly pvcs = new Set<string>();
  /** apiVersion/kind of the optional kinds the fake cluster serves. */
  served = new Set<string>([
    'monitoring.coreos.com/v1/ServiceMonitor',
    'monitoring.coreos.com/v1/PrometheusRule',
  ]);
  private readonly failures: { verb: Verb; resource?: string; error: Error }[] = [];
  private rv = 100;
  /** Runs before each call; a scenario uses it to change the world mid-reconcile. */
  beforeCall: ((call: Call) => void) | undefined;

  addModel(sm: SentimentModel): SentimentModel {
    const stored = { ...structuredClone(sm), metadata: { ...sm.metadata, resourceVersion: this.nextRv() } };
    this.models.set(`${sm.metadata.namespace}/${sm.metadata.name}`, stored);
    return stored;
  }

  model(namespace: string, name: string): SentimentModel | undefined {
    return this.models.get(`${namespace}/${name}`);
  }

  put(kind: ChildKind, object: KubeObject): void {
    const meta = object.metadata ?? {};
    this.objects.set(this.key(kind, meta.namespace ?? '', meta.name ?? ''), {
      ...structuredClone(object),
      metadata: { uid: `uid-${this.rv}`, ...meta, resourceVersion: this.nextRv() },
    });
  }

  object(kind: ChildKind, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(this.key(kind, namespace, name));
  }

  /** The next call of `verb` (on `resource`, if given) throws `error`. */
  failNext(verb: Verb, error: Error, resource?: string): void {
    this.failures.push({ verb, resource, error });
  }

  writes(): Call[] {
    return this.calls.filter((c) => WRITES.includes(c.verb));
  }

  async getModel(namespace: string, name: string): Promise<SentimentModel | undefined> {
    this.record({ verb: 'getModel', resource: 'sentimentmodels', name });
    const sm = this.model(namespace, name);
    return sm && structuredClone(sm);
  }

  async get(kind: ChildKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    this.record({ verb: 'get', resource: kind.plural, name });
    const object = this.object(kind, namespace, name);
    return object && structuredClone(object);
  }

  async apply(kind: ChildKind, object: KubeObject): Promise<KubeObject> {
    this.record({ verb: 'apply', resource: kind.plural, name: object.metadata?.name, body: object });
    const key = this.objectKey(kind, object);
    const current = this.objects.get(key);
    const next = merge(current ?? { metadata: { uid: `uid-${this.rv}` } }, object) as KubeObject;
    next.metadata = { ...next.metadata, resourceVersion: this.nextRv() };
    this.objects.set(key, next);
    return structuredClone(next);
  }

  async replace(kind: ChildKind, object: KubeObject): Promise<KubeObject> {
    this.record({ verb: 'replace', resource: kind.plural, name: object.metadata?.name, body: object });
    const key = this.objectKey(kind, object);
    const current = this.objects.get(key);
    if (current?.metadata?.resourceVersion !== object.metadata?.resourceVersion) throw apiError(409);
    const next = {
      ...structuredClone(object),
      metadata: { ...object.metadata, resourceVersion: this.nextRv() },
    };
    this.objects.set(key, next);
    return structuredClone(next);
  }

  async delete(kind: ChildKind, object: KubeObject): Promise<void> {
    this.record({ verb: 'delete', resource: kind.plural, name: object.metadata?.name });
    this.objects.delete(this.objectKey(kind, object));
  }

  async updateStatus(sm: SentimentModel, status: SentimentModel['status']): Promise<SentimentModel> {
    const stored = this.modelWrite('updateStatus', 'sentimentmodels/status', sm, status);
    if (stored.metadata.resourceVersion !== sm.metadata.resourceVersion) throw apiError(409);
    const next = { ...structuredClone(stored), status: structuredClone(status) };
    next.metadata.resourceVersion = this.nextRv();
    this.models.set(`${sm.metadata.namespace}/${sm.metadata.name}`, next);
    return structuredClone(next);
  }

  async patchAnnotations(
    sm: SentimentModel,
    annotations: Record<string, string | null>,
  ): Promise<SentimentModel> {
    const stored = this.modelWrite('patchAnnotations', 'sentimentmodels', sm, annotations);
    const merged: Record<string, string> = { ...stored.metadata.annotations };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    stored.metadata.annotations = merged;
    stored.metadata.resourceVersion = this.nextRv();
    return structuredClone(stored);
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    this.record({ verb: 'createEvent', resource: 'events', name: event.metadata.name, body: event });
    this.events.push(event);
  }

  async pvcExists(namespace: string, name: string): Promise<boolean> {
    this.record({ verb: 'pvcExists', resource: 'persistentvolumeclaims', name });
    return this.pvcs.has(`${namespace}/${name}`);
  }

  /** The pods the fake cluster runs, as a scenario puts them. */
  readonly pods: V1Pod[] = [];

  async listPods(namespace: string, model: string): Promise<V1Pod[]> {
    this.record({ verb: 'listPods', resource: 'pods', name: model });
    return this.pods.filter(
      (p) =>
        p.metadata?.namespace === namespace && p.metadata?.labels?.['app.kubernetes.io/instance'] === model,
    );
  }

  async serves(kind: ChildKind): Promise<boolean> {
    this.record({ verb: 'serves', resource: kind.plural });
    return this.served.has(`${kind.apiVersion}/${kind.kind}`);
  }

  /** Records a write to the stored model `sm` names and returns that model; 404 when it is gone. */
  private modelWrite(verb: Verb, resource: string, sm: SentimentModel, body: unknown): SentimentModel {
    this.record({ verb, resource, name: sm.metadata.name, body });
    const stored = this.model(sm.metadata.namespace, sm.metadata.name);
    if (!stored) throw apiError(404);
    return stored;
  }

  private record(call: Call): void {
    this.calls.push(call);
    this.beforeCall?.(call);
    const i = this.failures.findIndex(
      (f) => f.verb === call.verb && (!f.resource || f.resource === call.resource),
    );
    if (i >= 0) throw this.failures.splice(i, 1)[0].error;
  }

  private key(kind: ChildKind, namespace: string, name: string): string {
    return `${kind.plural}/${namespace}/${name}`;
  }

  private objectKey(kind: ChildKind, object: KubeObject): string {
    return this.key(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }
}
