import type { InputSpec } from '../data/index.js';

/** How a feature map becomes a vector. */
export type Pooling = 'avg' | 'max' | 'flatten';
export const POOLINGS: readonly Pooling[] = ['avg', 'max', 'flatten'];

/** 'tfjs-layers': a TF.js Layers model.json; 'tfjs-graph': a TF.js graph model.json; 'onnx': an .onnx file. */
export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';
export const MODEL_FORMATS: readonly ModelFormat[] = ['tfjs-layers', 'tfjs-graph', 'onnx'];

/** Model files on disk that an engine can load. */
export interface ModelFiles {
  format: ModelFormat;
  /** The model.json (weight shards are resolved beside it) or the .onnx file. */
  path: string;
}

export interface ExtractorOptions {
  /** Layer (Layers models), node (TF.js graph models) or value name (ONNX) whose output becomes the features. */
  cut: string;
  pooling: Pooling;
  input: InputSpec;
}

/** A frozen backbone cut at one layer: pixels in, one feature vector per image out. */
export interface FeatureExtractor {
  /** Length of one feature vector. */
  readonly dim: number;
  /**
   * Shape of the cut layer's output for one image, before pooling: [h, w, c] for TF.js, [c, h, w] for ONNX
   * (each runtime's own convention).
   */
  readonly cutShape: number[];
  /**
   * Runs a batch. `pixels` holds `count` preprocessed images, HWC row-major (length count*h*w*3).
   * Resolves to count*dim values.
   */
  extract(pixels: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

/** Architecture of a dense classifier head on feature vectors. */
export interface DenseHeadSpec {
  inputDim: number;
  classes: number;
  /** Width of each hidden layer; empty for softmax regression. */
  hidden: number[];
  /** Dropout rate before each dense layer after the first hidden one, and on the input of a head without hidden layers (0 disables). */
  dropout: number;
  /** L2 penalty on kernels. */
  l2: number;
  seed: number;
}

/** Head weights in TF.js Layers format, ready to write as model.json + weights.bin. */
export interface SavedHead {
  modelJson: object;
  weights: Uint8Array;
}

/** A dense classifier held by an engine. The training loop lives outside (heads/); this only steps. */
export interface TrainableHead {
  readonly spec: DenseHeadSpec;
  /** One optimiser step on a batch; resolves to the batch loss (cross-entropy plus L2). */
  trainBatch(x: Float32Array, y: Int32Array, options: { learningRate: number; labelSmoothing?: number }): Promise<number>;
  /** Class probabilities, count*classes values. */
  predict(x: Float32Array, count: number): Promise<Float32Array>;
  /** Mean cross-entropy of a labelled set, without updating anything. */
  evaluateLoss(x: Float32Array, y: Int32Array): Promise<number>;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  save(): Promise<SavedHead>;
  dispose(): void;
}

/** A TF.js Layers model in memory: model.json content (weightsManifest paths ['weights.bin']) and its weight bytes. */
export interface LayersArtifacts {
  modelJson: object;
  weights: Uint8Array;
}

/** How BatchNormalization layers of a trainable top behave while it trains. */
export type BatchNormMode = 'frozen' | 'train';
export const BATCH_NORM_MODES: readonly BatchNormMode[] = ['frozen', 'train'];

/** A group of the top's layers that shares one learning rate (fastai's parameter groups). */
export interface ParameterGroup {
  name: string;
  /** Layer names of the top in this group. */
  layers: string[];
}

/** The name of the head's parameter group, always the last one. */
export const HEAD_GROUP = 'head';

/**
 * The trainable part of a network split at a freeze boundary: the top layers of a TF.js Layers backbone (from the
 * boundary layer's output to the cut), pooled, then a dense head. The frozen trunk below runs elsewhere.
 */
export interface TopSpec {
  /** A TF.js Layers model holding the top's layers: a whole backbone, or a sub-model already cut out. */
  model: ModelFiles | LayersArtifacts;
  /** Layer whose output feeds the top: the freeze boundary. @default the model's input */
  input?: string;
  /** Layer whose output is pooled for the head: the cut. @default the model's output */
  output?: string;
  /** 'avg' or 'max' over height and width, or 'flatten' (NHWC order). */
  pooling: Pooling;
  /**
   * Layout of the boundary activations the top is fed: 'nchw' for an ONNX trunk's flattened maps ([c, h, w] per
   * image), which the top permutes to its own NHWC as its first layer. @default 'nhwc'
   */
  inputLayout?: 'nhwc' | 'nchw';
  head: Omit<DenseHeadSpec, 'inputDim'>;
  /** Parameter groups bottom to top; every top layer with weights must be in exactly one. The head group follows. */
  groups: ParameterGroup[];
  /**
   * 'frozen': every BatchNormalization runs in inference mode (moving statistics, never updated), while its scale and
   * offset train with their group, as Keras's fine-tuning guide advises for small datasets. 'train': the BN layers of
   * groups with a learning rate above 0 normalise with batch statistics and update their moving averages.
   */
  batchNorm: BatchNormMode;
}

/** Per-step settings of a trainable top. */
export interface TopStepOptions {
  /** Adam step size per parameter group (HEAD_GROUP included); a group that is missing or 0 is frozen. */
  learningRates: Record<string, number>;
  /** @default 0 */
  labelSmoothing?: number;
  /** L2 penalty on the kernels of the trained groups (on the head only when l2sp is set). @default 0 */
  weightDecay?: number;
  /** L2-SP: penalty on the squared distance of the trained top weights from their pretrained values. @default 0 */
  l2sp?: number;
}

/** Weights and optimiser state of a trainable top, enough to continue training exactly where it stopped. */
export interface TopState {
  weights: Float32Array[];
  /** Adam's state per parameter group, by group name: [step count, beta1^t, beta2^t], then its first and second moments. */
  optimizers: Record<string, Float32Array[]>;
  /** The seeds the head's Dropout layers draw their next masks from (they move on every step). */
  dropoutSeeds: number[];
}

/** A trainable top held by an engine; the loop lives outside (finetune/). Inputs are boundary activations, NHWC. */
export interface TrainableTop {
  /** One image's boundary activation shape, [height, width, channels]. */
  readonly inputShape: number[];
  /** Length of the pooled vector the head reads. */
  readonly featureDim: number;
  readonly classes: number;
  /** Parameter group names, bottom to top, HEAD_GROUP last. */
  readonly groups: readonly string[];
  /** One optimiser step per group with a learning rate; resolves to the batch loss (cross-entropy plus penalties). */
  trainBatch(x: Float32Array, y: Int32Array, options: TopStepOptions): Promise<number>;
  /** Class probabilities, count*classes values, everything in inference mode. */
  predict(x: Float32Array, count: number): Promise<Float32Array>;
  /** The pooled vectors the head reads, count*featureDim values, in inference mode. */
  features(x: Float32Array, count: number): Promise<Float32Array>;
  /** Mean cross-entropy of a labelled set, in inference mode. */
  evaluateLoss(x: Float32Array, y: Int32Array): Promise<number>;
  /** Every weight, top then head (BatchNorm moving statistics included). */
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  /** The head's weights alone, [kernel, bias] per dense layer. */
  setHeadWeights(weights: Float32Array[]): void;
  getState(): Promise<TopState>;
  setState(state: TopState): Promise<void>;
  /** The top as a Layers model (boundary activation in, pooled vector out) and the head, as a SavedHead. */
  save(): Promise<{ top: LayersArtifacts; head: SavedHead }>;
  dispose(): void;
}

/** The one interface every runtime implements (tfjs-wasm, onnxruntime). */
export interface Engine {
  readonly name: string;
  /** Formats this engine runs with its own runtime (others it may hand to a fallback, or convert first). */
  readonly nativeFormats: readonly ModelFormat[];
  /** Layer names of a model, in graph order, with their output shapes: the places a user can cut. */
  listLayers(files: ModelFiles): Promise<{ name: string; className: string; shape: (number | null)[] }[]>;
  loadExtractor(files: ModelFiles, options: ExtractorOptions): Promise<FeatureExtractor>;
  createHead(spec: DenseHeadSpec): Promise<TrainableHead>;
  loadHead(saved: SavedHead): Promise<TrainableHead>;
  /** Builds a trainable top (TF.js Layers layers plus a new dense head); see TopSpec. */
  createTop(spec: TopSpec): Promise<TrainableTop>;
  /** Loads a top saved by `TrainableTop.save`, one group for the top layers, ready to predict or train on. */
  loadTop(saved: { top: LayersArtifacts; head: SavedHead }): Promise<TrainableTop>;
  /** Releases what the engine holds natively (cached sessions); extractors loaded from it stop working. */
  dispose(): Promise<void>;
}
