import type { FeatureSet } from '../data/index.js';
import { checkLabelledFeatures, classIndicators, rowsByClass } from './feature-checks.js';
import { singularProjections } from './linear-algebra.js';

/** Fixed-point iterations stop when alpha and beta both change by less than this fraction. */
const TOLERANCE = 1e-8;
const MAX_ITERATIONS = 200;
/** alpha and beta stay within [1/BOUND, BOUND]: a target that the features fit exactly (or not at all) would send one to infinity. */
const BOUND = 1e30;

const clamp = (x: number): number => Math.min(BOUND, Math.max(1 / BOUND, x));

/** Maximised log evidence of one target vector, and where the maximum is. */
export interface LogEvidence {
  /** Log evidence divided by the number of rows. */
  evidencePerRow: number;
  alpha: number;
  beta: number;
  iterations: number;
}

/**
 * Log evidence per row of the Bayesian linear model y = F w + noise, w ~ N(0, 1/alpha I), noise ~ N(0, 1/beta),
 * maximised over alpha and beta by MacKay's fixed-point updates (LogME, You et al. 2021):
 *   gamma = sum_i beta s_i^2 / (alpha + beta s_i^2), alpha <- gamma / |m|^2, beta <- (n - gamma) / |F m - y|^2,
 * all in the SVD basis of F. `projections[i]` is u_i^T y, `yNorm2` is |y|^2. Only the rank of F enters, not its
 * width: directions with zero singular value cancel between the prior and log|A|.
 */
export function maximizeLogEvidence(squaredSingularValues: Float64Array, projections: Float64Array, yNorm2: number, n: number): LogEvidence {
  const rank = squaredSingularValues.length;
  let projected2 = 0;
  for (let i = 0; i < rank; i++) projected2 += projections[i]! ** 2;
  // |y|^2 minus its part in the span of F: what no weight vector can fit.
  const outside = Math.max(0, yNorm2 - projected2);

  const terms = (alpha: number, beta: number) => {
    let gamma = 0;
    let weight2 = 0;
    let residual2 = outside;
    let logDet = 0;
    for (let i = 0; i < rank; i++) {
      const s2 = squaredSingularValues[i]!;
      const z2 = projections[i]! ** 2;
      const denominator = alpha + beta * s2;
      gamma += (beta * s2) / denominator;
      weight2 += (beta * beta * s2 * z2) / (denominator * denominator);
      residual2 += ((alpha * alpha) / (denominator * denominator)) * z2;
      logDet += Math.log(denominator);
    }
    return { gamma, weight2, residual2, logDet };
  };

  let alpha = 1;
  let beta = 1;
  let iterations = 0;
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    const { gamma, weight2, residual2 } = terms(alpha, beta);
    const nextAlpha = clamp(weight2 > 0 ? gamma / weight2 : BOUND);
    const nextBeta = clamp(residual2 > 0 ? (n - gamma) / residual2 : BOUND);
    const converged = Math.abs(nextAlpha - alpha) <= TOLERANCE * alpha && Math.abs(nextBeta - beta) <= TOLERANCE * beta;
    alpha = nextAlpha;
    beta = nextBeta;
    if (converged) break;
  }
  const { weight2, residual2, logDet } = terms(alpha, beta);
  // log p(y | alpha, beta) with the D - rank zero directions cancelled (their log alpha terms meet in the prior and log|A|).
  const evidence =
    (n / 2) * Math.log(beta) +
    (rank / 2) * Math.log(alpha) -
    (n / 2) * Math.log(2 * Math.PI) -
    (beta / 2) * residual2 -
    (alpha / 2) * weight2 -
    logDet / 2;
  return { evidencePerRow: evidence / n, alpha, beta, iterations };
}

/**
 * LogME (You et al., ICML 2021): the log of the maximum evidence of a Bayesian linear regression from the features
 * to each class's one-hot indicator, per row, averaged over the classes present. Higher means the features separate
 * the target classes better. Features are used as they are (no centring or scaling), as in the paper.
 *
 * @throws HeadstartError `HS_DATASET_EMPTY` without rows; `HS_DATASET_INVALID` for an unlabelled row;
 *   `HS_INVALID_OPTION` for a malformed feature set or a non-finite value.
 */
export function scoreLogMe(features: FeatureSet): number {
  checkLabelledFeatures(features, 'LogME');
  const n = features.labels.length;
  const classes = rowsByClass(features.labels);
  // One-hot targets: each class's 0/1 indicator, regressed on the features separately.
  const svd = singularProjections(features.values, n, features.dim, classIndicators(classes, n));
  let total = 0;
  [...classes.values()].forEach((rows, c) => {
    total += maximizeLogEvidence(svd.squaredSingularValues, svd.projections[c] as Float64Array, rows.length, n).evidencePerRow;
  });
  return total / classes.size;
}
