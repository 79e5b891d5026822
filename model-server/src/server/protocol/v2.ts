// Open Inference Protocol v2 (KServe V2) REST: server and model metadata, and inference with one
// BYTES input `text` of shape [N] (or [N, 1]) returning FP32 `probabilities` of shape [N, 2].
// https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
import { INPUT_NAME, LABELS, OUTPUT_NAME } from '../../contract';
import { HttpError, badRequest, preview } from '../http-error';
import type { ServedModel } from '../served-model';
import { InputLimits, checkCount, checkText, describe, isObject } from './limits';

export interface InferRequest {
  id?: string;
  texts: string[];
}

export function serverMetadata(serverVersion: string): object {
  return { name: 'sentiment-model-server', version: serverVersion, extensions: [] };
}

export function modelMetadata(model: ServedModel): object {
  const { metrics, baselines, baselinePositiveRate } = model.metadata;
  return {
    name: model.name,
    versions: [model.version],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: INPUT_NAME, datatype: 'BYTES', shape: [-1] }],
    outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, LABELS.length] }],
    parameters: {
      labels: LABELS,
      sha256: model.sha256,
      metrics,
      baseline_confidence: baselines.confidence,
      baseline_input_tokens: baselines.inputTokens,
      baseline_unknown_tokens: baselines.unknownTokens,
      baseline_positive_rate: baselinePositiveRate,
    },
  };
}

/** 404 unless `name` (and `version`, when the path gives one) is the served model. */
export function checkModel(model: ServedModel, name: string, version: string | undefined): void {
  if (name !== model.name) {
    throw new HttpError(404, `model ${preview(name)} is not served here; this server serves "${model.name}"`);
  }
  if (version !== undefined && version !== model.version) {
    throw new HttpError(
      404,
      `model "${model.name}" has no version ${preview(version)}; it serves "${model.version}"`,
    );
  }
}

function checkShape(shape: unknown, field: string): number {
  const ok =
    Array.isArray(shape) &&
    (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) &&
    Number.isSafeInteger(shape[0]) &&
    (shape[0] as number) >= 0;
  if (!ok) throw badRequest(`${field} must be [N] or [N, 1] with N >= 0, got ${preview(shape)}`);
  return shape[0] as number;
}

export function parseInferRequest(body: unknown, limits: InputLimits): InferRequest {
  if (!isObject(body))
    throw badRequest(`request body must be a JSON object with "inputs", got ${describe(body)}`);
  if (body.id !== undefined && typeof body.id !== 'string') {
    throw badRequest(`field "id" must be a string, got ${describe(body.id)}`);
  }
  const inputs = body.inputs;
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    throw badRequest(`field "inputs" must be an array holding exactly one input "${INPUT_NAME}"`);
  }
  const input: unknown = inputs[0];
  if (!isObject(input)) throw badRequest(`field "inputs[0]" must be an object, got ${describe(input)}`);
  if (input.name !== INPUT_NAME) {
    throw badRequest(`field "inputs[0].name" must be "${INPUT_NAME}", got ${preview(input.name)}`);
  }
  if (input.datatype !== 'BYTES') {
    throw badRequest(`field "inputs[0].datatype" must be "BYTES", got ${preview(input.datatype)}`);
  }
  // checked: [N] or [N, 1], so safe to echo whole
  const n = checkShape(input.shape, 'field "inputs[0].shape"');
  checkCount(n, 'inputs[0].data', limits);
  if (!Array.isArray(input.data)) {
    throw badRequest(`field "inputs[0].data" must be an array of strings, got ${describe(input.data)}`);
  }
  // the protocol allows row-major data flattened or nested; [N, 1] may come as [["a"], ["b"]]
  const data: unknown[] = input.data.flatMap((d: unknown) => (Array.isArray(d) ? (d as unknown[]) : [d]));
  if (data.length !== n) {
    throw badRequest(
      `field "inputs[0].data" has ${data.length} elements but shape ${JSON.stringify(input.shape)} needs ${n}`,
    );
  }
  const texts = data.map((d, i) => checkText(d, `inputs[0].data[${i}]`, limits));
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs))
      throw badRequest(`field "outputs" must be an array, got ${describe(body.outputs)}`);
    body.outputs.forEach((o: unknown, i) => {
      if (!isObject(o) || o.name !== OUTPUT_NAME) {
        throw badRequest(`field "outputs[${i}].name" must be "${OUTPUT_NAME}", the model's only output`);
      }
    });
  }
  return { id: body.id as string | undefined, texts };
}

export function inferResponse(req: InferRequest, probs: Float32Array, model: ServedModel): object {
  return {
    model_name: model.name,
    model_version: model.version,
    ...(req.id !== undefined ? { id: req.id } : {}),
    outputs: [
      {
        name: OUTPUT_NAME,
        datatype: 'FP32',
        shape: [req.texts.length, LABELS.length],
        data: Array.from(probs),
      },
    ],
  };
}
