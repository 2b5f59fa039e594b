import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEMO_DATA_DIR, HeadstartError, listImageFolder, writeDirAtomic } from '../index.js';
import { ProjectStore } from './project-store.js';

/**
 * The project `headstart studio` opens when none is given: the bundled flower photos (5 classes, CC BY 2.0), copied
 * into `dir` once, atomically. An existing project there is opened as it is, with whatever the user changed.
 */
export async function createDemoProject(dir: string): Promise<void> {
  if (await ProjectStore.open(dir)) return;
  if (await fs.stat(dir).catch(() => undefined)) {
    throw new HeadstartError('HS_DATASET_INVALID', `${dir} exists but holds no project.json, so the demo project is not written over it: move it away, or pass --project.`);
  }
  const { items } = await listImageFolder(DEMO_DATA_DIR);
  await writeDirAtomic(dir, async (tmp) => {
    const project = await ProjectStore.create(tmp, { name: 'Flowers (demo)', modality: 'image' });
    for (const item of items) {
      await fs.mkdir(path.join(project.classesDir, item.label), { recursive: true });
      await fs.copyFile(item.path, path.join(project.classesDir, item.label, path.basename(item.path)));
    }
    await fs.copyFile(path.join(DEMO_DATA_DIR, 'ATTRIBUTION.txt'), path.join(tmp, 'ATTRIBUTION.txt'));
  });
}
