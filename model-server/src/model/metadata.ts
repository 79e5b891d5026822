// Reads the model's metadata_props (the keys in contract/src/index.ts, docs/model.md) back out of a
// model file. onnxruntime's JS API does not expose custom metadata, so the ModelProto is decoded here.
import { createHash } from 'node:crypto';
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

/** ModelProto field 14: `repeated StringStringEntryProto metadata_props`. */
const METADATA_PROPS_FIELD = 14;

/**
 * Reads only the top-level `metadata_props` of a ModelProto and skips everything else unparsed:
 * decoding the whole graph of a large vocabulary model would build millions of JS strings
 * (over 100 MB of heap for the sample model) just to read a few keys.
 */
export function readMetadataProps(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= bytes.length) throw new ModelContractError('the model file is not a valid ONNX protobuf');
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      if (pos + len > bytes.length)
        throw new ModelContractError('the model file is not a valid ONNX protobuf');
      if (field === METADATA_PROPS_FIELD) {
        const p = onnx.StringStringEntryProto.decode(bytes.subarray(pos, pos + len));
        if (p.key) out[p.key] = p.value ?? '';
      }
      pos += len;
    } else throw new ModelContractError('the model file is not a valid ONNX protobuf');
  }
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

/** The contract and checksum of a model file, without starting an onnxruntime session. */
export function describeModel(bytes: Uint8Array): { metadata: ModelMetadata; sha256: string } {
  return {
    metadata: parseMetadata(readMetadataProps(bytes)),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
