import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadstartError, invalidOption, rejectUnknownKeys } from '../../core/index.js';
import type { DenseHeadSpec, Engine, ExtractorOptions, FeatureExtractor, LayersArtifacts, ModelFiles, SavedHead, TopSpec, TrainableHead, TrainableTop } from '../engine.js';
import { TfjsEngine } from '../tfjs/tfjs-engine.js';
import { readOnnxFile, cutOnnxModel } from './onnx-file.js';
import { loadOnnxExtractor } from './onnx-extractor.js';
import { listOnnxLayers } from './onnx-layers.js';
import { createOnnxSession } from './onnx-session.js';
import type { OnnxSession } from './onnx-session.js';

export interface OnnxEngineOptions {
  /** Threads onnxruntime uses inside one operator (intraOpNumThreads). @default os.availableParallelism() */
  threads?: number;
}

const KNOWN_OPTIONS = ['threads'];

interface CachedSession {
  /** Size and modification time of the file the session was made from: a rewritten file gets a new session. */
  signature: string;
  session: Promise<OnnxSession>;
}

/**
 * onnxruntime on the CPU for .onnx backbones. Heads and TF.js-format backbones go to an inner TfjsEngine, so one
 * OnnxEngine serves every command. Sessions are cached per (file, cut) and shared by the extractors loaded from them;
 * `dispose()` releases them.
 */
export class OnnxEngine implements Engine {
  readonly name = 'onnxruntime-cpu';
  readonly nativeFormats = ['onnx'] as const;
  /** onnxruntime's intra-op thread count. */
  readonly threads: number;
  private readonly tfjs = new TfjsEngine();
  private readonly sessions = new Map<string, CachedSession>();
  /** Sessions on files that changed since: kept for extractors still using them, released by dispose(). */
  private readonly retired: Promise<OnnxSession>[] = [];

  constructor(options: OnnxEngineOptions = {}) {
    rejectUnknownKeys('OnnxEngine', options, KNOWN_OPTIONS);
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw invalidOption(`Expected threads to be a positive integer. Received: ${String(options.threads)}.`);
    this.threads = threads;
  }

  /** Sessions held open: one per (model file, cut). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  async listLayers(files: ModelFiles) {
    return files.format === 'onnx' ? listOnnxLayers(files) : this.tfjs.listLayers(files);
  }

  async loadExtractor(files: ModelFiles, options: ExtractorOptions): Promise<FeatureExtractor> {
    if (files.format !== 'onnx') return this.tfjs.loadExtractor(files, options);
    return loadOnnxExtractor(await this.session(files.path, options.cut), options);
  }

  createHead(spec: DenseHeadSpec): Promise<TrainableHead> {
    return this.tfjs.createHead(spec);
  }

  loadHead(saved: SavedHead): Promise<TrainableHead> {
    return this.tfjs.loadHead(saved);
  }

  /** Trainable tops are TF.js Layers models: they train in the inner TfjsEngine, as heads do. */
  createTop(spec: TopSpec): Promise<TrainableTop> {
    return this.tfjs.createTop(spec);
  }

  loadTop(saved: { top: LayersArtifacts; head: SavedHead }): Promise<TrainableTop> {
    return this.tfjs.loadTop(saved);
  }

  async dispose(): Promise<void> {
    const open = [...[...this.sessions.values()].map((c) => c.session), ...this.retired];
    this.sessions.clear();
    this.retired.length = 0;
    await Promise.all(open.map((s) => s.then((session) => session.release(), () => undefined)));
    await this.tfjs.dispose();
  }

  /** The cached session on `file` cut at `cut`, made on first use; concurrent callers share one. */
  private async session(file: string, cut: string): Promise<OnnxSession> {
    let signature: string;
    try {
      const stat = await fs.stat(file);
      signature = `${stat.size}:${stat.mtimeMs}`;
    } catch (err) {
      throw new HeadstartError('HS_MODEL_NOT_FOUND', `Cannot read ONNX model ${file}: ${(err as Error).message}.`, { cause: err });
    }
    const key = JSON.stringify([path.resolve(file), cut]);
    const cached = this.sessions.get(key);
    if (cached?.signature === signature) return cached.session;
    if (cached) this.retired.push(cached.session);
    const session = (async () => createOnnxSession(cutOnnxModel(await readOnnxFile(file), cut, file), file, { threads: this.threads }))();
    this.sessions.set(key, { signature, session });
    // A failed load is not cached: the next call tries again (after the user fixed the file or the cut).
    session.catch(() => {
      if (this.sessions.get(key)?.session === session) this.sessions.delete(key);
    });
    return session;
  }
}
