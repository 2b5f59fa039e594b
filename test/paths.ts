import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
/** The shared data folder that sits beside the repository (also in CI). */
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
export const FLOWERS = path.join(SHARED_DATA, 'flowers');
export const FLOWERS_MINI = path.join(REPO_ROOT, 'assets/flowers-mini');
/** Free Spoken Digit Dataset: {digit}_{speaker}_{index}.wav, 8 kHz mono 16-bit (see its SOURCE.md). */
export const FSDD_RECORDINGS = path.join(SHARED_DATA, 'fsdd/recordings');
/** UCI Sentiment Labelled Sentences: {imdb,amazon_cells,yelp}_labelled.txt, sentence<TAB>label (see its SOURCE.md). */
export const SENTIMENT = path.join(SHARED_DATA, 'sentiment-sentences');
/** Coral TFLite models beside the repository (five; two of them also ship in assets/models/coral). */
export const CORAL_MODELS = path.resolve(REPO_ROOT, '../shared/models/coral');
