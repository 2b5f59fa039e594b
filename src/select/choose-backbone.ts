import { HeadstartError } from '../core/index.js';
import { selectFeatureRows } from '../data/index.js';
import type { FeatureSet } from '../data/index.js';
import { joinFeatureRows } from '../zoo/index.js';
import { scoreLogMe } from './logme.js';

export interface BackboneCandidate {
  id: string;
  /** Its features of the labelled training rows (the same files for every candidate). */
  features: FeatureSet;
  /** Candidates with the same key take the same input images, so their features can be concatenated. */
  inputKey: string;
}

export interface BackboneChoice {
  /** Best first: LogME evidence per row of each candidate's L2-normalised features. */
  ranking: { backbone: string; logme: number; dim: number }[];
  /** One backbone, or the top two when their concatenation scores higher. */
  chosen: string[];
  /** LogME of the top two's concatenation, when they could be concatenated. */
  concatenationLogme?: number;
  reason: string;
}

const fmt = (x: number) => x.toFixed(3);

/**
 * Picks the features to train on by LogME (You et al., 2021), which ranks backbones as a probe's accuracy does
 * without training one. Every candidate is scored on its L2-normalised features (the form a concatenation uses, so
 * the scores compare); then the top two's concatenation is scored, and chosen when it beats the best one alone.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` without candidates.
 */
export function chooseBackbones(candidates: readonly BackboneCandidate[]): BackboneChoice {
  const [first] = candidates;
  if (!first) throw new HeadstartError('HS_INVALID_OPTION', 'chooseBackbones needs at least one candidate backbone.');
  const files = first.features.files;
  const aligned = candidates.map((c) => ({ ...c, features: selectFeatureRows(c.features, files) }));
  const normalized = (sets: readonly FeatureSet[]): FeatureSet => ({
    ...(sets[0] as FeatureSet),
    values: joinFeatureRows(sets, files.length),
    dim: sets.reduce((sum, s) => sum + s.dim, 0),
  });
  const scored = aligned
    .map((c) => ({ candidate: c, logme: scoreLogMe(normalized([c.features])) }))
    .sort((a, b) => b.logme - a.logme);
  const ranking = scored.map((s) => ({ backbone: s.candidate.id, logme: s.logme, dim: s.candidate.features.dim }));
  const [best, second] = scored;
  if (!best) throw new HeadstartError('HS_INVALID_OPTION', 'chooseBackbones needs at least one candidate backbone.');
  const alone = `${best.candidate.id} has the highest LogME on the training images (${fmt(best.logme)})`;
  if (!second) return { ranking, chosen: [best.candidate.id], reason: `${best.candidate.id} is the only candidate` };
  const others = `; next ${second.candidate.id} (${fmt(second.logme)})`;
  if (second.candidate.inputKey !== best.candidate.inputKey) {
    return { ranking, chosen: [best.candidate.id], reason: `${alone}${others}, which cannot be concatenated with it (another input size, or a registered backbone)` };
  }
  const concatenationLogme = scoreLogMe(normalized([best.candidate.features, second.candidate.features]));
  const pair = `${best.candidate.id} + ${second.candidate.id}`;
  if (concatenationLogme > best.logme) {
    return {
      ranking,
      chosen: [best.candidate.id, second.candidate.id],
      concatenationLogme,
      reason: `the concatenation ${pair} scores LogME ${fmt(concatenationLogme)} on the training images, above the best single backbone, ${best.candidate.id} (${fmt(best.logme)})`,
    };
  }
  return { ranking, chosen: [best.candidate.id], concatenationLogme, reason: `${alone}${others}; their concatenation scores lower (${fmt(concatenationLogme)})` };
}
