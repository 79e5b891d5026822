// The demo's traffic, generated rather than read from a dataset, so `make demo` works on a machine
// without ../shared. A seeded grammar writes English movie reviews from the phrase pools in
// phrases.ts: a little context, a plot summary, opinions on a few aspects of the film and a verdict.
//
// In-distribution means the sample model should be as sure of these reviews as of its own held-out
// IMDB reviews: the share of clear-cut, lukewarm and mixed reviews and their lengths are tuned so
// that the confidence histogram matches the model's baseline (PSI < 0.05, measured through the real
// model server by measure-traffic.ts; figures in docs/drift.md).
//
// The shift is short texts: a title, a headline or one short comment instead of a whole review. It
// is what a model meets when a client starts sending previews, headlines or tweet-length comments;
// the domain and vocabulary are unchanged but each text carries far less evidence, so the model's
// confidence falls. It mirrors the drift e2e test, which sends the first sentence of each IMDB
// review; half of these texts are titles with no opinion at all, so the shift is stronger.
import {
  ASPECTS,
  COMPLICATIONS,
  CONNECTIVES,
  CONTEXT_TEMPLATES,
  CONTRASTS,
  DECADES,
  DOES,
  EXPECTATIONS,
  GENRES,
  HEADLINE_TEMPLATES,
  HEDGES,
  INTENSIFIERS,
  LUKEWARM_ADJECTIVES,
  MIXED_VERDICTS,
  NEGATIVE_ADJECTIVES,
  NEGATIVE_LIKES,
  NEGATIVE_SENTENCES,
  NEGATIVE_VERDICTS,
  OPENINGS,
  PLOT_TEMPLATES,
  POSITIVE_ADJECTIVES,
  POSITIVE_LIKES,
  POSITIVE_SENTENCES,
  POSITIVE_VERDICTS,
  WHEN,
  WHERE,
  WHO,
  type Subject,
} from './phrases';
import { seededRandom, type Random } from './random';

/**
 * Share of reviews written positive. The model reads the plot summaries as slightly negative, so 53 %
 * gives about the 51 % positive predictions of its baseline (0.5128).
 */
const POSITIVE_SHARE = 0.53;

/**
 * How one-sided a review is: the probability that an opinion sentence agrees with the review's
 * overall polarity. Most reviews are clear-cut; some are mixed, and those are the ones the model is
 * unsure of, which fills the low-confidence bins of the baseline.
 */
const STANCES = [
  { weight: 0.58, agree: [0.75, 1] },
  { weight: 0.22, agree: [0.6, 0.8] },
  { weight: 0.2, agree: [0.3, 0.6] },
] as const;

/** Sentences per review: log-normal, like review lengths, clamped to about 100-400 words. */
const SENTENCES = { median: 24, spread: 0.45, min: 10, max: 36 };

/**
 * Share of the body that is plot summary or context rather than opinion. The pools' opinion words are
 * among the model's strongest, so opinions are kept sparse; otherwise every review would be read with
 * near certainty and the histogram would pile up above 0.99.
 */
const NEUTRAL_SHARE = 0.7;

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** One film per review: its plot summary and context sentences keep to the same picks. */
type Film = Record<string, string>;

function film(rng: Random): Film {
  const pools: Record<string, readonly string[]> = {
    who: WHO,
    does: DOES,
    where: WHERE,
    complication: COMPLICATIONS,
    when: WHEN,
    genre: GENRES,
    decades: DECADES,
    expectation: EXPECTATIONS,
  };
  return Object.fromEntries(Object.entries(pools).map(([slot, pool]) => [slot, rng.pick(pool)]));
}

/** Fills `{slot}`s from the film's picks; `{someone}` and `{something}` are side characters, drawn afresh. */
function fill(template: string, picks: Film, rng: Random): string {
  const fresh: Record<string, readonly string[]> = { someone: WHO, something: DOES };
  return capitalise(
    template.replace(/\{(\w+)\}/g, (_, slot: string) =>
      slot in fresh ? rng.pick(fresh[slot]) : picks[slot],
    ),
  );
}

const subjectOf = (rng: Random): Subject => rng.pick(Object.values(ASPECTS).map((a) => rng.pick(a)));
const be = (subject: Subject): string => (subject.plural ? 'are' : 'is');
const adjectives = (positive: boolean): readonly string[] =>
  positive ? POSITIVE_ADJECTIVES : NEGATIVE_ADJECTIVES;

function intensified(rng: Random, positive: boolean): string {
  return [rng.pick(INTENSIFIERS), rng.pick(adjectives(positive))].filter((w) => w !== '').join(' ');
}

/** One sentence of opinion, praising or criticising. */
function opinion(rng: Random, positive: boolean): string {
  const subject = subjectOf(rng);
  switch (rng.int(0, 5)) {
    case 0:
      return capitalise(`${subject.text} ${be(subject)} ${intensified(rng, positive)}.`);
    case 1:
      return `${rng.pick(CONNECTIVES)}, ${subject.text} ${be(subject)} ${intensified(rng, positive)}.`;
    case 2: {
      const first = rng.pick(adjectives(positive));
      const second = rng.pick(adjectives(positive).filter((a) => a !== first));
      return capitalise(`${subject.text} ${be(subject)} ${first} and ${second}.`);
    }
    case 3:
      return `${rng.pick(positive ? POSITIVE_LIKES : NEGATIVE_LIKES)} ${subject.text}.`;
    default:
      return rng.pick(positive ? POSITIVE_SENTENCES : NEGATIVE_SENTENCES);
  }
}

/** A half-hearted or two-sided sentence: the stuff of mixed reviews. */
function hedged(rng: Random, positive: boolean): string {
  const subject = subjectOf(rng);
  if (rng.chance(0.5)) {
    return capitalise(`${subject.text} ${be(subject)} ${rng.pick(HEDGES)} ${rng.pick(LUKEWARM_ADJECTIVES)}.`);
  }
  const other = subjectOf(rng);
  return capitalise(
    `${subject.text} ${be(subject)} ${rng.pick(adjectives(positive))}, ${rng.pick(CONTRASTS)} ` +
      `${other.text} ${be(other)} ${rng.pick(adjectives(!positive))}.`,
  );
}

function neutral(rng: Random, picks: Film): string {
  return fill(rng.pick(rng.chance(0.6) ? PLOT_TEMPLATES : CONTEXT_TEMPLATES), picks, rng);
}

function verdict(rng: Random, positive: boolean, agree: number): string {
  if (agree < 0.7 && rng.chance(0.6)) return rng.pick(MIXED_VERDICTS);
  const score = positive ? rng.int(7, 10) : rng.int(1, 4);
  const line = rng.pick(positive ? POSITIVE_VERDICTS : NEGATIVE_VERDICTS);
  return rng.chance(0.3) ? `${line} ${score} out of 10.` : line;
}

function stance(rng: Random): number {
  let u = rng.next();
  for (const s of STANCES) {
    if (u < s.weight) return s.agree[0] + rng.next() * (s.agree[1] - s.agree[0]);
    u -= s.weight;
  }
  return 1;
}

function sentenceCount(rng: Random): number {
  const n = Math.round(SENTENCES.median * Math.exp(SENTENCES.spread * rng.normal()));
  return Math.min(SENTENCES.max, Math.max(SENTENCES.min, n));
}

/** One whole review: context and premise first, then opinions mixed with plot, then a verdict. */
function review(rng: Random): string {
  const positive = rng.chance(POSITIVE_SHARE);
  const agree = stance(rng);
  const picks = film(rng);
  const sentences = new Set([
    fill(rng.pick(OPENINGS), picks, rng),
    fill(rng.pick(PLOT_TEMPLATES), picks, rng),
  ]);
  const body = sentenceCount(rng) - 1;
  // A repeated sentence is drawn again (a few times at most), so a long review does not read like a loop.
  for (let tries = 0; sentences.size < body && tries < 4 * body; tries++) {
    if (rng.chance(NEUTRAL_SHARE)) sentences.add(neutral(rng, picks));
    else if (rng.chance(agree)) sentences.add(opinion(rng, positive));
    else sentences.add(rng.chance(0.5) ? hedged(rng, positive) : opinion(rng, !positive));
  }
  return [...sentences, verdict(rng, positive, agree)].join(' ');
}

/** A title, a headline or one short comment: the shifted traffic. */
function shortText(rng: Random): string {
  const kind = rng.next();
  const picks = film(rng);
  if (kind < 0.5) return fill(rng.pick(HEADLINE_TEMPLATES), picks, rng);
  if (kind < 0.8) return neutral(rng, picks);
  return opinion(rng, rng.chance(POSITIVE_SHARE));
}

function generate(count: number, seed: number, one: (rng: Random) => string): string[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number, not ${count}`);
  const rng = seededRandom(seed);
  return Array.from({ length: count }, () => one(rng));
}

/** `count` whole reviews the sample model is as sure of as of its held-out set. Same seed, same texts. */
export function demoReviews(count: number, seed: number): string[] {
  return generate(count, seed, review);
}

/** `count` short texts (titles, headlines, one-line comments): traffic the model is unsure of. */
export function shiftedTexts(count: number, seed: number): string[] {
  return generate(count, seed, shortText);
}
