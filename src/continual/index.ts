// Continual learning on frozen features: learners that grow a head by new examples and new classes.
export { CONTINUAL_STRATEGIES, CONTINUAL_DEFAULTS } from './learner.js';
export type { ContinualStrategy, ContinualOptions, ContinualLearner, LearnContext, LearnerMemory } from './learner.js';
export { createLearner, loadLearner, resolveContinualOptions } from './create-learner.js';
export { solveLda, oasShrinkage } from './slda.js';
export type { SldaState, LdaSolution } from './slda.js';
export { herdingSelection } from './herding.js';
export { STATE_JSON, STATE_BIN } from './state-file.js';
