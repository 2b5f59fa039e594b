import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { HeadstartError, invalidOption } from '../core/index.js';

/** How long the first connection may take before the queue counts as unreachable. */
const CONNECT_TIMEOUT_MS = 3000;
/** Reconnection attempts after a connection drops, ~200 ms apart growing to 2 s, before giving up with an error. */
const RECONNECT_ATTEMPTS = 10;

/** ioredis options from a `redis://[user:password@]host:port[/db]` URL (or `rediss://` for TLS). */
export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidOption(`Expected queue to be a Redis URL like redis://localhost:6379. Received: '${url}'.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw invalidOption(`Expected queue to be a Redis URL starting with redis:// or rediss://. Received: '${url}'.`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname || 'localhost',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // BullMQ's blocking commands must wait for a reconnect rather than fail after a few retries...
    maxRetriesPerRequest: null,
    // ...but a Redis that stays away ends the run with an error instead of an endless reconnect loop.
    retryStrategy: (times: number) => (times > RECONNECT_ATTEMPTS ? null : Math.min(times * 200, 2000)),
  };
}

function unreachable(url: string, reason: string, cause?: unknown): HeadstartError {
  return new HeadstartError(
    'HS_QUEUE_UNREACHABLE',
    `Cannot reach the queue at ${url}: ${reason}. Start Redis there (redis-server --port PORT), or check the host and port given to --queue.`,
    { cause },
  );
}

/**
 * Checks that Redis answers at `url`, before any heavy work, then disconnects.
 * @throws HeadstartError `HS_QUEUE_UNREACHABLE` within the connect timeout when nothing answers.
 */
export async function checkQueueReachable(url: string): Promise<void> {
  (await connectRedis(url)).disconnect();
}

/**
 * Connects to Redis once, without retrying, and pings it, so a wrong URL fails within the connect timeout; then
 * returns a connection that retries a bounded number of times if it drops later.
 * @throws HeadstartError `HS_QUEUE_UNREACHABLE` when nothing answers at `url`.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const options = redisOptions(url);
  const probe = new Redis({ ...options, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  probe.on('error', () => undefined); // the rejected connect() below reports it
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw unreachable(url, (err as Error).message || 'connection refused', err);
  } finally {
    probe.disconnect();
  }
  const redis = new Redis(options);
  return new Promise<Redis>((resolve, reject) => {
    redis.once('ready', () => resolve(redis));
    redis.once('end', () => reject(unreachable(url, 'the connection closed')));
    redis.on('error', () => undefined); // a drop is retried by retryStrategy; 'end' reports giving up
  });
}

/**
 * Calls `onLost` once the connection has given up reconnecting, so a run waiting on the queue ends with a clear
 * error; returns the function that stops listening (call it before closing the connection on purpose).
 */
export function onConnectionLost(redis: Redis, url: string, onLost: (err: HeadstartError) => void): () => void {
  const listener = () => onLost(unreachable(url, `the connection dropped and ${RECONNECT_ATTEMPTS} reconnection attempts failed`));
  redis.once('end', listener);
  return () => redis.off('end', listener);
}
