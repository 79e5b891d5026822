// The Prometheus text exposition format, read with the repository's one parser
// (@sentiment-operator/contract), strictly: a line it cannot read fails the metrics contract tests.
import { metricTypes, parseMetrics, sumOf, type Sample } from '@sentiment-operator/contract';

export type { Sample };

export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  return { samples: parseMetrics(text, { strict: true }), types: metricTypes(text) };
}

/** Sum of the samples called `name` whose labels include `match`. */
export const sum = sumOf;
