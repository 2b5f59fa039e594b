import type { FeatureSet } from '../data/index.js';
import { checkSourceProbabilities, empiricalJoint } from './source-probabilities.js';

/**
 * LEEP (Nguyen et al., ICML 2020): the mean log-likelihood of the target labels under the "expected empirical
 * predictor" built from a source classifier. With theta(x) the source-class probabilities of an image, the empirical
 * joint is P(y, z) = (1/n) sum_{i: y_i = y} theta(x_i)_z, and LEEP = (1/n) sum_i log sum_z P(y_i | z) theta(x_i)_z.
 * At most 0; closer to 0 means the source classes predict the target classes better.
 *
 * @param sourceProbabilities one row of source-class probabilities per target image (e.g. softmaxRows of the
 *   source model's logits), labelled with the target classes.
 * @throws HeadstartError `HS_INVALID_OPTION` when rows are not probability vectors; `HS_DATASET_INVALID` for an
 *   unlabelled row; `HS_DATASET_EMPTY` without rows.
 */
export function scoreLeep(sourceProbabilities: FeatureSet): number {
  checkSourceProbabilities(sourceProbabilities, 'LEEP');
  const { dim: z, values, labels } = sourceProbabilities;
  const n = labels.length;
  const { joint, marginal } = empiricalJoint(sourceProbabilities, 'soft');
  let total = 0;
  labels.forEach((y, r) => {
    let likelihood = 0;
    for (let k = 0; k < z; k++) {
      const pz = marginal[k]!;
      // A source class no image puts mass on contributes nothing (its theta is 0 on every row).
      if (pz > 0) likelihood += (joint[y * z + k]! / pz) * values[r * z + k]!;
    }
    total += Math.log(Math.max(likelihood, Number.MIN_VALUE));
  });
  return total / n;
}
