import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeadstartError } from '../index.js';

/** Largest image accepted per upload. Photos from phones are 2-8 MB; anything bigger is refused before it is stored. */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;
/** Largest JSON body (pasted text included). */
export const MAX_JSON_BYTES = 2 * 1024 * 1024;

/** An error the page shows as is: its status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body up to `limit` bytes. A larger body (by its Content-Length, or as it streams in) is refused
 * with 413; the rest is drained unread so the browser still receives the message instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, `${what} is too large: ${(Number(req.headers['content-length'] ?? 0) / 1e6).toFixed(1)} MB, the limit is ${(limit / 1e6).toFixed(0)} MB. It was not added.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_JSON_BYTES, 'The request');
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'The request body is not a JSON object.');
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

/** Errors as the page sees them: a HeadstartError's message and code, never a stack trace. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
  else if (err instanceof HeadstartError) sendJson(res, err.code === 'HS_FILE_NOT_FOUND' ? 404 : 400, { error: err.message, code: err.code });
  else sendJson(res, 500, { error: `Internal error: ${err instanceof Error ? err.message : String(err)}` });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  const dot = file.lastIndexOf('.');
  return CONTENT_TYPES[dot >= 0 ? file.slice(dot).toLowerCase() : ''] ?? 'application/octet-stream';
}
