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
  /** Seconds between SIGTERM and SIGKILL for a server pod; the server drains within SHUTDOWN_TIMEOUT_MS. */
  terminationGracePeriodSeconds: number;
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
  terminationGracePeriodSeconds: 30,
  maxModelBytes: 1024 * 1024 * 1024,
  initResources: {
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '1', memory: '256Mi' },
  },
  latencyThresholdSeconds: 0.25,
});

/** DEFAULT_CONFIG with `overrides` applied. */
export function operatorConfig(overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  return { ...structuredClone(DEFAULT_CONFIG), ...overrides };
}
