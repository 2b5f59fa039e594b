import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';

/** The cookie that carries the per-run token after the first page load. */
export const TOKEN_COOKIE = 'headstart_studio';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Why a request is refused (HTTP status and a message for the page), or undefined when it may proceed. */
export interface Refusal {
  status: number;
  message: string;
}

/**
 * The checks every request passes before any route runs:
 * - Host must be one the server answers to (defeats DNS rebinding: a page on evil.example resolving to 127.0.0.1);
 * - Origin, when the browser sends one, must be the studio's own (defeats cross-site requests);
 * - the per-run token, from the URL or the cookie set after the first load (only the person who started it gets in).
 */
export function checkRequest(req: IncomingMessage, url: URL, allowedHosts: ReadonlySet<string>, token: string): Refusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowedHosts.has(host)) return { status: 403, message: `Host "${host}" is not this studio's address.` };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return { status: 403, message: 'Malformed Origin header.' };
    }
    if (!allowedHosts.has(originHost)) return { status: 403, message: `Requests from ${origin} are not allowed.` };
  } else if (origin === 'null') {
    return { status: 403, message: 'Requests from opaque origins are not allowed.' };
  }
  if (!sameToken(url.searchParams.get('token') ?? cookieValue(req, TOKEN_COOKIE), token)) {
    return { status: 403, message: 'Missing or wrong studio token: open the URL that `headstart studio` printed.' };
  }
  return undefined;
}

/** The Host header values this server answers to, for a port and the address it listens on. */
export function allowedHostsFor(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host]);
  // Listening on every interface: the machine's own addresses are what other devices type.
  if (host === '0.0.0.0' || host === '::') {
    for (const addresses of Object.values(os.networkInterfaces())) for (const a of addresses ?? []) names.add(a.address);
  }
  const bracketed = [...names].map((n) => (n.includes(':') && !n.startsWith('[') ? `[${n}]` : n));
  return new Set(bracketed.map((n) => `${n.toLowerCase()}:${port}`));
}
