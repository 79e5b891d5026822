// The public names of the SentimentModel API. Everything else imports these names, so a rename
// happens in one place and the tests pin it; those the model server shares live in
// @sentiment-operator/contract.
import { ANNOTATIONS, API_GROUP } from '@sentiment-operator/contract';

export { API_GROUP };
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const KIND = 'SentimentModel';
export const PLURAL = 'sentimentmodels';
export const SHORT_NAME = 'sm';
export const CATEGORY = 'ml';

export const MANAGED_BY = 'sentiment-operator';
export const SERVER_APP_NAME = 'sentiment-model-server';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_MODEL = `${API_GROUP}/model`;

export const ANNOTATION_DRIFT_STATUS = ANNOTATIONS.driftStatus;
export const ANNOTATION_DRIFT_SCORE = ANNOTATIONS.driftScore;
export const ANNOTATION_DRIFT_EVALUATED_AT = ANNOTATIONS.driftEvaluatedAt;
/** On a model's pods: spec.model.version, so that a new version rolls the pods even when the URI stays. */
export const ANNOTATION_MODEL_VERSION = ANNOTATIONS.modelVersion;

/** Labels every child of the SentimentModel `name` carries. */
export function childLabels(name: string): Record<string, string> {
  return {
    [LABEL_NAME]: SERVER_APP_NAME,
    [LABEL_INSTANCE]: name,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_MODEL]: name,
  };
}

/** The subset of childLabels that selects a model's pods; stable across operator versions. */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABEL_NAME]: SERVER_APP_NAME, [LABEL_INSTANCE]: name };
}
