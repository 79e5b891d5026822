// Calibration of the fitted logits on the validation split: p = sigmoid(scale · z + shift). It folds
// into the exported weights and bias (train.ts), so the graph computes it at no cost.
//
// `scale` alone (a temperature) changes how confident the model is, never what it decides. `shift`
// moves the decision threshold too; measured on the validation split it cost accuracy and tilted
// short texts negative (docs/model.md, "What was tried"), so the trainer fits the scale only unless
// asked for both. Every domain gets the same total weight in the fit: one large domain must not
// set the confidence of the others.
import { sigmoid } from './logreg';

export interface Calibration {
  scale: number;
  shift: number;
}

export const IDENTITY: Calibration = { scale: 1, shift: 0 };

/** What `fitCalibration` fits: the scale only, the scale and the shift (Platt scaling), or nothing. */
export type CalibrationMode = 'scale' | 'platt' | 'none';

export const CALIBRATION_MODES: readonly CalibrationMode[] = ['scale', 'platt', 'none'];

/** Weights that give each group (domain) the same total, so the mean is over groups. */
export function groupWeights(groups: readonly string[]): Float64Array {
  const n = new Map<string, number>();
  for (const g of groups) n.set(g, (n.get(g) ?? 0) + 1);
  return Float64Array.from(groups, (g) => 1 / n.get(g)!);
}

/** Weighted mean log-loss of sigmoid(scale · z + shift) against the labels. */
export function calibratedLoss(
  c: Calibration,
  z: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
): number {
  let loss = 0;
  let total = 0;
  for (let i = 0; i < z.length; i++) {
    const t = c.scale * z[i] + c.shift;
    const m = y[i] === 1 ? -t : t; // softplus(m) is the log-loss
    loss += w[i] * (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)));
    total += w[i];
  }
  return loss / total;
}

/**
 * Newton's method on the parameters (the loss is convex in them), halving a step that does not
 * lower the loss. Deterministic, so the same logits always give the same calibration.
 */
export function fitCalibration(
  z: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> = new Float64Array(z.length).fill(1),
  mode: CalibrationMode = 'platt',
): Calibration {
  let c = { ...IDENTITY };
  if (mode === 'none') return c;
  let loss = calibratedLoss(c, z, y, w);
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(c.scale * z[i] + c.shift);
      const d = w[i] * (p - y[i]);
      const h = w[i] * p * (1 - p);
      ga += d * z[i];
      gb += d;
      haa += h * z[i] * z[i];
      hab += h * z[i];
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    const da = mode === 'scale' ? ga / haa : (hbb * ga - hab * gb) / det;
    const db = mode === 'scale' ? 0 : (haa * gb - hab * ga) / det;
    let step = 1;
    let next = c;
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      next = { scale: c.scale - step * da, shift: c.shift - step * db };
      nextLoss = calibratedLoss(next, z, y, w);
      if (nextLoss <= loss) break;
      step /= 2;
    }
    if (!(nextLoss <= loss)) break;
    const moved = Math.abs(next.scale - c.scale) + Math.abs(next.shift - c.shift);
    c = next;
    loss = nextLoss;
    if (moved < 1e-10) break;
  }
  return c;
}
