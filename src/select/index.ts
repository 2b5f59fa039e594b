// Source-model selection: transferability scores computed on features, without fine-tuning.
export { scoreLogMe } from './logme.js';
export { scoreLeep } from './leep.js';
export { scoreNce } from './nce.js';
export { scoreHScore, SCORE_H_SCORE_DEFAULTS } from './h-score.js';
export type { ScoreHScoreOptions } from './h-score.js';
export { softmaxRows } from './source-probabilities.js';
export { spearmanCorrelation, kendallTau } from './rank-correlation.js';
export { symmetricEigen } from './linear-algebra.js';
export { chooseBackbones } from './choose-backbone.js';
export type { BackboneCandidate, BackboneChoice } from './choose-backbone.js';
