// Whether a child needs a server-side apply. Applying is idempotent, but an apply that changes nothing
// is still an API write; skipping it is what keeps an idle operator at zero writes. Two checks:
// - the hash of the last applied desired object, kept in an annotation, catches fields the new desired
//   object no longer sets (a subset check alone cannot see a removal);
// - a subset check of desired against observed catches hand edits of fields the operator owns.
import { createHash } from 'node:crypto';
import { API_GROUP } from '../api/names';
import type { KubeObject } from './children';

export const APPLIED_HASH_ANNOTATION = `${API_GROUP}/applied-hash`;

/** Deterministic JSON: object keys sorted, so the hash does not depend on construction order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function specHash(object: KubeObject): string {
  return createHash('sha256').update(stableJson(object)).digest('hex').slice(0, 16);
}

/** A copy of `object` carrying the hash of itself in APPLIED_HASH_ANNOTATION. */
export function withAppliedHash(object: KubeObject): KubeObject {
  const hash = specHash(object);
  const copy = structuredClone(object);
  copy.metadata = {
    ...copy.metadata,
    annotations: { ...copy.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash },
  };
  return copy;
}

/**
 * True when every field `desired` sets has the same value in `observed`. Lists must have the same
 * length and match element by element (the server adds defaulted fields inside elements, never
 * elements). Numbers and strings compare by value as the API server may echo `1` for `"1"`.
 */
export function isSubset(desired: unknown, observed: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(observed) &&
      observed.length === desired.length &&
      desired.every((d, i) => isSubset(d, observed[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (observed === null || typeof observed !== 'object' || Array.isArray(observed)) return false;
    const o = observed as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || isSubset(v, o[k]),
    );
  }
  if (typeof desired === 'number' || typeof observed === 'number')
    return String(desired) === String(observed);
  return desired === observed;
}

export type ApplyReason = 'create' | 'spec-changed' | 'drifted' | undefined;

/** Why `desired` (already carrying its hash) must be applied over `observed`, or undefined. */
export function applyReason(desired: KubeObject, observed: KubeObject | undefined): ApplyReason {
  if (!observed) return 'create';
  const want = desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  if (observed.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] !== want) return 'spec-changed';
  return isSubset(desired, observed) ? undefined : 'drifted';
}

/** True when `object` has a controller owner reference to the SentimentModel with `uid`. */
export function controlledBy(object: KubeObject, uid: string): boolean {
  return (object.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
}

/** The controller owner reference of `object`, if any. */
export function controllerOf(
  object: KubeObject,
): { kind: string; name: string; apiVersion: string } | undefined {
  return (object.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

/**
 * `observed` with every field `desired` sets taken from `desired`: maps merge key by key, lists are
 * replaced whole. Used to undo a hand edit that server-side apply cannot: an edit that added an entry
 * to a list keyed by another field (a Service port) is co-owned by its editor, and an apply would keep
 * it beside the operator's entry.
 */
export function overlay<T>(observed: T, desired: unknown): T {
  if (desired === undefined) return observed;
  if (Array.isArray(desired) || desired === null || typeof desired !== 'object')
    return structuredClone(desired) as T;
  const base =
    observed !== null && typeof observed === 'object' && !Array.isArray(observed)
      ? { ...(observed as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(desired as Record<string, unknown>)) {
    base[key] = overlay(base[key], value);
  }
  return base as T;
}
