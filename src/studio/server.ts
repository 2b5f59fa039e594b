import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultHome, exportModel, HEAD_KINDS, HeadstartError, listBackbones, listTextBackbones, loadModel, loadTextModel, predict, readModelManifest, TRAIN_DEFAULTS,
} from '../index.js';
import type { ProgressEvent, TextTransferModel, TransferModel } from '../index.js';
import { createDemoProject } from './demo-project.js';
import { contentType, HttpError, MAX_UPLOAD_BYTES, readBody, readJson, sendError, sendJson } from './http-io.js';
import { EXPORTS_DIR, ProjectStore } from './project-store.js';
import type { ProjectModality } from './project-store.js';
import { allowedHostsFor, checkRequest, newToken, TOKEN_COOKIE } from './request-guard.js';
import { safeFileName } from './safe-names.js';
import { checkTrainable, checkTrainOptions, trainProject, viewModel } from './training-job.js';
import type { JobEvent, ModelView, StudioTrainOptions } from './training-job.js';
import { EXPORT_TARGETS, STUDIO_EXPORT_FORMATS, writeWebExport } from './web-export.js';
import type { StudioExportFormat } from './web-export.js';

/** The page, its script and styles: plain files, no build step, read from the source tree (also when run from dist/). */
const PUBLIC_DIR = fileURLToPath(new URL('../../src/studio/public/', import.meta.url));
const PUBLIC_FILES = new Set(['index.html', 'app.js', 'style.css']);
/** Project folders the page may read files from (never project.json's siblings in general). */
const SERVED_FOLDERS = new Set(['classes', 'model', EXPORTS_DIR]);
const PAGE_SECURITY = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export interface StartStudioOptions {
  /** The project folder: opened if it holds a project.json, else created from the page. @default '<home>/studio-demo', a demo project of the bundled flower photos */
  project?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. Anything but a loopback address exposes the studio to the network. @default '127.0.0.1' */
  host?: string;
  /** headstart's home (backbones, feature cache). @default defaultHome() */
  home?: string;
}

export interface StudioServer {
  /** The address to open, with the per-run token. */
  url: string;
  port: number;
  host: string;
  projectDir: string;
  /** Said once at start, for the CLI to print (listening beyond this machine). */
  warnings: string[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts the studio's web server on one project folder. */
export async function startStudio(options: StartStudioOptions = {}): Promise<StudioServer> {
  const known = ['project', 'port', 'host', 'home'];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `Unknown startStudio option ${unknown.join(', ')}. Known options: ${known.join(', ')}.`);
  const host = options.host ?? '127.0.0.1';
  const warnings: string[] = [];
  if (!LOOPBACK.has(host)) warnings.push(`Listening on ${host}: anyone who can reach this address and has the URL (with its token) can read and change the project.`);
  const home = options.home ?? defaultHome();
  const projectDir = path.resolve(options.project ?? path.join(home, 'studio-demo'));
  if (options.project === undefined) await createDemoProject(projectDir);
  const studio = new Studio(projectDir, options.home, await ProjectStore.open(projectDir));
  const token = newToken();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new HeadstartError('HS_INVALID_OPTION', `Cannot listen on ${host}:${options.port ?? 0}: ${err.code === 'EADDRINUSE' ? 'the port is in use; pick another with --port' : err.message}.`)),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const allowed = allowedHostsFor(host, port);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://studio.invalid');
    const refusal = checkRequest(req, url, allowed, token);
    if (refusal) {
      req.resume();
      sendJson(res, refusal.status, { error: refusal.message });
      return;
    }
    if (url.searchParams.has('token')) {
      // First load: move the token into a cookie and drop it from the address bar.
      res.writeHead(303, { 'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname });
      res.end();
      return;
    }
    studio.handle(req, res, url).catch((err: unknown) => sendError(res, err));
  });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    host,
    projectDir,
    warnings,
    close: async () => {
      await studio.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Job {
  events: JobEvent[];
  running: boolean;
  controller: AbortController;
}

/** The routes, over one project folder. */
class Studio {
  private job: Job | undefined;
  private readonly listeners = new Set<ServerResponse>();
  private loaded: TransferModel | TextTransferModel | undefined;
  private view: ModelView | undefined;

  constructor(
    private readonly projectDir: string,
    private readonly home: string | undefined,
    private project: ProjectStore | undefined,
  ) {}

  async close(): Promise<void> {
    this.job?.controller.abort();
    for (const res of this.listeners) res.end();
    await this.dropModel();
  }

  private async dropModel(): Promise<void> {
    const model = this.loaded;
    this.loaded = undefined;
    this.view = undefined;
    await model?.dispose();
  }

  private needProject(): ProjectStore {
    if (!this.project) throw new HttpError(409, 'No project yet: create one first.');
    return this.project;
  }

  private get homeOption(): { home?: string } {
    return this.home !== undefined ? { home: this.home } : {};
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname.startsWith('/static/'))) return this.servePublic(res, url.pathname);
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) return this.serveProjectFile(res, url.pathname);
    switch (route) {
      case 'GET /api/state':
        return sendJson(res, 200, await this.state());
      case 'POST /api/project':
        return this.createProject(req, res);
      case 'POST /api/classes': {
        const body = await readJson(req);
        const label = await this.needProject().addClass(String(body.label ?? ''));
        return sendJson(res, 200, { label });
      }
      case 'POST /api/classes/rename': {
        const body = await readJson(req);
        const label = await this.needProject().renameClass(String(body.from ?? ''), String(body.to ?? ''));
        this.view = undefined;
        return sendJson(res, 200, { label });
      }
      case 'POST /api/classes/delete': {
        const body = await readJson(req);
        await this.needProject().deleteClass(String(body.label ?? ''));
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /api/examples': {
        const project = this.needProject();
        const label = url.searchParams.get('label') ?? '';
        const name = url.searchParams.get('name') ?? '';
        const bytes = await readBody(req, MAX_UPLOAD_BYTES, safeFileName(name, 'The file'));
        const stored = await project.addImage(label, name, bytes);
        this.view = undefined;
        return sendJson(res, 200, { label, name: stored });
      }
      case 'POST /api/texts': {
        const body = await readJson(req);
        const result = await this.needProject().addTexts(String(body.label ?? ''), String(body.text ?? ''));
        this.view = undefined;
        return sendJson(res, 200, result);
      }
      case 'POST /api/examples/delete': {
        const body = await readJson(req);
        await this.needProject().deleteExample(String(body.label ?? ''), String(body.name ?? ''));
        this.view = undefined;
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /api/train':
        return this.startTraining(req, res);
      case 'POST /api/train/cancel':
        this.job?.controller.abort();
        return sendJson(res, 200, { cancelling: this.job?.running ?? false });
      case 'GET /api/train/events':
        return this.streamEvents(req, res);
      case 'GET /api/model':
        return sendJson(res, 200, { model: await this.modelView() });
      case 'POST /api/predict':
        return this.predict(req, res, url);
      case 'POST /api/export':
        return this.export(req, res);
      default:
        throw new HttpError(404, `No such page or action: ${route}.`);
    }
  }

  private async state(): Promise<unknown> {
    const project = this.project;
    const home = this.home ?? defaultHome();
    const [images, texts] = await Promise.all([listBackbones({ home }), listTextBackbones({ home })]);
    const manifest = project ? await readModelManifest(project.modelDir).catch(() => undefined) : undefined;
    return {
      projectDir: this.projectDir,
      project: project?.info ?? null,
      classes: project ? await project.listClasses() : [],
      limits: { maxUploadBytes: MAX_UPLOAD_BYTES },
      options: {
        backbones: { image: images.map((c) => c.id), text: texts.map((c) => c.id) },
        defaultBackbone: { image: TRAIN_DEFAULTS.backbone, text: TRAIN_DEFAULTS.textBackbone },
        heads: HEAD_KINDS,
        strategies: ['features', 'finetune'],
        exportFormats: STUDIO_EXPORT_FORMATS,
      },
      trained: manifest ? { createdAt: manifest.createdAt, labels: manifest.labels } : null,
      job: this.job ? { running: this.job.running, events: this.job.events } : null,
    };
  }

  private async createProject(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (this.project) throw new HttpError(409, `${this.projectDir} is already a project.`);
    this.project = await ProjectStore.create(this.projectDir, { name: String(body.name ?? ''), modality: body.modality as ProjectModality });
    sendJson(res, 200, { project: this.project.info });
  }

  private async startTraining(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const project = this.needProject();
    const options: StudioTrainOptions = checkTrainOptions(await readJson(req));
    if (this.job?.running) throw new HttpError(409, 'A training run is already going: wait for it, or cancel it.');
    await checkTrainable(project);
    const job: Job = { events: [], running: true, controller: new AbortController() };
    this.job = job;
    const emit = (event: JobEvent) => {
      job.events.push(event);
      const frame = `data: ${JSON.stringify(event)}\n\n`;
      for (const listener of this.listeners) listener.write(frame);
    };
    emit({ type: 'start', options });
    sendJson(res, 202, { started: true });
    // Progress events arrive per image; the page needs a few per second at most.
    let lastExtract = 0;
    const onProgress = (event: ProgressEvent) => {
      if (event.stage === 'extract' && event.done < event.total && Date.now() - lastExtract < 250) return;
      if (event.stage === 'extract') lastExtract = Date.now();
      emit({ type: 'progress', event });
    };
    try {
      await trainProject(project, options, { ...this.homeOption, signal: job.controller.signal, onProgress });
      await this.dropModel();
      const view = await this.modelView();
      emit({ type: 'done', accuracy: view?.metrics.accuracy ?? Number.NaN, split: view?.split ?? 'test' });
    } catch (err) {
      if (job.controller.signal.aborted) emit({ type: 'cancelled' });
      else emit({ type: 'error', message: err instanceof Error ? err.message : String(err), ...(err instanceof HeadstartError ? { code: err.code } : {}) });
    } finally {
      job.running = false;
    }
  }

  private streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    // A page that (re)connects first gets the current run's events so far.
    for (const event of this.job?.events ?? []) res.write(`data: ${JSON.stringify(event)}\n\n`);
    this.listeners.add(res);
    req.on('close', () => this.listeners.delete(res));
  }

  private async modelView(): Promise<ModelView | undefined> {
    if (!this.view && this.project && (await readModelManifest(this.project.modelDir).catch(() => undefined))) {
      this.view = await viewModel(this.project, await this.model());
    }
    return this.view;
  }

  private async model(): Promise<TransferModel | TextTransferModel> {
    const project = this.needProject();
    if (!this.loaded) {
      const manifest = await readModelManifest(project.modelDir).catch(() => {
        throw new HttpError(409, 'No trained model yet: train one first.');
      });
      this.loaded = manifest.modality === 'text' ? await loadTextModel(project.modelDir, this.homeOption) : await loadModel(project.modelDir, this.homeOption);
    }
    return this.loaded;
  }

  /** Classifies an uploaded image (raw body) or typed text (JSON `{ text }`) with the project's model. */
  private async predict(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const model = await this.model();
    const topK = model.manifest.labels.length;
    if (model.modality === 'text') {
      const text = String((await readJson(req)).text ?? '').trim();
      if (text === '') throw new HttpError(400, 'Type some text to classify.');
      const { predictions } = await predict({ model, texts: [text], topK });
      return sendJson(res, 200, { prediction: predictions[0] });
    }
    const name = safeFileName(url.searchParams.get('name') ?? '', 'upload.jpg');
    const bytes = await readBody(req, MAX_UPLOAD_BYTES, name);
    // predict reads files: the upload goes to a scratch folder inside the project, removed right after.
    const scratch = this.needProject().inside('.studio', 'predict');
    await fs.mkdir(scratch, { recursive: true });
    const file = path.join(scratch, `${Date.now()}-${name}`);
    await fs.writeFile(file, bytes);
    try {
      const { predictions, skipped } = await predict({ model, files: [file], topK, cache: false });
      if (skipped.length > 0 || !predictions[0]) throw new HttpError(400, `${name} could not be read as an image: ${skipped[0]?.reason ?? 'unknown reason'}`);
      return sendJson(res, 200, { prediction: { ...predictions[0], file: name } });
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private async export(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const project = this.needProject();
    const format = (await readJson(req)).format as StudioExportFormat;
    if (!STUDIO_EXPORT_FORMATS.includes(format)) throw new HttpError(400, `Export format must be one of ${STUDIO_EXPORT_FORMATS.join(', ')}.`);
    await this.model();
    const target = project.inside(EXPORTS_DIR, EXPORT_TARGETS[format]);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const result =
      format === 'web'
        ? await writeWebExport({ model: project.modelDir, out: target, ...this.homeOption })
        : await exportModel({ model: project.modelDir, out: target, format, ...this.homeOption });
    const relative = path.relative(project.dir, target).split(path.sep).join('/');
    sendJson(res, 200, { format, path: result.path, url: `/files/${relative}${format === 'onnx' ? '' : '/'}`, sizeBytes: result.sizeBytes });
  }

  private async servePublic(res: ServerResponse, pathname: string): Promise<void> {
    const name = pathname === '/' ? 'index.html' : pathname.slice('/static/'.length);
    if (!PUBLIC_FILES.has(name)) throw new HttpError(404, `No such file: ${pathname}.`);
    const body = await fs.readFile(path.join(PUBLIC_DIR, name));
    res.writeHead(200, { 'Content-Type': contentType(name), 'Cache-Control': 'no-store', ...PAGE_SECURITY });
    res.end(body);
  }

  /** Files of the project (examples, the model's report, exports), by a path checked to stay inside it. */
  private async serveProjectFile(res: ServerResponse, pathname: string): Promise<void> {
    const project = this.needProject();
    const parts = pathname.slice('/files/'.length).split('/').map((p) => decodeURIComponent(p));
    if (parts.at(-1) === '') parts[parts.length - 1] = 'index.html';
    if (!SERVED_FOLDERS.has(parts[0] ?? '') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('/'))) {
      throw new HttpError(404, `No such file: ${pathname}.`);
    }
    const file = project.inside(...parts);
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st?.isFile()) throw new HttpError(404, `No such file: ${pathname}.`);
    res.writeHead(200, { 'Content-Type': contentType(file), 'Content-Length': st.size, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(await fs.readFile(file));
  }
}
