import { invalidChoice, rejectUnknownKeys } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { InputSpec } from '../data/index.js';
import { POOLINGS, createEngine } from '../engines/index.js';
import type { Engine, FeatureExtractor, Pooling } from '../engines/index.js';
import { defaultHome } from './home.js';
import type { ModelCard } from './model-card.js';
import { onnxCopyOfLayers } from './onnx-copy.js';
import { installBackbone } from './registry.js';
import type { InstalledBackbone } from './registry.js';

/** A frozen backbone cut at one layer, with the preprocessing its card prescribes. */
export interface Backbone {
  card: ModelCard;
  cut: string;
  pooling: Pooling;
  input: InputSpec;
  weightsSha256: string;
  /** The files it was loaded from. */
  installed: InstalledBackbone;
  extractor: FeatureExtractor;
  /** Identifies the features this backbone produces; the feature cache is keyed on it. */
  featureKey: string;
  engine: Engine;
  dispose(): void;
}

export interface LoadBackboneOptions {
  /** Layer to cut at. @default the card's defaultCut */
  cut?: string;
  /** @default the card's defaultPooling */
  pooling?: Pooling;
  /** Override the card's preprocessing (only when you know the weights expect something else). @default card.input */
  input?: InputSpec;
  /** @default createEngine() (tfjs-wasm) */
  engine?: Engine;
  /** Folder for converted backbones and user registrations. @default ~/.cache/headstart */
  home?: string;
  onProgress?: ProgressCallback;
}

const KNOWN_OPTIONS = ['cut', 'pooling', 'input', 'engine', 'home', 'onProgress'];

/** Loads a zoo backbone by id (converting a bundled one on first use), or one already on disk, and cuts it. */
export async function loadBackbone(source: string | InstalledBackbone, options: LoadBackboneOptions = {}): Promise<Backbone> {
  rejectUnknownKeys('loadBackbone', options, KNOWN_OPTIONS);
  if (options.pooling !== undefined && !POOLINGS.includes(options.pooling)) throw invalidChoice('pooling', options.pooling, POOLINGS);
  const installed =
    typeof source === 'string' ? await installBackbone(source, { home: options.home ?? defaultHome(), onProgress: options.onProgress }) : source;
  const { card } = installed;
  const { id } = card;
  const cut = options.cut ?? card.defaultCut;
  const pooling = options.pooling ?? card.defaultPooling;
  const input = options.input ?? card.input;
  const ownsEngine = options.engine === undefined;
  const engine = options.engine ?? createEngine();
  // A Keras backbone on an onnxruntime engine runs as its converted ONNX twin, already cut and pooled.
  const convert = installed.files.format === 'tfjs-layers' && !engine.nativeFormats.includes('tfjs-layers') && engine.nativeFormats.includes('onnx');
  const extractor = convert
    ? await engine.loadExtractor(await onnxCopyOfLayers(installed.files, cut, pooling), { cut: 'features', pooling, input })
    : await engine.loadExtractor(installed.files, { cut, pooling, input });
  const featureKey = JSON.stringify({ id, weights: installed.weightsSha256, cut, pooling, input });
  return {
    card,
    cut,
    pooling,
    input,
    weightsSha256: installed.weightsSha256,
    installed,
    extractor,
    featureKey,
    engine,
    dispose: () => {
      extractor.dispose();
      // onnxruntime sessions belong to the engine: release them when the engine was made here.
      if (ownsEngine) void engine.dispose();
    },
  };
}
