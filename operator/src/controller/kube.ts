// The reconciler's port to the cluster (`Kube`) and its two implementations: `KubeClient`, the
// operator's only door to the API server, and `CachedKube`, which answers reads of watched kinds from
// the informers' caches and sends everything else to a KubeClient. Every request is counted by verb
// and resource (sentimentops_api_requests_total, writes also in sentimentops_api_writes_total; see
// docs/metrics.md), so the benchmark can report requests per SentimentModel and an idle operator can
// be shown to write nothing.
import {
  CoreV1Api,
  CustomObjectsApi,
  HttpError,
  KubernetesObjectApi,
  ObjectSerializer,
  PatchUtils,
  type CoreV1Event,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  KIND,
  MANAGED_BY,
  PLURAL,
  selectorLabels,
} from '../api/names';
import type { SentimentModel } from '../api/types';
import type { OperatorMetrics } from '../observability/metrics';
import type { ChildKind, KubeObject } from './children';
import { slim } from './informer';

/** What the reconciler reads and writes; a fake of it drives the reconcile scenario tests. */
export interface Kube {
  getModel(namespace: string, name: string): Promise<SentimentModel | undefined>;
  get(kind: ChildKind, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Server-side apply under FIELD_MANAGER, forcing ownership of the fields in `object`. */
  apply(kind: ChildKind, object: KubeObject): Promise<KubeObject>;
  /** A PUT preconditioned on the object's resourceVersion. */
  replace(kind: ChildKind, object: KubeObject): Promise<KubeObject>;
  delete(kind: ChildKind, object: KubeObject): Promise<void>;
  updateStatus(sm: SentimentModel, status: SentimentModel['status']): Promise<SentimentModel>;
  /** Merge-patches the model's annotations (null removes one) and returns the patched model. */
  patchAnnotations(sm: SentimentModel, annotations: Record<string, string | null>): Promise<SentimentModel>;
  createEvent(event: CoreV1Event): Promise<void>;
  pvcExists(namespace: string, name: string): Promise<boolean>;
  serves(kind: ChildKind): Promise<boolean>;
  /** The model's server pods (its selector labels): why they are not ready (controller/pod-problems.ts). */
  listPods(namespace: string, model: string): Promise<V1Pod[]>;
}

/** Pods are watched, not owned: a model's pods belong to its Deployment's ReplicaSets. */
export const POD_KIND: ChildKind = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', optional: false };

/** Whether `pod` is one of model `name`'s server pods (its selector labels, resources/deployment.ts). */
export function isModelPod(pod: KubeObject, name: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selectorLabels(name)).every(([k, v]) => labels[k] === v);
}

/** The SentimentModel kind in the shape the generic client and the informers use. */
export const MODEL_KIND: ChildKind = {
  apiVersion: API_GROUP_VERSION,
  kind: KIND,
  plural: PLURAL,
  optional: false,
};

/** The API path of a kind's collection, in one namespace or (empty) all of them. */
export function collectionPath(kind: ChildKind, namespace: string): string {
  const base = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${kind.plural}`;
}

/** The server-side apply field manager: the owner of every field the operator sets. */
export const FIELD_MANAGER = MANAGED_BY;

export function statusCode(error: unknown): number | undefined {
  if (error instanceof HttpError) return error.statusCode;
  const code = (error as { statusCode?: unknown; response?: { statusCode?: unknown } } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A one-line description of an API error: the status and the server's message, never a whole body. */
export function describeError(error: unknown): string {
  if (error instanceof HttpError) {
    const body = error.body as { message?: unknown } | string | undefined;
    const message = typeof body === 'object' && body && typeof body.message === 'string' ? body.message : '';
    return `HTTP ${error.statusCode ?? '?'}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The generic object client, with its discovery lookup made public. */
class ObjectApi extends KubernetesObjectApi {
  static create(kc: KubeConfig): ObjectApi {
    const client = kc.makeApiClient(ObjectApi);
    client.setDefaultNamespace(kc);
    return client;
  }

  /** The API resource serving `kind` in `apiVersion`, or undefined; throws a 404 for an unknown group. */
  async lookup(apiVersion: string, kind: string): Promise<unknown> {
    return this.resource(apiVersion, kind);
  }
}

export class KubeClient implements Kube {
  private readonly objects: ObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly metrics: OperatorMetrics,
  ) {
    this.objects = ObjectApi.create(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    // The client's `request` library opens a new TLS connection per call unless told to keep them;
    // with hundreds of models, the handshakes were half of the reconcile time (docs/benchmarks.md).
    const pool = { maxSockets: 32 };
    for (const api of [this.objects, this.custom, this.core]) {
      api.addInterceptor((options: { forever?: boolean; pool?: object }) => {
        options.forever = true;
        options.pool = pool;
      });
    }
  }

  private count(verb: string, resource: string): void {
    this.metrics.countRequest(verb, resource);
  }

  /** One page-less list of a kind, for an informer (its cache holds what this returns). */
  list(
    kind: ChildKind,
    namespace: string,
  ): Promise<{ response: IncomingMessage; body: KubernetesListObject<KubernetesObject> }> {
    this.count('list', kind.plural);
    return this.objects.list(kind.apiVersion, kind.kind, namespace || undefined);
  }

  /** Counts one watch request (the informers open them through client-node's Watch). */
  countWatch(kind: ChildKind): void {
    this.count('watch', kind.plural);
  }

  async getModel(namespace: string, name: string): Promise<SentimentModel | undefined> {
    this.count('get', PLURAL);
    try {
      const { body } = await this.custom.getNamespacedCustomObject(
        API_GROUP,
        API_VERSION,
        namespace,
        PLURAL,
        name,
      );
      return body as SentimentModel;
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async get(kind: ChildKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    this.count('get', kind.plural);
    try {
      const { body } = await this.objects.read({
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        metadata: { name, namespace },
      });
      return body as unknown as KubeObject;
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  /** Server-side apply, forcing ownership of the fields in `object` (the operator is their owner). */
  async apply(kind: ChildKind, object: KubeObject): Promise<KubeObject> {
    this.metrics.countWrite('patch', kind.plural);
    const { body } = await this.objects.patch(
      object as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      {
        headers: { 'Content-Type': PatchUtils.PATCH_FORMAT_APPLY_YAML },
      },
    );
    return body as unknown as KubeObject;
  }

  /** Replaces `object` (a PUT preconditioned on its resourceVersion: a 409 means it changed meanwhile). */
  async replace(kind: ChildKind, object: KubeObject): Promise<KubeObject> {
    this.metrics.countWrite('update', kind.plural);
    // The client serializes metadata as V1ObjectMeta, whose timestamps must be Dates; an object from
    // an informer's cache holds them as the JSON strings the watch delivered.
    const metadata = ObjectSerializer.deserialize(
      JSON.parse(JSON.stringify(object.metadata ?? {})),
      'V1ObjectMeta',
    );
    const { body } = await this.objects.replace(
      { ...object, metadata } as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
    );
    return body as unknown as KubeObject;
  }

  async delete(kind: ChildKind, object: KubeObject): Promise<void> {
    this.metrics.countWrite('delete', kind.plural);
    try {
      // Preconditioned on the uid, so a same-named object created meanwhile is never deleted.
      await this.objects.delete(
        object as KubernetesObject,
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
        {
          preconditions: { uid: object.metadata?.uid },
        },
      );
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  /** Replaces the status subresource; a 409 means the model changed since it was read (retry). */
  async updateStatus(sm: SentimentModel, status: SentimentModel['status']): Promise<SentimentModel> {
    this.metrics.countWrite('update', `${PLURAL}/status`);
    const { body } = await this.custom.replaceNamespacedCustomObjectStatus(
      API_GROUP,
      API_VERSION,
      sm.metadata.namespace,
      PLURAL,
      sm.metadata.name,
      { apiVersion: sm.apiVersion, kind: sm.kind, metadata: sm.metadata, spec: sm.spec, status },
      undefined,
      FIELD_MANAGER,
    );
    return body as SentimentModel;
  }

  /** Merge-patches annotations of the model (null removes one); only the operator's own keys. */
  async patchAnnotations(
    sm: SentimentModel,
    annotations: Record<string, string | null>,
  ): Promise<SentimentModel> {
    this.metrics.countWrite('patch', PLURAL);
    const { body } = await this.custom.patchNamespacedCustomObject(
      API_GROUP,
      API_VERSION,
      sm.metadata.namespace,
      PLURAL,
      sm.metadata.name,
      { metadata: { annotations } },
      undefined,
      FIELD_MANAGER,
      undefined,
      { headers: { 'Content-Type': PatchUtils.PATCH_FORMAT_JSON_MERGE_PATCH } },
    );
    return body as SentimentModel;
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    this.metrics.countWrite('create', 'events');
    await this.core.createNamespacedEvent(event.metadata.namespace ?? 'default', event);
  }

  async pvcExists(namespace: string, name: string): Promise<boolean> {
    this.count('get', 'persistentvolumeclaims');
    try {
      await this.core.readNamespacedPersistentVolumeClaim(name, namespace);
      return true;
    } catch (error) {
      if (statusCode(error) === 404) return false;
      throw error;
    }
  }

  async listPods(namespace: string, model: string): Promise<V1Pod[]> {
    this.count('list', 'pods');
    const selector = Object.entries(selectorLabels(model))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const { body } = await this.core.listNamespacedPod(
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      selector,
    );
    return body.items;
  }

  /** Whether the API server serves `kind` (discovery; for the optional Prometheus Operator kinds). */
  async serves(kind: ChildKind): Promise<boolean> {
    this.count('get', 'discovery');
    try {
      return (await this.objects.lookup(kind.apiVersion, kind.kind)) !== undefined;
    } catch (error) {
      if (statusCode(error) === 404) return false;
      throw error;
    }
  }
}

/** A cache of one kind, as an informer keeps it. */
export interface ObjectCache {
  get(namespace: string, name: string): KubeObject | undefined;
  list(): KubeObject[];
  readonly isSynced: boolean;
}

/** What this process last wrote to an object, until the cache shows that write or a later one. */
interface OwnWrite {
  /** The resourceVersion the cache held when the write was made; undefined: it held nothing. */
  before: string | undefined;
  after: KubeObject | undefined;
  at: number;
}

/** A watch event takes milliseconds; an own write the cache has not shown after this long is forgotten. */
const OWN_WRITE_TTL_MS = 60_000;

/**
 * Reads of watched kinds from the informers' caches; writes, and reads no cache can answer (a kind not
 * watched, a PersistentVolumeClaim, discovery), from the API server.
 *
 * A cache lags the writes this process makes by one watch event. Until the event arrives, a read
 * returns what the write returned (read-your-writes), so a reconcile that runs in between neither
 * repeats an apply nor writes a status from a stale resourceVersion (a 409).
 */
export class CachedKube implements Kube {
  private readonly ownWrites = new Map<string, OwnWrite>();

  constructor(
    private readonly api: Kube,
    private readonly caches: ReadonlyMap<string, ObjectCache>,
  ) {}

  async getModel(namespace: string, name: string): Promise<SentimentModel | undefined> {
    const cache = this.caches.get(MODEL_KIND.plural);
    if (!cache?.isSynced) return this.api.getModel(namespace, name);
    return this.read(MODEL_KIND, cache, namespace, name) as SentimentModel | undefined;
  }

  async get(kind: ChildKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    const cache = this.caches.get(kind.plural);
    if (!cache?.isSynced) return this.api.get(kind, namespace, name);
    return this.read(kind, cache, namespace, name);
  }

  async apply(kind: ChildKind, object: KubeObject): Promise<KubeObject> {
    return this.remember(kind, object, await this.api.apply(kind, object));
  }

  async replace(kind: ChildKind, object: KubeObject): Promise<KubeObject> {
    return this.remember(kind, object, await this.api.replace(kind, object));
  }

  async delete(kind: ChildKind, object: KubeObject): Promise<void> {
    await this.api.delete(kind, object);
    this.remember(kind, object, undefined);
  }

  async updateStatus(sm: SentimentModel, status: SentimentModel['status']): Promise<SentimentModel> {
    const written = await this.api.updateStatus(sm, status);
    this.remember(MODEL_KIND, sm as unknown as KubeObject, written as unknown as KubeObject);
    return written;
  }

  async patchAnnotations(
    sm: SentimentModel,
    annotations: Record<string, string | null>,
  ): Promise<SentimentModel> {
    const patched = await this.api.patchAnnotations(sm, annotations);
    this.remember(MODEL_KIND, sm as unknown as KubeObject, patched as unknown as KubeObject);
    return patched;
  }

  createEvent(event: CoreV1Event): Promise<void> {
    return this.api.createEvent(event);
  }

  pvcExists(namespace: string, name: string): Promise<boolean> {
    return this.api.pvcExists(namespace, name);
  }

  async listPods(namespace: string, model: string): Promise<V1Pod[]> {
    const cache = this.caches.get(POD_KIND.plural);
    if (!cache?.isSynced) return this.api.listPods(namespace, model);
    return cache.list().filter((p) => p.metadata?.namespace === namespace && isModelPod(p, model)) as V1Pod[];
  }

  serves(kind: ChildKind): Promise<boolean> {
    return this.api.serves(kind);
  }

  private read(kind: ChildKind, cache: ObjectCache, namespace: string, name: string): KubeObject | undefined {
    const key = `${kind.plural}/${namespace}/${name}`;
    const cached = cache.get(namespace, name);
    const own = this.ownWrites.get(key);
    if (!own) return cached;
    const fresh = Date.now() - own.at < OWN_WRITE_TTL_MS;
    if (fresh && cached?.metadata?.resourceVersion === own.before) return own.after; // the cache lags
    this.ownWrites.delete(key);
    return cached;
  }

  private remember(kind: ChildKind, sent: KubeObject, written: KubeObject | undefined): KubeObject {
    const namespace = sent.metadata?.namespace ?? '';
    const name = sent.metadata?.name ?? '';
    const cached = this.caches.get(kind.plural)?.get(namespace, name);
    const now = Date.now();
    // Objects never read again (a deleted model's children) would stay here; drop the stale ones.
    if (this.ownWrites.size > 1_000) {
      for (const [key, own] of this.ownWrites)
        if (now - own.at >= OWN_WRITE_TTL_MS) this.ownWrites.delete(key);
    }
    this.ownWrites.set(`${kind.plural}/${namespace}/${name}`, {
      before: cached?.metadata?.resourceVersion,
      after: written && slim(written), // held like the caches hold objects
      at: now,
    });
    return written as KubeObject;
  }
}
