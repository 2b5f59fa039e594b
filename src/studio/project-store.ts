import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeImage, HeadstartError, writeFileAtomic } from '../index.js';
import type { InputSpec } from '../index.js';
import { checkFileName, checkLabel, safeFileName } from './safe-names.js';

export type ProjectModality = 'image' | 'text';
export const PROJECT_MODALITIES: readonly ProjectModality[] = ['image', 'text'];

/** The file that marks a folder as a studio project. */
export const PROJECT_FILE = 'project.json';
/** `<project>/classes/<label>/<files>`: exactly what `headstart train --data` reads. */
export const CLASSES_DIR = 'classes';
/** The model `train` writes, and the exports made from it. */
export const MODEL_DIR = 'model';
export const EXPORTS_DIR = 'exports';

const FORMAT = 'headstart-studio-project';
const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif'];
/** A tiny decode target: enough for the decoder to read every byte of the file, cheap to produce. */
const PROBE_SPEC: InputSpec = { height: 8, width: 8, channelOrder: 'rgb', resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1] };

export interface ProjectInfo {
  format: typeof FORMAT;
  version: 1;
  name: string;
  modality: ProjectModality;
  createdAt: string;
}

export interface ClassSummary {
  label: string;
  /** Example file names, sorted. */
  examples: string[];
  /** Text projects: each example's text, in the order of `examples`. */
  texts?: { name: string; text: string }[];
}

/** One project folder. Every path it touches is built from checked names and verified to stay inside `dir`. */
export class ProjectStore {
  private constructor(
    readonly dir: string,
    readonly info: ProjectInfo,
  ) {}

  /** The project in `dir`, or undefined when the folder holds no project.json yet. */
  static async open(dir: string): Promise<ProjectStore | undefined> {
    const root = path.resolve(dir);
    let text: string;
    try {
      text = await fs.readFile(path.join(root, PROJECT_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const info = parseProjectInfo(text, path.join(root, PROJECT_FILE));
    await fs.mkdir(path.join(root, CLASSES_DIR), { recursive: true });
    return new ProjectStore(root, info);
  }

  /** Makes `dir` a project: writes project.json and an empty classes/ folder. Refuses a folder that already is one. */
  static async create(dir: string, options: { name: string; modality: ProjectModality }): Promise<ProjectStore> {
    const root = path.resolve(dir);
    if (await ProjectStore.open(root)) throw new HeadstartError('HS_INVALID_OPTION', `${root} is already a project: open it instead.`);
    if (!PROJECT_MODALITIES.includes(options.modality)) {
      throw new HeadstartError('HS_INVALID_OPTION', `Expected the project kind to be one of 'image', 'text'. Received: '${String(options.modality)}'.`);
    }
    const name = typeof options.name === 'string' && options.name.trim() !== '' ? options.name.trim().slice(0, 100) : path.basename(root);
    const info: ProjectInfo = { format: FORMAT, version: 1, name, modality: options.modality, createdAt: new Date().toISOString() };
    await fs.mkdir(path.join(root, CLASSES_DIR), { recursive: true });
    await writeFileAtomic(path.join(root, PROJECT_FILE), `${JSON.stringify(info, null, 2)}\n`);
    return new ProjectStore(root, info);
  }

  get classesDir(): string {
    return path.join(this.dir, CLASSES_DIR);
  }

  get modelDir(): string {
    return path.join(this.dir, MODEL_DIR);
  }

  /** A path inside the project; throws if `parts` would leave it (they are checked names, so this is a second guard). */
  inside(...parts: string[]): string {
    const full = path.resolve(this.dir, ...parts);
    const rel = path.relative(this.dir, full);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new HeadstartError('HS_INVALID_OPTION', `${parts.join('/')} is outside the project.`);
    return full;
  }

  async listClasses(): Promise<ClassSummary[]> {
    const entries = await fs.readdir(this.classesDir, { withFileTypes: true });
    const classes: ClassSummary[] = [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const files = await fs.readdir(path.join(this.classesDir, entry.name), { withFileTypes: true });
      const examples = files.filter((f) => f.isFile() && !f.name.startsWith('.')).map((f) => f.name).sort();
      const summary: ClassSummary = { label: entry.name, examples };
      if (this.info.modality === 'text') {
        const dir = path.join(this.classesDir, entry.name);
        summary.texts = await Promise.all(examples.map(async (name) => ({ name, text: (await fs.readFile(path.join(dir, name), 'utf8')).trim() })));
      }
      classes.push(summary);
    }
    return classes;
  }

  private classDir(label: string): string {
    return this.inside(CLASSES_DIR, checkLabel(label));
  }

  private async existingClassDir(label: string): Promise<string> {
    const dir = this.classDir(label);
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new HeadstartError('HS_UNKNOWN_LABEL', `There is no class "${label}" in this project: add it first.`);
    return dir;
  }

  async addClass(raw: string): Promise<string> {
    const label = checkLabel(raw);
    const dir = this.classDir(label);
    if (await fs.stat(dir).catch(() => undefined)) throw new HeadstartError('HS_INVALID_OPTION', `Class "${label}" already exists.`);
    await fs.mkdir(dir);
    return label;
  }

  async renameClass(from: string, to: string): Promise<string> {
    const source = await this.existingClassDir(from);
    const label = checkLabel(to);
    const target = this.classDir(label);
    if (source === target) return label;
    if (await fs.stat(target).catch(() => undefined)) throw new HeadstartError('HS_INVALID_OPTION', `Class "${label}" already exists: pick another name.`);
    await fs.rename(source, target);
    return label;
  }

  /** Removes a class that has no examples; one with examples must be emptied first, so nothing is lost by a click. */
  async deleteClass(label: string): Promise<void> {
    const dir = await this.existingClassDir(label);
    const files = await fs.readdir(dir);
    if (files.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `Class "${label}" still has ${files.length} examples: delete them first.`);
    await fs.rmdir(dir);
  }

  /**
   * Stores an uploaded image after decoding it with headstart's own decoder, so a file the trainer could not read
   * never enters the data. Returns the stored name (the upload's name made safe, numbered when taken).
   * @throws HeadstartError `HS_IMAGE_UNREADABLE` naming the file.
   */
  async addImage(label: string, uploadName: string, bytes: Uint8Array): Promise<string> {
    if (this.info.modality !== 'image') throw new HeadstartError('HS_INVALID_OPTION', 'This is a text project: paste sentences instead of uploading images.');
    const dir = await this.existingClassDir(label);
    const name = safeFileName(uploadName, 'image.jpg');
    const ext = path.extname(name).toLowerCase();
    if (!IMAGE_EXTENSIONS.includes(ext)) {
      throw new HeadstartError('HS_IMAGE_UNREADABLE', `${name}: not an image file name (expected ${IMAGE_EXTENSIONS.join(', ')}); it was not added.`);
    }
    await decodeImage(bytes, name, PROBE_SPEC);
    const stored = await freeName(dir, name);
    await writeFileAtomic(path.join(dir, stored), bytes);
    return stored;
  }

  /** One .txt file per non-empty line, named by its content so the same sentence is stored once. */
  async addTexts(label: string, text: string): Promise<{ added: string[]; duplicates: number }> {
    if (this.info.modality !== 'text') throw new HeadstartError('HS_INVALID_OPTION', 'This is an image project: upload images instead of pasting text.');
    const dir = await this.existingClassDir(label);
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    if (lines.length === 0) throw new HeadstartError('HS_DATASET_EMPTY', 'No text to add: paste one example per line.');
    const added: string[] = [];
    let duplicates = 0;
    for (const line of lines) {
      const name = `${createHash('sha256').update(line).digest('hex').slice(0, 12)}.txt`;
      const file = path.join(dir, name);
      if (await fs.stat(file).catch(() => undefined)) {
        duplicates++;
        continue;
      }
      await writeFileAtomic(file, `${line}\n`);
      added.push(name);
    }
    return { added, duplicates };
  }

  async deleteExample(label: string, name: string): Promise<void> {
    const file = this.inside(CLASSES_DIR, checkLabel(label), checkFileName(name));
    try {
      await fs.unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HeadstartError('HS_FILE_NOT_FOUND', `${label}/${name} is not in this project.`);
      throw err;
    }
  }

  /** The path of one stored example, for serving it. */
  examplePath(label: string, name: string): string {
    return this.inside(CLASSES_DIR, checkLabel(label), checkFileName(name));
  }
}

function parseProjectInfo(text: string, file: string): ProjectInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HeadstartError('HS_DATASET_INVALID', `${file} is not valid JSON: fix or delete it.`);
  }
  const v = value as Partial<ProjectInfo> | null;
  if (!v || v.format !== FORMAT || v.version !== 1 || typeof v.name !== 'string' || !PROJECT_MODALITIES.includes(v.modality as ProjectModality)) {
    throw new HeadstartError('HS_DATASET_INVALID', `${file} is not a headstart studio project file (expected format "${FORMAT}", version 1, a name and a modality).`);
  }
  return { format: FORMAT, version: 1, name: v.name, modality: v.modality as ProjectModality, createdAt: String(v.createdAt ?? '') };
}

/** `name`, or `name-2`, `name-3`, … before the extension when taken. */
async function freeName(dir: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem}-${n}${ext}`;
    if (!(await fs.stat(path.join(dir, candidate)).catch(() => undefined))) return candidate;
  }
}
