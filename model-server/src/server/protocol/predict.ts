// POST /predict: {"text": "..."} for one prediction, {"texts": [...]} for several.
import { Prediction, predictionAt } from '../prediction';
import { badRequest } from '../http-error';
import { InputLimits, checkCount, checkText, describe, isObject } from './limits';

export interface PredictRequest {
  texts: string[];
  /** true for {"text"}: the answer is one prediction rather than a list */
  single: boolean;
}

export function parsePredictRequest(body: unknown, limits: InputLimits): PredictRequest {
  if (!isObject(body)) {
    throw badRequest(`request body must be a JSON object with "text" or "texts", got ${describe(body)}`);
  }
  const hasText = body.text !== undefined;
  const hasTexts = body.texts !== undefined;
  if (hasText && hasTexts) throw badRequest('give either field "text" or field "texts", not both');
  if (hasText) return { texts: [checkText(body.text, 'text', limits)], single: true };
  if (!hasTexts) throw badRequest('missing field "text" (or "texts" for several)');
  const list = body.texts;
  if (!Array.isArray(list))
    throw badRequest(`field "texts" must be an array of strings, got ${describe(list)}`);
  checkCount(list.length, 'texts', limits);
  return { texts: list.map((t, i) => checkText(t, `texts[${i}]`, limits)), single: false };
}

export interface ModelRef {
  name: string;
  version: string;
}

export type PredictResponse =
  | (Prediction & { model: string; model_version: string })
  | { predictions: Prediction[]; model: string; model_version: string };

export function predictResponse(req: PredictRequest, probs: Float32Array, model: ModelRef): PredictResponse {
  if (req.single) return { ...predictionAt(probs, 0), model: model.name, model_version: model.version };
  const predictions = new Array<Prediction>(req.texts.length);
  for (let i = 0; i < predictions.length; i++) predictions[i] = predictionAt(probs, i);
  return { predictions, model: model.name, model_version: model.version };
}
