// The one schema source of the SentimentModel API. The CRD's openAPIV3Schema is generated from it
// (`make manifests`, operator/src/api/crd.ts), and the operator defaults and validates specs with the
// same object through ajv (operator/src/api/validate.ts), so the API server and the operator agree
// about what a valid spec is.
//
// Only keywords that both a structural Kubernetes schema and ajv (draft-07) understand the same way
// are used: no `exclusiveMinimum` (a boolean in Kubernetes, a number in draft-07), no
// `additionalProperties: false` (Kubernetes prunes unknown fields instead). Cross-field rules are CEL
// `x-kubernetes-validations`; validate.ts evaluates the same rules in TypeScript.
//
// Ranges match what the model server accepts (model-server/src/server/config.ts).
import { DRIFT_SIGNALS } from '@sentiment-operator/contract';
import { DEFAULT_CONFIG } from '../config';

export type JSONSchema = {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JSONSchema>;
  additionalProperties?: JSONSchema | boolean;
  items?: JSONSchema;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: 'int32' | 'int64' | 'date-time';
  maxItems?: number;
  maxProperties?: number;
  anyOf?: JSONSchema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'map' | 'set' | 'atomic';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};

/** A CEL validation rule (apiextensions.k8s.io/v1 ValidationRule). */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Go-style duration as Prometheus and Kubernetes write it: 30s, 10m, 1h30m. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h))+$';

/** Model URIs the operator can serve; the CEL rule on spec.model.uri and validate.ts share it. */
export const MODEL_URI_PATTERN =
  '^(file:///[^\\s]+|pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/[^\\s]+|https?://[^/\\s]+(/[^\\s]*)?)$';
export const MODEL_URI_MESSAGE =
  'must be file:///PATH, pvc://CLAIM/PATH (CLAIM a PersistentVolumeClaim name) or an http:// or https:// URL';

export const SHA256_REQUIRED_MESSAGE = 'sha256 is required when model.uri is an http:// or https:// URL';
/** userinfo in an http(s) URL: the part between `//` and `@` before the first `/`, `?` or `#`. */
export const URI_USERINFO_PATTERN = '^https?://[^/?#]*@';
export const URI_USERINFO_MESSAGE =
  'spec.model.uri must not carry credentials (user:password@ before the host): the URI is copied into the pod spec; use a URL that needs none, or a pre-signed one';
export const CA_CONFIGMAP_MESSAGE = 'spec.model.caConfigMap applies to https:// model URIs only';
export const REPLICA_BOUNDS_MESSAGE = 'autoscaling.minReplicas must be less than or equal to maxReplicas';
export const AUTOSCALING_TARGET_MESSAGE =
  'autoscaling.enabled needs targetCPUUtilization or targetRequestsPerSecond';
export const CPU_REQUEST_MESSAGE =
  'autoscaling.targetCPUUtilization needs resources.requests.cpu: the HPA measures utilization against it';
export const THRESHOLDS_MESSAGE = 'drift.warningThreshold must be less than criticalThreshold';

/**
 * Default thresholds of the positiveRate signal: |live − baseline| share of positive predictions.
 * The histogram signals default to spec.drift.warningThreshold and criticalThreshold (PSI).
 * docs/drift.md explains the choice: a 0.10 shift is above the noise of the default window (about
 * 0.07 at 500 predictions and a rate near one half) and beyond the lean on short texts the sample
 * model already shows; 0.20 means one prediction in five has changed side against the baseline.
 */
export const POSITIVE_RATE_THRESHOLDS = { warningThreshold: 0.1, criticalThreshold: 0.2 } as const;

const signalList = DRIFT_SIGNALS.map((s) => `'${s}'`).join(', ');
export const SIGNAL_NAMES_MESSAGE = `drift.signals takes the signals ${DRIFT_SIGNALS.join(', ')} only`;
export const SIGNAL_THRESHOLDS_MESSAGE =
  "each drift signal's warningThreshold must be less than its criticalThreshold (one that is not given is the default: drift.warningThreshold and criticalThreshold for confidence, inputTokens and unknownTokens, 0.1 and 0.2 for positiveRate)";
export const POSITIVE_RATE_RANGE_MESSAGE =
  'drift.signals.positiveRate thresholds are differences of two shares, at most 1';
export const SIGNALS_ENABLED_MESSAGE =
  'drift.signals must leave at least one signal enabled; set drift.enabled to false to turn drift detection off';
export const NAME_MESSAGE =
  'metadata.name must be a DNS-1035 label of at most 63 characters (lower case letters, digits and "-", starting with a letter): the Service is named after it';

/** metadata.name must name a Service too: a DNS-1035 label. */
export const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

const DURATION: JSONSchema = { type: 'string', pattern: DURATION_PATTERN, maxLength: 32 };

const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

const quantity: JSONSchema = {
  description: 'A Kubernetes quantity such as `500m`, `2`, `512Mi`.',
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: QUANTITY_PATTERN,
  'x-kubernetes-int-or-string': true,
};

const listText = (list: Record<string, string>): string =>
  Object.entries(list)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

const resourceList = (what: string): JSONSchema => ({
  type: 'object',
  description: `${what}, by resource name (cpu, memory, ephemeral-storage), as Kubernetes quantities.`,
  additionalProperties: quantity,
  maxProperties: 16,
});

const labelMap: JSONSchema = {
  type: 'object',
  description:
    'Extra labels put on the ServiceMonitor and PrometheusRule, for example `release: kube-prometheus-stack` so that a Prometheus Operator instance selects them. The contract labels of every child win over these.',
  additionalProperties: {
    type: 'string',
    description: 'A label value.',
    maxLength: 63,
    pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
  },
  maxProperties: 32,
};

/**
 * `schema` with a default that holds the defaults of its fields, so an omitted section is filled in
 * whole. (The API server checks a default against the CEL rules as written, without nested defaults, so
 * `default: {}` would fail rules such as `self.minReplicas <= self.maxReplicas`.)
 */
function defaulted(schema: JSONSchema): JSONSchema {
  const value = Object.fromEntries(
    Object.entries(schema.properties ?? {})
      .filter(([, child]) => child.default !== undefined)
      .map(([name, child]) => [name, child.default]),
  );
  return { ...schema, default: value };
}

export const specSchema: JSONSchema = {
  type: 'object',
  description:
    'What to serve and how: the model, the serving settings, autoscaling, monitoring and drift detection.',
  required: ['model'],
  properties: {
    model: {
      type: 'object',
      description:
        'The ONNX model to serve. Its graph takes `text` and returns `probabilities` (see docs/model.md).',
      required: ['uri'],
      properties: {
        uri: {
          type: 'string',
          description:
            'Where the model file is: `file:///PATH` inside the server image, `pvc://CLAIM/PATH` on a PersistentVolumeClaim in the same namespace (mounted read-only), or `http(s)://` (downloaded by an init container; needs sha256).',
          minLength: 8,
          maxLength: 2048,
          'x-kubernetes-validations': [
            { rule: `self.matches(r'${MODEL_URI_PATTERN}')`, message: MODEL_URI_MESSAGE },
            { rule: `!self.matches(r'${URI_USERINFO_PATTERN}')`, message: URI_USERINFO_MESSAGE },
          ],
        },
        sha256: {
          type: 'string',
          description:
            'Lower-case hex SHA-256 of the model file. The server (and the download init container) refuse a file that does not match. Required for http(s) URIs.',
          pattern: '^[a-f0-9]{64}$',
          maxLength: 64,
        },
        version: {
          type: 'string',
          description:
            'Version of the model shown in status.modelVersion and the MODEL column. When empty, the operator reports the version the model file declares, if it can read it.',
          maxLength: 128,
        },
        caConfigMap: {
          type: 'object',
          description:
            'A ConfigMap in the same namespace holding PEM CA certificates the download trusts besides the public ones, for an https model server with a private CA. It is mounted read-only into the fetch-model init container only.',
          required: ['name'],
          properties: {
            name: {
              type: 'string',
              description: 'Name of the ConfigMap.',
              minLength: 1,
              maxLength: 253,
              pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
            },
            key: {
              type: 'string',
              description: 'Key of the PEM bundle in the ConfigMap.',
              default: 'ca.crt',
              minLength: 1,
              maxLength: 253,
              pattern: '^[-._a-zA-Z0-9]+$',
            },
          },
        },
      },
      'x-kubernetes-validations': [
        {
          rule: "!self.uri.startsWith('http://') && !self.uri.startsWith('https://') || has(self.sha256)",
          message: SHA256_REQUIRED_MESSAGE,
          fieldPath: '.sha256',
          reason: 'FieldValueRequired',
        },
        {
          rule: "!has(self.caConfigMap) || self.uri.startsWith('https://')",
          message: CA_CONFIGMAP_MESSAGE,
          fieldPath: '.caConfigMap',
          reason: 'FieldValueForbidden',
        },
      ],
    },
    image: {
      type: 'string',
      description: "Model-server container image. Defaults to the operator's configured image.",
      minLength: 1,
      maxLength: 512,
    },
    replicas: {
      type: 'integer',
      format: 'int32',
      description:
        'Number of server pods when autoscaling is off (also set by `kubectl scale`). Ignored while autoscaling is enabled: the HPA owns the replica count then.',
      default: 1,
      minimum: 0,
      maximum: 100,
    },
    resources: {
      type: 'object',
      description: `Compute resources of the model-server container (its requests and limits). When absent, the operator's defaults apply (flags --default-requests and --default-limits; out of the box requests ${listText(DEFAULT_CONFIG.defaultResources.requests)} and limits ${listText(DEFAULT_CONFIG.defaultResources.limits)}); when present, it replaces them whole.`,
      properties: {
        requests: resourceList('Resources the scheduler reserves for the container'),
        limits: resourceList('Most resources the container may use'),
      },
    },
    autoscaling: defaulted({
      type: 'object',
      description: 'HorizontalPodAutoscaler (autoscaling/v2) settings.',
      properties: {
        enabled: {
          type: 'boolean',
          description: 'Create an HPA that owns the replica count between minReplicas and maxReplicas.',
          default: false,
        },
        minReplicas: {
          type: 'integer',
          format: 'int32',
          description: 'Fewest replicas the HPA scales down to.',
          default: 1,
          minimum: 1,
          maximum: 100,
        },
        maxReplicas: {
          type: 'integer',
          format: 'int32',
          description: 'Most replicas the HPA scales up to.',
          default: 5,
          minimum: 1,
          maximum: 100,
        },
        targetCPUUtilization: {
          type: 'integer',
          format: 'int32',
          description:
            'Average CPU utilization the HPA aims at, in percent of resources.requests.cpu (which it needs).',
          minimum: 1,
          maximum: 100,
        },
        targetRequestsPerSecond: {
          type: 'number',
          description:
            'Average requests per second per pod the HPA aims at, read from the Pods metric `sentiment_requests_per_second` (served by prometheus-adapter).',
          minimum: 0.001,
          maximum: 1000000,
        },
        scaleDownStabilizationSeconds: {
          type: 'integer',
          format: 'int32',
          description:
            'How long the HPA looks back before scaling down, so a short dip in load does not remove pods.',
          default: 300,
          minimum: 0,
          maximum: 3600,
        },
      },
      'x-kubernetes-validations': [
        {
          rule: 'self.minReplicas <= self.maxReplicas',
          message: REPLICA_BOUNDS_MESSAGE,
          fieldPath: '.minReplicas',
        },
        {
          rule: '!self.enabled || has(self.targetCPUUtilization) || has(self.targetRequestsPerSecond)',
          message: AUTOSCALING_TARGET_MESSAGE,
          reason: 'FieldValueRequired',
        },
      ],
    }),
    serving: defaulted({
      type: 'object',
      description: 'Model-server settings, passed to the container as environment variables.',
      properties: {
        port: {
          type: 'integer',
          format: 'int32',
          description:
            'HTTP port of the server (PORT): predictions, probes and /metrics; the Service port `http`.',
          default: 8080,
          minimum: 1024,
          maximum: 65535,
        },
        maxBatchSize: {
          type: 'integer',
          format: 'int32',
          description: 'Most texts coalesced into one onnxruntime call (MAX_BATCH_SIZE).',
          default: 64,
          minimum: 1,
          maximum: 4096,
        },
        batchWindowMs: {
          type: 'integer',
          format: 'int32',
          description: 'How long a batch waits for more requests, in milliseconds (BATCH_WINDOW_MS).',
          default: 2,
          minimum: 0,
          maximum: 1000,
        },
        maxTextChars: {
          type: 'integer',
          format: 'int32',
          description: 'Longest text accepted, in characters; longer ones get HTTP 400 (MAX_TEXT_CHARS).',
          default: 20000,
          minimum: 1,
          maximum: 1000000,
        },
        maxBatchItems: {
          type: 'integer',
          format: 'int32',
          description: 'Most texts in one request (MAX_BATCH_ITEMS).',
          default: 256,
          minimum: 1,
          maximum: 100000,
        },
        maxBodyBytes: {
          type: 'integer',
          format: 'int32',
          description: 'Largest request body, in bytes; larger ones get HTTP 413 (MAX_BODY_BYTES).',
          default: 1048576,
          minimum: 1024,
          maximum: 67108864,
        },
        logLevel: {
          type: 'string',
          description: 'Server log level (LOG_LEVEL).',
          default: 'info',
          enum: ['error', 'warn', 'info', 'http', 'verbose', 'debug'],
        },
      },
    }),
    monitoring: defaulted({
      type: 'object',
      description: 'Prometheus Operator objects. Created only when their CRDs exist in the cluster.',
      properties: {
        serviceMonitor: {
          type: 'boolean',
          description: 'Create a ServiceMonitor that scrapes the server pods on port `http`, path /metrics.',
          default: true,
        },
        prometheusRule: {
          type: 'boolean',
          description: 'Create a PrometheusRule with the drift and serving alerts.',
          default: true,
        },
        labels: labelMap,
        scrapeInterval: {
          ...DURATION,
          description: 'ServiceMonitor scrape interval, a duration such as `15s`.',
          default: '15s',
        },
      },
    }),
    drift: defaulted({
      type: 'object',
      description:
        'Drift detection: each signal of live traffic (prediction confidence, text length in tokens, share of unknown tokens, share of positive predictions) against the baseline the model file carries, by the Population Stability Index (PSI) or, for the positive share, its difference.',
      properties: {
        enabled: {
          type: 'boolean',
          description:
            'Evaluate drift and report it on this resource (status.drift, annotations, DriftDetected).',
          default: true,
        },
        prometheusUrl: {
          type: 'string',
          description:
            "Base URL of the Prometheus HTTP API that scrapes the servers. Defaults to the operator's configured Prometheus URL.",
          pattern: '^https?://[^\\s]+$',
          maxLength: 2048,
        },
        window: {
          ...DURATION,
          description: 'Range of live traffic compared with the baseline, a duration such as `10m`.',
          default: '10m',
        },
        interval: {
          ...DURATION,
          description: 'How often drift is evaluated, a duration such as `60s`.',
          default: '60s',
        },
        minSamples: {
          type: 'integer',
          format: 'int32',
          description:
            'Fewest predictions in the window for a verdict; below it the status is InsufficientData.',
          default: 500,
          minimum: 1,
          maximum: 100000000,
        },
        warningThreshold: {
          type: 'number',
          description:
            'PSI from which the status is Warning; below it the status is Healthy. The default of the confidence, inputTokens and unknownTokens signals (see signals).',
          default: 0.1,
          minimum: 0,
          maximum: 10,
        },
        criticalThreshold: {
          type: 'number',
          description:
            'PSI above which the status is Drifted. The default of the confidence, inputTokens and unknownTokens signals (see signals).',
          default: 0.25,
          minimum: 0,
          maximum: 10,
        },
        signals: {
          type: 'object',
          description: `Per-signal settings, keyed by signal: \`confidence\` (PSI of the prediction-confidence histogram), \`inputTokens\` (PSI of the tokens-per-text histogram), \`unknownTokens\` (PSI of the histogram of each text's share of tokens outside the model's vocabulary) and \`positiveRate\` (|live − baseline| share of positive predictions). A signal that is not listed is enabled with its default thresholds: warningThreshold and criticalThreshold above for the three PSI signals, ${POSITIVE_RATE_THRESHOLDS.warningThreshold} and ${POSITIVE_RATE_THRESHOLDS.criticalThreshold} for positiveRate. The drift status is the worst confirmed state of the enabled signals; a signal whose baseline the model file lacks is reported as NoBaseline and does not count.`,
          maxProperties: DRIFT_SIGNALS.length,
          additionalProperties: {
            type: 'object',
            description: 'Settings of one drift signal.',
            properties: {
              enabled: {
                type: 'boolean',
                description: 'Evaluate this signal and let it decide the drift status.',
                default: true,
              },
              warningThreshold: {
                type: 'number',
                description:
                  "Score from which this signal's state is Warning (PSI, or for positiveRate the difference of the positive shares).",
                minimum: 0,
                maximum: 10,
              },
              criticalThreshold: {
                type: 'number',
                description: "Score above which this signal's state is Drifted.",
                minimum: 0,
                maximum: 10,
              },
            },
          },
          'x-kubernetes-validations': [
            { rule: `self.all(k, k in [${signalList}])`, message: SIGNAL_NAMES_MESSAGE },
            {
              rule: "!('positiveRate' in self) || (!has(self.positiveRate.warningThreshold) || self.positiveRate.warningThreshold <= 1.0) && (!has(self.positiveRate.criticalThreshold) || self.positiveRate.criticalThreshold <= 1.0)",
              message: POSITIVE_RATE_RANGE_MESSAGE,
            },
            {
              rule: `self.size() < ${DRIFT_SIGNALS.length} || self.exists(k, !has(self[k].enabled) || self[k].enabled)`,
              message: SIGNALS_ENABLED_MESSAGE,
            },
          ],
        },
      },
      'x-kubernetes-validations': [
        {
          rule: 'self.warningThreshold < self.criticalThreshold',
          message: THRESHOLDS_MESSAGE,
          fieldPath: '.warningThreshold',
        },
        {
          // A threshold a signal does not set is its default, so the rule compares the pair in force.
          rule: `!has(self.signals) || self.signals.all(k, (has(self.signals[k].warningThreshold) ? self.signals[k].warningThreshold : k == 'positiveRate' ? ${POSITIVE_RATE_THRESHOLDS.warningThreshold} : self.warningThreshold) < (has(self.signals[k].criticalThreshold) ? self.signals[k].criticalThreshold : k == 'positiveRate' ? ${POSITIVE_RATE_THRESHOLDS.criticalThreshold} : self.criticalThreshold))`,
          message: SIGNAL_THRESHOLDS_MESSAGE,
          fieldPath: '.signals',
        },
      ],
    }),
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.autoscaling) || !self.autoscaling.enabled || !has(self.autoscaling.targetCPUUtilization) || has(self.resources) && has(self.resources.requests) && "cpu" in self.resources.requests',
      message: CPU_REQUEST_MESSAGE,
      fieldPath: '.resources',
    },
  ],
};

const timestamp = (description: string): JSONSchema => ({ type: 'string', format: 'date-time', description });

export const DRIFT_STATUSES = ['Healthy', 'Warning', 'Drifted', 'InsufficientData', 'Unknown'] as const;
/** A signal's state: a drift status, or NoBaseline when the model file has no baseline for it. */
export const SIGNAL_STATES = [...DRIFT_STATUSES, 'NoBaseline'] as const;
export const CONDITION_TYPES = ['Ready', 'Available', 'Progressing', 'Degraded', 'DriftDetected'] as const;

const conditionSchema: JSONSchema = {
  type: 'object',
  description: 'One aspect of the current state (metav1.Condition).',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: {
      type: 'string',
      description: 'Ready, Available, Progressing, Degraded or DriftDetected.',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
    status: { type: 'string', description: 'True, False or Unknown.', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The metadata.generation this condition was computed from.',
      minimum: 0,
    },
    lastTransitionTime: timestamp('When the status last changed.'),
    reason: {
      type: 'string',
      description: 'A CamelCase reason for the last transition.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    message: { type: 'string', description: 'A human-readable explanation.', maxLength: 32768 },
  },
};

export const statusSchema: JSONSchema = {
  type: 'object',
  description: 'What the operator observed. Written by the operator through the status subresource.',
  properties: {
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The metadata.generation the operator last reconciled.',
    },
    replicas: {
      type: 'integer',
      format: 'int32',
      description: "Pods of the model's Deployment (the scale subresource reads it).",
    },
    readyReplicas: { type: 'integer', format: 'int32', description: 'Pods that are ready to serve.' },
    selector: {
      type: 'string',
      description:
        "Label selector of the model's pods, as a string (the scale subresource and the HPA read it).",
    },
    replicasReady: {
      type: 'string',
      description: 'Ready and desired replicas as `READY/DESIRED`, for the REPLICAS column.',
    },
    url: {
      type: 'string',
      description: 'In-cluster URL of the prediction service: http://NAME.NAMESPACE.svc:PORT.',
    },
    modelVersion: { type: 'string', description: 'Version of the served model.' },
    modelSha256: {
      type: 'string',
      description: 'SHA-256 of the served model file, when spec.model.sha256 gives it.',
    },
    conditions: {
      type: 'array',
      description: 'Ready, Available, Progressing, Degraded and DriftDetected.',
      items: conditionSchema,
      maxItems: 16,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    drift: {
      type: 'object',
      description: 'The latest drift evaluation.',
      properties: {
        status: {
          type: 'string',
          description:
            'The worst confirmed state of the enabled signals: Healthy, Warning, Drifted, InsufficientData or Unknown (Prometheus unreachable, or no enabled signal has a baseline).',
          enum: [...DRIFT_STATUSES],
        },
        score: {
          type: 'number',
          description:
            'The highest PSI among the histogram signals (confidence, inputTokens, unknownTokens) at the last evaluation: the SCORE column and the drift-score annotation. The positiveRate difference is not on the PSI scale and is reported in signals only.',
        },
        jsDistance: {
          type: 'number',
          description: 'Jensen-Shannon distance of the live confidence histogram and its baseline (0 to 1).',
        },
        meanConfidence: {
          type: 'number',
          description: 'Mean prediction confidence, max(p, 1-p), in the window.',
        },
        positiveRate: { type: 'number', description: 'Share of positive predictions in the window.' },
        baselinePositiveRate: {
          type: 'number',
          description: 'Share of positive predictions on the held-out set the model was evaluated on.',
        },
        samples: { type: 'integer', format: 'int64', description: 'Predictions in the window.' },
        window: { type: 'string', description: 'The window evaluated, such as `10m`.' },
        lastEvaluated: timestamp('When drift was last evaluated.'),
        message: {
          type: 'string',
          description: 'Why the status is what it is, in words: the signals that moved and what that means.',
        },
        signals: {
          type: 'array',
          description: `Each enabled signal at the last evaluation, in the order ${DRIFT_SIGNALS.join(', ')}.`,
          maxItems: DRIFT_SIGNALS.length,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            description: 'One drift signal.',
            required: ['name', 'state', 'warningThreshold', 'criticalThreshold'],
            properties: {
              name: { type: 'string', description: 'The signal.', enum: [...DRIFT_SIGNALS] },
              state: {
                type: 'string',
                description:
                  'Its confirmed state (two agreeing evaluations): Healthy, Warning, Drifted, InsufficientData, Unknown, or NoBaseline when the model file has no baseline for it.',
                enum: [...SIGNAL_STATES],
              },
              score: {
                type: 'number',
                description:
                  'PSI against the baseline; for positiveRate the absolute difference of the live and baseline shares of positive predictions.',
              },
              warningThreshold: { type: 'number', description: 'Score from which the state is Warning.' },
              criticalThreshold: { type: 'number', description: 'Score above which the state is Drifted.' },
              samples: {
                type: 'integer',
                format: 'int64',
                description: 'Observations in the window (texts or predictions).',
              },
              message: { type: 'string', description: 'The last evaluation of this signal, in words.' },
            },
          },
        },
      },
    },
  },
};

/** The whole object's schema: the CRD's openAPIV3Schema. */
export const sentimentModelSchema: JSONSchema = {
  type: 'object',
  description:
    'A sentiment-analysis model served as a scalable, monitored prediction service, with drift detection reported on the resource.',
  required: ['spec'],
  properties: {
    apiVersion: {
      type: 'string',
      description: 'APIVersion defines the versioned schema of this representation of an object.',
    },
    kind: {
      type: 'string',
      description: 'Kind is a string value representing the REST resource this object represents.',
    },
    // The API server allows nothing but `type: object` here (not even a description).
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
  'x-kubernetes-validations': [
    {
      rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches(r'${NAME_PATTERN}')`,
      message: NAME_MESSAGE,
    },
  ],
};
