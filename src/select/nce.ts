import type { FeatureSet } from '../data/index.js';
import { checkSourceProbabilities, empiricalJoint } from './source-probabilities.js';

/**
 * NCE (Tran et al., ICCV 2019): the negative conditional entropy -H(Y | Z) of the target label Y given the source
 * classifier's hard prediction Z = argmax theta(x), from the empirical joint of the two over the target images.
 * At most 0; 0 means the source prediction determines the target label.
 *
 * @param sourceProbabilities one row of source-class probabilities per target image, labelled with the target
 *   classes.
 * @throws HeadstartError `HS_INVALID_OPTION` when rows are not probability vectors; `HS_DATASET_INVALID` for an
 *   unlabelled row; `HS_DATASET_EMPTY` without rows.
 */
export function scoreNce(sourceProbabilities: FeatureSet): number {
  checkSourceProbabilities(sourceProbabilities, 'NCE');
  const { dim: z } = sourceProbabilities;
  const classes = sourceProbabilities.classes.length;
  const { joint, marginal } = empiricalJoint(sourceProbabilities, 'hard');
  let nce = 0;
  for (let y = 0; y < classes; y++) {
    for (let k = 0; k < z; k++) {
      const p = joint[y * z + k]!;
      if (p > 0) nce += p * Math.log(p / marginal[k]!);
    }
  }
  return nce;
}
