import { sha256 } from '../core/index.js';
import { TfIdf, tokenizeWords } from '../data/index.js';
import type { TextBackbone, TextEmbedding, TextModelCard } from '../zoo/index.js';

/** The id a tf-idf model's manifest names as its backbone: the featuriser is in the model directory, not the zoo. */
export const TF_IDF_BACKBONE_ID = 'tf-idf';
/** Where a model directory keeps its fitted vectoriser. */
export const TF_IDF_FILE = 'tfidf.json';

function tfIdfCard(tfidf: TfIdf): TextModelCard {
  const { word, char } = tfidf.json;
  return {
    id: TF_IDF_BACKBONE_ID,
    name: `tf-idf of word ${word.ngrams.join('-')}-grams${char ? ` and character ${char.ngrams.join('-')}-grams` : ''}`,
    modality: 'text',
    kind: 'tf-idf',
    embeddingSize: tfidf.dim,
    defaultPooling: 'tf-idf',
    poolings: ['tf-idf'],
    tokenizer: 'headstart word tokenizer (NFKC, lower case, PTB clitics); character n-grams inside space-padded words',
    vocabularySize: tfidf.dim,
    weightsSource: `fitted on the ${tfidf.json.documents} training texts (no pretrained weights)`,
    trainedOn: `the model's own ${tfidf.json.documents} training texts`,
    licence: 'n/a (fitted on your data)',
    origin: 'user',
  };
}

/** Share of word tokens outside the vectoriser's single-word vocabulary. */
function countUnknown(known: Set<string>, texts: readonly string[]): { tokens: number; unknown: number } {
  let tokens = 0;
  let unknown = 0;
  for (const t of texts) {
    for (const w of tokenizeWords(t)) {
      tokens++;
      if (!known.has(w)) unknown++;
    }
  }
  return { tokens, unknown };
}

/** A fitted tf-idf vectoriser behind the text backbone interface, so textFeatures, predict and eval use it as any backbone. */
export function tfIdfTextBackbone(tfidf: TfIdf): TextBackbone {
  const weightsSha256 = sha256(JSON.stringify(tfidf.toJSON()));
  const known = new Set(tfidf.json.word.terms.filter((t) => !t.includes(' ')));
  return {
    card: tfIdfCard(tfidf),
    pooling: 'tf-idf',
    dim: tfidf.dim,
    weightsSha256,
    featureKey: JSON.stringify({ id: TF_IDF_BACKBONE_ID, weights: weightsSha256 }),
    async embed(texts): Promise<TextEmbedding> {
      const counted = countUnknown(known, texts);
      return { values: tfidf.transform(texts), dim: tfidf.dim, oovRate: counted.tokens ? counted.unknown / counted.tokens : 0, tokens: counted.tokens, unknownTokens: counted.unknown };
    },
    countUnknown: (texts) => countUnknown(known, texts),
    dispose: async () => {},
  };
}

/** Rows of [dense / |dense|, sparse]: the hybrid's features from a backbone's sentence vectors and tf-idf rows. */
export function appendTfIdfRows(dense: Float32Array, denseDim: number, sparse: Float32Array, sparseDim: number, count: number): Float32Array {
  const dim = denseDim + sparseDim;
  const values = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    const row = dense.subarray(r * denseDim, (r + 1) * denseDim);
    let norm = 0;
    for (const v of row) norm += v * v;
    const k = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < denseDim; i++) values[r * dim + i] = (row[i] as number) * k;
    values.set(sparse.subarray(r * sparseDim, (r + 1) * sparseDim), r * dim + denseDim);
  }
  return values;
}

/**
 * A backbone's sentence vector, scaled to unit length, followed by tf-idf features (also unit length): the hybrid
 * that keeps what the word vectors know and the exact words and spellings they blur.
 */
export function hybridTextBackbone(backbone: TextBackbone, tfidf: TfIdf): TextBackbone {
  const sparse = tfIdfTextBackbone(tfidf);
  const dim = backbone.dim + sparse.dim;
  const weightsSha256 = sha256(`${backbone.weightsSha256}+${sparse.weightsSha256}`);
  return {
    card: { ...backbone.card, name: `${backbone.card.name} + ${sparse.card.name}`, embeddingSize: dim },
    pooling: backbone.pooling,
    dim,
    weightsSha256,
    featureKey: JSON.stringify({ hybrid: [backbone.featureKey, sparse.featureKey] }),
    async embed(texts) {
      const dense = await backbone.embed(texts);
      return { ...dense, values: appendTfIdfRows(dense.values, backbone.dim, tfidf.transform(texts), sparse.dim, texts.length), dim };
    },
    countUnknown: (texts) => backbone.countUnknown(texts),
    dispose: () => backbone.dispose(),
  };
}
