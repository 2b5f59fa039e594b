import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HeadstartError, invalidOption } from '../core/index.js';

/** One vector to store: the features of the file whose content hashes to `contentHash`. */
export interface FeatureCacheEntry {
  contentHash: string;
  values: Float32Array;
}

const SCHEMA_VERSION = 1;

function toBlob(values: Float32Array): Buffer {
  // A view over exactly the vector's bytes, even when `values` is a subarray of a larger buffer.
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

function fromBlob(blob: Buffer): Float32Array {
  // Copy: a Buffer from SQLite may sit at an offset that is not a multiple of 4 inside a shared pool.
  const copy = new ArrayBuffer(blob.byteLength);
  new Uint8Array(copy).set(blob);
  return new Float32Array(copy);
}

/** The advice every cache failure ends with: the file is only a cache, so deleting it loses nothing but time. */
function deleteAdvice(file: string): string {
  return `It only holds cached features: delete it (and ${path.basename(file)}-wal, -shm beside it) and run again, or pass --no-cache.`;
}

function checkKey(extractorKey: string): void {
  if (typeof extractorKey !== 'string' || extractorKey === '') {
    throw invalidOption(`Expected extractorKey to be a non-empty string. Received: ${JSON.stringify(extractorKey)}.`);
  }
}

/**
 * A persistent store of feature vectors in one SQLite file, keyed by (extractor key, content hash): the extractor
 * key names the model, cut and preprocessing that produced the features, the content hash the file's bytes, so a
 * renamed file is still found and a changed one is not. Vectors are stored as float32 BLOBs and read back exactly.
 *
 * Calls are synchronous (better-sqlite3); call `close()` when done, in a `finally`.
 */
export class FeatureCache {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string, string], { vector: Buffer }>;
  private readonly putStmt: Database.Statement<[string, string, number, Buffer]>;
  private readonly countAllStmt: Database.Statement<[], { n: number }>;
  private readonly countKeyStmt: Database.Statement<[string], { n: number }>;

  private constructor(dbPath: string, db: Database.Database) {
    this.path = dbPath;
    this.db = db;
    this.getStmt = db.prepare('SELECT vector FROM features WHERE extractor_key = ? AND content_hash = ?');
    this.putStmt = db.prepare(
      'INSERT OR REPLACE INTO features (extractor_key, content_hash, dim, vector) VALUES (?, ?, ?, ?)',
    );
    this.countAllStmt = db.prepare('SELECT COUNT(*) AS n FROM features');
    this.countKeyStmt = db.prepare('SELECT COUNT(*) AS n FROM features WHERE extractor_key = ?');
  }

  /**
   * Opens (or creates, with its parent folders) the cache at `dbPath`, in WAL mode.
   * @throws HeadstartError `HS_CACHE_FAILED` if the file cannot be opened or is not a headstart feature cache.
   */
  static open(dbPath: string): FeatureCache {
    const file = path.resolve(dbPath);
    let db: Database.Database | undefined;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== 0 && version !== SCHEMA_VERSION) {
        throw new Error(`schema version ${version}, expected ${SCHEMA_VERSION}`);
      }
      db.exec(`CREATE TABLE IF NOT EXISTS features (
        extractor_key TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (extractor_key, content_hash)
      ) WITHOUT ROWID`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new FeatureCache(file, db);
    } catch (err) {
      db?.close();
      throw new HeadstartError('HS_CACHE_FAILED', `Cannot open feature cache ${file}: ${(err as Error).message}. ${deleteAdvice(file)}`, { cause: err });
    }
  }

  /**
   * Runs a database operation; SQLite's own failures (a damaged page, a full disk) become `HS_CACHE_FAILED` naming
   * the file, since the cache is shared by every run and a damaged one would otherwise fail each of them obscurely.
   */
  private guard<T>(what: string, operation: () => T): T {
    try {
      return operation();
    } catch (err) {
      if (err instanceof HeadstartError) throw err;
      const reason = (err as Error).message;
      const damaged = /malformed|corrupt|not a database/i.test(reason);
      throw new HeadstartError(
        'HS_CACHE_FAILED',
        `Cannot ${what} feature cache ${this.path}: ${damaged ? `the file is damaged (${reason})` : reason}. ${deleteAdvice(this.path)}`,
        { cause: err },
      );
    }
  }

  /** The vector stored for a file's content under an extractor, or `undefined`. */
  get(extractorKey: string, contentHash: string): Float32Array | undefined {
    checkKey(extractorKey);
    const row = this.guard('read', () => this.getStmt.get(extractorKey, contentHash));
    return row === undefined ? undefined : fromBlob(row.vector);
  }

  /** The vectors found for the given hashes; hashes without a stored vector are absent from the map. */
  getMany(extractorKey: string, contentHashes: readonly string[]): Map<string, Float32Array> {
    checkKey(extractorKey);
    const found = new Map<string, Float32Array>();
    const read = this.db.transaction((hashes: readonly string[]) => {
      for (const hash of hashes) {
        if (found.has(hash)) continue;
        const row = this.getStmt.get(extractorKey, hash);
        if (row !== undefined) found.set(hash, fromBlob(row.vector));
      }
    });
    this.guard('read', () => read(contentHashes));
    return found;
  }

  /** Stores vectors in one transaction, replacing any stored under the same key and hash. */
  putMany(extractorKey: string, entries: readonly FeatureCacheEntry[]): void {
    checkKey(extractorKey);
    for (const e of entries) {
      if (!(e.values instanceof Float32Array)) {
        throw invalidOption(`Expected the values of ${e.contentHash} to be a Float32Array.`);
      }
    }
    const write = this.db.transaction((list: readonly FeatureCacheEntry[]) => {
      for (const e of list) this.putStmt.run(extractorKey, e.contentHash, e.values.length, toBlob(e.values));
    });
    this.guard('write to', () => write(entries));
  }

  /** Number of stored vectors, for one extractor key or for all. */
  count(extractorKey?: string): number {
    const row = this.guard('read', () => (extractorKey === undefined ? this.countAllStmt.get() : this.countKeyStmt.get(extractorKey)));
    return row?.n ?? 0;
  }

  /** Closes the database. The cache cannot be used afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
