// The operator's own settings: what a SentimentModel does not say itself. Defaults below; the
// command line and environment of the operator (a later part) override them.

export interface OperatorConfig {
  /** Model-server image for SentimentModels without spec.image. */
  defaultImage: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Command that starts the model server inside the image; `serve` or `fetch-model` is appended. */
  serverCommand: string[];
  /** Prometheus HTTP API for drift evaluation when spec.drift.prometheusUrl is empty. */
  prometheusUrl: string;
  /**
   * A server pod's stop, in three steps whose sum (plus a margin) is its terminationGracePeriodSeconds
   * (see terminationGracePeriod): the preStop hook waits while the pod leaves the Service's endpoints,
   * then after SIGTERM the server keeps serving, unready, for its drain period (DRAIN_SECONDS), then
   * gives in-flight requests up to SHUTDOWN_TIMEOUT_MS. docs/model-server.md, "Shutting down".
   */
  preStopSeconds: number;
  drainSeconds: number;
  shutdownTimeoutSeconds: number;
  /** Requests and limits of the model-server container of a SentimentModel without spec.resources. */
  defaultResources: { requests: Record<string, string>; limits: Record<string, string> };
  /**
   * CIDRs the fetch-model init container may download from although they are loopback, private,
   * link-local or cluster-internal (its FETCH_ALLOWED_CIDRS); empty allows public addresses only.
   */
  fetchAllowedCidrs: string[];
  /** Whether a SentimentModel may name its own Prometheus in spec.drift.prometheusUrl. */
  allowModelPrometheusUrl: boolean;
  /** Largest Prometheus reply the drift evaluator reads, in bytes; a longer one is abandoned. */
  prometheusMaxResponseBytes: number;
  /** Largest model an http(s) init container downloads, in bytes (also the emptyDir's size limit). */
  maxModelBytes: number;
  /** Resources of the fetch-model init container. */
  initResources: { requests: Record<string, string>; limits: Record<string, string> };
  /** p95 inference latency, in seconds, above which a model's SentimentModelHighLatency alert fires. */
  latencyThresholdSeconds: number;
}

export const DEFAULT_CONFIG: Readonly<OperatorConfig> = Object.freeze({
  defaultImage: 'ghcr.io/sentimentops/sentiment-model-server:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  serverCommand: ['node', 'dist/src/main.js'],
  prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
  preStopSeconds: 5,
  drainSeconds: 5,
  shutdownTimeoutSeconds: 15,
  // requests from the server's memory at rest (about 250 MB) and one busy inference thread; a memory
  // limit above its peak under hostile load (400 MB, docs/model-server.md) and no CPU limit, whose
  // throttling would stretch every batch
  defaultResources: {
    requests: { cpu: '500m', memory: '384Mi' },
    limits: { memory: '768Mi' },
  },
  fetchAllowedCidrs: [],
  allowModelPrometheusUrl: true,
  prometheusMaxResponseBytes: 4 * 1024 * 1024,
  maxModelBytes: 1024 * 1024 * 1024,
  initResources: {
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '1', memory: '256Mi' },
  },
  latencyThresholdSeconds: 0.25,
});

/** Seconds before SIGKILL: preStop wait, drain period and shutdown timeout, plus 5 s for the exit itself. */
export function terminationGracePeriod(config: OperatorConfig): number {
  return config.preStopSeconds + config.drainSeconds + config.shutdownTimeoutSeconds + 5;
}

/** DEFAULT_CONFIG with `overrides` applied. */
export function operatorConfig(overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  return { ...structuredClone(DEFAULT_CONFIG), ...overrides };
}
