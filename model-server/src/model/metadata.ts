// Reads the BRIEF's metadata_props back out of a model file. onnxruntime's JS API does not expose
// custom metadata, so the ModelProto is decoded here.
import { onnx } from 'onnx-proto';
import { BaselineConfidence, CONFIDENCE_BUCKETS, LABELS, META, ModelMetrics } from '../contract';

export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

export interface ModelMetadata {
  raw: Record<string, string>;
  labels: string[];
  version: string;
  metrics?: ModelMetrics;
  baseline?: BaselineConfidence;
  baselinePositiveRate?: number;
}

export function readMetadataProps(bytes: Uint8Array): Record<string, string> {
  const m = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const p of m.metadataProps) if (p.key) out[p.key] = p.value ?? '';
  return out;
}

function parseJson<T>(raw: Record<string, string>, key: string): T | undefined {
  if (raw[key] === undefined) return undefined;
  try {
    return JSON.parse(raw[key]) as T;
  } catch {
    throw new ModelContractError(`metadata ${key} is not valid JSON`);
  }
}

/** Parses and checks the contract; a file that breaks it is refused with the reason. */
export function parseMetadata(raw: Record<string, string>): ModelMetadata {
  const labels = (raw[META.labels] ?? '').split(',');
  if (labels.join(',') !== LABELS.join(',')) {
    throw new ModelContractError(
      `metadata ${META.labels} must be "${LABELS.join(',')}", got "${raw[META.labels] ?? ''}"`,
    );
  }
  const version = raw[META.version];
  if (!version) throw new ModelContractError(`metadata ${META.version} is missing`);
  const baseline = parseJson<BaselineConfidence>(raw, META.baselineConfidence);
  if (baseline && baseline.edges.join(',') !== CONFIDENCE_BUCKETS.join(',')) {
    throw new ModelContractError(
      `metadata ${META.baselineConfidence} uses other bucket edges than the server exports`,
    );
  }
  const rate = raw[META.baselinePositiveRate];
  return {
    raw,
    labels,
    version,
    metrics: parseJson<ModelMetrics>(raw, META.metrics),
    baseline,
    baselinePositiveRate: rate === undefined ? undefined : Number(rate),
  };
}
