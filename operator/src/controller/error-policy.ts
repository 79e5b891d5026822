// What a failed reconcile means for the next attempt: one function maps an error to the delay before
// the key is tried again and to the label it is counted under (sentimentops_reconcile_errors_total,
// docs/metrics.md), in the manner of kube-rs controllers' error_policy. Pure, so it is unit-tested.
import { DEFAULT_WORKQUEUE, backoffDelay, type WorkQueueOptions } from './workqueue';
import { statusCode } from './kube';

export const RECONCILE_ERROR_LABELS = [
  'conflict',
  'throttled',
  'unavailable',
  'not_found',
  'rejected',
  'internal',
] as const;
export type ReconcileErrorLabel = (typeof RECONCILE_ERROR_LABELS)[number];

export interface RetryDecision {
  delayMs: number;
  label: ReconcileErrorLabel;
}

/** A write raced another one (409): the watch brings the newer object within milliseconds. */
export const CONFLICT_RETRY_MS = 200;
/** The least wait after a 429 Too Many Requests: the API server is shedding load. */
export const THROTTLED_MIN_RETRY_MS = 1_000;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** The retry of a key whose reconcile failed for the `failures`-th time in a row (1 = first). */
export function errorPolicy(
  error: unknown,
  failures: number,
  options: WorkQueueOptions = DEFAULT_WORKQUEUE,
): RetryDecision {
  const backoff = backoffDelay(failures, options);
  const code = statusCode(error);
  if (code === 409) return { delayMs: Math.min(backoff, CONFLICT_RETRY_MS), label: 'conflict' };
  if (code === 429) return { delayMs: Math.max(backoff, THROTTLED_MIN_RETRY_MS), label: 'throttled' };
  if (code === 404) return { delayMs: backoff, label: 'not_found' };
  if (code !== undefined && code >= 500) return { delayMs: backoff, label: 'unavailable' };
  if (code !== undefined && code >= 400) return { delayMs: backoff, label: 'rejected' };
  const errno = (error as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && NETWORK_CODES.has(errno))
    return { delayMs: backoff, label: 'unavailable' };
  return { delayMs: backoff, label: 'internal' };
}
