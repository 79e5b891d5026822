// L2-regularized logistic regression on sparse binary documents, fitted with L-BFGS.
// Full-batch and free of randomness, so the same data gives the same weights every time.

export interface SparseData {
  /** sorted distinct feature ids per document (1-based; 0 is never present) */
  docs: readonly Int32Array[];
  labels: readonly number[];
  /** per-feature scale (the NB ratio, or 1); index 0 unused */
  scale: Float64Array;
  /**
   * per-document weight in the loss (all 1 when absent): lets a small domain count for more than
   * its number of rows; the loss is the weighted mean, so the L2 strength keeps its meaning
   */
  weights?: Float64Array;
}

export interface FitOptions {
  l2: number;
  maxIterations: number;
  /** stop once |gradient| falls below this fraction of its starting value */
  tolerance: number;
  history?: number;
  onProgress?: (p: { iteration: number; loss: number; gradNorm: number }) => void;
}

export interface FittedModel {
  /** theta[0] is the bias, theta[j] the weight of feature j */
  theta: Float64Array;
  iterations: number;
  loss: number;
}

export function docNorm(doc: Int32Array): number {
  return 1 / Math.sqrt(Math.max(doc.length, 1));
}

/** Logit of one document, with the same scaling the ONNX graph applies. */
export function logit(theta: Float64Array, scale: Float64Array, doc: Int32Array): number {
  let s = 0;
  for (let k = 0; k < doc.length; k++) s += theta[doc[k]] * scale[doc[k]];
  return theta[0] + s * docNorm(doc);
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Mean log-loss plus (l2/2)|w|^2; writes the gradient into `grad`. */
export function lossAndGradient(
  data: SparseData,
  theta: Float64Array,
  l2: number,
  grad: Float64Array,
): number {
  const n = data.docs.length;
  const w = data.weights;
  let total = n;
  if (w) {
    total = 0;
    for (let i = 0; i < n; i++) total += w[i];
  }
  grad.fill(0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const doc = data.docs[i];
    const z = logit(theta, data.scale, doc);
    const y = data.labels[i];
    const wi = w ? w[i] : 1;
    loss += wi * softplus(y === 1 ? -z : z);
    const d = (wi * (sigmoid(z) - y)) / total;
    grad[0] += d;
    const dn = d * docNorm(doc);
    for (let k = 0; k < doc.length; k++) grad[doc[k]] += dn * data.scale[doc[k]];
  }
  loss /= total;
  let reg = 0;
  for (let j = 1; j < theta.length; j++) {
    reg += theta[j] * theta[j];
    grad[j] += l2 * theta[j];
  }
  return loss + 0.5 * l2 * reg;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

export function fit(data: SparseData, size: number, opts: FitOptions): FittedModel {
  const m = opts.history ?? 10;
  const dim = size + 1;
  let theta = new Float64Array(dim);
  let grad = new Float64Array(dim);
  let loss = lossAndGradient(data, theta, opts.l2, grad);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(dim);
  const alpha = new Array<number>(m);
  let it = 0;
  const g0 = Math.sqrt(dot(grad, grad));
  for (; it < opts.maxIterations; it++) {
    const gNorm = Math.sqrt(dot(grad, grad));
    opts.onProgress?.({ iteration: it, loss, gradNorm: gNorm });
    if (gNorm <= opts.tolerance * g0) break;

    // two-loop recursion: dir = -H * grad
    dir.set(grad);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], dir);
      for (let i = 0; i < dim; i++) dir[i] -= alpha[k] * Y[k][i];
    }
    const gamma = S.length
      ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1])
      : 1 / gNorm;
    for (let i = 0; i < dim; i++) dir[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], dir);
      for (let i = 0; i < dim; i++) dir[i] += S[k][i] * (alpha[k] - beta);
    }
    for (let i = 0; i < dim; i++) dir[i] = -dir[i];

    // backtracking line search with the Armijo condition
    const slope = dot(grad, dir);
    if (slope >= 0) break; // not a descent direction: converged as far as float allows
    let step = 1;
    const next = new Float64Array(dim);
    const nextGrad = new Float64Array(dim);
    let nextLoss = Infinity;
    for (let tries = 0; tries < 20; tries++) {
      for (let i = 0; i < dim; i++) next[i] = theta[i] + step * dir[i];
      nextLoss = lossAndGradient(data, next, opts.l2, nextGrad);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextLoss < loss)) break;
    const s = new Float64Array(dim);
    const y = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      s[i] = next[i] - theta[i];
      y[i] = nextGrad[i] - grad[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    // past this the validation accuracy no longer moves; measured in docs/model.md
    const converged = (loss - nextLoss) / Math.abs(loss) < 1e-8;
    theta = next;
    grad = nextGrad;
    loss = nextLoss;
    if (converged) break;
  }
  return { theta, iterations: it, loss };
}

export function predict(theta: Float64Array, scale: Float64Array, doc: Int32Array): number {
  return sigmoid(logit(theta, scale, doc));
}
