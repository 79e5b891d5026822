// The trainer's view of text. It must compute exactly what the ONNX graph computes
// (StringNormalizer LOWER with locale "C", then the Tokenizer's regex), so the file alone is
// the whole model and there is no train/serve skew. The parity test holds the two together.

/**
 * Tokens are maximal runs of ASCII letters and digits after lower-casing, with an English
 * contraction kept whole (`didn't`, `it's`), and each `!` and `?` on its own: on short reviews and
 * tweets these carry sentiment that the letters alone miss (docs/model.md, "What was tried").
 */
export const TOKEN_PATTERN = "[a-z0-9]+(?:'[a-z]+)?|[!?]";

/** Filler the graph's Tokenizer pads short rows with; the pattern can never produce it. */
export const PAD_TOKEN = '#';

/** Separator between the two words of a bigram, as the graph's StringConcat writes it. */
export const BIGRAM_SEPARATOR = ' ';

const TOKEN_RE = new RegExp(TOKEN_PATTERN, 'g');

/**
 * Lower-cases like StringNormalizer in the "C" locale: only ASCII A-Z change. Other characters
 * never match TOKEN_PATTERN, so how a locale would fold them does not matter.
 */
export function normalize(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

export function tokenize(text: string): string[] {
  return normalize(text).match(TOKEN_RE) ?? [];
}

/** Unigrams followed by adjacent bigrams, the order the graph concatenates them in. */
export function ngrams(tokens: readonly string[]): string[] {
  const out = tokens.slice();
  for (let i = 0; i + 1 < tokens.length; i++) out.push(tokens[i] + BIGRAM_SEPARATOR + tokens[i + 1]);
  return out;
}
