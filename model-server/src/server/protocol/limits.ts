// Checks shared by both protocols: what a text and a list of texts may be.
import { badRequest } from '../http-error';

export interface InputLimits {
  maxTextChars: number;
  maxBatchItems: number;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length is counted in UTF-16 code units, as JavaScript's String.length does. */
export function checkText(value: unknown, field: string, limits: InputLimits): string {
  if (typeof value !== 'string')
    throw badRequest(`field "${field}" must be a string, got ${describe(value)}`);
  if (value.length > limits.maxTextChars) {
    throw badRequest(
      `field "${field}" has ${value.length} characters; the limit is MAX_TEXT_CHARS=${limits.maxTextChars}`,
    );
  }
  return value;
}

export function checkCount(count: number, field: string, limits: InputLimits): void {
  if (count === 0) throw badRequest(`field "${field}" must hold at least one text`);
  if (count > limits.maxBatchItems) {
    throw badRequest(
      `field "${field}" has ${count} items; the limit is MAX_BATCH_ITEMS=${limits.maxBatchItems}`,
    );
  }
}
