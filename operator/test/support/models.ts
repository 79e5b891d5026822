// A SentimentModel for unit tests: the given spec, defaulted by the schema as the API server would.
import { API_GROUP_VERSION, KIND } from '../../src/api/names';
import type { SentimentModel } from '../../src/api/types';
import { defaultSpec } from '../../src/api/validate';

export function sentimentModel(
  spec: Record<string, unknown>,
  name = 'imdb',
  namespace = 'ml',
): SentimentModel {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    metadata: { name, namespace, uid: '0b9f6c1e-7d2a-4c55-9a51-1f0e2b3c4d5e', generation: 1 },
    spec: defaultSpec(spec, name),
  };
}

export const FILE_MODEL = { uri: 'file:///models/imdb.onnx' };
export const SHA = 'ab'.repeat(32);
