/**
 * Builds assets/flowers-mini: the first 36 images per class (sorted file names) of the shared 400-image
 * tf_flowers subset, downscaled so the short side is 224 px, as JPEG quality 80 without metadata, with the
 * photographers' credit lines. Usage: npx tsx scripts/make-demo-assets.ts [path/to/shared/data/flowers]
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { writeDirAtomic } from '../src/core/index.js';

const PER_CLASS = 36;
const SHORT_SIDE = 224;
const QUALITY = 80;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.resolve(repoRoot, process.argv[2] ?? '../shared/data/flowers');
const targetDir = path.join(repoRoot, 'assets', 'flowers-mini');

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function main(): Promise<void> {
  const attribution = await fs.readFile(path.join(sourceDir, 'ATTRIBUTION.txt'), 'utf8');
  const credits = new Map<string, string>();
  for (const line of attribution.split(/\r?\n/)) {
    const key = line.split(' ', 1)[0] ?? '';
    if (/^[^/\s]+\/[^/\s]+\.jpe?g$/i.test(key)) credits.set(key, line);
  }

  const entries = await fs.readdir(sourceDir, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(byCodePoint);
  if (classes.length === 0) throw new Error(`No class folders in ${sourceDir}.`);

  const chosen: { cls: string; name: string }[] = [];
  for (const cls of classes) {
    const names = (await fs.readdir(path.join(sourceDir, cls)))
      .filter((n) => /\.jpe?g$/i.test(n) && !n.startsWith('.'))
      .sort(byCodePoint)
      .slice(0, PER_CLASS);
    if (names.length < PER_CLASS) throw new Error(`Class ${cls} has only ${names.length} images, need ${PER_CLASS}.`);
    for (const name of names) {
      if (!credits.has(`${cls}/${name}`)) throw new Error(`No credit line for ${cls}/${name} in ATTRIBUTION.txt.`);
      chosen.push({ cls, name });
    }
  }

  await writeDirAtomic(targetDir, async (dir) => {
    for (const { cls, name } of chosen) {
      await fs.mkdir(path.join(dir, cls), { recursive: true });
      const out = path.join(dir, cls, `${path.parse(name).name}.jpg`);
      await sharp(path.join(sourceDir, cls, name), { failOn: 'warning', autoOrient: true })
        .resize({ width: SHORT_SIDE, height: SHORT_SIDE, fit: 'outside', withoutEnlargement: true })
        .toColourspace('srgb')
        .jpeg({ quality: QUALITY })
        .toFile(out);
    }

    const header = [
      'flowers-mini: credits for the images in this folder.',
      'All images are licensed under the Creative Commons Attribution 2.0 licence (CC BY 2.0):',
      'https://creativecommons.org/licenses/by/2.0/',
      'Source: the TensorFlow "flower_photos" dataset (tf_flowers),',
      'http://download.tensorflow.org/example_images/flower_photos.tgz; photos from Flickr.',
      `Changes: the images were downscaled (short side at most ${SHORT_SIDE} px) and re-encoded as JPEG quality ${QUALITY},`,
      'with metadata removed. Per-image credit lines below are copied verbatim from the dataset\'s LICENSE.txt.',
      '',
    ];
    const lines = chosen.map(({ cls, name }) => credits.get(`${cls}/${name}`) as string);
    await fs.writeFile(path.join(dir, 'ATTRIBUTION.txt'), `${[...header, ...lines].join('\n')}\n`);

    const readme = `# flowers-mini

A small demo dataset for headstart: ${classes.length} classes (${classes.join(', ')}), ${PER_CLASS} images each,
${chosen.length} in total, one sub-folder per class.

- **Origin**: the TensorFlow \`flower_photos\` dataset (TFDS \`tf_flowers\`,
  http://download.tensorflow.org/example_images/flower_photos.tgz), Flickr photos. Taken from a balanced 400-image
  subset of it (80 per class): the first ${PER_CLASS} files of each class in sorted file-name order.
- **Licence**: CC BY 2.0 (https://creativecommons.org/licenses/by/2.0/). Each photographer is credited in
  \`ATTRIBUTION.txt\`, one line per image, copied verbatim from the dataset's \`LICENSE.txt\`.
- **How it was made**: \`npx tsx scripts/make-demo-assets.ts\`. Each image was auto-oriented, downscaled so its
  short side is ${SHORT_SIDE} px (smaller images were not enlarged and keep their size), and saved as JPEG
  quality ${QUALITY} with metadata removed. File names are unchanged.
`;
    await fs.writeFile(path.join(dir, 'README.md'), readme);
  });

  let bytes = 0;
  for (const { cls, name } of chosen) bytes += (await fs.stat(path.join(targetDir, cls, `${path.parse(name).name}.jpg`))).size;
  console.log(`Wrote ${chosen.length} images (${(bytes / 1e6).toFixed(2)} MB) to ${path.relative(repoRoot, targetDir)}.`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
