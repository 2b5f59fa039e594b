import { invalidOption, rejectUnknownKeys } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { checkLabelledFeatures, classIndicators, rowsByClass } from './feature-checks.js';
import { singularProjections } from './linear-algebra.js';

export interface ScoreHScoreOptions {
  /**
   * How the feature covariance is regularised before it is inverted. 'ledoit-wolf': shrink towards a multiple of
   * the identity by the Ledoit-Wolf (2004) intensity, as Ibrahim et al. (ICLR 2023) recommend for H-score with
   * more dimensions than samples. A number in [0, 1]: that fixed intensity; 0 is the plain pseudo-inverse of the
   * original H-score. @default 'ledoit-wolf'
   */
  shrinkage?: 'ledoit-wolf' | number;
}

export const SCORE_H_SCORE_DEFAULTS: Required<ScoreHScoreOptions> = { shrinkage: 'ledoit-wolf' };

/** Eigenvalues below this fraction of the largest are treated as zero by the pseudo-inverse. */
const PINV_TOLERANCE = 1e-12;

/**
 * H-score (Bao et al., ICIP 2019): tr(cov(f)^-1 cov(E[f | y])), how much of the feature variance lies between the
 * class means. Computed in the SVD basis of the centred features, where the between-class covariance lives, so the
 * cost follows min(n, d) rather than d. The covariance is regularised (see `shrinkage`) because with fewer images
 * than dimensions it is singular and its plain inverse is dominated by noise directions.
 *
 * @throws HeadstartError `HS_DATASET_EMPTY` without rows; `HS_DATASET_INVALID` for an unlabelled row;
 *   `HS_INVALID_OPTION` for a malformed feature set or shrinkage.
 */
export function scoreHScore(features: FeatureSet, options: ScoreHScoreOptions = {}): number {
  rejectUnknownKeys('scoreHScore', options, Object.keys(SCORE_H_SCORE_DEFAULTS));
  const { shrinkage } = { ...SCORE_H_SCORE_DEFAULTS, ...options };
  if (shrinkage !== 'ledoit-wolf' && !(typeof shrinkage === 'number' && shrinkage >= 0 && shrinkage <= 1)) {
    throw invalidOption(`Expected shrinkage to be 'ledoit-wolf' or a number from 0 to 1. Received: ${String(shrinkage)}.`);
  }
  checkLabelledFeatures(features, 'H-score');
  const n = features.labels.length;
  const d = features.dim;
  const mean = new Float64Array(d);
  features.values.forEach((v, i) => (mean[i % d] = mean[i % d]! + v / n));
  const centred = Float64Array.from(features.values, (v, i) => v - mean[i % d]!);
  const byClass = rowsByClass(features.labels);
  const svd = singularProjections(centred, n, d, classIndicators(byClass, n));
  // Covariance S = X^T X / n of the centred rows X: eigenvalues s_i^2 / n, zero outside the span of the rows.
  const eigenvalues = svd.squaredSingularValues.map((s2) => s2 / n);
  const trace = eigenvalues.reduce((a, b) => a + b, 0);
  if (trace === 0) return 0; // constant features: no variance, so none between the classes either
  const target = trace / d;
  let intensity: number;
  if (shrinkage === 'ledoit-wolf') {
    // With the Frobenius norm scaled by 1/d: delta^2 = |S - target I|^2, beta^2 = (1/n^2) sum_k |x_k x_k^T - S|^2,
    // and sum_k |x_k x_k^T - S|^2 = sum_k |x_k|^4 - n |S|^2 since S = (1/n) sum_k x_k x_k^T.
    const frobenius2 = eigenvalues.reduce((a, l) => a + l * l, 0);
    const delta2 = frobenius2 / d - target * target;
    let fourth = 0;
    for (let r = 0; r < n; r++) {
      let norm2 = 0;
      for (let k = 0; k < d; k++) norm2 += centred[r * d + k]! ** 2;
      fourth += norm2 * norm2;
    }
    const beta2 = Math.max(0, (fourth - n * frobenius2) / (n * n * d));
    intensity = delta2 > 0 ? Math.min(1, beta2 / delta2) : 1;
  } else {
    intensity = shrinkage;
  }
  // Regularised covariance (1 - a) S + a target I has eigenvalues (1 - a) l_i + a target along u-directions. Each
  // class mean offset m_c = X^T e_c / n_c lies in the span of the rows, so only those directions enter the trace:
  // m_c^T C^-1 m_c = sum_i (s_i u_i^T e_c / n_c)^2 / c_i.
  const largest = eigenvalues[0] ?? 0;
  const inverse = eigenvalues.map((l) => {
    const c = (1 - intensity) * l + intensity * target;
    return c > largest * PINV_TOLERANCE ? 1 / c : 0;
  });
  let score = 0;
  [...byClass.values()].forEach((rows, c) => {
    const nc = rows.length;
    const projections = svd.projections[c] as Float64Array;
    let quadratic = 0;
    for (let i = 0; i < svd.rank; i++) {
      const component = (Math.sqrt(svd.squaredSingularValues[i]!) * projections[i]!) / nc;
      quadratic += component * component * inverse[i]!;
    }
    score += (nc / n) * quadratic;
  });
  return score;
}
