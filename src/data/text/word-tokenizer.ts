/** Apostrophes and quote-like marks that join clitics ("don’t"), folded to ASCII before splitting. */
const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;

/** A run of letters, digits and combining marks, or one character that is neither (punctuation, symbol). */
const TOKEN = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;

/** English clitics split off as separate tokens, Penn Treebank style, as GloVe's corpus was tokenised. */
const CLITIC = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/;

/**
 * Splits text into lower-case word tokens: NFKC-normalised, curly apostrophes folded to `'`, runs of letters and
 * digits kept together, every other non-space character its own token, and English clitics split off as GloVe's
 * (Penn Treebank) tokenisation did: "Don't!" gives ["do", "n't", "!"].
 */
export function tokenizeWords(text: string): string[] {
  const normal = text.normalize('NFKC').replace(APOSTROPHES, "'").toLowerCase();
  const tokens: string[] = [];
  // Words with inner apostrophes are matched whole first, so their clitics can be split the PTB way.
  for (const chunk of normal.split(/\s+/)) {
    if (chunk === '') continue;
    for (const piece of chunk.match(/[\p{L}\p{N}\p{M}]+(?:'[\p{L}\p{N}\p{M}]+)*|[^\p{L}\p{N}\p{M}]/gu) ?? []) {
      const clitic = piece.includes("'") ? CLITIC.exec(piece) : null;
      const stem = clitic ? (clitic[1] as string) : piece;
      tokens.push(...(stem.includes("'") ? (stem.match(TOKEN) ?? []) : [stem]));
      if (clitic) tokens.push(clitic[2] as string);
    }
  }
  return tokens;
}
