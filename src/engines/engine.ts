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
  /** Dropout rate before each dense layer after the first hidden one (0 disables). */
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
  /** Releases what the engine holds natively (cached sessions); extractors loaded from it stop working. */
  dispose(): Promise<void>;
}
