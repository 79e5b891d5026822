// Kubernetes Events on a SentimentModel, as `kubectl describe sm` shows them. The same reason and
// message for the same model is recorded at most once per `repeatAfterMs`: an error that persists
// over many retries must not flood the API server (each Event is a write).
import { randomBytes } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { API_GROUP_VERSION, KIND, MANAGED_BY } from '../api/names';
import type { SentimentModel } from '../api/types';
import { describeError, type Kube } from './kube';

export type EventType = 'Normal' | 'Warning';

export function buildEvent(
  sm: SentimentModel,
  type: EventType,
  reason: string,
  message: string,
  now: Date,
  instance: string,
): CoreV1Event {
  return {
    metadata: {
      name: `${sm.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
      namespace: sm.metadata.namespace,
    },
    involvedObject: {
      apiVersion: API_GROUP_VERSION,
      kind: KIND,
      name: sm.metadata.name,
      namespace: sm.metadata.namespace,
      uid: sm.metadata.uid,
      resourceVersion: sm.metadata.resourceVersion,
    },
    type,
    reason,
    // The API server limits an Event message to 1 KiB.
    message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
    source: { component: MANAGED_BY },
    reportingComponent: MANAGED_BY,
    reportingInstance: instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

export class EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly kube: Kube,
    private readonly logger: Logger,
    private readonly instance: string,
    private readonly repeatAfterMs = 10 * 60_000,
  ) {}

  async record(sm: SentimentModel, type: EventType, reason: string, message: string): Promise<void> {
    const now = Date.now();
    const key = `${sm.metadata.uid}|${type}|${reason}|${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.repeatAfterMs) return;
    this.recent.set(key, now);
    this.prune(now);
    try {
      await this.kube.createEvent(buildEvent(sm, type, reason, message, new Date(now), this.instance));
    } catch (error) {
      // An Event is a courtesy; failing to write one must not fail the reconcile.
      this.logger.warn('could not record event', {
        namespace: sm.metadata.namespace,
        sentimentmodel: sm.metadata.name,
        reason,
        error: describeError(error),
      });
    }
  }

  private prune(now: number): void {
    if (this.recent.size < 10_000) return;
    for (const [key, at] of this.recent) if (now - at >= this.repeatAfterMs) this.recent.delete(key);
  }
}
