// Why a model's pods do not become ready, read from their container statuses: the Deployment alone
// only says "0/1 ready", while the pods say that the model download failed, the image cannot be
// pulled or the server keeps crashing. Pure: the reconciler passes the pods it sees in its cache.
import { FETCH_CONTAINER, SERVER_CONTAINER } from '../resources/deployment';
import type { V1Pod } from '../resources/k8s-types';
import type { Problem } from './status';

/** Longest text of a container's own words that goes into a status message. */
export const MAX_DETAIL_CHARS = 300;

type ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/**
 * The problems the pods show, at most one per kind (reason), in the order fetch, image, config,
 * crash. A pod being deleted or already ready shows none.
 */
export function podProblems(pods: readonly V1Pod[]): Problem[] {
  const found = new Map<string, Problem>();
  const add = (reason: string, message: string): void => {
    if (!found.has(reason)) found.set(reason, { reason, message });
  };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? 'a pod';
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []).map((s) => ({ s, init: true })),
      ...(pod.status?.containerStatuses ?? []).map((s) => ({ s, init: false })),
    ];
    for (const { s, init } of statuses) {
      const waiting = s.state?.waiting?.reason ?? '';
      const detail = lastWords(s);
      if (PULL_FAILURES.has(waiting)) {
        add('ImagePullFailed', `pod ${name}: image ${s.image} cannot be pulled (${waiting})${detail}`);
      } else if (CONFIG_FAILURES.has(waiting)) {
        add('ContainerConfigError', `pod ${name}: container ${s.name} cannot start (${waiting})${detail}`);
      } else if (init && s.name === FETCH_CONTAINER && failedBefore(s)) {
        add('ModelFetchFailed', `pod ${name}: downloading the model failed${restarts(s)}${detail}`);
      } else if (!init && s.name === SERVER_CONTAINER && waiting === 'CrashLoopBackOff') {
        add('ServerCrashLooping', `pod ${name}: the model server keeps exiting${restarts(s)}${detail}`);
      }
    }
  }
  return [...found.values()];
}

/** A container that has exited with an error at least once and has not succeeded since. */
function failedBefore(s: ContainerStatus): boolean {
  if (s.state?.terminated) return s.state.terminated.exitCode !== 0;
  const last = s.lastState?.terminated;
  return last !== undefined && last.exitCode !== 0 && !s.state?.running;
}

function restarts(s: ContainerStatus): string {
  return s.restartCount > 0 ? ` (${s.restartCount} restarts)` : '';
}

/**
 * ": <message>" from the container's last termination message (the containers use
 * FallbackToLogsOnError, so it is the end of their JSON log): the last line's `message` field when it
 * is JSON, else the line itself; cut to MAX_DETAIL_CHARS.
 */
function lastWords(s: ContainerStatus): string {
  const raw = (s.state?.terminated ?? s.lastState?.terminated)?.message?.trim();
  if (!raw) return '';
  const line = raw.split('\n').at(-1) ?? raw;
  let text = line;
  try {
    const parsed = JSON.parse(line) as { message?: unknown; error?: unknown };
    if (typeof parsed.message === 'string') {
      text = typeof parsed.error === 'string' ? `${parsed.message}: ${parsed.error}` : parsed.message;
    }
  } catch {
    // not JSON: the line as it is
  }
  return `: ${text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text}`;
}
