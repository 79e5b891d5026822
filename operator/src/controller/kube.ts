// The operator's only door to the API server for reads and writes (watches go through the framework).
// Every write is counted by verb and resource, so the benchmark can report writes per SentimentModel
// and an idle operator can be shown to write nothing.
import {
  CoreV1Api,
  CustomObjectsApi,
  HttpError,
  KubernetesObjectApi,
  PatchUtils,
  type CoreV1Event,
  type KubernetesObject,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, MANAGED_BY, PLURAL } from '../api/names';
import type { SentimentModel } from '../api/types';
import type { OperatorMetrics } from '../observability/metrics';
import type { ChildKind, KubeObject } from './children';

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

export class KubeClient {
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

  async getModel(namespace: string, name: string): Promise<SentimentModel | undefined> {
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
    const { body } = await this.objects.replace(
      object as KubernetesObject,
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
  async patchAnnotations(sm: SentimentModel, annotations: Record<string, string | null>): Promise<void> {
    this.metrics.countWrite('patch', PLURAL);
    await this.custom.patchNamespacedCustomObject(
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
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    this.metrics.countWrite('create', 'events');
    await this.core.createNamespacedEvent(event.metadata.namespace ?? 'default', event);
  }

  async pvcExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.core.readNamespacedPersistentVolumeClaim(name, namespace);
      return true;
    } catch (error) {
      if (statusCode(error) === 404) return false;
      throw error;
    }
  }

  /** Whether the API server serves `kind` (discovery; for the optional Prometheus Operator kinds). */
  async serves(kind: ChildKind): Promise<boolean> {
    try {
      return (await this.objects.lookup(kind.apiVersion, kind.kind)) !== undefined;
    } catch (error) {
      if (statusCode(error) === 404) return false;
      throw error;
    }
  }
}
