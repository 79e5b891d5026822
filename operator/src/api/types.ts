// TypeScript shape of a SentimentModel as the API server returns it: after defaulting, so every field
// with a schema default is present. schema.ts is the source of truth; validate.ts checks that a value
// has this shape before the operator trusts it.
import type { DriftSignal } from '@sentiment-operator/contract';
import type { CONDITION_TYPES, DRIFT_STATUSES, SIGNAL_STATES } from './schema';

export type Quantity = string | number;

export interface ModelSource {
  uri: string;
  sha256?: string;
  version?: string;
  caConfigMap?: { name: string; key: string };
}

export interface ResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

export interface AutoscalingSpec {
  enabled: boolean;
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilization?: number;
  targetRequestsPerSecond?: number;
  scaleDownStabilizationSeconds: number;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug';

export interface ServingSpec {
  port: number;
  maxBatchSize: number;
  batchWindowMs: number;
  maxTextChars: number;
  maxBatchItems: number;
  maxBodyBytes: number;
  logLevel: LogLevel;
}

export interface MonitoringSpec {
  serviceMonitor: boolean;
  prometheusRule: boolean;
  labels?: Record<string, string>;
  scrapeInterval: string;
}

/** spec.drift.signals.<signal>: thresholds a signal leaves out are its defaults (drift/signals.ts). */
export interface DriftSignalSpec {
  enabled: boolean;
  warningThreshold?: number;
  criticalThreshold?: number;
}

export interface DriftSpec {
  enabled: boolean;
  prometheusUrl?: string;
  window: string;
  interval: string;
  minSamples: number;
  warningThreshold: number;
  criticalThreshold: number;
  signals?: Partial<Record<DriftSignal, DriftSignalSpec>>;
}

/** spec after defaulting (what the API server stores and returns). */
export interface SentimentModelSpec {
  model: ModelSource;
  image?: string;
  replicas: number;
  resources?: ResourceRequirements;
  autoscaling: AutoscalingSpec;
  serving: ServingSpec;
  monitoring: MonitoringSpec;
  drift: DriftSpec;
}

export type ConditionType = (typeof CONDITION_TYPES)[number];
export type DriftStatusValue = (typeof DRIFT_STATUSES)[number];
export type SignalState = (typeof SIGNAL_STATES)[number];

export interface Condition {
  type: ConditionType | string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** One entry of status.drift.signals. */
export interface DriftSignalStatus {
  name: DriftSignal;
  state: SignalState;
  /** PSI; for positiveRate |live − baseline|. */
  score?: number;
  warningThreshold: number;
  criticalThreshold: number;
  samples?: number;
  message?: string;
}

export interface DriftStatus {
  status?: DriftStatusValue;
  score?: number;
  jsDistance?: number;
  meanConfidence?: number;
  positiveRate?: number;
  baselinePositiveRate?: number;
  samples?: number;
  window?: string;
  lastEvaluated?: string;
  message?: string;
  signals?: DriftSignalStatus[];
}

export interface SentimentModelStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  selector?: string;
  replicasReady?: string;
  url?: string;
  modelVersion?: string;
  modelSha256?: string;
  conditions?: Condition[];
  drift?: DriftStatus;
}

export interface SentimentModel {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: SentimentModelSpec;
  status?: SentimentModelStatus;
}
