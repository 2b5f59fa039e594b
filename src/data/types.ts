/** One labelled file of a dataset. `label` is the class name. */
export interface LabeledItem {
  path: string;
  label: string;
}

/** A file that was passed over, and why (the CLI prints these; the result JSON lists them). */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** What to do with a corrupt or unsupported file: report and skip it, or refuse the whole run. */
export type BadFilePolicy = 'skip' | 'error';

/** A labelled image dataset, as listed from a folder or a manifest. Nothing is decoded yet. */
export interface ImageDataset {
  /** The folder or manifest it came from. */
  source: string;
  /** Class names, sorted; a label's index in this list is its class id. */
  classes: string[];
  items: LabeledItem[];
  /** Files found but not usable (unsupported extension, listed in a manifest but missing). */
  skipped: SkippedFile[];
}

/**
 * How pixels become a model input. Read from the model card, never guessed.
 * Pixel values are in 0..255 before normalisation: x' = (x - mean[c]) / std[c].
 */
export interface InputSpec {
  /** Input height and width in pixels. */
  height: number;
  width: number;
  /** Channel order of the model's input. */
  channelOrder: 'rgb' | 'bgr';
  /** 'center-crop': scale the short side to fit, crop the centre; 'stretch': resize to the exact size. */
  resize: 'center-crop' | 'stretch';
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * Tensor layout the model's input expects. Decoding always yields HWC pixels; an engine transposes for 'nchw'.
   * @default 'nhwc'
   */
  layout?: 'nhwc' | 'nchw';
}

/** Features of a dataset's files, row-major: row i of `values` (length n * dim) belongs to `files[i]`. */
export interface FeatureSet {
  values: Float32Array;
  dim: number;
  files: string[];
  /** Class id of each row (index into `classes`), or -1 for unlabelled files. */
  labels: Int32Array;
  classes: string[];
}
