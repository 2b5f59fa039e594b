import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStudio } from '../../src/studio/index.js';
import type { StudioServer } from '../../src/studio/index.js';

/** Reads server-sent events until one of type `until` (or the stream ends); returns the types seen. */
async function readEvents(response: Response, until: string[]): Promise<string[]> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no event stream');
  const decoder = new TextDecoder();
  const types: string[] = [];
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return types;
    buffered += decoder.decode(value, { stream: true });
    const frames = buffered.split('\n\n');
    buffered = frames.pop() ?? '';
    for (const frame of frames) {
      if (!frame.startsWith('data: ')) continue;
      const type = (JSON.parse(frame.slice(6)) as { type: string }).type;
      types.push(type);
      if (until.includes(type)) {
        await reader.cancel();
        return types;
      }
    }
  }
}

describe('startStudio with no project: the demo project', () => {
  let studio: StudioServer | undefined;
  let headers: Record<string, string> = {};
  let origin = '';

  beforeAll(async () => {
    studio = await startStudio({ home: inject('sharedHome'), port: 0 });
    origin = new URL(studio.url).origin;
    headers = { Cookie: `headstart_studio=${new URL(studio.url).searchParams.get('token')}` };
  });
  afterAll(() => studio?.close());

  it('opens the bundled flower photos as a project in the headstart home', async () => {
    expect(studio?.projectDir).toBe(path.join(inject('sharedHome'), 'studio-demo'));
    expect(studio?.warnings).toEqual([]);
    const state = (await (await fetch(`${origin}/api/state`, { headers })).json()) as { project: { modality: string }; classes: { label: string; examples: string[] }[] };
    expect(state.project.modality).toBe('image');
    expect(state.classes.map((c) => c.label)).toEqual(['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']);
    expect(state.classes.every((c) => c.examples.length === 36)).toBe(true);
  });

  it('cancels a training run: the page hears "cancelled" and no model is written', async () => {
    const events = await fetch(`${origin}/api/train/events`, { headers });
    const started = await fetch(`${origin}/api/train`, { method: 'POST', headers, body: '{}' });
    expect(started.status).toBe(202);
    const again = await fetch(`${origin}/api/train`, { method: 'POST', headers, body: '{}' });
    expect(again.status).toBe(409);
    await fetch(`${origin}/api/train/cancel`, { method: 'POST', headers, body: '{}' });
    const types = await readEvents(events, ['cancelled', 'done', 'error']);
    expect(types[0]).toBe('start');
    expect(types.at(-1)).toBe('cancelled');
    expect(existsSync(path.join(studio?.projectDir ?? '', 'model'))).toBe(false);
  });
});
