// Reads the model's metadata_props (the keys in contract/src/index.ts, docs/model.md) and the names of
// its graph's outputs back out of a model file. onnxruntime's JS API does not expose custom metadata,
// so the ModelProto is decoded here.
import { createHash } from 'node:crypto';
import { onnx } from 'onnx-proto';
import {
  BaselineHistogram,
  DESCRIPTOR_OUTPUTS,
  HISTOGRAM_SIGNALS,
  HistogramSignal,
  LABELS,
  META,
  ModelMetrics,
} from '../contract';

export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

export interface ModelMetadata {
  raw: Record<string, string>;
  labels: string[];
  version: string;
  metrics?: ModelMetrics;
  /** The held-out histogram of each drift signal the file has one for (docs/drift.md). */
  baselines: Partial<Record<HistogramSignal, BaselineHistogram>>;
  baselinePositiveRate?: number;
  /** Whether the graph returns the input descriptors (DESCRIPTOR_OUTPUTS) the server exports for drift. */
  hasDescriptors: boolean;
}

/** ModelProto field 14: `repeated StringStringEntryProto metadata_props`. */
const METADATA_PROPS_FIELD = 14;
/** ModelProto field 7: `GraphProto graph`; in it, field 12: `repeated ValueInfoProto output`. */
const GRAPH_FIELD = 7;
const GRAPH_OUTPUT_FIELD = 12;

/**
 * Calls `visit` with the bytes of every length-delimited field of one protobuf message and skips
 * the rest unparsed: decoding the whole graph of a large vocabulary model would build millions of
 * JS strings (over 100 MB of heap for the sample model) just to read a few keys.
 */
function eachField(bytes: Uint8Array, visit: (field: number, value: Uint8Array) => void): void {
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
      visit(field, bytes.subarray(pos, pos + len));
      pos += len;
    } else throw new ModelContractError('the model file is not a valid ONNX protobuf');
  }
}

/** The top-level `metadata_props` of a ModelProto. */
export function readMetadataProps(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  eachField(bytes, (field, value) => {
    if (field !== METADATA_PROPS_FIELD) return;
    const p = onnx.StringStringEntryProto.decode(value);
    if (p.key) out[p.key] = p.value ?? '';
  });
  return out;
}

/**
 * The names of the graph's outputs, read without an onnxruntime session: the server decides from
 * them which metrics to export before its inference threads load the model.
 */
export function readGraphOutputs(bytes: Uint8Array): string[] {
  const out: string[] = [];
  eachField(bytes, (field, graph) => {
    if (field !== GRAPH_FIELD) return;
    eachField(graph, (f, value) => {
      if (f === GRAPH_OUTPUT_FIELD) out.push(onnx.ValueInfoProto.decode(value).name ?? '');
    });
  });
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

/**
 * A baseline must use the edges the server exports for its signal, and its cumulative ratios must be
 * usable as Prometheus `le` buckets: one per edge, finite, within [0, 1].
 */
function checkBaseline(b: BaselineHistogram, key: string, buckets: readonly number[]): void {
  if (!Array.isArray(b.edges) || b.edges.join(',') !== buckets.join(',')) {
    throw new ModelContractError(`metadata ${key} uses other bucket edges than the server exports`);
  }
  const ratios: unknown[] = Array.isArray(b.ratios) ? b.ratios : [];
  if (ratios.length !== buckets.length || !ratios.every((r) => typeof r === 'number' && r >= 0 && r <= 1)) {
    throw new ModelContractError(`metadata ${key}: ratios must be ${buckets.length} numbers in [0, 1]`);
  }
}

/** Parses and checks the contract; a file that breaks it is refused with the reason. */
export function parseMetadata(raw: Record<string, string>, outputs: readonly string[] = []): ModelMetadata {
  const labels = (raw[META.labels] ?? '').split(',');
  if (labels.join(',') !== LABELS.join(',')) {
    throw new ModelContractError(
      `metadata ${META.labels} must be "${LABELS.join(',')}", got "${raw[META.labels] ?? ''}"`,
    );
  }
  const version = raw[META.version];
  if (!version) throw new ModelContractError(`metadata ${META.version} is missing`);
  const baselines: ModelMetadata['baselines'] = {};
  for (const [signal, contract] of Object.entries(HISTOGRAM_SIGNALS) as [
    HistogramSignal,
    (typeof HISTOGRAM_SIGNALS)[HistogramSignal],
  ][]) {
    const baseline = parseJson<BaselineHistogram>(raw, contract.meta);
    if (!baseline) continue;
    checkBaseline(baseline, contract.meta, contract.buckets);
    baselines[signal] = baseline;
  }
  const rate = raw[META.baselinePositiveRate];
  return {
    raw,
    labels,
    version,
    metrics: parseJson<ModelMetrics>(raw, META.metrics),
    baselines,
    baselinePositiveRate: rate === undefined ? undefined : Number(rate),
    hasDescriptors: Object.values(DESCRIPTOR_OUTPUTS).every((o) => outputs.includes(o)),
  };
}

/** The contract and checksum of a model file, without starting an onnxruntime session. */
export function describeModel(bytes: Uint8Array): { metadata: ModelMetadata; sha256: string } {
  return {
    metadata: parseMetadata(readMetadataProps(bytes), readGraphOutputs(bytes)),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
