// Defaults and validates a SentimentModel spec with the same schema object the CRD is generated from
// (ajv, draft-07), and evaluates the CEL cross-field rules of the CRD in TypeScript, so the operator can
// report a bad spec in the words the API server would use, and never builds children from one.
import { DRIFT_SIGNALS, type DriftSignal } from '@sentiment-operator/contract';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import {
  AUTOSCALING_TARGET_MESSAGE,
  CA_CONFIGMAP_MESSAGE,
  CPU_REQUEST_MESSAGE,
  MODEL_URI_MESSAGE,
  MODEL_URI_PATTERN,
  NAME_MESSAGE,
  NAME_PATTERN,
  POSITIVE_RATE_RANGE_MESSAGE,
  POSITIVE_RATE_THRESHOLDS,
  REPLICA_BOUNDS_MESSAGE,
  SHA256_REQUIRED_MESSAGE,
  SIGNAL_NAMES_MESSAGE,
  SIGNAL_THRESHOLDS_MESSAGE,
  SIGNALS_ENABLED_MESSAGE,
  THRESHOLDS_MESSAGE,
  URI_USERINFO_MESSAGE,
  URI_USERINFO_PATTERN,
  specSchema,
} from './schema';
import type { DriftSpec, SentimentModelSpec } from './types';

/** One problem with a spec: the field's path as kubectl prints it (`spec.autoscaling.minReplicas`) and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult =
  | { valid: true; spec: SentimentModelSpec; errors: [] }
  | { valid: false; spec?: undefined; errors: ValidationIssue[] };

const KUBERNETES_KEYWORDS = [
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
] as const;

/** An ajv instance that accepts the schema's Kubernetes keywords and formats, and fills in defaults. */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: true,
    // `anyOf: [integer, string]` with `pattern` (a Kubernetes int-or-string quantity) is intended.
    strictTypes: false,
    allErrors: true,
    useDefaults: true,
    // Kubernetes formats; the API server checks them, ajv only needs to know the names.
    formats: { int32: true, int64: true, 'date-time': true },
  });
  for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword({ keyword });
  return ajv;
}

let compiled: ValidateFunction | undefined;
function specValidator(): ValidateFunction {
  compiled ??= createAjv().compile(specSchema);
  return compiled;
}

/** Converts a JSON pointer below `spec` into kubectl's field path: /monitoring/labels/a.b/c → spec.monitoring.labels[a.b/c]. */
export function fieldPath(pointer: string, root = 'spec'): string {
  if (pointer === '') return root;
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, seg) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `${path}.${seg}` : `${path}[${seg}]`),
      root,
    );
}

function describe(error: ErrorObject): ValidationIssue {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path: fieldPath(`${error.instancePath}/${String(p.missingProperty)}`),
        message: 'Required value',
      };
    case 'enum':
      return {
        path: fieldPath(error.instancePath),
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'minimum':
      return {
        path: fieldPath(error.instancePath),
        message: `must be greater than or equal to ${String(p.limit)}`,
      };
    case 'maximum':
      return {
        path: fieldPath(error.instancePath),
        message: `must be less than or equal to ${String(p.limit)}`,
      };
    case 'maxLength':
      return { path: fieldPath(error.instancePath), message: `may not be longer than ${String(p.limit)}` };
    case 'minLength':
      return {
        path: fieldPath(error.instancePath),
        message: `must be at least ${String(p.limit)} characters long`,
      };
    case 'maxProperties':
      return { path: fieldPath(error.instancePath), message: `must have at most ${String(p.limit)} items` };
    case 'pattern':
      return { path: fieldPath(error.instancePath), message: `must match '${String(p.pattern)}'` };
    default:
      return { path: fieldPath(error.instancePath), message: error.message ?? error.keyword };
  }
}

/**
 * Returns a defaulted copy of `input` (an object's `.spec`) and whether it is valid: first the schema
 * (types, ranges, enums, patterns), then the cross-field rules. The input is never modified.
 */
export function validateSpec(input: unknown, name?: string): ValidationResult {
  const spec: unknown = input === undefined ? undefined : structuredClone(input);
  const validate = specValidator();
  if (!validate(spec)) {
    // An anyOf failure repeats what its branches said; the branch errors are enough.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf').map(describe);
    return { valid: false, errors: dedupe(errors) };
  }
  const errors = crossFieldIssues(spec as SentimentModelSpec, name);
  return errors.length > 0
    ? { valid: false, errors }
    : { valid: true, spec: spec as SentimentModelSpec, errors: [] };
}

/** The spec with every schema default filled in; throws when the spec is invalid. */
export function defaultSpec(input: unknown, name?: string): SentimentModelSpec {
  const result = validateSpec(input, name);
  if (!result.valid) throw new SpecError(result.errors);
  return result.spec;
}

export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(readonly issues: ValidationIssue[]) {
    super(formatIssues(issues));
  }
}

/** `spec.a: message; spec.b: message`, the way the API server joins field errors. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

const URI = new RegExp(MODEL_URI_PATTERN);
const NAME = new RegExp(NAME_PATTERN);
const USERINFO = new RegExp(URI_USERINFO_PATTERN);
const isHttp = (uri: string): boolean => uri.startsWith('http://') || uri.startsWith('https://');

/**
 * The CRD's CEL rules (`x-kubernetes-validations`), evaluated on a defaulted spec. Each issue names the
 * field the API server names and carries the same message.
 */
export function crossFieldIssues(spec: SentimentModelSpec, name?: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (name !== undefined && (name.length > 63 || !NAME.test(name))) {
    issues.push({ path: 'metadata.name', message: NAME_MESSAGE });
  }
  if (!URI.test(spec.model.uri)) issues.push({ path: 'spec.model.uri', message: MODEL_URI_MESSAGE });
  if (USERINFO.test(spec.model.uri)) issues.push({ path: 'spec.model.uri', message: URI_USERINFO_MESSAGE });
  if (spec.model.caConfigMap !== undefined && !spec.model.uri.startsWith('https://')) {
    issues.push({ path: 'spec.model.caConfigMap', message: CA_CONFIGMAP_MESSAGE });
  }
  if (isHttp(spec.model.uri) && spec.model.sha256 === undefined) {
    issues.push({ path: 'spec.model.sha256', message: SHA256_REQUIRED_MESSAGE });
  }
  const a = spec.autoscaling;
  if (a.minReplicas > a.maxReplicas) {
    issues.push({ path: 'spec.autoscaling.minReplicas', message: REPLICA_BOUNDS_MESSAGE });
  }
  if (a.enabled && a.targetCPUUtilization === undefined && a.targetRequestsPerSecond === undefined) {
    issues.push({ path: 'spec.autoscaling', message: AUTOSCALING_TARGET_MESSAGE });
  }
  if (a.enabled && a.targetCPUUtilization !== undefined && spec.resources?.requests?.cpu === undefined) {
    issues.push({ path: 'spec.resources', message: CPU_REQUEST_MESSAGE });
  }
  if (!(spec.drift.warningThreshold < spec.drift.criticalThreshold)) {
    issues.push({ path: 'spec.drift.warningThreshold', message: THRESHOLDS_MESSAGE });
  }
  issues.push(...signalIssues(spec.drift));
  return issues;
}

const isSignal = (key: string): key is DriftSignal => (DRIFT_SIGNALS as readonly string[]).includes(key);

/** The CEL rules on spec.drift.signals and the one on spec.drift that checks each signal's pair. */
function signalIssues(drift: DriftSpec): ValidationIssue[] {
  if (drift.signals === undefined) return [];
  const path = 'spec.drift.signals';
  const issues: ValidationIssue[] = [];
  const entries = Object.entries(drift.signals);
  if (!entries.every(([key]) => isSignal(key))) issues.push({ path, message: SIGNAL_NAMES_MESSAGE });
  const rate = drift.signals.positiveRate;
  if (rate && ((rate.warningThreshold ?? 0) > 1 || (rate.criticalThreshold ?? 0) > 1)) {
    issues.push({ path, message: POSITIVE_RATE_RANGE_MESSAGE });
  }
  if (entries.length >= DRIFT_SIGNALS.length && entries.every(([, s]) => s?.enabled === false)) {
    issues.push({ path, message: SIGNALS_ENABLED_MESSAGE });
  }
  const pairsInOrder = entries.every(([key, s]) => {
    const defaults = key === 'positiveRate' ? POSITIVE_RATE_THRESHOLDS : drift;
    const warning = s?.warningThreshold ?? defaults.warningThreshold;
    const critical = s?.criticalThreshold ?? defaults.criticalThreshold;
    return warning < critical;
  });
  if (!pairsInOrder) issues.push({ path, message: SIGNAL_THRESHOLDS_MESSAGE });
  return issues;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
